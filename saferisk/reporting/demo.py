"""Demo data of risk reporting: the province's annual campaign, opened by the province regulator
three weeks ago and due in ten days, with most enterprises at some stage of it, so the dashboard,
the review queue and the lists have something to show on the first start.

The demo enterprises have no accounts of their own, so their filing is simulated: reports are
frozen from their registers with the same snapshot functions the services use, their dates are
spread over the past three weeks, and the progress tables are rebuilt from the result. The
persona enterprise's task is left untouched: its filler and principal file it themselves."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from saferisk.core.models import Region, User
from saferisk.enterprises.models import Enterprise
from saferisk.reporting import progress, snapshot
from saferisk.reporting.bulletins import bulletin_publish
from saferisk.reporting.choices import ReportState, TaskState
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.services import DECLARATION, campaign_open

# How far each enterprise got: (state, share).
MIX = (
    (TaskState.ACCEPTED, 0.52),
    (TaskState.SUBMITTED, 0.12),
    (TaskState.RETURNED, 0.05),
    (TaskState.DRAFT, 0.09),
    (TaskState.NOT_STARTED, 0.22),
)


@transaction.atomic
def build_demo_reporting(
    *, regulator: User, reviewer: User, county: str, keep: Enterprise, seed: int = 7
) -> dict[str, int]:
    """Open the demo campaign as `regulator` and simulate the filing of every enterprise but
    `keep`; `reviewer` is recorded as the reviewer of the reports reviewed in `county` (other
    counties' reviewers have no demo accounts)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    opened = today - dt.timedelta(days=21)
    campaign: ReportingCampaign = campaign_open(
        actor=regulator,
        data={
            "kind": "annual",
            "year": today.year,
            "region": "320000",
            "name": f"江苏省{today.year}年度工业企业安全生产风险报告",
            "opens_on": opened.isoformat(),
            "deadline": (today + dt.timedelta(days=10)).isoformat(),
        },
    )
    states = [s for s, _share in MIX]
    weights = [share for _s, share in MIX]
    tasks = ReportTask.objects.filter(campaign=campaign).exclude(enterprise=keep).select_related("enterprise")
    filed = 0
    for task in tasks.order_by("id"):
        state = rng.choices(states, weights)[0]
        if state == TaskState.NOT_STARTED:
            continue
        _simulate(task, state, reviewer if task.region_code.startswith(county) else None, opened, today, rng)
        filed += 1
    progress.rebuild(campaign)
    # Today's bulletins of the province, the example city and county, as the daily job makes them.
    for code in ("320000", county[:4] + "00", county):
        bulletin_publish(actor=regulator, campaign=campaign, region=Region.objects.get(code=code), date=today)
    return {"campaign_tasks": campaign.enterprises, "reports": filed}


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


def _simulate(
    task: ReportTask, state: str, reviewer: User | None, opened: dt.date, today: dt.date, rng: random.Random
) -> None:
    enterprise = task.enterprise
    # Filing picks up towards the deadline: later days are likelier.
    span = (today - opened).days
    day = opened + dt.timedelta(days=min(span, int(span * rng.random() ** 0.6)))
    risks = snapshot.reportable_risks(enterprise)
    report = RiskReport(
        task=task,
        number=1,
        enterprise_data=snapshot.enterprise_data(enterprise),
        risks=risks,
        major_count=sum(1 for r in risks if r["level"] == "MAJOR"),
        large_count=sum(1 for r in risks if r["level"] == "LARGE"),
        nil=not risks,
    )
    submitted_at = _at(day, rng)
    report.prepared_at = submitted_at
    if state == TaskState.DRAFT:
        report.save()
        task.state = state
        task.save(update_fields=["state"])
        return
    report.state = ReportState.SUBMITTED
    report.submitted_at = submitted_at
    report.declaration = DECLARATION
    task.submitted_at = report.submitted_at
    task.nil = report.nil
    if state in (TaskState.ACCEPTED, TaskState.RETURNED):
        review_day = min(today, day + dt.timedelta(days=rng.randint(0, 4)))
        report.reviewed_by = reviewer
        report.reviewed_at = max(submitted_at, _at(review_day, rng))
        if state == TaskState.ACCEPTED:
            report.state = ReportState.ACCEPTED
            task.accepted_at = report.reviewed_at
        else:
            report.state = ReportState.RETURNED
            report.review_comment = "较大以上风险的管控措施不具体，请逐条写明责任岗位和检查频次后重新提交。"
    report.save()
    task.state = state
    task.save(update_fields=["state", "submitted_at", "accepted_at", "nil"])
