"""Enforcement lists: the live overdue list against an independent count, in scope; recording
and handling a case with its validation and audit; a report found false; the pages and the
Excel export with the handling columns."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent, Region
from saferisk.reporting.enforcement import (
    case_handle,
    case_record_overdue,
    false_report_list,
    overdue_list,
    report_find_false,
)
from saferisk.reporting.models import EnforcementCase, ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.services import campaign_open, report_prepare, report_review, report_submit
from saferisk.risks.services import completeness_gap
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def _past_campaign(world: Any, *, region: str = "320115", actor: Any = None) -> ReportingCampaign:
    """A campaign that opened a month ago and whose deadline was yesterday."""
    return campaign_open(
        actor=actor or world.county_regulator,
        data={
            "kind": "first",
            "region": region,
            "opens_on": (today() - dt.timedelta(days=30)).isoformat(),
            "deadline": (today() - dt.timedelta(days=1)).isoformat(),
        },
    )


def _task(campaign: ReportingCampaign, enterprise: Any) -> ReportTask:
    return ReportTask.objects.get(campaign=campaign, enterprise=enterprise)


def _submit(world: Any, task: ReportTask) -> RiskReport:
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    gap = {item.code: "本企业不涉及" for item in completeness_gap(world.ent_a)}
    report_prepare(actor=world.enterprise_filler, task=task, data={"gap_explanations": gap})
    return report_submit(actor=world.enterprise_principal, task=task, declared=True)


def _independent_overdue(prefix: str, day: dt.date, department: str | None = None) -> set[int]:
    ids = set()
    for task in ReportTask.objects.select_related("enterprise__industry"):
        if not task.region_code.startswith(prefix):
            continue
        if department and task.enterprise.industry.department_id != department:
            continue
        if task.due_on < day and task.state in ("not_started", "draft", "returned"):
            ids.add(task.pk)
    return ids


def test_the_overdue_list_is_live_and_scoped(world: Any) -> None:
    for town in ("320115002", "320115003"):
        make_enterprise(region=town)
    make_enterprise(region="320506003")
    province = _past_campaign(world, region="320000", actor=world.province_regulator)
    # Due tomorrow (a change report, say): not overdue yet.
    ReportTask.objects.filter(campaign=province, region_code="320115003").update(
        due_on=today() + dt.timedelta(days=1)
    )
    # Submitted in time: not on the list.
    ReportTask.objects.filter(campaign=province, enterprise=world.ent_b).update(state="submitted")
    day = today()
    for user, prefix, department in (
        (world.county_regulator, "320115", None),
        (world.other_county_regulator, "320506", None),
        (world.province_regulator, "32", None),
        (world.dept_regulator, "320115", "development_reform"),
    ):
        listed = set(overdue_list(user=user, today=day).values_list("pk", flat=True))
        assert listed == _independent_overdue(prefix, day, department), user
    county = set(overdue_list(user=world.county_regulator, today=day).values_list("enterprise_id", flat=True))
    assert world.ent_a.pk in county
    assert world.ent_b.pk not in county
    assert len(county) == 3  # ent_a, ent_a_power, 秣陵's; 汤山's is not due yet
    assert not overdue_list(user=world.enterprise_filler, today=day).exists()
    assert not overdue_list(user=world.expert, today=day).exists()
    # Filters: region, search, handled.
    moling = Region.objects.get(code="320115002")
    assert overdue_list(user=world.county_regulator, today=day, region=moling).count() == 1
    assert list(
        overdue_list(user=world.county_regulator, today=day, q="江宁化工").values_list(
            "enterprise_id", flat=True
        )
    ) == [world.ent_a.pk]
    assert overdue_list(user=world.county_regulator, today=day, q=world.ent_a.uscc.lower()).count() == 1
    assert overdue_list(user=world.county_regulator, today=day, handled=True).count() == 0
    assert overdue_list(user=world.county_regulator, today=day, handled=False).count() == 3
    # The day of the deadline itself, nothing is overdue yet.
    assert not overdue_list(user=world.county_regulator, today=day - dt.timedelta(days=1)).exists()


def test_handling_an_overdue_case_validates_and_audits(world: Any) -> None:
    campaign = _past_campaign(world)
    task = _task(campaign, world.ent_a)
    regulator = world.county_regulator

    def refused(code: str, **data: Any) -> None:
        values = {
            "case_number": "宁江应急罚〔2026〕12号",
            "action": "责令限期改正",
            "handled_on": today(),
            **data,
        }
        with pytest.raises(DomainError) as exc:
            case_handle(actor=regulator, case_or_task=task, **values)
        assert exc.value.code == code

    refused("case_number_required", case_number="  ")
    refused("action_required", action="")
    refused("date_future", handled_on=today() + dt.timedelta(days=1))
    refused("date_before_deadline", handled_on=task.due_on)
    refused("date_invalid", handled_on="2026-13-01")
    refused("case_number_too_long", case_number="号" * 61)
    # Nothing was written by the refused attempts, not even the case they would have recorded.
    assert not EnforcementCase.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="enforcement_case.").exists()

    with pytest.raises(NotFound):
        case_handle(
            actor=world.other_county_regulator,
            case_or_task=task,
            case_number="1",
            action="x",
            handled_on=today(),
        )
    with pytest.raises(Forbidden):
        case_record_overdue(actor=world.enterprise_filler, task=task)
    with pytest.raises(NotFound):
        case_record_overdue(actor=world.dept_regulator, task=task)  # chemicals are not its industry

    case = case_record_overdue(actor=regulator, task=task)
    assert (case.kind, case.region_code, case.enterprise_id) == ("overdue", task.region_code, world.ent_a.pk)
    assert campaign.name in case.reason
    assert case_record_overdue(actor=regulator, task=task).pk == case.pk  # once
    assert AuditEvent.objects.filter(action="enforcement_case.recorded").count() == 1

    handled = case_handle(
        actor=regulator,
        case_or_task=case,
        case_number=" 宁江应急罚〔2026〕12号 ",
        action="责令限期改正",
        handled_on=today().isoformat(),
    )
    assert (handled.case_number, handled.action, handled.handled_on, handled.handled_by) == (
        "宁江应急罚〔2026〕12号",
        "责令限期改正",
        today(),
        regulator,
    )
    event = AuditEvent.objects.get(action="enforcement_case.handled")
    assert event.changes["before"]["case_number"] == ""
    assert event.changes["after"] == {
        "case_number": "宁江应急罚〔2026〕12号",
        "action": "责令限期改正",
        "handled_on": today().isoformat(),
        "handled_by": regulator.pk,
    }
    assert event.region_code == task.region_code
    listed: Any = overdue_list(user=regulator, today=today(), handled=True).get()
    assert (listed.pk, listed.case_number, listed.case_handled_on) == (
        task.pk,
        "宁江应急罚〔2026〕12号",
        today(),
    )

    # Correcting the record keeps old and new in the audit.
    case_handle(
        actor=regulator,
        case_or_task=task,
        case_number="宁江应急罚〔2026〕13号",
        action="罚款",
        handled_on=today(),
    )
    last = AuditEvent.objects.filter(action="enforcement_case.handled").latest("id")
    assert last.changes["before"] == {"case_number": "宁江应急罚〔2026〕12号", "action": "责令限期改正"}


def test_a_late_filing_stays_on_the_list_only_when_a_case_was_recorded(world: Any) -> None:
    campaign = _past_campaign(world)
    task = _task(campaign, world.ent_a)
    case_handle(
        actor=world.county_regulator, case_or_task=task, case_number="A-1", action="约谈", handled_on=today()
    )
    assert EnforcementCase.objects.get().task_id == task.pk  # recorded lazily on handling
    _submit(world, task)
    power = _task(campaign, world.ent_a_power)
    ReportTask.objects.filter(pk=power.pk).update(state="submitted")
    listed = {t.pk: t for t in overdue_list(user=world.county_regulator, today=today())}
    assert set(listed) == {task.pk}  # ent_a filed late but has a case; ent_a_power simply left the list
    assert listed[task.pk].state == "submitted"
    with pytest.raises(DomainError) as exc:
        case_record_overdue(actor=world.county_regulator, task=power)
    assert exc.value.code == "task_not_overdue"


def test_a_report_found_false(world: Any) -> None:
    campaign = _past_campaign(world)
    task = _task(campaign, world.ent_a)
    draft = report_prepare(
        actor=world.enterprise_filler,
        task=task,
        data={"gap_explanations": {i.code: "不涉及" for i in completeness_gap(world.ent_a)}},
    )
    with pytest.raises(DomainError) as exc:
        report_find_false(actor=world.county_regulator, report=draft, reason="现场核查发现未报重大风险")
    assert exc.value.code == "report_not_filed"
    report = _submit(world, task)
    report_review(actor=world.county_regulator, report=report, accept=True)
    with pytest.raises(NotFound):
        report_find_false(actor=world.other_county_regulator, report=report, reason="x")
    with pytest.raises(Forbidden):
        report_find_false(actor=world.enterprise_principal, report=report, reason="x")
    with pytest.raises(DomainError) as exc:
        report_find_false(actor=world.county_regulator, report=report, reason="   ")
    assert exc.value.code == "reason_required"
    assert not EnforcementCase.objects.exists()

    case = report_find_false(
        actor=world.county_regulator, report=report, reason="现场核查发现液氯储罐区重大风险未报告"
    )
    assert (case.kind, case.report_id, case.task_id, case.recorded_by) == (
        "false_report",
        report.pk,
        task.pk,
        world.county_regulator,
    )
    report.refresh_from_db()
    assert report.state == "accepted"  # the report stays as submitted: it is the evidence
    found = AuditEvent.objects.get(action="risk_report.found_false")
    assert (found.object_id, found.changes["case"]) == (str(report.pk), case.pk)
    assert AuditEvent.objects.filter(action="enforcement_case.recorded", object_id=str(case.pk)).exists()
    with pytest.raises(DomainError) as exc:
        report_find_false(actor=world.county_regulator, report=report, reason="再次认定")
    assert exc.value.code == "already_found_false"

    assert list(false_report_list(user=world.county_regulator)) == [case]
    assert not false_report_list(user=world.other_county_regulator).exists()
    assert false_report_list(user=world.county_regulator, handled=False).count() == 1
    with pytest.raises(DomainError) as exc:
        case_handle(
            actor=world.county_regulator,
            case_or_task=case,
            case_number="B-1",
            action="罚款",
            handled_on=today() - dt.timedelta(days=1),
        )
    assert exc.value.code == "date_before_finding"
    case_handle(
        actor=world.county_regulator, case_or_task=case, case_number="B-1", action="罚款", handled_on=today()
    )
    assert false_report_list(user=world.county_regulator, handled=True).count() == 1


# --- Pages ------------------------------------------------------------------------------------------


def test_pages_handle_and_export(world: Any) -> None:
    from openpyxl import load_workbook

    campaign = _past_campaign(world)
    task = _task(campaign, world.ent_a)
    client = world.client(world.county_regulator)
    page = client.get("/reporting/enforcement/").content.decode()
    assert f'data-task="{task.pk}"' in page
    assert f'action="/reporting/enforcement/tasks/{task.pk}/record/"' in page

    response = client.post(f"/reporting/enforcement/tasks/{task.pk}/record/")
    case = EnforcementCase.objects.get(task=task)
    assert response.status_code == 302
    assert response["Location"] == f"/reporting/enforcement/cases/{case.pk}/"
    form = client.get(f"/reporting/enforcement/cases/{case.pk}/")
    assert form.status_code == 200
    assert f'value="{today().isoformat()}"' in form.content.decode()
    bad = client.post(
        f"/reporting/enforcement/cases/{case.pk}/",
        {
            "case_number": "C-1",
            "action": "责令改正",
            "handled_on": (today() + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert bad.status_code == 422
    assert "处理日期不能晚于今天" in bad.content.decode()
    ok = client.post(
        f"/reporting/enforcement/cases/{case.pk}/",
        {"case_number": "C-1", "action": "责令改正", "handled_on": today().isoformat()},
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.case_number == "C-1"

    export = client.get("/reporting/enforcement/?tab=overdue&format=xlsx")
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert len(rows) == 3  # header, ent_a, ent_a_power
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["江宁化工有限公司"][9:12] == ["C-1", "责令改正", dt.datetime.combine(today(), dt.time())]
    assert by_name["江宁热电有限公司"][9] in ("", None)
    assert by_name["江宁化工有限公司"][7] == 1  # days overdue

    # Another county: the list is empty of these rows, the case and the task are not found.
    other = world.client(world.other_county_regulator)
    assert f'data-task="{task.pk}"' not in other.get("/reporting/enforcement/").content.decode()
    assert other.get(f"/reporting/enforcement/cases/{case.pk}/").status_code == 404
    assert other.post(f"/reporting/enforcement/cases/{case.pk}/", {"case_number": "x"}).status_code == 404
    assert other.post(f"/reporting/enforcement/tasks/{task.pk}/record/").status_code == 404
    assert world.client(world.enterprise_filler).get("/reporting/enforcement/").status_code == 404
    case.refresh_from_db()
    assert case.case_number == "C-1"


def test_find_false_page(world: Any) -> None:
    campaign = _past_campaign(world)
    report = _submit(world, _task(campaign, world.ent_a))
    client = world.client(world.county_regulator)
    page = client.get(f"/reporting/reports/{report.pk}/find-false/")
    assert page.status_code == 200
    assert 'data-testid="find-false-form"' in page.content.decode()
    assert client.post(f"/reporting/reports/{report.pk}/find-false/", {"reason": ""}).status_code == 422
    response = client.post(
        f"/reporting/reports/{report.pk}/find-false/", {"reason": "核查发现未报告重大风险"}
    )
    case = EnforcementCase.objects.get(kind="false_report")
    assert response["Location"] == f"/reporting/enforcement/cases/{case.pk}/"
    listed = client.get("/reporting/enforcement/?tab=false_report").content.decode()
    assert f'data-case="{case.pk}"' in listed
    assert "核查发现未报告重大风险" in listed
    again = client.get(f"/reporting/reports/{report.pk}/find-false/").content.decode()
    assert 'data-testid="find-false-form"' not in again
    assert (
        world.client(world.other_county_regulator)
        .get(f"/reporting/reports/{report.pk}/find-false/")
        .status_code
        == 404
    )
    assert (
        world.client(world.enterprise_principal)
        .get(f"/reporting/reports/{report.pk}/find-false/")
        .status_code
        == 403
    )


def test_the_list_pages_cost_the_same_whatever_the_rows(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        make_enterprise(region="320115002")
    campaign = _past_campaign(world)
    case_record_overdue(actor=world.county_regulator, task=_task(campaign, world.ent_a))
    client = world.client(world.county_regulator)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries("/reporting/enforcement/?region=320115001")  # 2 rows
    many = queries("/reporting/enforcement/")  # 7 rows
    assert few == many
    assert queries("/reporting/enforcement/?tab=false_report") == queries(
        "/reporting/enforcement/?tab=false_report&region=320115001"
    )
