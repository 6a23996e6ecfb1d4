"""The pre-aggregated progress of campaigns, kept in step with the tasks.

Dashboards never count tasks live (DESIGN §6: a live group-by over 500,000 tasks takes seconds).
Three tables carry the counts:

- `CampaignProgress`: tasks by (town, industry division, scale, state), with the nil reports and
  reportable risks of accepted reports;
- `CampaignSectorProgress`: tasks by (town, key sector, state);
- `CampaignDaily`: first submissions, acceptances and returns by (town, day).

`rebuild` computes all three from the tasks in a few group-bys (when a campaign opens, or to
repair); `set_state` moves one task between states in the caller's transaction; `add_task`
counts a task added later (change reports)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, F
from django.utils import timezone

from saferisk.reporting.choices import ReportState, TaskState
from saferisk.reporting.models import (
    CampaignDaily,
    CampaignProgress,
    CampaignSectorProgress,
    ReportingCampaign,
    ReportTask,
    RiskReport,
)


def rebuild(campaign: ReportingCampaign) -> None:
    """Recompute every progress row of `campaign` from its tasks and accepted reports."""
    CampaignProgress.objects.filter(campaign=campaign).delete()
    CampaignSectorProgress.objects.filter(campaign=campaign).delete()
    CampaignDaily.objects.filter(campaign=campaign).delete()
    tasks = ReportTask.objects.filter(campaign=campaign)
    accepted_counts: dict[tuple[str, str, bool], dict[str, int]] = defaultdict(
        lambda: {"nil": 0, "major": 0, "large": 0}
    )
    accepted = RiskReport.objects.filter(
        task__campaign=campaign, task__state=TaskState.ACCEPTED, state=ReportState.ACCEPTED
    )
    # The latest accepted report of each accepted task carries its counts.
    latest: dict[int, RiskReport] = {}
    for report in accepted.select_related("task").order_by("task_id", "number"):
        latest[report.task_id] = report
    for report in latest.values():
        key = (report.task.region_code, report.task.division, report.task.above_scale)
        accepted_counts[key]["nil"] += int(report.nil)
        accepted_counts[key]["major"] += report.major_count
        accepted_counts[key]["large"] += report.large_count
    rows = []
    for row in tasks.values("region_code", "division", "above_scale", "state").annotate(n=Count("id")):
        extra = (
            accepted_counts[(row["region_code"], row["division"], row["above_scale"])]
            if row["state"] == TaskState.ACCEPTED
            else {}
        )
        rows.append(
            CampaignProgress(
                campaign=campaign,
                region_code=row["region_code"],
                division=row["division"],
                above_scale=row["above_scale"],
                state=row["state"],
                tasks=row["n"],
                **extra,
            )
        )
    CampaignProgress.objects.bulk_create(rows, batch_size=2000)
    sectors: dict[tuple[str, str, str], int] = defaultdict(int)
    grouped = tasks.exclude(key_sectors="").values_list("region_code", "key_sectors", "state")
    for region, codes, state, n in grouped.annotate(n=Count("id")):
        for sector in codes.split():
            sectors[(region, sector, state)] += n
    CampaignSectorProgress.objects.bulk_create(
        (
            CampaignSectorProgress(campaign=campaign, region_code=region, sector=sector, state=state, tasks=n)
            for (region, sector, state), n in sectors.items()
        ),
        batch_size=2000,
    )
    daily: dict[tuple[str, dt.date], dict[str, int]] = defaultdict(
        lambda: {"submitted": 0, "accepted": 0, "returned": 0}
    )
    for region, submitted_at in tasks.filter(submitted_at__isnull=False).values_list(
        "region_code", "submitted_at"
    ):
        daily[(region, timezone.localdate(submitted_at))]["submitted"] += 1
    reviewed = RiskReport.objects.filter(task__campaign=campaign, reviewed_at__isnull=False)
    for region, state, reviewed_at in reviewed.values_list("task__region_code", "state", "reviewed_at"):
        kind = "accepted" if state == ReportState.ACCEPTED else "returned"
        daily[(region, timezone.localdate(reviewed_at))][kind] += 1
    CampaignDaily.objects.bulk_create(
        (
            CampaignDaily(campaign=campaign, region_code=region, day=day, **n)
            for (region, day), n in daily.items()
        ),
        batch_size=2000,
    )


def region_points(campaign: ReportingCampaign) -> dict[str, list[float]]:
    """Where each town's enterprises of the campaign are on average, and how many of them are
    located: {town: [lat, lng, n]}. The completion map puts a region's circle at its towns'
    points weighted by n."""
    rows = (
        ReportTask.objects.filter(campaign=campaign, enterprise__latitude__isnull=False)
        .order_by()
        .values("region_code")
        .annotate(lat=Avg("enterprise__latitude"), lng=Avg("enterprise__longitude"), n=Count("id"))
    )
    return {r["region_code"]: [round(float(r["lat"]), 5), round(float(r["lng"]), 5), r["n"]] for r in rows}


def _key(task: ReportTask) -> dict[str, Any]:
    return {
        "campaign_id": task.campaign_id,
        "region_code": task.region_code,
        "division": task.division,
        "above_scale": task.above_scale,
    }


def _bump(model: Any, key: dict[str, Any], delta: dict[str, int]) -> None:
    """Add `delta` to the row at `key`, creating it at zero first if needed."""
    row, _ = model.objects.get_or_create(**key)
    model.objects.filter(pk=row.pk).update(**{k: F(k) + v for k, v in delta.items() if v})


def add_task(task: ReportTask) -> None:
    """Count a task created after its campaign opened (a change report falling due)."""
    _bump(CampaignProgress, {**_key(task), "state": task.state}, {"tasks": 1})
    for sector in task.key_sectors.split():
        _bump(
            CampaignSectorProgress,
            {
                "campaign_id": task.campaign_id,
                "region_code": task.region_code,
                "sector": sector,
                "state": task.state,
            },
            {"tasks": 1},
        )
    ReportingCampaign.objects.filter(pk=task.campaign_id).update(enterprises=F("enterprises") + 1)


def _move(task: ReportTask, old: str, new: str, carried: RiskReport | None) -> None:
    """Move one task from `old` to `new`. Accepted rows carry the accepted report's nil flag and
    reportable risks; leaving `accepted` takes them away again."""
    key = _key(task)
    figures = (
        {"nil": int(carried.nil), "major": carried.major_count, "large": carried.large_count}
        if carried
        else {}
    )
    leaving = {k: -v for k, v in figures.items()} if old == TaskState.ACCEPTED else {}
    arriving = figures if new == TaskState.ACCEPTED else {}
    _bump(CampaignProgress, {**key, "state": old}, {"tasks": -1, **leaving})
    _bump(CampaignProgress, {**key, "state": new}, {"tasks": 1, **arriving})
    for sector in task.key_sectors.split():
        sector_key = {"campaign_id": task.campaign_id, "region_code": task.region_code, "sector": sector}
        _bump(CampaignSectorProgress, {**sector_key, "state": old}, {"tasks": -1})
        _bump(CampaignSectorProgress, {**sector_key, "state": new}, {"tasks": 1})


def _count_day(task: ReportTask, field: str) -> None:
    _bump(
        CampaignDaily,
        {"campaign_id": task.campaign_id, "region_code": task.region_code, "day": timezone.localdate()},
        {field: 1},
    )


def set_state(task: ReportTask, new: str, report: RiskReport | None = None) -> None:
    """Change the task's state (the caller saves the task) and move its counts. A first
    submission, an acceptance and a return are also counted on today's row of the trend."""
    old = task.state
    if old == new:
        return
    if new == TaskState.SUBMITTED and task.submitted_at is None:
        _count_day(task, "submitted")
    elif new == TaskState.ACCEPTED:
        _count_day(task, "accepted")
    elif new == TaskState.RETURNED:
        _count_day(task, "returned")
    if new == TaskState.ACCEPTED:
        carried = report
    else:
        carried = task.reports.filter(state=ReportState.ACCEPTED).order_by("-number").first()
    _move(task, old, new, carried)
    task.state = new
    task.version += 1
