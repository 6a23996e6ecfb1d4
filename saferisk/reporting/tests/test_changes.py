"""Change reports: after an accepted report, adding a reportable risk, retiring one or changing
its level makes a change report due within the configured days; other edits do not; a change
after the change report was accepted opens it again; progress counts follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from saferisk.core.models import AuditEvent
from saferisk.reporting.changes import change_kind, last_accepted
from saferisk.reporting.choices import CampaignKind, TaskState
from saferisk.reporting.models import ReportTask
from saferisk.reporting.services import progress_totals, report_review, report_submit
from saferisk.reporting.snapshot import diff
from saferisk.reporting.tests.test_reporting_services import _campaign, _check_progress, _explain_all, _ready
from saferisk.risks.models import Risk
from saferisk.risks.services import risk_retire, risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db


def _accepted(world: Any) -> Any:
    """ent_a with one LARGE and one MAJOR risk and an accepted first report."""
    _ready(world)
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    _explain_all(world, task)
    report = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    report_review(actor=world.county_regulator, report=report, accept=True)
    return report


def _change_task(world: Any) -> ReportTask | None:
    return ReportTask.objects.filter(campaign__kind=CampaignKind.CHANGE, enterprise=world.ent_a).first()


def test_change_kind_is_about_the_reportable_level_only() -> None:
    active = {"status": "active"}
    assert change_kind(None, {**active, "level": "LARGE"}) == "added"
    assert change_kind(None, {**active, "level": "GENERAL"}) is None
    assert change_kind({**active, "level": "LARGE"}, {**active, "level": "MAJOR"}) == "level"
    assert change_kind({**active, "level": "LARGE"}, {**active, "level": "GENERAL"}) == "removed"
    assert change_kind({**active, "level": "LARGE"}, {"status": "retired", "level": "LARGE"}) == "removed"
    assert change_kind({**active, "level": "LARGE"}, {**active, "level": "LARGE", "place": "新"}) is None


def test_no_change_report_before_a_report_was_accepted(world: Any) -> None:
    _ready(world)
    assert _change_task(world) is None


def test_new_reportable_risk_makes_a_change_report_due(world: Any, settings: Any) -> None:
    settings.SAFERISK_CHANGE_REPORT_DAYS = 15
    accepted = _accepted(world)
    # An edit that keeps the level, and a new low risk, call for nothing.
    risk = Risk.objects.get(enterprise=world.ent_a, name="液氯泄漏")
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=risk,
        data={**BASE, "name": "液氯泄漏", "inputs": {"L": 6, "E": 6, "C": 15}, "owner_name": "钱工"},
    )
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "低风险", "inputs": {"L": 1, "E": 1, "C": 1}},
    )
    assert _change_task(world) is None

    new = risk_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "新增储罐区"}
    )
    task = _change_task(world)
    assert task is not None
    assert task.due_on == timezone.localdate() + dt.timedelta(days=15)
    assert task.state == TaskState.NOT_STARTED
    assert [t["change"] for t in task.triggers] == ["added"]
    assert task.triggers[0]["risk"] == new.pk
    assert AuditEvent.objects.filter(action="report_task.change_due", object_id=str(task.pk)).count() == 1
    _check_progress(task.campaign)
    assert task.campaign.region_id == "320000"
    assert task.campaign.enterprises == 1

    # A second change keeps the due date and adds a trigger.
    later = timezone.localdate()
    risk_retire(actor=world.enterprise_filler, risk=risk, reason="装置拆除")
    task.refresh_from_db()
    assert [t["change"] for t in task.triggers] == ["added", "removed"]
    assert task.due_on == later + dt.timedelta(days=15)

    # The change report shows the difference from the accepted first report.
    _explain_all(world, task)
    report = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    previous = last_accepted(world.ent_a, before=report)
    assert previous == accepted
    assert previous is not None
    changes = diff(previous.risks, report.risks)
    assert [r["name"] for r in changes["added"]] == ["新增储罐区"]
    assert [r["name"] for r in changes["removed"]] == ["液氯泄漏"]
    report_review(actor=world.county_regulator, report=report, accept=True)
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED
    _check_progress(task.campaign)


def test_change_after_acceptance_opens_the_task_again(world: Any) -> None:
    _accepted(world)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "新增储罐区"})
    task = _change_task(world)
    assert task is not None
    _explain_all(world, task)
    report = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    report_review(actor=world.county_regulator, report=report, accept=True)
    assert progress_totals(task.campaign)["accepted"] == 1

    risk = Risk.objects.get(enterprise=world.ent_a, name="新增储罐区")
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=risk,
        data={**BASE, "name": "新增储罐区", "inputs": {"L": 6, "E": 6, "C": 15}},
    )
    task.refresh_from_db()
    assert task.state == TaskState.NOT_STARTED
    assert [t["change"] for t in task.triggers] == ["level"]
    assert task.triggers[0]["from"] == "LARGE"
    assert task.triggers[0]["to"] == "MAJOR"
    totals = progress_totals(task.campaign)
    assert totals["accepted"] == 0
    assert totals["not_started"] == 1
    assert totals["major"] == 0
    _check_progress(task.campaign)
    assert task.reports.count() == 1  # the accepted report stays in the history


def test_change_while_waiting_for_review_is_recorded(world: Any) -> None:
    _accepted(world)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "新增储罐区"})
    task = _change_task(world)
    assert task is not None
    _explain_all(world, task)
    report_submit(actor=world.enterprise_principal, task=task, declared=True)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "又一个储罐区"})
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    assert task.triggers[-1]["after_submission"] is True
