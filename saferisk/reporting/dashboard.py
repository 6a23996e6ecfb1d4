"""Reads of the reporting progress dashboard (报告进度看板), already scoped to the user.

Every figure comes from the pre-aggregated rows that `progress.py` keeps in step with the tasks
(`CampaignProgress`, `CampaignSectorProgress`, `CampaignDaily`, `campaign.region_points`), never
from a live group-by over a campaign's tasks (DESIGN §6: half a million tasks take seconds). The
two exceptions are small by construction: the overdue count of a change campaign (its tasks have
their own due dates; few rows, indexed) and the paginated lists of enterprises.

Definitions shared with the other reporting pages:
- completion rate = accepted / enterprises in scope;
- filing rate = (submitted + accepted) / enterprises in scope;
- unfiled = not started + being prepared + returned;
- overdue = due date passed and unfiled. First and annual campaigns share the campaign's
  deadline, so once it has passed every unfiled task is overdue; change campaigns count live.

Scope: the dashboard's top region is the deeper of the user's jurisdiction and the campaign's
region (an admin: the campaign's region); `?region=` drills down inside it. A department's
regulator sees only its industries: the divisions of the industries its department supervises
(the summary rows carry the division, not the industry class), the same rule `core.scoping`
applies through the enterprise's industry. The summaries by key sector and by day carry no
division, so a department's regulator does not get those two blocks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from saferisk.core.choices import RegionLevel, Role
from saferisk.core.models import Industry, KeySector, Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.scoping import scoped
from saferisk.enterprises.selectors import NEXT_LEVEL
from saferisk.reporting.choices import CampaignKind, CampaignStatus, TaskState
from saferisk.reporting.models import (
    CampaignCountyDaily,
    CampaignCountyProgress,
    CampaignCountySectorProgress,
    CampaignDaily,
    CampaignProgress,
    CampaignSectorProgress,
    ReportingCampaign,
    ReportTask,
)

STATES = tuple(TaskState.values)
UNFILED = (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)
FILED = (TaskState.SUBMITTED, TaskState.ACCEPTED)
COUNT_KEYS = (*STATES, "major", "large", "nil")
# Colour bands of completion on the map and in the legend: (lower bound %, colour), worst first.
BANDS = [(0, "#d63939"), (20, "#f76707"), (40, "#f59f00"), (60, "#74b816"), (80, "#2fb344")]


# --- Scope ---------------------------------------------------------------------------------------


def is_staff(user: Any) -> bool:
    """Regulators and admins read the dashboard; enterprises and experts have their own pages."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_admin or (user.role == Role.REGULATOR and bool(user.region_id))
    )


def visible_campaigns(user: User) -> QuerySet[ReportingCampaign]:
    """The campaigns the user may follow, newest first."""
    if not is_staff(user):
        return ReportingCampaign.objects.none()
    return scoped(user, ReportingCampaign).select_related("region")


def default_campaign(user: User) -> ReportingCampaign | None:
    """The latest open campaign the user can see, else the latest closed one."""
    campaigns = visible_campaigns(user)
    return campaigns.filter(status=CampaignStatus.OPEN).first() or campaigns.first()


def department_divisions(user: User) -> frozenset[str] | None:
    """The industry divisions a department's regulator sees (None: every division). Mirrors
    `core.scoping`'s industry rule on the summaries' division column: a division is in when
    the department supervises it or any group or class under it."""
    if user.is_admin or not user.department_id:
        return None
    codes = Industry.objects.filter(department_id=user.department_id).values_list("code", flat=True)
    return frozenset(code[:2] for code in codes if code[:2].isdigit())


@dataclass
class Scope:
    """Where the dashboard looks: the campaign, the chosen region inside the user's view, the
    regions one level below it (the drill-down), and the division filter of a department."""

    user: User
    campaign: ReportingCampaign
    root: Region
    region: Region
    trail: list[Region]
    divisions: frozenset[str] | None
    child_level: str | None
    depth: int
    outside: bool = False  # the region asked for lay outside the view (the top is shown instead)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def prefix(self) -> str:
        return self.region.prefix

    @property
    def department(self) -> bool:
        return self.divisions is not None


