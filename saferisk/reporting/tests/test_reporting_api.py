"""The reporting API end to end: a regulator opens a campaign, the enterprise prepares and its
principal submits, the regulator returns and then accepts, and the progress moves at each step;
scoping (another county: 404), roles (403 with a code) and validation (422 with a code)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferisk.conftest import TOWN_A
from saferisk.core.models import AuditEvent
from saferisk.reporting import exchange
from saferisk.reporting.models import ReportTask, RiskReport
from saferisk.reporting.services import progress_totals
from saferisk.risks.services import completeness_gap, risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db

API = "/api/v1/reporting"
DEADLINE = timezone.localdate() + dt.timedelta(days=30)


def _post(client: Client, path: str, body: Any = None, **query: Any) -> Any:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return client.post(f"{API}{path}{suffix}", data=json.dumps(body or {}), content_type="application/json")


def _get(client: Client, path: str, **params: Any) -> Any:
    return client.get(f"{API}{path}", params)


def _ready(world: Any) -> None:
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)  # LARGE
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "液氯泄漏", "inputs": {"L": 6, "E": 6, "C": 15}},  # MAJOR
    )


def _open(world: Any, **data: Any) -> dict[str, Any]:
    r = _post(
        world.client(world.county_regulator),
        "/campaigns",
        {"kind": "first", "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )
    assert r.status_code == 201, r.content
    return r.json()


def _progress(world: Any, campaign_id: int, **params: Any) -> dict[str, Any]:
    r = _get(world.client(world.county_regulator), f"/campaigns/{campaign_id}/progress", **params)
    assert r.status_code == 200, r.content
    return r.json()


def test_the_whole_path_through_the_api(world: Any) -> None:
    _ready(world)
    county = world.client(world.county_regulator)
    filler = world.client(world.enterprise_filler)
    principal = world.client(world.enterprise_principal)

    campaign = _open(world)
    assert (campaign["kind"], campaign["enterprises"], campaign["region_name"]) == ("first", 2, "江宁区")
    listed = _get(county, "/campaigns").json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]]
    assert _progress(world, campaign["id"])["totals"]["not_started"] == 2

    # The filler sees its own task only.
    tasks = _get(filler, "/tasks", campaign=campaign["id"]).json()
    assert tasks["count"] == 1
    task = tasks["items"][0]
    assert (task["enterprise_id"], task["state"], task["overdue"]) == (world.ent_a.pk, "not_started", False)
    assert _get(county, "/tasks", campaign=campaign["id"]).json()["count"] == 2

    # Prepare: the draft with the catalogue gap explained.
    gap = {item.code: "本企业不涉及该工艺" for item in completeness_gap(world.ent_a)}
    r = _post(filler, f"/tasks/{task['id']}/prepare", {"gap_explanations": gap})
    assert r.status_code == 200, r.content
    draft = r.json()
    assert (draft["state"], draft["number"], draft["prepared_by"]) == ("draft", 1, "enterprise_filler")
    assert [x["level"] for x in draft["risks"]] == ["MAJOR", "LARGE"]
    assert _progress(world, campaign["id"])["totals"]["draft"] == 1

    # Only the principal submits, and only when declaring the report true.
    r = _post(filler, f"/tasks/{task['id']}/submit", {"declared": True})
    assert (r.status_code, r.json()["code"]) == (403, "principal_only")
    r = _post(principal, f"/tasks/{task['id']}/submit", {"declared": False})
    assert (r.status_code, r.json()["code"]) == (422, "declaration_required")
    r = _post(principal, f"/tasks/{task['id']}/submit", {"declared": True})
    assert r.status_code == 200, r.content
    first = r.json()
    assert (first["state"], first["submitted_by"], first["major_count"], first["large_count"]) == (
        "submitted",
        "enterprise_principal",
        1,
        1,
    )

    # The review queue, oldest first; the enterprise cannot review; a return needs a reason.
    queue = _get(county, "/review-queue").json()
    assert [(i["id"], i["enterprise_name"]) for i in queue["items"]] == [(first["id"], "江宁化工有限公司")]
    r = _post(filler, f"/reports/{first['id']}/review", {"decision": "accept"})
    assert (r.status_code, r.json()["code"]) == (403, "regulator_only")
    r = _post(county, f"/reports/{first['id']}/review", {"decision": "return"})
    assert (r.status_code, r.json()["code"]) == (422, "reason_required")
    r = _post(county, f"/reports/{first['id']}/review", {})
    assert (r.status_code, r.json()["code"]) == (422, "decision_required")
    r = _post(county, f"/reports/{first['id']}/review", {"decision": "maybe"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    r = _post(county, f"/reports/{first['id']}/review", {"decision": "return", "risk_reasons": {"0": "?"}})
    assert (r.status_code, r.json()["code"]) == (422, "risk_unknown")
    risk_id = str(first["risks"][1]["id"])
    r = _post(
        county,
        f"/reports/{first['id']}/review",
        {"decision": "return", "comment": "管控措施不具体", "risk_reasons": {risk_id: "写明联锁设定值"}},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["risk_reasons"]) == ("returned", {risk_id: "写明联锁设定值"})
    totals = _progress(world, campaign["id"])["totals"]
    assert (totals["returned"], totals["filed"], totals["unfiled"]) == (1, 0, 2)

    # Resubmitted and accepted: the progress counts the accepted report's risks.
    r = _post(principal, f"/tasks/{task['id']}/submit", {"declared": True})
    second = r.json()
    assert (second["number"], second["state"]) == (2, "submitted")
    r = _post(county, f"/reports/{second['id']}/review", {"decision": "accept", "comment": "同意"})
    assert (r.status_code, r.json()["state"], r.json()["reviewed_by"]) == (
        200,
        "accepted",
        "county_regulator",
    )
    progress = _progress(world, campaign["id"])
    totals = progress["totals"]
    assert (totals["accepted"], totals["not_started"], totals["tasks"]) == (1, 1, 2)
    assert (totals["major"], totals["large"], totals["completion"], totals["filing"]) == (1, 1, 50.0, 50.0)
    reference = progress_totals(ReportTask.objects.get(pk=task["id"]).campaign, "320115")
    assert {s: totals[s] for s in ("not_started", "draft", "submitted", "returned", "accepted")} == {
        s: reference[s] for s in ("not_started", "draft", "submitted", "returned", "accepted")
    }
    towns = {c["code"]: c for c in progress["children"]}
    assert (towns[TOWN_A]["tasks"], towns[TOWN_A]["accepted"]) == (2, 1)
    assert progress["region_code"] == "320115"

    # The history of the task, newest first, and one report in full.
    history = _get(filler, f"/tasks/{task['id']}/reports").json()
    assert [(h["number"], h["state"]) for h in history] == [(2, "accepted"), (1, "returned")]
    detail = _get(filler, f"/reports/{first['id']}").json()
    assert (detail["review_comment"], detail["gap_explanations"]) == ("管控措施不具体", gap)
    assert _get(county, "/tasks", campaign=campaign["id"], state="accepted").json()["count"] == 1
    assert _get(county, "/review-queue").json()["count"] == 0


def test_scoping_and_roles(world: Any) -> None:
    _ready(world)
    campaign = _open(world)
    task = ReportTask.objects.get(campaign_id=campaign["id"], enterprise=world.ent_a)
    other = world.client(world.other_county_regulator)
    for path in (
        f"/campaigns/{campaign['id']}",
        f"/campaigns/{campaign['id']}/progress",
        f"/tasks/{task.pk}",
        f"/tasks/{task.pk}/reports",
    ):
        r = _get(other, path)
        assert (r.status_code, r.json()["code"]) == (404, "not_found"), path
    assert _get(other, "/tasks").json()["count"] == 0
    assert _get(other, "/campaigns").json()["count"] == 0
    r = _post(other, f"/tasks/{task.pk}/prepare")
    assert r.status_code == 404
    # The other enterprise cannot reach ent_a's task either.
    r = _get(world.client(world.other_enterprise_filler), f"/tasks/{task.pk}")
    assert r.status_code == 404
    # A regulator prepares nothing: the enterprise does.
    r = _post(world.client(world.county_regulator), f"/tasks/{task.pk}/prepare")
    assert (r.status_code, r.json()["code"]) == (403, "enterprise_only")
    # Progress is for regulators; a department does not open campaigns.
    r = _get(world.client(world.enterprise_filler), f"/campaigns/{campaign['id']}/progress")
    assert (r.status_code, r.json()["code"]) == (403, "regulator_only")
    r = _post(
        world.client(world.dept_regulator), "/campaigns", {"kind": "annual", "deadline": DEADLINE.isoformat()}
    )
    assert (r.status_code, r.json()["code"]) == (403, "department_cannot_open")
    r = _get(world.client(world.county_regulator), f"/campaigns/{campaign['id']}/progress", region="320506")
    assert (r.status_code, r.json()["code"]) == (422, "region_outside")
    assert not RiskReport.objects.exists()


def test_validation_errors_have_codes(world: Any) -> None:
    county = world.client(world.county_regulator)
    cases = [
        (_post(county, "/campaigns", {"kind": "weekly", "deadline": DEADLINE.isoformat()}), "kind_invalid"),
        (_post(county, "/campaigns", {"kind": "first", "deadline": "next month"}), "date_invalid"),
        (
            _post(county, "/campaigns", {"kind": "first", "deadline": "2026-01-01", "region": "320506"}),
            "region_outside",
        ),
        (_post(county, "/campaigns/annual", {"year": 1900}), "invalid_input"),
        (_post(county, "/campaigns", {"deadline": "2026-01-01"}), "invalid_input"),
        (_get(county, "/tasks", state="lost"), "state_invalid"),
        (_get(county, "/tasks", region="abc"), "region_invalid"),
        (_get(county, "/review-queue", region="32"), "region_invalid"),
        (_get(county, "/exchange/export", since="yesterday"), "invalid_input"),
    ]
    for r, code in cases:
        assert (r.status_code, r.json()["code"]) == (422, code), r.content
    campaign = _open(world)
    task = ReportTask.objects.get(campaign_id=campaign["id"], enterprise=world.ent_a)
    r = _post(world.client(world.enterprise_principal), f"/tasks/{task.pk}/submit", {})
    assert (r.status_code, r.json()["code"]) == (422, "declaration_required")
    r = _post(world.client(world.enterprise_principal), f"/tasks/{task.pk}/submit", {"declared": "perhaps"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    r = _post(world.client(world.enterprise_principal), f"/tasks/{task.pk}/submit", {"declared": True})
    assert (r.status_code, r.json()["code"]) == (422, "fields_missing")
    assert "企业地址" in r.json()["message"]
    r = _post(county, f"/campaigns/{campaign['id']}/exchange/import", {"format": "x"})
    assert (r.status_code, r.json()["code"]) == (422, "format_unknown")


def test_task_filters_overdue(world: Any) -> None:
    campaign = _open(world)
    county = world.client(world.county_regulator)
    assert _get(county, "/tasks", campaign=campaign["id"], overdue="true").json()["count"] == 0
    ReportTask.objects.filter(campaign_id=campaign["id"], enterprise=world.ent_a).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    late = _get(county, "/tasks", campaign=campaign["id"], overdue="true").json()
    assert [(t["enterprise_id"], t["overdue"]) for t in late["items"]] == [(world.ent_a.pk, True)]
    assert _get(county, "/tasks", campaign=campaign["id"], state="overdue").json()["count"] == 1
    on_time = _get(county, "/tasks", campaign=campaign["id"], overdue="false").json()
    assert [t["enterprise_id"] for t in on_time["items"]] == [world.ent_a_power.pk]
    by_name = _get(county, "/tasks", q="热电").json()
    assert [t["enterprise_id"] for t in by_name["items"]] == [world.ent_a_power.pk]


def test_the_annual_campaign(world: Any) -> None:
    year = timezone.localdate().year + 1
    r = _post(world.client(world.county_regulator), "/campaigns/annual", {"year": year})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["deadline"], body["region_id"]) == ("annual", f"{year}-03-31", "320115")
    assert AuditEvent.objects.filter(action="reporting_campaign.opened", object_id=str(body["id"])).exists()


def test_exchange_through_the_api(world: Any) -> None:
    _ready(world)
    campaign = _open(world)
    task = ReportTask.objects.get(campaign_id=campaign["id"], enterprise=world.ent_a)
    gap = {item.code: "不涉及" for item in completeness_gap(world.ent_a)}
    filler, principal = world.client(world.enterprise_filler), world.client(world.enterprise_principal)
    county = world.client(world.county_regulator)
    _post(filler, f"/tasks/{task.pk}/prepare", {"gap_explanations": gap})
    report = _post(principal, f"/tasks/{task.pk}/submit", {"declared": True}).json()
    _post(county, f"/reports/{report['id']}/review", {"decision": "accept"})

    schema = _get(county, "/exchange/schema").json()
    assert schema == exchange.schema()
    document = _get(county, "/exchange/export", campaign=campaign["id"]).json()
    assert [r["exchange_id"] for r in document["reports"]] == [report["exchange_id"]]
    assert _get(world.client(world.other_county_regulator), "/exchange/export").json()["reports"] == []
    r = _get(world.client(world.other_county_regulator), "/exchange/export", campaign=campaign["id"])
    assert r.status_code == 404

    # Into a fresh campaign after the original is gone: a dry run, the import, then again.
    ReportTask.objects.get(pk=task.pk).campaign.delete()
    target = _open(world)
    r = _post(county, f"/campaigns/{target['id']}/exchange/import", document, dry_run="true")
    assert r.status_code == 200, r.content
    assert (r.json()["dry_run"], r.json()["imported"]) == (True, 1)
    assert not RiskReport.objects.exists()
    r = _post(county, f"/campaigns/{target['id']}/exchange/import", document)
    assert (r.json()["imported"], r.json()["rows"][0]["outcome"]) == (1, "imported")
    imported = r.json()["rows"][0]["report_id"]
    detail = _get(county, f"/reports/{imported}").json()
    assert (detail["source"], detail["reviewed_by"], detail["exchange_id"]) == (
        "saferisk",
        "county_regulator",
        report["exchange_id"],
    )
    assert _progress(world, target["id"])["totals"]["accepted"] == 1
    r = _post(county, f"/campaigns/{target['id']}/exchange/import", document)
    assert (r.json()["imported"], r.json()["unchanged"]) == (0, 1)
    r = _post(filler, f"/campaigns/{target['id']}/exchange/import", document)
    assert (r.status_code, r.json()["code"]) == (403, "regulator_only")
    r = _post(
        world.client(world.other_county_regulator), f"/campaigns/{target['id']}/exchange/import", document
    )
    assert r.status_code == 404


def test_lists_cost_the_same_queries_however_many_rows(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saferisk.testing.makers import make_enterprise

    for n in range(4):
        make_enterprise(region=TOWN_A, industry="2614", name=f"江宁第{n}化工有限公司")
    _open(world)
    _open(world, kind="annual", year=timezone.localdate().year)
    county = world.client(world.county_regulator)

    def queries(path: str, size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = _get(county, path, page_size=size)
        assert r.status_code == 200
        assert len(r.json()["items"]) == size
        return len(ctx.captured_queries)

    for path in ("/tasks", "/campaigns"):
        assert queries(path, 1) == queries(path, 2), path
    assert queries("/tasks", 6) == queries("/tasks", 1)
