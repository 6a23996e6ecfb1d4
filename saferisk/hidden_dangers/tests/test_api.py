"""The hidden-danger API end to end: the closed loop with its versions (409 on a stale one, 422
on an illegal step), photos, extensions, checklists and inspections, listed supervision across
levels; scoping (another county or enterprise: 404) and roles (403 with a code)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from saferisk.core.models import AuditEvent
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState
from saferisk.hidden_dangers.models import (
    Checklist,
    DeadlineExtension,
    HiddenDanger,
    HiddenDangerEvent,
    ListedSupervision,
    Photo,
)
from saferisk.hidden_dangers.tests.factories import make_hd, make_risk, photo

pytestmark = pytest.mark.django_db

API = "/api/v1/hidden-dangers"
TODAY = timezone.localdate


def _post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(body or {}), content_type="application/json")


def _patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(f"{API}{path}", data=json.dumps(body), content_type="application/json")


def _get(client: Client, path: str, **params: Any) -> Any:
    return client.get(f"{API}{path}", params)


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def _in(days: int) -> str:
    return (TODAY() + dt.timedelta(days=days)).isoformat()


# --- The closed loop -----------------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(world: Any) -> None:
    filler = world.client(world.enterprise_filler)
    principal = world.client(world.enterprise_principal)

    # Register: a line is enough; the photo follows.
    hd = _ok(_post(filler, "/items", {"enterprise_id": world.ent_a.pk, "title": "消防通道堵塞"}), 201)
    assert (hd["state"], hd["source"], hd["version"], hd["enterprise_name"]) == (
        "found",
        "self_check",
        1,
        "江宁化工有限公司",
    )
    assert hd["allowed_actions"] == ["assess"]
    pk = hd["id"]
    shot = _ok(filler.post(f"{API}/items/{pk}/photos", {"stage": "found", "photo": photo()}), 201)
    assert (shot["stage"], max(shot["width"], shot["height"])) == ("found", 1600)
    assert shot["url"] == reverse("hidden_dangers:photo", args=[shot["id"]])

    # Assess, with the version read; a second click on the same version is refused, not applied.
    deadline = _in(10)
    assessed = _ok(
        _post(filler, f"/items/{pk}/assess", {"version": 1, "grade": "general", "deadline": deadline})
    )
    assert (assessed["state"], assessed["deadline"], assessed["version"]) == ("assessed", deadline, 2)
    r = _post(filler, f"/items/{pk}/assess", {"version": 1, "grade": "general", "deadline": _in(20)})
    assert _error(r) == (409, "stale")
    assert str(HiddenDanger.objects.get(pk=pk).deadline) == deadline
    assert HiddenDangerEvent.objects.filter(hidden_danger_id=pk, action="assess").count() == 1
    r = _post(filler, f"/items/{pk}/plan", {"measures": "清理通道", "owner_name": "李四"})
    assert _error(r) == (422, "version_required")

    # Plan; the regulator does not plan for the enterprise.
    r = _post(
        world.client(world.county_regulator),
        f"/items/{pk}/plan",
        {"version": 2, "measures": "清理通道", "owner_name": "李四"},
    )
    assert _error(r) == (403, "enterprise_only")
    planned = _ok(
        _post(
            filler,
            f"/items/{pk}/plan",
            {"version": 2, "measures": "清理通道", "owner_name": "李四", "funds": "1200.50"},
        )
    )
    assert (planned["state"], planned["owner_name"], planned["funds"], planned["version"]) == (
        "rectifying",
        "李四",
        "1200.50",
        3,
    )

    # An action the state does not allow is a clear 422 and changes nothing.
    r = _post(principal, f"/items/{pk}/accept", {"version": 3})
    assert _error(r) == (422, "illegal_transition")
    assert "整改中" in r.json()["message"]
    assert HiddenDanger.objects.get(pk=pk).version == 3

    rectified = _ok(_post(filler, f"/items/{pk}/rectified", {"version": 3, "note": "已清理"}))
    assert (rectified["state"], rectified["on_time"], rectified["rectified_by"]) == (
        "rectified",
        True,
        "enterprise_filler",
    )
    assert rectified["allowed_actions"] == ["refuse_acceptance", "accept"]
    r = _post(filler, f"/items/{pk}/accept", {"version": 4})
    assert _error(r) == (422, "same_person")
    r = _post(principal, f"/items/{pk}/refuse", {"version": 4})
    assert _error(r) == (422, "note_required")
    refused = _ok(_post(principal, f"/items/{pk}/refuse", {"version": 4, "note": "仍有杂物"}))
    assert (refused["state"], refused["version"]) == ("rectifying", 5)
    _ok(_post(filler, f"/items/{pk}/rectified", {"version": 5, "note": "杂物已清走"}))
    accepted = _ok(_post(principal, f"/items/{pk}/accept", {"version": 6, "note": "合格"}))
    assert (accepted["state"], accepted["accepted_by"]) == ("accepted", "enterprise_principal")

    # Only the principal or a regulator closes.
    r = _post(filler, f"/items/{pk}/close", {"version": 7})
    assert _error(r) == (403, "cannot_close")
    closed = _ok(_post(principal, f"/items/{pk}/close", {"version": 7}))
    assert (closed["state"], closed["allowed_actions"], closed["version"]) == ("closed", [], 8)
    assert [e["action"] for e in closed["events"]] == [
        "register",
        "assess",
        "plan",
        "report_rectified",
        "refuse_acceptance",
        "report_rectified",
        "accept",
        "close",
    ]
    assert [p["id"] for p in closed["photos"]] == [shot["id"]]
    assert AuditEvent.objects.filter(action="hidden_danger.closed", object_id=str(pk)).count() == 1


def test_regulator_registers_a_finding_already_assessed(world: Any) -> None:
    county = world.client(world.county_regulator)
    body = {
        "enterprise_id": world.ent_a.pk,
        "title": "储罐区可燃气体报警器失效",
        "grade": "major",
        "criteria": ["chemical_2017_1"],
        "deadline": _in(30),
    }
    hd = _ok(_post(county, "/items", body), 201)
    assert (hd["source"], hd["state"], hd["grade"], hd["criteria"]) == (
        "inspection",
        "assessed",
        "major",
        ["chemical_2017_1"],
    )
    assert hd["reported_at"] is not None  # a major one is reported at once
    # Outside the county the enterprise does not exist; a tip-off is not the enterprise's source.
    r = _post(world.client(world.other_county_regulator), "/items", body)
    assert _error(r) == (404, "not_found")
    r = _post(
        world.client(world.enterprise_filler),
        "/items",
        {"enterprise_id": world.ent_a.pk, "title": "x", "source": "tip_off"},
    )
    assert _error(r) == (422, "bad_source")
    r = _post(world.client(world.enterprise_filler), "/items", {"title": "x"})
    assert _error(r) == (422, "enterprise_required")
    r = _post(
        world.client(world.enterprise_filler), "/items", {"enterprise_id": world.ent_b.pk, "title": "x"}
    )
    assert _error(r) == (404, "not_found")
    assert HiddenDanger.objects.count() == 1


def test_photos_must_be_images(world: Any) -> None:
    hd = make_hd(world)
    filler = world.client(world.enterprise_filler)
    text = SimpleUploadedFile("现场.jpg", b"not a picture at all", content_type="image/jpeg")
    r = filler.post(f"{API}/items/{hd.pk}/photos", {"photo": text})
    assert _error(r) == (422, "photo_not_image")
    assert _error(filler.post(f"{API}/items/{hd.pk}/photos", {"stage": "found"})) == (422, "photo_required")
    r = filler.post(f"{API}/items/{hd.pk}/photos", {"stage": "later", "photo": photo()})
    assert _error(r) == (422, "stage_invalid")
    png = _ok(
        filler.post(
            f"{API}/items/{hd.pk}/photos", {"stage": "rectified", "photo": photo("a.png", fmt="PNG")}
        ),
        201,
    )
    assert (png["stage"], png["width"], png["height"]) == ("rectified", 1600, 1200)
    r = world.client(world.other_enterprise_filler).post(f"{API}/items/{hd.pk}/photos", {"photo": photo()})
    assert _error(r) == (404, "not_found")
    assert Photo.objects.count() == 1


# --- Scoping -------------------------------------------------------------------------------------------


def test_outsiders_get_404_and_lists_stay_in_scope(world: Any) -> None:
    mine = make_hd(world, HiddenDangerState.ASSESSED)
    theirs = make_hd(world, enterprise=world.ent_b, title="吴中的隐患")
    for who in ("other_county_regulator", "other_enterprise_filler"):
        client = world.client(getattr(world, who))
        assert _error(_get(client, f"/items/{mine.pk}")) == (404, "not_found")
        r = _post(
            client, f"/items/{mine.pk}/plan", {"version": mine.version, "measures": "x", "owner_name": "y"}
        )
        assert _error(r) == (404, "not_found")
        r = _post(client, f"/items/{mine.pk}/listings", {"deadline": _in(5), "requirements": "x"})
        assert _error(r) == (404, "not_found")
    assert [i["id"] for i in _ok(_get(world.client(world.county_regulator), "/items"))["items"]] == [mine.pk]
    assert [i["id"] for i in _ok(_get(world.client(world.province_regulator), "/items"))["items"]] == [
        theirs.pk,
        mine.pk,
    ]
    assert [i["id"] for i in _ok(_get(world.client(world.other_enterprise_filler), "/items"))["items"]] == [
        theirs.pk
    ]
    # A department's regulator sees the industries it supervises only (ent_a is chemicals).
    assert _ok(_get(world.client(world.dept_regulator), "/items"))["count"] == 0
    detail = _ok(_get(world.client(world.county_regulator), f"/items/{mine.pk}"))
    assert (detail["state"], detail["allowed_actions"], detail["version"]) == ("assessed", ["plan"], 2)


def test_list_filters_orders_and_cursor(world: Any) -> None:
    late = make_hd(world, HiddenDangerState.RECTIFYING, title="甲")
    HiddenDanger.objects.filter(pk=late.pk).update(deadline=TODAY() - dt.timedelta(days=3))  # time passed
    soon = make_hd(world, HiddenDangerState.ASSESSED, title="乙", deadline=TODAY() + dt.timedelta(days=2))
    later = make_hd(world, HiddenDangerState.ASSESSED, title="丙", deadline=TODAY() + dt.timedelta(days=9))
    fresh = make_hd(world, title="丁")
    major = make_hd(world, HiddenDangerState.ASSESSED, title="戊", grade=HiddenDangerGrade.MAJOR)
    county = world.client(world.county_regulator)

    newest = _ok(_get(county, "/items"))
    assert [i["id"] for i in newest["items"]] == [major.pk, fresh.pk, later.pk, soon.pk, late.pk]
    overdue = _ok(_get(county, "/items", state="overdue"))["items"]
    assert [(i["id"], i["overdue"], i["days_overdue"]) for i in overdue] == [(late.pk, True, 3)]
    by_deadline = _ok(_get(county, "/items", state="unrectified", order="deadline"))
    assert [i["id"] for i in by_deadline["items"]] == [late.pk, soon.pk, later.pk, major.pk]
    assert _ok(_get(county, "/items", grade="major"))["count"] == 1
    assert [i["id"] for i in _ok(_get(county, "/items", state="found"))["items"]] == [fresh.pk]
    assert _ok(_get(county, "/items", q="丙"))["items"][0]["id"] == later.pk
    assert _ok(_get(county, "/items", region="320115001", division="26"))["count"] == 5
    assert _ok(_get(county, "/items", region="320506"))["count"] == 0
    assert _ok(_get(county, "/items", enterprise=world.ent_a_power.pk))["count"] == 0

    # The cursor walks a keyset order page by page, by deadline as well as newest first.
    walked: list[int] = []
    page = _ok(_get(county, "/items", order="deadline", page_size=2))
    while True:
        walked += [i["id"] for i in page["items"]]
        if not page["next"]:
            break
        page = _ok(_get(county, "/items", order="deadline", page_size=2, after=page["next"]))
    assert walked == [late.pk, soon.pk, later.pk, major.pk]
    page = _ok(_get(county, "/items", page_size=3))
    assert [i["id"] for i in _ok(_get(county, "/items", page_size=3, after=page["next"]))["items"]] == [
        soon.pk,
        late.pk,
    ]

    for params, code in (
        ({"state": "lost"}, "state_invalid"),
        ({"grade": "huge"}, "grade_invalid"),
        ({"source": "rumour"}, "source_invalid"),
        ({"division": "2614"}, "division_invalid"),
        ({"region": "jiangning"}, "region_invalid"),
        ({"order": "oldest"}, "invalid_input"),
    ):
        assert _error(_get(county, "/items", **params)) == (422, code), params


# --- Deadline extensions ---------------------------------------------------------------------------


def test_extension_requested_and_decided(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    old = hd.deadline
    assert old is not None
    filler = world.client(world.enterprise_filler)
    new = _in(40)
    r = _post(
        world.client(world.county_regulator),
        f"/items/{hd.pk}/extensions",
        {"new_deadline": new, "reason": "设备到货晚"},
    )
    assert _error(r) == (403, "enterprise_only")
    ext = _ok(_post(filler, f"/items/{hd.pk}/extensions", {"new_deadline": new, "reason": "设备到货晚"}), 201)
    assert (ext["state"], ext["old_deadline"], ext["new_deadline"], ext["requested_by"]) == (
        "pending",
        old.isoformat(),
        new,
        "enterprise_filler",
    )
    r = _post(filler, f"/items/{hd.pk}/extensions", {"new_deadline": _in(50), "reason": "再延"})
    assert _error(r) == (422, "extension_pending")

    # Outsiders cannot see it; the requester cannot decide; a decision must say yes or no.
    assert _error(
        _post(
            world.client(world.other_county_regulator), f"/extensions/{ext['id']}/decision", {"approve": True}
        )
    ) == (
        404,
        "not_found",
    )
    assert _error(_post(filler, f"/extensions/{ext['id']}/decision", {"approve": True})) == (
        403,
        "cannot_decide",
    )
    principal = world.client(world.enterprise_principal)
    assert _error(_post(principal, f"/extensions/{ext['id']}/decision", {})) == (422, "approve_required")
    decided = _ok(_post(principal, f"/extensions/{ext['id']}/decision", {"approve": True, "note": "同意"}))
    assert (decided["state"], decided["decided_by"], decided["decision_note"]) == (
        "approved",
        "enterprise_principal",
        "同意",
    )
    detail = _ok(_get(filler, f"/items/{hd.pk}"))
    assert detail["deadline"] == new
    assert [(e["id"], e["state"]) for e in detail["extensions"]] == [(ext["id"], "approved")]
    assert _error(_post(principal, f"/extensions/{ext['id']}/decision", {"approve": False, "note": "x"})) == (
        422,
        "already_decided",
    )
    assert DeadlineExtension.objects.get().state == "approved"


# --- Checklists and inspections ---------------------------------------------------------------------


def test_checklists_generated_listed_and_changed(world: Any) -> None:
    make_risk(world, tier="post", measures=2)
    make_risk(world, name="配电室触电", tier="team", measures=1)
    filler = world.client(world.enterprise_filler)
    county = world.client(world.county_regulator)

    r = _post(county, "/checklists/generate", {"enterprise_id": world.ent_a.pk})
    assert _error(r) == (403, "enterprise_only")
    r = _post(
        world.client(world.other_enterprise_filler), "/checklists/generate", {"enterprise_id": world.ent_a.pk}
    )
    assert _error(r) == (404, "not_found")
    assert _ok(_post(filler, "/checklists/generate", {"enterprise_id": world.ent_a.pk})) == {
        "checklists": 2,
        "items": 3,
    }
    assert _ok(_post(filler, "/checklists/generate", {"enterprise_id": world.ent_a.pk})) == {
        "checklists": 0,
        "items": 0,
    }

    listed = _ok(_get(county, "/checklists", enterprise_id=world.ent_a.pk))
    assert sorted((c["tier"], c["frequency"]) for c in listed["items"]) == [
        ("post", "daily"),
        ("team", "weekly"),
    ]
    post = Checklist.objects.get(tier="post")
    detail = _ok(_get(county, f"/checklists/{post.pk}"))
    assert [i["text"] for i in detail["items"]] == ["储罐区火灾爆炸：措施1", "储罐区火灾爆炸：措施2"]
    assert _error(_get(world.client(world.other_county_regulator), f"/checklists/{post.pk}")) == (
        404,
        "not_found",
    )
    assert _ok(_get(world.client(world.other_county_regulator), "/checklists"))["count"] == 0

    due = _ok(_get(filler, "/due"))
    assert sorted(c["id"] for c in due["items"]) == sorted(Checklist.objects.values_list("pk", flat=True))

    changed = _ok(
        _patch(
            filler,
            f"/checklists/{post.pk}",
            {"frequency": "monthly", "assignee_id": world.enterprise_principal.pk},
        )
    )
    assert (changed["frequency"], changed["assignee_name"], changed["name"]) == (
        "monthly",
        "enterprise_principal",
        post.name,
    )
    r = _patch(filler, f"/checklists/{post.pk}", {"assignee_id": world.other_enterprise_filler.pk})
    assert _error(r) == (422, "assignee_elsewhere")
    assert _error(_patch(filler, f"/checklists/{post.pk}", {"frequency": "hourly"})) == (422, "bad_frequency")
    assert _error(_patch(county, f"/checklists/{post.pk}", {"active": False})) == (403, "enterprise_only")
    paused = _ok(_patch(filler, f"/checklists/{post.pk}", {"active": False, "assignee_id": None}))
    assert (paused["active"], paused["assignee_id"], paused["frequency"]) == (False, None, "monthly")
    assert post.pk not in [c["id"] for c in _ok(_get(filler, "/due"))["items"]]


def test_self_check_opens_a_hidden_danger_and_moves_the_schedule(world: Any) -> None:
    make_risk(world, tier="post", measures=2)
    filler = world.client(world.enterprise_filler)
    _ok(_post(filler, "/checklists/generate", {"enterprise_id": world.ent_a.pk}))
    checklist = Checklist.objects.get()

    r = _post(filler, "/inspections", {"enterprise_id": world.ent_a.pk})
    assert _error(r) == (422, "checklist_required")
    inspection = _ok(
        _post(filler, "/inspections", {"enterprise_id": world.ent_a.pk, "checklist_id": checklist.pk}), 201
    )
    assert (inspection["kind"], inspection["state"], inspection["items"]) == ("self_check", "open", 2)
    first, second = inspection["results"]
    pk = inspection["id"]

    assert _error(_post(filler, f"/inspections/{pk}/finish")) == (422, "items_unanswered")
    failed = _ok(
        _post(filler, f"/inspection-results/{first['id']}", {"outcome": "fail", "note": "灭火器过期"})
    )
    assert failed["outcome"] == "fail"
    assert failed["hidden_danger_id"] is not None
    hd = HiddenDanger.objects.get(pk=failed["hidden_danger_id"])
    assert (hd.title, hd.source, hd.inspection_id) == ("灭火器过期", "self_check", pk)
    assert _error(_post(filler, f"/inspection-results/{second['id']}", {})) == (422, "bad_outcome")
    _ok(_post(filler, f"/inspection-results/{second['id']}", {"outcome": "pass"}))
    assert _error(_post(filler, f"/inspection-results/{first['id']}", {"outcome": "pass"})) == (
        422,
        "hidden_danger_open",
    )
    # The regulator reads the enterprise's self-check but does not tick it.
    county = world.client(world.county_regulator)
    assert _error(_post(county, f"/inspection-results/{second['id']}", {"outcome": "fail"})) == (
        403,
        "not_inspector",
    )
    assert _error(_get(world.client(world.other_county_regulator), f"/inspections/{pk}")) == (
        404,
        "not_found",
    )
    assert _error(
        _post(
            world.client(world.other_enterprise_filler),
            f"/inspection-results/{first['id']}",
            {"outcome": "pass"},
        )
    ) == (
        404,
        "not_found",
    )

    finished = _ok(_post(filler, f"/inspections/{pk}/finish", {"note": "完成"}))
    assert (finished["state"], finished["items"], finished["failed"]) == ("finished", 2, 1)
    checklist.refresh_from_db()
    assert checklist.last_inspected_on == TODAY()
    assert checklist.next_due_on == TODAY() + dt.timedelta(days=1)  # post level: daily
    assert _error(_post(filler, f"/inspections/{pk}/items", {"text": "补充"})) == (422, "inspection_finished")
    assert [i["id"] for i in _ok(_get(county, "/inspections"))["items"]] == [pk]
    assert _ok(_get(county, "/inspections", kind="regulator"))["count"] == 0


def test_regulator_inspection_with_items_of_its_own(world: Any) -> None:
    county = world.client(world.county_regulator)
    inspection = _ok(
        _post(county, "/inspections", {"enterprise_id": world.ent_a.pk, "title": "执法检查"}), 201
    )
    assert (inspection["kind"], inspection["items"], inspection["results"]) == ("regulator", 0, [])
    pk = inspection["id"]
    assert _error(_post(county, f"/inspections/{pk}/items", {})) == (422, "text_required")
    item = _ok(_post(county, f"/inspections/{pk}/items", {"text": "动火作业票证", "place": "合成车间"}), 201)
    assert (item["text"], item["place"], item["item_id"]) == ("动火作业票证", "合成车间", None)
    filler = world.client(world.enterprise_filler)
    assert _error(_post(filler, f"/inspections/{pk}/items", {"text": "x"})) == (403, "not_inspector")
    result = _ok(_post(county, f"/inspection-results/{item['id']}", {"outcome": "fail", "note": "无动火票"}))
    finding = _ok(_get(filler, f"/items/{result['hidden_danger_id']}"))
    assert (finding["source"], finding["state"], finding["place"]) == ("inspection", "found", "合成车间")
    r = _post(world.client(world.other_county_regulator), "/inspections", {"enterprise_id": world.ent_a.pk})
    assert _error(r) == (404, "not_found")


# --- Listed supervision ----------------------------------------------------------------------------


def test_city_listing_followed_by_the_county_and_lifted(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING, grade=HiddenDangerGrade.MAJOR)
    filler = world.client(world.enterprise_filler)
    principal = world.client(world.enterprise_principal)
    city = world.client(world.city_regulator)
    county = world.client(world.county_regulator)
    body = {
        "deadline": _in(30),
        "requirements": "30日内完成整改并报告",
        "document_number": "宁安督〔2026〕1号",
    }

    assert _error(_post(filler, f"/items/{hd.pk}/listings", body)) == (403, "cannot_list")
    general = make_hd(world, HiddenDangerState.ASSESSED, title="一般隐患")
    assert _error(_post(city, f"/items/{general.pk}/listings", body)) == (422, "not_major")
    assert _error(_post(city, f"/items/{hd.pk}/listings", {"requirements": "x"})) == (422, "bad_deadline")
    listed = _ok(_post(city, f"/items/{hd.pk}/listings", body), 201)
    assert (listed["level"], listed["authority_code"], listed["state"], listed["hidden_danger_title"]) == (
        "city",
        "320100",
        "listed",
        hd.title,
    )
    lid = listed["id"]
    assert _error(_post(county, f"/items/{hd.pk}/listings", body)) == (422, "already_listed")

    # The county follows the city's listing: sees it, reports progress, but does not check it.
    assert [i["id"] for i in _ok(_get(county, "/listings", state="listed"))["items"]] == [lid]
    assert _ok(_get(county, "/listings", state="lifted"))["count"] == 0
    assert _error(_get(world.client(world.other_county_regulator), f"/listings/{lid}")) == (404, "not_found")
    assert _ok(_get(world.client(world.other_county_regulator), "/listings"))["count"] == 0
    progress = _ok(_post(filler, f"/listings/{lid}/progress", {"text": "设备已订货"}))
    assert [(p["text"], p["author"]) for p in progress["progress"]] == [("设备已订货", "enterprise_filler")]
    assert _error(_post(county, f"/listings/{lid}/check", {"passed": True, "note": "合格"})) == (
        403,
        "not_listing_authority",
    )
    assert _error(_post(filler, f"/listings/{lid}/lift", {})) == (403, "not_listing_authority")
    assert _error(_post(city, f"/listings/{lid}/check", {"passed": True, "note": "合格"})) == (
        422,
        "not_accepted_yet",
    )
    assert _error(_post(city, f"/listings/{lid}/check", {"note": "合格"})) == (422, "passed_required")

    # The enterprise rectifies and accepts; closing waits for the listing to be lifted.
    _ok(_post(filler, f"/items/{hd.pk}/rectified", {"version": hd.version, "note": "已更换"}))
    accepted = _ok(_post(principal, f"/items/{hd.pk}/accept", {"version": hd.version + 1}))
    assert [x["id"] for x in accepted["listings"]] == [lid]
    assert _error(_post(county, f"/items/{hd.pk}/close", {"version": hd.version + 2})) == (
        422,
        "still_listed",
    )
    assert _error(_post(city, f"/listings/{lid}/lift", {})) == (422, "check_required")
    checked = _ok(_post(city, f"/listings/{lid}/check", {"passed": True, "note": "整改到位"}))
    assert (checked["check_passed"], checked["check_note"]) == (True, "整改到位")
    lifted = _ok(_post(city, f"/listings/{lid}/lift", {"note": "摘牌"}))
    assert (lifted["state"], lifted["lift_note"]) == ("lifted", "摘牌")
    assert [i["id"] for i in _ok(_get(county, "/listings", state="lifted"))["items"]] == [lid]
    closed = _ok(_post(county, f"/items/{hd.pk}/close", {"version": hd.version + 2}))
    assert closed["state"] == "closed"
    assert [e["action"] for e in closed["events"]] == [
        "register",
        "assess",
        "report",
        "plan",
        "listed",
        "progress",
        "report_rectified",
        "accept",
        "checked",
        "lifted",
        "close",
    ]
    assert ListedSupervision.objects.get().state == "lifted"


# --- Statistics ----------------------------------------------------------------------------------------


def test_statistics_of_the_callers_view(world: Any) -> None:
    make_hd(world, HiddenDangerState.CLOSED, title="已销号")
    late = make_hd(world, HiddenDangerState.RECTIFYING, grade=HiddenDangerGrade.MAJOR, title="逾期")
    HiddenDanger.objects.filter(pk=late.pk).update(deadline=TODAY() - dt.timedelta(days=1))
    make_hd(world, enterprise=world.ent_b, title="吴中")

    county = _ok(_get(world.client(world.county_regulator), "/statistics"))
    assert (county["year"], county["root"]["code"], county["region"]["code"], county["child_level"]) == (
        TODAY().year,
        "320115",
        "320115",
        "town",
    )
    totals = county["totals"]
    assert (totals["found"], totals["rectified"], totals["closed"], totals["unrectified"]) == (2, 1, 1, 1)
    assert (totals["major"], totals["major_unrectified"], totals["overdue"]) == (1, 1, 1)
    assert (totals["rectification_rate"], totals["on_time_rate"]) == (50.0, 100.0)
    assert totals["states"] == {
        "found": 0,
        "assessed": 0,
        "rectifying": 1,
        "rectified": 0,
        "accepted": 0,
        "closed": 1,
    }
    town = next(r for r in county["regions"] if r["code"] == "320115001")
    assert (town["found"], town["overdue"], town["drill"]) == (2, 1, False)  # a town leads to the list
    assert [(g["code"], g["found"]) for g in county["grades"]] == [("general", 1), ("major", 1)]
    assert [(d["code"], d["found"]) for d in county["divisions"]] == [("26", 2)]
    assert county["trend"]["found"][TODAY().month - 1] == 2

    province = _ok(_get(world.client(world.province_regulator), "/statistics"))
    assert province["totals"]["found"] == 3
    drilled = _ok(_get(world.client(world.province_regulator), "/statistics", region="320115", division="26"))
    assert (drilled["region"]["code"], drilled["totals"]["found"], drilled["trend"]) == ("320115", 2, None)
    assert [r["code"] for r in drilled["trail"]] == ["320000", "320100", "320115"]

    r = _get(world.client(world.county_regulator), "/statistics", region="320506")
    assert _error(r) == (422, "region_outside")
    assert _error(_get(world.client(world.county_regulator), "/statistics", region="99")) == (
        422,
        "region_invalid",
    )
    assert _error(_get(world.client(world.county_regulator), "/statistics", region="329999")) == (
        422,
        "region_unknown",
    )
    assert _error(_get(world.client(world.county_regulator), "/statistics", division="c")) == (
        422,
        "division_invalid",
    )
    # Enterprises read their own ledger, not the regulators' statistics: empty figures.
    own = _ok(_get(world.client(world.enterprise_filler), "/statistics"))
    assert (own["root"], own["region"], own["totals"]["found"], own["regions"]) == (None, None, 0, [])


def test_lists_cost_the_same_whatever_their_length(world: Any) -> None:
    """No query per row: a list of one and a list of four take the same number of queries."""
    county = world.client(world.county_regulator)
    city = world.client(world.city_regulator)

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            _ok(_get(county, path))
        return len(captured)

    filler = world.client(world.enterprise_filler)

    def grow(tier: str) -> None:
        hd = make_hd(world, HiddenDangerState.RECTIFYING, grade=HiddenDangerGrade.MAJOR)
        _ok(_post(city, f"/items/{hd.pk}/listings", {"deadline": _in(9), "requirements": "督办"}), 201)
        _ok(_post(county, "/inspections", {"enterprise_id": world.ent_a.pk}), 201)
        make_risk(world, name=f"{tier}风险", tier=tier, measures=1)
        _ok(_post(filler, "/checklists/generate", {"enterprise_id": world.ent_a.pk}))
        Checklist.objects.filter(tier=tier).update(assignee=world.enterprise_principal)

    grow("post")
    before = {path: queries(path) for path in ("/items", "/listings", "/inspections", "/checklists", "/due")}
    for tier in ("team", "workshop", "company"):
        grow(tier)
    after = {path: queries(path) for path in before}
    assert after == before
    assert [_ok(_get(county, path))["count"] for path in before] == [4, 4, 4, 4, 4]