def _root(user: User, campaign: ReportingCampaign) -> Region:
    """The deeper of the user's jurisdiction and the campaign's region (they are nested: a
    regulator sees campaigns inside its jurisdiction and those that contain it)."""
    if user.is_admin or user.region is None:
        return campaign.region
    mine = user.region
    return campaign.region if campaign.region.prefix.startswith(mine.prefix) else mine


def dashboard_scope(user: User, campaign: ReportingCampaign, region_code: str | None = None) -> Scope:
    """The scope of the dashboard of `campaign` at `region_code` (default: the top of the view;
    a region outside it falls back to the top, flagged `outside`)."""
    root = _root(user, campaign)
    region, outside = root, False
    if region_code and region_code != root.code:
        found = Region.objects.filter(code=region_code).first()
        if found is not None and found.prefix.startswith(root.prefix) and found.code != root.code:
            region = found
        else:
            outside = True
    trail = [region]
    node = region
    while node.code != root.code and node.parent_id:
        node = Region.objects.get(code=node.parent_id)
        trail.insert(0, node)
    child_level = NEXT_LEVEL.get(RegionLevel(region.level))
    depth = PREFIX_LENGTH[child_level] if child_level else len(region.code)
    return Scope(
        user=user,
        campaign=campaign,
        root=root,
        region=region,
        trail=trail,
        divisions=department_divisions(user),
        child_level=child_level,
        depth=depth,
        outside=outside,
    )


def under(field: str, prefix: str) -> Q:
    """Codes in `field` that start with `prefix`, as a range the index on the code can seek
    (32 ≤ code < 33): PostgreSQL cannot seek a LIKE under a non-C collation, and a LIKE beside
    the range made it expect one row and sort the sums instead of hashing them. Region codes
    are digits, so the range holds exactly the codes under the prefix."""
    if not prefix.isdigit():
        return Q(**{f"{field}__startswith": prefix})
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


TOWN_TABLES: dict[str, Any] = {
    "progress": CampaignProgress,
    "sector": CampaignSectorProgress,
    "daily": CampaignDaily,
}
COUNTY_TABLES: dict[str, Any] = {
    "progress": CampaignCountyProgress,
    "sector": CampaignCountySectorProgress,
    "daily": CampaignCountyDaily,
}


def _summary(scope: Scope, kind: str) -> QuerySet[Any]:
    """Summary rows (`kind`: progress, sector or daily) of the campaign under the chosen region
    that the user may see. A province or a city reads the county rollups (their child regions
    are cities or counties); a county or a town reads the town rows. The user's jurisdiction is
    checked again here (the chosen region lies inside it already), and a department's regulator
    gets only the progress rows of its divisions: the other summaries have no division."""
    user = scope.user
    county_level = scope.region.level in (RegionLevel.PROVINCE, RegionLevel.CITY)
    model: Any = (COUNTY_TABLES if county_level else TOWN_TABLES)[kind]
    qs = model.objects.filter(campaign=scope.campaign)
    if not user.is_admin:
        # The chosen region lies inside the jurisdiction (`dashboard_scope`); checked again here
        # so no caller can widen it (in Python: the range below is the narrower one).
        prefix = user.jurisdiction_prefix
        if not prefix or not scope.prefix.startswith(prefix):
            return model.objects.none()
        if scope.divisions is not None and kind != "progress":
            return model.objects.none()
    if scope.divisions is not None:
        qs = qs.filter(division__in=sorted(scope.divisions))
    return qs.filter(under("region_code", scope.prefix)).order_by()


def scoped_tasks(scope: Scope) -> QuerySet[ReportTask]:
    """The campaign's tasks under the chosen region that the user may see (`core.scoping`)."""
    return scoped(scope.user, ReportTask).filter(under("region_code", scope.prefix), campaign=scope.campaign)


