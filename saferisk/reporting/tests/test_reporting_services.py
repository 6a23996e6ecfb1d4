"""Risk reporting services: a campaign makes a task per covered enterprise; the filler prepares,
the principal declares and submits a frozen snapshot; the regulator returns or accepts; the
progress counts always equal an independent count of the tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count
from django.utils import timezone

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent
from saferisk.reporting.models import ReportTask, RiskReport
from saferisk.reporting.services import (
    campaign_open,
    progress_totals,
    report_prepare,
    report_review,
    report_submit,
)
from saferisk.risks.models import RiskCatalogItem
from saferisk.risks.services import completeness_gap, risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + dt.timedelta(days=30)


def _campaign(world: Any, **data: Any) -> Any:
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )


def _ready(world: Any) -> None:
    """ent_a with its basic data, one LARGE and one MAJOR risk, its catalogue gap explained later."""
    world.ent_a.address = "江宁区某路1号"
    world.ent_a.principal_name = "赵总"
    world.ent_a.save()
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)  # 270 LARGE
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "液氯泄漏", "inputs": {"L": 6, "E": 6, "C": 15}},  # 540 MAJOR
    )


def _explain_all(world: Any, task: ReportTask) -> RiskReport:
    gap = {item.code: "本企业不涉及该工艺" for item in completeness_gap(world.ent_a)}
    return report_prepare(actor=world.enterprise_filler, task=task, data={"gap_explanations": gap})


def _independent(campaign: Any, prefix: str = "") -> dict[str, int]:
    counts = dict(
        ReportTask.objects.filter(campaign=campaign, region_code__startswith=prefix)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    # The figures of an accepted task are those of its latest accepted report.
    latest = {}
    for report in RiskReport.objects.filter(
        task__campaign=campaign, task__state="accepted", state="accepted"
    ).order_by("number"):
        latest[report.task_id] = report
    return {
        **counts,
        "major": sum(r.major_count for r in latest.values()),
        "large": sum(r.large_count for r in latest.values()),
        "nil": sum(1 for r in latest.values() if r.nil),
    }


def _check_progress(campaign: Any) -> None:
    totals = progress_totals(campaign)
    independent = _independent(campaign)
    for key, value in independent.items():
        assert totals[key] == value, key
    assert totals["total"] == ReportTask.objects.filter(campaign=campaign).count()


def test_a_campaign_covers_the_county_and_makes_tasks(world: Any) -> None:
    campaign = _campaign(world)
    tasks = ReportTask.objects.filter(campaign=campaign)
    assert set(tasks.values_list("enterprise_id", flat=True)) == {world.ent_a.pk, world.ent_a_power.pk}
    assert campaign.enterprises == 2
    assert {t.due_on for t in tasks} == {DEADLINE}
    assert progress_totals(campaign)["not_started"] == 2
    assert AuditEvent.objects.get(action="reporting_campaign.opened").changes["enterprises"] == 2
    _check_progress(campaign)


def test_scope_limits_and_who_may_open(world: Any) -> None:
    campaign = _campaign(world, industry_prefixes="26")
    assert list(ReportTask.objects.filter(campaign=campaign).values_list("enterprise_id", flat=True)) == [
        world.ent_a.pk
    ]
    with pytest.raises(DomainError) as exc:
        _campaign(world, industry_prefixes="26")
    assert exc.value.code == "campaign_overlaps"
    with pytest.raises(DomainError) as exc:
        campaign_open(
            actor=world.county_regulator, data={"kind": "first", "region": "320506", "deadline": DEADLINE}
        )
    assert exc.value.code == "region_outside"
    with pytest.raises(Forbidden):
        campaign_open(actor=world.dept_regulator, data={"kind": "first", "deadline": DEADLINE})
    with pytest.raises(Forbidden):
        campaign_open(actor=world.enterprise_filler, data={"kind": "first", "deadline": DEADLINE})


def test_the_whole_path_and_the_snapshot_is_frozen(world: Any) -> None:
    _ready(world)
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    # The gap from the catalogue must be adopted or explained before submitting.
    report_prepare(actor=world.enterprise_filler, task=task)
    with pytest.raises(DomainError) as exc:
        report_submit(actor=world.enterprise_principal, task=task, declared=True)
    assert exc.value.code == "gap_unexplained"
    _explain_all(world, task)
    with pytest.raises(Forbidden):
        report_submit(actor=world.enterprise_filler, task=task, declared=True)  # the principal submits
    with pytest.raises(DomainError):
        report_submit(actor=world.enterprise_principal, task=task, declared=False)
    first = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    assert (first.number, first.major_count, first.large_count, first.nil) == (1, 1, 1, False)
    assert [r["level"] for r in first.risks] == ["MAJOR", "LARGE"]
    _check_progress(campaign)

    # Editing a risk after submission does not change what was submitted.
    risk = world.ent_a.risks.get(name=BASE["name"])
    risk_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, risk=risk, data={"owner_name": "新责任人"}
    )
    first.refresh_from_db()
    assert {r["owner_name"] for r in first.risks} == {BASE["owner_name"]}

    with pytest.raises(DomainError):
        report_review(actor=world.county_regulator, report=first, accept=False)  # a return needs reasons
    with pytest.raises(NotFound):
        report_review(actor=world.other_county_regulator, report=first, accept=True)
    report_review(
        actor=world.county_regulator,
        report=first,
        accept=False,
        comment="管控措施不具体",
        risk_reasons={str(risk.pk): "请写明联锁的具体设定值"},
    )
    task.refresh_from_db()
    assert task.state == "returned"
    _check_progress(campaign)

    second = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    assert second.number == 2
    assert {r["owner_name"] for r in second.risks} == {BASE["owner_name"], "新责任人"}
    report_review(actor=world.county_regulator, report=second, accept=True)
    task.refresh_from_db()
    assert task.state == "accepted"
    totals = progress_totals(campaign)
    assert (totals["accepted"], totals["major"], totals["large"]) == (1, 1, 1)
    _check_progress(campaign)
    first.refresh_from_db()
    assert (first.state, first.review_comment) == ("returned", "管控措施不具体")  # history stays


def test_an_enterprise_without_reportable_risks_files_a_nil_report(world: Any) -> None:
    campaign = _campaign(world)
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    _explain_all(world, task)
    report = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    assert report.nil
    report_review(actor=world.county_regulator, report=report, accept=True)
    assert progress_totals(campaign)["nil"] == 1
    _check_progress(campaign)


def test_missing_basic_data_blocks_submission(world: Any) -> None:
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    with pytest.raises(DomainError) as exc:
        report_submit(actor=world.enterprise_principal, task=task, declared=True)
    assert exc.value.code == "fields_missing"
    assert "企业地址" in exc.value.message
    task.refresh_from_db()
    assert task.state == "not_started"
    assert not RiskReport.objects.exists()


def test_only_the_enterprise_prepares(world: Any) -> None:
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    with pytest.raises(Forbidden):
        report_prepare(actor=world.county_regulator, task=task)
    with pytest.raises(NotFound):
        report_prepare(actor=world.other_enterprise_filler, task=task)
    assert RiskCatalogItem.objects.exists()
