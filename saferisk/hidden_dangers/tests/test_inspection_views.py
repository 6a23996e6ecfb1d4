"""The inspection pages, driven through the Django test client as the people who use them: the
enterprise's self-check from its checklist (pass, fail with a photo → a hidden danger, finish),
a regulator's inspection with its own items, the due list and the list of inspections."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from saferisk.core.models import AuditEvent
from saferisk.hidden_dangers import inspections
from saferisk.hidden_dangers.choices import HiddenDangerSource, InspectionKind, InspectionState, Outcome
from saferisk.hidden_dangers.models import Checklist, HiddenDanger, Inspection, InspectionResult, Photo
from saferisk.hidden_dangers.tests.factories import make_risk, photo

pytestmark = pytest.mark.django_db

START = reverse("hidden_dangers:inspection_start")
NEW = reverse("hidden_dangers:inspection_new")
DUE = reverse("hidden_dangers:due_list")
LIST = reverse("hidden_dangers:inspection_list")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def _checklist(world: Any, measures: int = 2) -> tuple[Any, Checklist]:
    risk = make_risk(world, measures=measures)
    inspections.generate(actor=world.enterprise_filler, enterprise=world.ent_a)
    return risk, Checklist.objects.get(enterprise=world.ent_a, tier="post")


def _detail(inspection: Inspection | int) -> str:
    pk = inspection if isinstance(inspection, int) else inspection.pk
    return reverse("hidden_dangers:inspection_detail", args=[pk])


def _record(inspection: Inspection, result: InspectionResult) -> str:
    return reverse("hidden_dangers:inspection_record", args=[inspection.pk, result.pk])


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_due_list_for_the_filler_and_the_mine_toggle(world: Any) -> None:
    _, checklist = _checklist(world)
    filler = world.client(world.enterprise_filler)

    r = filler.get(DUE)
    html = r.content.decode()
    assert r.status_code == 200
    assert f'data-checklist="{checklist.pk}"' in html
    assert 'data-testid="due-start"' in html

    # Assigned to the principal: the filler's "mine" view drops it, the principal's keeps it.
    inspections.checklist_update(
        actor=world.enterprise_filler,
        checklist=checklist,
        name=checklist.name,
        frequency=checklist.frequency,
        assignee=world.enterprise_principal,
        active=True,
    )
    assert f'data-checklist="{checklist.pk}"' not in filler.get(DUE, {"mine": "1"}).content.decode()
    assert f'data-checklist="{checklist.pk}"' in filler.get(DUE).content.decode()
    principal = world.client(world.enterprise_principal)
    assert f'data-checklist="{checklist.pk}"' in principal.get(DUE, {"mine": "1"}).content.decode()

    # Overdue by three days: shown with the days late.
    Checklist.objects.filter(pk=checklist.pk).update(next_due_on=timezone.localdate() - dt.timedelta(days=3))
    r = filler.get(DUE)
    row = re.search(rf'<tr data-checklist="{checklist.pk}">(.*?)</tr>', r.content.decode(), re.S)
    assert row is not None
    assert "data-overdue" in row.group(1)
    assert '<span class="text-danger">3</span>' in row.group(1)

    # Not yet due: off the list. Other enterprises never see it.
    Checklist.objects.filter(pk=checklist.pk).update(next_due_on=timezone.localdate() + dt.timedelta(days=1))
    assert f'data-checklist="{checklist.pk}"' not in filler.get(DUE).content.decode()
    Checklist.objects.filter(pk=checklist.pk).update(next_due_on=timezone.localdate())
    other = world.client(world.other_enterprise_filler).get(DUE).content.decode()
    assert f'data-checklist="{checklist.pk}"' not in other


def test_self_check_pass_fail_with_photo_and_finish(world: Any) -> None:
    risk, checklist = _checklist(world)
    client = world.client(world.enterprise_filler)

    r = client.post(START, {"checklist": checklist.pk})
    inspection = Inspection.objects.get()
    assert r.status_code == 302
    assert r["Location"] == _detail(inspection)
    assert inspection.kind == InspectionKind.SELF_CHECK
    assert inspection.items == 2
    first, second = inspection.results.order_by("sort_order")

    # The page: one form per card, with the stable selectors the browser test uses.
    html = client.get(_detail(inspection)).content.decode()
    for result in (first, second):
        assert f'id="result-{result.pk}" data-result="{result.pk}"' in html
        assert f'action="{_record(inspection, result)}"' in html
    assert html.count('enctype="multipart/form-data"') == 2
    assert (
        html.count('name="photos" accept="image/jpeg,image/png,image/webp" capture="environment" multiple')
        == 2
    )
    assert html.count('type="radio" class="btn-check" name="outcome"') == 6
    assert ">保存</button>" in html
    assert 'data-answered="0" data-total="2"' in html

    # Starting again continues the open one.
    r = client.post(START, {"checklist": checklist.pk})
    assert r["Location"] == _detail(inspection)
    assert Inspection.objects.count() == 1

    r = client.post(_record(inspection, first), {"outcome": "pass"})
    assert r["Location"] == f"{_detail(inspection)}#result-{second.pk}"

    # Finishing with one item unanswered is refused and changes nothing.
    r = client.post(reverse("hidden_dangers:inspection_finish", args=[inspection.pk]), follow=True)
    assert _messages(r)[-1] == "还有 1 项未检查，请逐项填写后再结束"
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.OPEN
    assert 'data-answered="1" data-total="2"' in r.content.decode()

    r = client.post(
        _record(inspection, second),
        {"outcome": "fail", "note": "防火堤有裂缝", "photos": [photo()]},
    )
    assert r["Location"] == f"{_detail(inspection)}#finish"
    hd = HiddenDanger.objects.get()
    assert (hd.source, hd.place, hd.risk_id, hd.inspection_id, hd.enterprise_id) == (
        HiddenDangerSource.SELF_CHECK,
        "储罐区",
        risk.pk,
        inspection.pk,
        world.ent_a.pk,
    )
    assert hd.title == "防火堤有裂缝"
    stored = Photo.objects.get()
    assert stored.hidden_danger_id == hd.pk
    assert stored.result_id == second.pk
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.outcome, second.outcome, second.hidden_danger_id) == (Outcome.PASS, Outcome.FAIL, hd.pk)

    html = client.get(_detail(inspection)).content.decode()
    assert f'data-hidden-danger="{hd.pk}"' in html
    assert f'href="{reverse("hidden_dangers:hd_detail", args=[hd.pk])}"' in html
    assert f'src="{reverse("hidden_dangers:photo", args=[stored.pk])}"' in html
    assert client.get(reverse("hidden_dangers:photo", args=[stored.pk])).status_code == 200

    r = client.post(reverse("hidden_dangers:inspection_finish", args=[inspection.pk]), {"note": "总体良好"})
    assert r.status_code == 302
    inspection.refresh_from_db()
    checklist.refresh_from_db()
    today = timezone.localdate()
    assert (inspection.state, inspection.items, inspection.failed) == (InspectionState.FINISHED, 2, 1)
    assert checklist.last_inspected_on == today
    assert checklist.next_due_on == today + dt.timedelta(days=1)  # a post checklist is daily

    # Finished: read-only, with its findings; a late save is refused.
    html = client.get(_detail(inspection)).content.decode()
    assert "inspection_record" not in html
    assert 'name="outcome"' not in html
    assert f'data-finding="{hd.pk}"' in html
    r = client.post(_record(inspection, first), {"outcome": "fail"}, follow=True)
    assert _messages(r)[-1].endswith("这次检查已经结束")
    first.refresh_from_db()
    assert first.outcome == Outcome.PASS
    assert f'data-checklist="{checklist.pk}"' not in client.get(DUE).content.decode()


def test_bad_input_is_a_clear_message_and_changes_nothing(world: Any) -> None:
    _, checklist = _checklist(world, measures=1)
    client = world.client(world.enterprise_filler)
    client.post(START, {"checklist": checklist.pk})
    inspection = Inspection.objects.get()
    (result,) = inspection.results.all()

    r = client.post(_record(inspection, result), {"note": "x"}, follow=True)
    assert _messages(r)[-1].endswith("请选择合格、不合格或不适用")
    assert r.redirect_chain[-1][0] == f"{_detail(inspection)}#result-{result.pk}"

    not_an_image = io.BytesIO(b"not a photo")
    not_an_image.name = "a.jpg"
    r = client.post(_record(inspection, result), {"outcome": "fail", "photos": [not_an_image]}, follow=True)
    assert _messages(r)[-1].endswith("只能上传 JPEG、PNG 或 WebP 格式的照片")
    result.refresh_from_db()
    assert result.outcome == ""
    assert HiddenDanger.objects.count() == 0
    assert Photo.objects.count() == 0

    # A result of another inspection cannot be reached through this one.
    other_list = Checklist.objects.create(
        enterprise=world.ent_a, tier="team", name="班组", frequency="weekly"
    )
    inspections.item_save(actor=world.enterprise_filler, checklist=other_list, text="其他")
    other = inspections.start(actor=world.enterprise_filler, enterprise=world.ent_a, checklist=other_list)
    foreign = other.results.get()
    url = reverse("hidden_dangers:inspection_record", args=[inspection.pk, foreign.pk])
    assert client.post(url, {"outcome": "pass"}).status_code == 404

    # A checklist out of reach cannot be started.
    r = client.post(START, {"checklist": 999999}, follow=True)
    assert _messages(r)[-1] in {"Choose the checklist to inspect.", "请选择要排查的清单。"}
    assert Inspection.objects.count() == 2


def test_regulator_inspects_with_own_items_and_the_enterprise_reads_it(world: Any) -> None:
    _checklist(world)
    regulator = world.client(world.county_regulator)

    r = regulator.get(NEW, {"enterprise": world.ent_a.pk})
    assert r.status_code == 200
    assert world.ent_a.name in r.content.decode()
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = regulator.post(
        NEW, {"enterprise": world.ent_a.pk, "checklist": "", "title": "", "inspected_on": future}
    )
    assert r.status_code == 422
    assert "检查日期不能晚于今天" in r.content.decode()
    assert Inspection.objects.count() == 0

    today = timezone.localdate().isoformat()
    r = regulator.post(
        NEW,
        {"enterprise": world.ent_a.pk, "checklist": "", "title": "危化品专项执法检查", "inspected_on": today},
    )
    inspection = Inspection.objects.get()
    assert r["Location"] == _detail(inspection)
    assert (inspection.kind, inspection.items, inspection.title) == (
        InspectionKind.REGULATOR,
        0,
        "危化品专项执法检查",
    )

    r = regulator.post(
        reverse("hidden_dangers:inspection_add_item", args=[inspection.pk]),
        {"text": "危险化学品仓库通风设施完好", "place": "甲类仓库"},
    )
    result = inspection.results.get()
    assert r["Location"] == f"{_detail(inspection)}#result-{result.pk}"
    assert result.place == "甲类仓库"

    r = regulator.post(
        _record(inspection, result), {"outcome": "fail", "note": "通风机损坏", "photos": [photo()]}
    )
    assert r.status_code == 302
    hd = HiddenDanger.objects.get()
    assert (hd.source, hd.place, hd.inspection_id, hd.found_by_id) == (
        HiddenDangerSource.INSPECTION,
        "甲类仓库",
        inspection.pk,
        world.county_regulator.pk,
    )
    assert hd.photos.count() == 1

    # The enterprise reads it (with the hidden danger), but cannot tick or finish it.
    filler = world.client(world.enterprise_filler)
    html = filler.get(_detail(inspection)).content.decode()
    assert f'data-hidden-danger="{hd.pk}"' in html
    assert 'name="outcome"' not in html
    assert 'data-testid="inspection-finish"' not in html
    events = AuditEvent.objects.count()
    r = filler.post(_record(inspection, result), {"outcome": "pass"}, follow=True)
    assert _messages(r)[-1].endswith("您不能修改这次检查")
    r = filler.post(reverse("hidden_dangers:inspection_finish", args=[inspection.pk]), follow=True)
    assert _messages(r)[-1] == "您不能修改这次检查"
    assert AuditEvent.objects.count() == events
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.OPEN

    regulator.post(reverse("hidden_dangers:inspection_finish", args=[inspection.pk]))
    inspection.refresh_from_db()
    assert (inspection.state, inspection.failed) == (InspectionState.FINISHED, 1)
    html = filler.get(_detail(inspection)).content.decode()
    assert f'data-finding="{hd.pk}"' in html
    assert f'data-inspection="{inspection.pk}"' in filler.get(LIST).content.decode()

    # Outside the jurisdiction: not found, and nothing changes.
    stranger = world.client(world.other_county_regulator)
    assert stranger.get(_detail(inspection)).status_code == 404
    assert stranger.post(_record(inspection, result), {"outcome": "pass"}).status_code == 404
    assert stranger.post(reverse("hidden_dangers:inspection_finish", args=[inspection.pk])).status_code == 404
    assert (
        stranger.post(
            reverse("hidden_dangers:inspection_add_item", args=[inspection.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert stranger.get(NEW, {"enterprise": world.ent_a.pk}).status_code == 404
    assert f'data-inspection="{inspection.pk}"' not in stranger.get(LIST).content.decode()
    assert world.client(world.other_enterprise_filler).get(_detail(inspection)).status_code == 404


def test_regulator_without_enterprise_is_sent_to_the_directory(world: Any) -> None:
    r = world.client(world.county_regulator).get(NEW)
    assert r.status_code == 302
    assert r["Location"] == reverse("enterprises:enterprise_list")
    assert world.client(world.expert).get(NEW).status_code == 404


def test_inspection_list_filters_and_export(world: Any) -> None:
    _, checklist = _checklist(world)
    own = inspections.start(actor=world.enterprise_filler, enterprise=world.ent_a, checklist=checklist)
    theirs = inspections.start(actor=world.county_regulator, enterprise=world.ent_a, title="执法检查甲")
    other = Inspection.objects.create(
        enterprise=world.ent_b,
        region_code=world.ent_b.region_id,
        kind=InspectionKind.REGULATOR,
        title="吴中检查",
        inspector=world.other_county_regulator,
        inspected_on=timezone.localdate(),
    )

    def seen(user: Any, **params: Any) -> set[int]:
        html = world.client(user).get(LIST, params).content.decode()
        return {int(pk) for pk in re.findall(r'data-inspection="(\d+)"', html)}

    assert seen(world.county_regulator) == {own.pk, theirs.pk}
    assert seen(world.enterprise_filler) == {own.pk, theirs.pk}
    assert seen(world.other_county_regulator) == {other.pk}
    assert seen(world.admin) == {own.pk, theirs.pk, other.pk}
    assert seen(world.county_regulator, kind="regulator") == {theirs.pk}
    assert seen(world.county_regulator, q="执法检查甲") == {theirs.pk}
    assert seen(world.admin, enterprise=world.ent_b.pk) == {other.pk}
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert seen(world.county_regulator, to=yesterday) == set()
    assert seen(world.county_regulator, **{"from": yesterday}) == {own.pk, theirs.pk}

    r = world.client(world.county_regulator).get(LIST, {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert {row[4] for row in rows[1:]} == {own.title, "执法检查甲"}


def test_due_list_exports_to_excel(world: Any) -> None:
    _, checklist = _checklist(world)
    Checklist.objects.filter(pk=checklist.pk).update(next_due_on=timezone.localdate() - dt.timedelta(days=2))
    response = world.client(world.enterprise_filler).get(DUE, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[6]) for r in rows] == [(checklist.name, world.ent_a.name, 2)]
    other = world.client(world.other_enterprise_filler).get(DUE, {"format": "xlsx"})
    other_sheet = load_workbook(io.BytesIO(b"".join(other.streaming_content))).active
    assert other_sheet is not None
    assert other_sheet.max_row == 1  # the header only: another enterprise's checklists are not listed