# --- Reference names, kept in the process for a few minutes -------------------------------------
# Region, division and key-sector names are reference data (changed by an administrator's import
# now and then); reading them on every dashboard was half its queries.

NAMES_TTL = 300.0
_names: dict[Any, tuple[float, Any]] = {}


def _cached(key: Any, load: Any) -> Any:
    now = time.monotonic()
    hit = _names.get(key)
    if hit is not None and now - hit[0] < NAMES_TTL:
        return hit[1]
    value = load()
    _names[key] = (now, value)
    return value


def child_regions(level: str, prefix: str) -> list[tuple[str, str, str]]:
    """(code, name, prefix) of the regions of `level` under `prefix`, by code."""

    def load() -> list[tuple[str, str, str]]:
        regions = Region.objects.filter(level=level, code__startswith=prefix).order_by("code")
        return [(r.code, r.name, r.prefix) for r in regions]

    return list(_cached(("regions", level, prefix), load))


def division_names() -> dict[str, str]:
    return dict(
        _cached(
            ("divisions",),
            lambda: dict(Industry.objects.filter(level="division").values_list("code", "name")),
        )
    )


def key_sector_names() -> list[tuple[str, str]]:
    return list(_cached(("key_sectors",), lambda: list(KeySector.objects.values_list("code", "name"))))


# --- Figures -------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def band(value: float | None) -> str:
    """The map colour of a completion rate."""
    if value is None:
        return "#adb5bd"
    colour = BANDS[0][1]
    for lower, c in BANDS:
        if value >= lower:
            colour = c
    return colour


def _empty() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def finish(counts: dict[str, int], *, overdue: int | None) -> dict[str, Any]:
    """A row of figures from its counts by state: tasks, unfiled, filed, rates, overdue."""
    row: dict[str, Any] = dict(counts)
    tasks = sum(counts[s] for s in STATES)
    row["tasks"] = tasks
    row["unfiled"] = sum(counts[s] for s in UNFILED)
    row["filed"] = sum(counts[s] for s in FILED)
    row["overdue"] = overdue
    row["completion"] = rate(counts[TaskState.ACCEPTED], tasks)
    row["filing"] = rate(row["filed"], tasks)
    row["completion_text"] = rate_text(row["completion"])
    row["filing_text"] = rate_text(row["filing"])
    row["colour"] = band(row["completion"])
    return row


def deadline_passed(scope: Scope) -> bool:
    return scope.campaign.deadline < scope.today


@dataclass
class Groups:
    """The progress counts under the chosen region, grouped the four ways the page shows them."""

    total: dict[str, int]
    child: dict[str, dict[str, int]]
    division: dict[str, dict[str, int]]
    scale: dict[bool, dict[str, int]]


