"""The pre-aggregated progress of campaigns, kept in step with the tasks.

Dashboards never count tasks live (DESIGN §6: a live group-by over 500,000 tasks takes seconds).
Three tables carry the counts by town:

- `CampaignProgress`: tasks by (town, industry division, scale, state), with the nil reports and
  reportable risks of accepted reports;
- `CampaignSectorProgress`: tasks by (town, key sector, state);
- `CampaignDaily`: first submissions, acceptances and returns by (town, day);

and three the same by county (`CampaignCounty…`), because a province's town-level rows are
nearly as many as its tasks: the province's and cities' dashboards read the county rows, a
county's reads its towns (bench/reporting_bench.py).

`rebuild` computes all six from the tasks and reports in a few grouped queries (when a campaign
opens, or to repair); `set_state` moves one task between states in the caller's transaction;
`add_task` counts a task added later (change reports)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from saferisk.reporting.choices import ReportState, TaskState
from saferisk.reporting.models import (
    CampaignCountyDaily,
    CampaignCountyProgress,
    CampaignCountySectorProgress,
    CampaignDaily,
    CampaignProgress,
    CampaignSectorProgress,
    ReportingCampaign,
    ReportTask,
    RiskReport,
)

BATCH = 2000
COUNTY = 6  # digits of a county code: the rollups' region


def rebuild(campaign: ReportingCampaign) -> None:
    """Recompute every progress row of `campaign` from its tasks and reports, in grouped
    queries (a province's 500,000 tasks: seconds, not a pass over every report in Python)."""
    for model in (
        CampaignProgress,
        CampaignSectorProgress,
        CampaignDaily,
        CampaignCountyProgress,
        CampaignCountySectorProgress,
        CampaignCountyDaily,
    ):
        model.objects.filter(campaign=campaign).delete()
    tasks = ReportTask.objects.filter(campaign=campaign).order_by()
    # The latest accepted report of each accepted task carries its counts.
    later = RiskReport.objects.filter(
        task=OuterRef("task"), state=ReportState.ACCEPTED, number__gt=OuterRef("number")
    )
    accepted = (
        RiskReport.objects.filter(
            task__campaign=campaign, task__state=TaskState.ACCEPTED, state=ReportState.ACCEPTED
        )
        .exclude(Exists(later))
        .order_by()
        .values_list("task__region_code", "task__division", "task__above_scale")
        .annotate(nil=Count("id", filter=Q(nil=True)), major=Sum("major_count"), large=Sum("large_count"))
    )
    figures = {
        (region, division, above): {"nil": nil, "major": major or 0, "large": large or 0}
        for region, division, above, nil, major, large in accepted
    }
    rows = []
    # Rows are written in region order, so a county's rows sit together on disk and a
    # county's dashboard reads a few pages, not one page per row.
    for region, division, above, state, n in (
        tasks.values_list("region_code", "division", "above_scale", "state")
        .annotate(n=Count("id"))
        .order_by("region_code", "division", "above_scale", "state")
    ):
        extra = figures.get((region, division, above), {}) if state == TaskState.ACCEPTED else {}
        rows.append(
            CampaignProgress(
                campaign=campaign,
                region_code=region,
                division=division,
                above_scale=above,
                state=state,
                tasks=n,
                **extra,
            )
        )
    CampaignProgress.objects.bulk_create(rows, batch_size=BATCH)
    sectors: dict[tuple[str, str, str], int] = defaultdict(int)
    grouped = tasks.exclude(key_sectors="").values_list("region_code", "key_sectors", "state")
    for region, codes, state, n in grouped.annotate(n=Count("id")):
        for sector in codes.split():
            sectors[(region, sector, state)] += n
    CampaignSectorProgress.objects.bulk_create(
        (
            CampaignSectorProgress(campaign=campaign, region_code=region, sector=sector, state=state, tasks=n)
            for (region, sector, state), n in sorted(sectors.items())
        ),
        batch_size=BATCH,
    )
    daily: dict[tuple[str, Any], dict[str, int]] = defaultdict(
        lambda: {"submitted": 0, "accepted": 0, "returned": 0}
    )
    # A task's first submission is its lowest-numbered submitted report (as `set_state` counts it).
    earlier = RiskReport.objects.filter(
        task=OuterRef("task"), submitted_at__isnull=False, number__lt=OuterRef("number")
    )
    firsts = (
        RiskReport.objects.filter(task__campaign=campaign, submitted_at__isnull=False)
        .exclude(Exists(earlier))
        .annotate(day=TruncDate("submitted_at"))
        .order_by()
        .values_list("task__region_code", "day")
        .annotate(n=Count("id"))
    )
    for region, day, n in firsts:
        daily[(region, day)]["submitted"] += n
    reviewed = (
        RiskReport.objects.filter(task__campaign=campaign, reviewed_at__isnull=False)
        .annotate(day=TruncDate("reviewed_at"))
        .order_by()
        .values_list("task__region_code", "day", "state")
        .annotate(n=Count("id"))
    )
    for region, day, state, n in reviewed:
        daily[(region, day)]["accepted" if state == ReportState.ACCEPTED else "returned"] += n
    CampaignDaily.objects.bulk_create(
        (
            CampaignDaily(campaign=campaign, region_code=region, day=day, **n)
            for (region, day), n in sorted(daily.items())
        ),
        batch_size=BATCH,
    )
    _rollup(campaign)


def _rollup(campaign: ReportingCampaign) -> None:
    """The county rows, summed from the town rows just written."""

    def by_county(model: Any, keys: tuple[str, ...], sums: tuple[str, ...]) -> Any:
        return (
            model.objects.filter(campaign=campaign)
            .order_by()
            .annotate(county=Substr("region_code", 1, COUNTY))
            .values("county", *keys)
            .annotate(**{f"s_{k}": Sum(k) for k in sums})
            .order_by("county", *keys)
        )

    def make(model: Any, keys: tuple[str, ...], sums: tuple[str, ...], source: Any) -> None:
        model.objects.bulk_create(
            (
                model(
                    campaign=campaign,
                    region_code=r["county"],
                    **{k: r[k] for k in keys},
                    **{k: r[f"s_{k}"] or 0 for k in sums},
                )
                for r in by_county(source, keys, sums)
            ),
            batch_size=BATCH,
        )

    make(
        CampaignCountyProgress,
        ("division", "above_scale", "state"),
        ("tasks", "nil", "major", "large"),
        CampaignProgress,
    )
    make(CampaignCountySectorProgress, ("sector", "state"), ("tasks",), CampaignSectorProgress)
    make(CampaignCountyDaily, ("day",), ("submitted", "accepted", "returned"), CampaignDaily)
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner: a province's rows were all just written, and until
        # autovacuum gets to them PostgreSQL plans the dashboards' sums for a handful of rows.
        with connection.cursor() as cursor:
            for model in (*ROLLUP, *ROLLUP.values()):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


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


ROLLUP: dict[Any, Any] = {
    CampaignProgress: CampaignCountyProgress,
    CampaignSectorProgress: CampaignCountySectorProgress,
    CampaignDaily: CampaignCountyDaily,
}


def _bump(model: Any, key: dict[str, Any], delta: dict[str, int]) -> None:
    """Add `delta` to the row at `key` and to its county's row, creating them at zero first if
    needed."""
    changes = {k: F(k) + v for k, v in delta.items() if v}
    for target, region in ((model, key["region_code"]), (ROLLUP[model], key["region_code"][:COUNTY])):
        row, _ = target.objects.get_or_create(**{**key, "region_code": region})
        if changes:
            target.objects.filter(pk=row.pk).update(**changes)


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