def _fetch(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query as the database returns them: the ORM's per-value
    converters cost more than the query itself on a city's few thousand sums."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # a `none()` queryset: nothing the user may see
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def progress_groups(scope: Scope) -> Groups:
    """The one query over the progress rows under the chosen region, summed by state for the
    total, the child regions, the divisions and the scales. PostgreSQL sums the four groupings
    in one pass (GROUPING SETS: a few hundred rows back); elsewhere the database returns the
    sums by (child region, division, scale, state) (a province: 13 cities × ~40 divisions × 2
    × 5 states at most) and they are grouped here in one pass."""
    qs = _summary(scope, "progress")
    if connection.vendor == "postgresql" and scope.prefix.isdigit():
        return _progress_grouping_sets(scope, qs)
    rows = _fetch(
        qs.annotate(child=Substr("region_code", 1, scope.depth))
        .values_list("child", "division", "above_scale", "state")
        .annotate(t=Sum("tasks"), n=Sum("nil"), ma=Sum("major"), la=Sum("large"))
    )
    groups = Groups(_empty(), defaultdict(_empty), defaultdict(_empty), defaultdict(_empty))
    for code, div, above, state, tasks, nil, major, large in rows:
        figures = (tasks or 0, nil or 0, major or 0, large or 0)
        for counts in (groups.total, groups.child[code], groups.division[div], groups.scale[bool(above)]):
            _add(counts, state, figures)
    return groups


def _add(counts: dict[str, int], state: str, figures: tuple[int, int, int, int]) -> None:
    tasks, nil, major, large = figures
    counts[state] += tasks
    counts["nil"] += nil
    counts["major"] += major
    counts["large"] += large


def _progress_grouping_sets(scope: Scope, qs: QuerySet[Any]) -> Groups:
    """`progress_groups` on PostgreSQL. The WHERE clause is the ORM's own (`_summary`), so the
    rows summed are exactly those the other path sums."""
    groups = Groups(_empty(), defaultdict(_empty), defaultdict(_empty), defaultdict(_empty))
    try:
        where_sql, params = qs.query.get_compiler(using=qs.db).compile(qs.query.where)
    except EmptyResultSet:  # a `none()` queryset: nothing the user may see
        return groups
    table = qs.model._meta.db_table
    child = f'substring("{table}"."region_code", 1, {int(scope.depth)})'
    # Identifiers from the model and an integer are formatted in; every value is a parameter.
    sql = (
        f"SELECT GROUPING({child}), GROUPING(division), GROUPING(above_scale), {child}, division,"  # noqa: S608
        " above_scale, state, SUM(tasks), SUM(nil), SUM(major), SUM(large)"
        f' FROM "{table}" WHERE {where_sql or "TRUE"}'
        f" GROUP BY GROUPING SETS ((state), ({child}, state), (division, state), (above_scale, state))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for g_child, g_div, g_scale, code, div, above, state, tasks, nil, major, large in cursor.fetchall():
            if not g_child:
                counts = groups.child[code]
            elif not g_div:
                counts = groups.division[div]
            elif not g_scale:
                counts = groups.scale[bool(above)]
            else:
                counts = groups.total
            _add(counts, state, (tasks or 0, nil or 0, major or 0, large or 0))
    return groups


def progress_rows(scope: Scope) -> Groups:
    """The progress sums of `progress_groups` (the name the reporting API calls them by)."""
    return progress_groups(scope)


def change_overdue(scope: Scope) -> dict[tuple[str, str, bool], int]:
    """Overdue tasks of a change campaign by (child region, division, scale), counted live: each
    task has its own due date; they are few and `report_task_campaign_state` finds them."""
    if scope.campaign.kind != CampaignKind.CHANGE:
        return {}
    tasks = scoped_tasks(scope).filter(due_on__lt=scope.today, state__in=UNFILED)
    if scope.divisions is not None:
        tasks = tasks.filter(division__in=sorted(scope.divisions))
    rows = (
        tasks.order_by()
        .annotate(child=Substr("region_code", 1, scope.depth))
        .values_list("child", "division", "above_scale")
        .annotate(n=Count("id"))
    )
    return {(child, division, above): n for child, division, above, n in rows}


def _overdue_by(
    scope: Scope, groups: dict[Any, dict[str, int]], late: dict[Any, int], key: Any
) -> dict[Any, int]:
    """Overdue per group: the unfiled once the shared deadline has passed (first and annual
    campaigns), else the live count of a change campaign summed per group."""
    if scope.campaign.kind == CampaignKind.CHANGE:
        out: dict[Any, int] = defaultdict(int)
        for k, n in late.items():
            out[key(k)] += n
        return out
    passed = deadline_passed(scope)
    return {g: (sum(c[s] for s in UNFILED) if passed else 0) for g, c in groups.items()}


def _child_key(code: str) -> str:
    """The Region code of a child prefix (3205 → 320500; a county or town is its own code)."""
    return code.ljust(6, "0") if len(code) < 6 else code


def totals_block(scope: Scope, groups: Groups, late: dict[Any, int]) -> dict[str, Any]:
    overdue = _overdue_by(scope, {"all": groups.total}, late, lambda k: "all")
    return finish(groups.total, overdue=overdue.get("all", 0))


def region_block(scope: Scope, all_groups: Groups, late: dict[Any, int]) -> list[dict[str, Any]]:
    """One row per region one level below the chosen one (the chosen town itself at the bottom),
    plus a row for tasks registered at the chosen region's own code (no town)."""
    groups = all_groups.child
    overdue = _overdue_by(scope, groups, late, lambda k: k[0])
    if scope.child_level is None:
        children = [(scope.region.code, scope.region.name, scope.region.prefix)]
    else:
        children = child_regions(scope.child_level, scope.prefix)
    out = []
    known = set()
    for code, name, key in children:
        known.add(key)
        row = finish(groups.get(key, _empty()), overdue=overdue.get(key, 0))
        row.update(code=code, name=name, drill=scope.child_level is not None, prefix=key, direct=False)
        out.append(row)
    for key in sorted(set(groups) - known):
        row = finish(groups[key], overdue=overdue.get(key, 0))
        row.update(
            code=_child_key(key),
            name=_("Directly under %(region)s") % {"region": scope.region.name},
            drill=False,
            prefix=key,
            direct=True,
        )
        out.append(row)
    return out


def division_block(scope: Scope, all_groups: Groups, late: dict[Any, int]) -> list[dict[str, Any]]:
    """One row per industry division with tasks, most tasks first."""
    groups = all_groups.division
    overdue = _overdue_by(scope, groups, late, lambda k: k[1])
    names = division_names()
    out = []
    for code, counts in groups.items():
        row = finish(counts, overdue=overdue.get(code, 0))
        row.update(code=code, name=names.get(code, code or "—"))
        out.append(row)
    out.sort(key=lambda r: (-r["tasks"], r["code"]))
    return out


def scale_block(scope: Scope, all_groups: Groups, late: dict[Any, int]) -> list[dict[str, Any]]:
    """Above-scale and below-scale enterprises."""
    groups = all_groups.scale
    overdue = _overdue_by(scope, groups, late, lambda k: bool(k[2]))
    out = []
    for above in (True, False):
        row = finish(groups.get(above, _empty()), overdue=overdue.get(above, 0))
        row.update(code="above" if above else "below", above=above)
        out.append(row)
    return out


def sector_block(scope: Scope) -> list[dict[str, Any]] | None:
    """One row per key sector (an enterprise may be in several: the rows overlap). None for a
    department's regulator: these summaries carry no division."""
    if scope.department:
        return None
    sums = _fetch(_summary(scope, "sector").values_list("sector", "state").annotate(n=Sum("tasks")))
    groups: dict[str, dict[str, int]] = defaultdict(_empty)
    for sector, state, n in sums:
        groups[sector][state] += n or 0
    passed = deadline_passed(scope) and scope.campaign.kind != CampaignKind.CHANGE
    out = []
    for code, name in key_sector_names():
        if code not in groups:
            continue
        counts = groups[code]
        row = finish(counts, overdue=sum(counts[s] for s in UNFILED) if passed else None)
        row.update(code=code, name=name)
        out.append(row)
    return out


def trend_block(scope: Scope, tasks: int) -> dict[str, Any] | None:
    """Day by day from the opening: first submissions, acceptances and returns, and the
    cumulative completion rate. None for a department's regulator (no division by day)."""
    if scope.department:
        return None
    rows = _fetch(
        _summary(scope, "daily")
        .values_list("day")
        .annotate(s=Sum("submitted"), a=Sum("accepted"), r=Sum("returned"))
        .values_list("day", "s", "a", "r")
    )
    # Raw rows: SQLite gives the day as text, PostgreSQL as a date.
    sums = {
        (dt.date.fromisoformat(day) if isinstance(day, str) else day): (s or 0, a or 0, r or 0)
        for day, s, a, r in rows
    }
    campaign = scope.campaign
    start = min([campaign.opens_on, *sums])
    end = max([min(scope.today, campaign.deadline), *sums])
    days, submitted, accepted, returned, completion = [], [], [], [], []
    total_accepted = 0
    day = start
    while day <= end:
        s, a, r = sums.get(day, (0, 0, 0))
        total_accepted += a
        days.append(day.isoformat())
        submitted.append(s)
        accepted.append(a)
        returned.append(r)
        completion.append(rate(total_accepted, tasks) or 0.0)
        day += dt.timedelta(days=1)
    return {
        "days": days,
        "submitted": submitted,
        "accepted": accepted,
        "returned": returned,
        "completion": completion,
    }


def map_block(scope: Scope, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A circle per region row at the average of its towns' points (campaign.region_points),
    weighted by the towns' tasks (the third value of a point; 1 when a point has none)."""
    points = scope.campaign.region_points or {}
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    rows = {r["prefix"] for r in regions}
    for code, point in points.items():
        # A town's row is its first `depth` digits; a point at the region's own code, its own.
        key = code[: scope.depth]
        if key not in rows or not code.startswith(scope.prefix) or len(point) < 2:
            continue
        weight = float(point[2]) if len(point) > 2 and point[2] else 1.0
        acc = sums[key]
        acc[0] += float(point[0]) * weight
        acc[1] += float(point[1]) * weight
        acc[2] += weight
    out = []
    for r in regions:
        found = sums.get(r["prefix"])
        if not found or not found[2] or not r["tasks"]:
            continue
        acc = found
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "lat": round(acc[0] / acc[2], 5),
                "lng": round(acc[1] / acc[2], 5),
                "drill": r["drill"],
                "tasks": r["tasks"],
                "accepted": r[TaskState.ACCEPTED],
                "filed": r["filed"],
                "unfiled": r["unfiled"],
                "overdue": r["overdue"],
                "completion": r["completion"],
                "completion_text": r["completion_text"],
                "filing_text": r["filing_text"],
                "colour": r["colour"],
            }
        )
    return out


def levels_block(totals: dict[str, Any]) -> dict[str, int]:
    """Reportable risks of accepted reports, and the accepted nil reports."""
    return {
        "major": totals["major"],
        "large": totals["large"],
        "nil": totals["nil"],
        "with_risks": totals[TaskState.ACCEPTED] - totals["nil"],
    }


def dashboard_figures(
    user: User, campaign: ReportingCampaign, region_code: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard page shows except the paginated lists: four reads of summary
    rows (progress, key sectors, days, the region names) plus, for a change campaign, the live
    overdue count. The caller has checked that `campaign` is visible to `user`."""
    scope = dashboard_scope(user, campaign, region_code)
    groups = progress_groups(scope)
    late = change_overdue(scope)
    totals = totals_block(scope, groups, late)
    regions = region_block(scope, groups, late)
    return {
        "scope": scope,
        "campaign": campaign,
        "region": scope.region,
        "trail": scope.trail,
        "child_level": scope.child_level,
        "totals": totals,
        "levels": levels_block(totals),
        "regions": regions,
        "divisions": division_block(scope, groups, late),
        "scale": scale_block(scope, groups, late),
        "sectors": sector_block(scope),
        "trend": trend_block(scope, totals["tasks"]),
        "map": map_block(scope, regions),
        "bands": [
            {"from": lower, "to": BANDS[i + 1][0] if i + 1 < len(BANDS) else 100, "colour": colour}
            for i, (lower, colour) in enumerate(BANDS)
        ],
    }


# --- Lists of enterprises ------------------------------------------------------------------------

# Order of the lists: by town, then by task; `report_task_unfiled` / `report_task_nil` serve it.
LIST_ORDER = ["region_code", "id"]
LIST_KINDS = ("unfiled", "nil")


@dataclass(frozen=True)
class CatalogueItem:
    pk: int
    code: str
    name: str
    level: str
    prefixes: tuple[str, ...]
    sector: str | None


class Catalogue:
    """The active catalogue items (较大以上风险目录, all MAJOR or LARGE) held in memory, with the
    rule of `risks.catalogue.applicable_q`: an item applies when the industry code starts with
    one of its prefixes or the enterprise carries its key sector. Answers are kept per
    combination of industry code and key sectors (a page or an export shares a few)."""

    def __init__(self) -> None:
        from saferisk.risks.models import RiskCatalogItem

        self.items = [
            CatalogueItem(pk, code, name, level, tuple(prefixes.split()), sector)
            for pk, code, name, level, prefixes, sector in RiskCatalogItem.objects.filter(active=True)
            .order_by("-min_level", "sector", "code")
            .values_list("pk", "code", "name", "min_level", "industry_prefixes", "key_sector_id")
        ]
        self._cache: dict[tuple[str, tuple[str, ...]], list[CatalogueItem]] = {}

    def applicable(self, industry_code: str, sectors: Iterable[str]) -> list[CatalogueItem]:
        flags = tuple(sorted(sectors))
        key = (industry_code or "", flags)
        if key not in self._cache:
            code = key[0] if key[0].isdigit() and len(key[0]) <= 4 else ""
            words = {code[:n] for n in range(2, len(code) + 1)}
            self._cache[key] = [
                item
                for item in self.items
                if words.intersection(item.prefixes) or (item.sector is not None and item.sector in flags)
            ]
        return self._cache[key]

    def task_q(self) -> Q:
        """Tasks of enterprises to which at least one item applies: two-digit prefixes by the
        task's division (no join), longer ones by the enterprise's industry code, key sectors by
        the task's key sectors (as they were when the campaign opened)."""
        divisions = sorted({p for item in self.items for p in item.prefixes if len(p) == 2 and p.isdigit()})
        longer = sorted(
            {
                p
                for item in self.items
                for p in item.prefixes
                if len(p) > 2 and p.isdigit() and p[:2] not in divisions
            }
        )
        sectors = sorted({item.sector for item in self.items if item.sector})
        q = Q(pk__in=[])
        if divisions:
            q |= Q(division__in=divisions)
        for p in longer:
            q |= Q(enterprise__industry__code__startswith=p)
        for s in sectors:
            q |= (
                Q(key_sectors=s)
                | Q(key_sectors__startswith=f"{s} ")
                | Q(key_sectors__endswith=f" {s}")
                | Q(key_sectors__contains=f" {s} ")
            )
        return q


def task_list(
    scope: Scope,
    *,
    kind: str,
    division: str | None = None,
    state: str | None = None,
    catalogue: Catalogue | None = None,
) -> QuerySet[ReportTask]:
    """The enterprises of a list under the chosen region, in LIST_ORDER:
    - `unfiled`: not started, being prepared or returned;
    - `nil`: filed (submitted or accepted) a nil report although the catalogue has items for
      their industry or key sectors: a report to check."""
    tasks = scoped_tasks(scope)
    if kind == "nil":
        states = [s for s in FILED if not state or s == state]
        tasks = tasks.filter(nil=True, state__in=states).filter((catalogue or Catalogue()).task_q())
    else:
        states = [s for s in UNFILED if not state or s == state]
        tasks = tasks.filter(state__in=states)
    if division:
        tasks = tasks.filter(division=division)
    return tasks.select_related("enterprise")


def region_names(prefix: str) -> dict[str, str]:
    """Names of the regions under `prefix` (for the lists' region column)."""
    return dict(Region.objects.filter(code__startswith=prefix).values_list("code", "name"))


def divisions_in(scope: Scope) -> list[str]:
    """The divisions with tasks under the chosen region (from the summary), for a filter."""
    rows = _summary(scope, "progress").filter(tasks__gt=0).values_list("division", flat=True).distinct()
    return sorted(set(rows))
