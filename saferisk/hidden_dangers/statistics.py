"""Reads of the regulators' statistics of hidden dangers (隐患排查治理统计), already scoped.

Every figure comes from the counts `tally.py` keeps in step with the hidden dangers
(`HiddenDangerTally` by town, `HiddenDangerCountyTally` by county, `HiddenDangerMonth` by month),
never from a group-by over twenty million hidden dangers. The one live count is *overdue*: it
depends on today's date, so it is counted from the partial index of unrectified hidden dangers
(`hd_unrectified`: deadline, region code) in one GROUP BY by child region.

Definitions (the same on the page, in the Excel export and in the monthly summary):
- found: hidden dangers found in the year (every state);
- rectified = rectified + accepted + closed; unrectified = found + assessed + rectifying;
- rectification rate = rectified / found; on-time rate = rectified on time / rectified;
- major unrectified: major ones not yet rectified;
- overdue: unrectified with a deadline before today, whatever the year they were found
  (an overdue one from last year is the most overdue of all).

Scope: the top region is the user's jurisdiction (an admin: the province); `region` drills down
inside it. A province or a city reads the county counts (its children are cities or counties);
a county or a town reads the town counts. A department's regulator sees the divisions its
department supervises (scope_rules._tally_q); the monthly counts carry no division, so it gets
no trend, nor does a page filtered by division.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from saferisk.core.choices import RegionLevel, Role
from saferisk.core.models import Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.scoping import scoped
from saferisk.enterprises.selectors import NEXT_LEVEL
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerSource, HiddenDangerState
from saferisk.hidden_dangers.models import (
    UNRECTIFIED,
    HiddenDanger,
    HiddenDangerCountyTally,
    HiddenDangerMonth,
    HiddenDangerTally,
)
from saferisk.reporting.dashboard import child_regions, division_names, under

STATES = tuple(HiddenDangerState.values)
RECTIFIED = (HiddenDangerState.RECTIFIED, HiddenDangerState.ACCEPTED, HiddenDangerState.CLOSED)
UNRECTIFIED_STATES = tuple(str(s) for s in UNRECTIFIED)
MAJOR = HiddenDangerGrade.MAJOR


def is_staff(user: Any) -> bool:
    """Regulators (with a region) and admins read the statistics; enterprises and experts do not."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_admin or (user.role == Role.REGULATOR and bool(user.region_id))
    )


# --- Scope ---------------------------------------------------------------------------------------


@dataclass
class Scope:
    user: User
    root: Region | None
    region: Region | None
    trail: list[Region]
    child_level: str | None
    depth: int
    outside: bool = False
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def prefix(self) -> str:
        return self.region.prefix if self.region is not None else ""

    @property
    def county_table(self) -> bool:
        return self.region is not None and self.region.level in (RegionLevel.PROVINCE, RegionLevel.CITY)


def top_region(user: User) -> Region | None:
    """The top of the user's view: its jurisdiction, the province for an admin, else none."""
    if not is_staff(user):
        return None
    if user.is_admin:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
    return user.region


def statistics_scope(user: User, region: Region | None = None, *, today: dt.date | None = None) -> Scope:
    """Where the statistics look: `region` when it lies inside the user's view, else the top
    (flagged `outside` when one was asked for)."""
    root = top_region(user)
    chosen, outside = root, False
    if root is not None and region is not None and region.code != root.code:
        if region.prefix.startswith(root.prefix):
            chosen = region
        else:
            outside = True
    trail: list[Region] = []
    if chosen is not None and root is not None:
        trail = [chosen]
        node = chosen
        while node.code != root.code and node.parent_id:
            node = Region.objects.get(code=node.parent_id)
            trail.insert(0, node)
    child_level = NEXT_LEVEL.get(RegionLevel(chosen.level)) if chosen is not None else None
    if chosen is None:
        depth = 0
    elif child_level is not None:
        depth = PREFIX_LENGTH[child_level]
    else:
        depth = len(chosen.code)
    return Scope(
        user=user,
        root=root,
        region=chosen,
        trail=trail,
        child_level=child_level,
        depth=depth,
        outside=outside,
        today=today or timezone.localdate(),
    )


# --- Figures -------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


class Counts:
    """Sums of one group: count and on-time count by (grade, state)."""

    __slots__ = ("by", "on_time")

    def __init__(self) -> None:
        self.by: dict[tuple[str, str], int] = defaultdict(int)
        self.on_time = 0

    def add(self, grade: str, state: str, n: int, on_time: int) -> None:
        self.by[(grade, state)] += n
        if state in RECTIFIED:
            self.on_time += on_time


def figures(counts: Counts | None, overdue: int | None) -> dict[str, Any]:
    """The row of figures of one group (the totals, a region, a division …)."""
    counts = counts or Counts()
    states = dict.fromkeys(STATES, 0)
    major = major_unrectified = 0
    for (grade, state), n in counts.by.items():
        states[state] = states.get(state, 0) + n
        if grade == MAJOR:
            major += n
            if state in UNRECTIFIED_STATES:
                major_unrectified += n
    found = sum(states.values())
    rectified = sum(states[s] for s in RECTIFIED)
    rectification_rate = rate(rectified, found)
    on_time_rate = rate(counts.on_time, rectified)
    return {
        "found": found,
        "states": states,
        "rectified": rectified,
        "closed": states[HiddenDangerState.CLOSED],
        "unrectified": sum(states[s] for s in UNRECTIFIED_STATES),
        "on_time": counts.on_time,
        "rectification_rate": rectification_rate,
        "rectification_rate_text": rate_text(rectification_rate),
        "on_time_rate": on_time_rate,
        "on_time_rate_text": rate_text(on_time_rate),
        "major": major,
        "major_unrectified": major_unrectified,
        "overdue": overdue,
    }


@dataclass
class Groups:
    total: Counts = field(default_factory=Counts)
    child: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    division: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    grade: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    source: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))


def tally_rows(scope: Scope, *, year: int, division: str = "") -> QuerySet[Any]:
    """The count rows of `year` under the chosen region that the user may see."""
    model: Any = HiddenDangerCountyTally if scope.county_table else HiddenDangerTally
    if scope.region is None:
        return model.objects.none()
    qs = scoped(scope.user, model).filter(under("region_code", scope.prefix), year=year)
    if division:
        qs = qs.filter(division=division)
    return qs.order_by()


def _sql(qs: QuerySet[Any]) -> tuple[str, Any] | None:
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:  # a `none()` queryset: nothing the user may see
        return None


def _where(qs: QuerySet[Any]) -> tuple[str, Any] | None:
    try:
        return qs.query.get_compiler(using=qs.db).compile(qs.query.where)
    except EmptyResultSet:
        return None


def tally_groups(scope: Scope, *, year: int, division: str = "") -> Groups:
    """One query over the count rows, summed by child region, division, grade and source (each
    with grade and state, from which the totals and the by-state figures follow). PostgreSQL
    sums the three groupings in one pass (GROUPING SETS); elsewhere the database returns the sums
    by (child, division, grade, source, state) and they are grouped here."""
    qs = tally_rows(scope, year=year, division=division)
    groups = Groups()
    if qs.query.is_empty():
        return groups
    if connection.vendor == "postgresql" and scope.prefix.isdigit():
        return _grouping_sets(scope, qs)
    found = _sql(
        qs.annotate(child=Substr("region_code", 1, scope.depth))
        .values_list("child", "division", "grade", "source", "state")
        .annotate(n=Sum("count"), t=Sum("on_time"))
    )
    if found is None:
        return groups
    with connection.cursor() as cursor:
        cursor.execute(*found)
        rows = cursor.fetchall()
    for child, div, grade, source, state, n, t in rows:
        n, t = n or 0, t or 0
        for counts in (
            groups.total,
            groups.child[child],
            groups.division[div],
            groups.grade[grade],
            groups.source[source],
        ):
            counts.add(grade, state, n, t)
    return groups


def _grouping_sets(scope: Scope, qs: QuerySet[Any]) -> Groups:
    """`tally_groups` on PostgreSQL; the WHERE clause is the ORM's own (`tally_rows`)."""
    groups = Groups()
    compiled = _where(qs)
    if compiled is None:
        return groups
    where_sql, params = compiled
    table = qs.model._meta.db_table
    child = f'substring("{table}"."region_code", 1, {int(scope.depth)})'
    # Identifiers from the model and an integer are formatted in; every value is a parameter.
    sql = (
        f"SELECT GROUPING({child}), GROUPING(division), {child}, division, source, grade, state,"  # noqa: S608
        " SUM(count), SUM(on_time)"
        f' FROM "{table}" WHERE {where_sql or "TRUE"}'
        f" GROUP BY GROUPING SETS (({child}, grade, state), (division, grade, state), (source, grade, state))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for g_child, g_div, code, div, source, grade, state, n, t in cursor.fetchall():
            n, t = n or 0, t or 0
            if not g_child:
                groups.child[code].add(grade, state, n, t)
                # The totals and the grades from one of the three sets (each covers every row).
                groups.total.add(grade, state, n, t)
                groups.grade[grade].add(grade, state, n, t)
            elif not g_div:
                groups.division[div].add(grade, state, n, t)
            else:
                groups.source[source].add(grade, state, n, t)
    return groups


def overdue_by_child(scope: Scope, *, division: str = "") -> dict[str, int]:
    """Overdue hidden dangers now under the chosen region, by child region prefix: one GROUP BY
    over the partial index `hd_unrectified` (deadline < today, unrectified)."""
    if scope.region is None:
        return {}
    qs = scoped(scope.user, HiddenDanger).filter(
        under("region_code", scope.prefix), state__in=UNRECTIFIED, deadline__lt=scope.today
    )
    if division:
        qs = qs.filter(division=division)
    rows = (
        qs.order_by()
        .annotate(child=Substr("region_code", 1, scope.depth))
        .values_list("child")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def trend(scope: Scope, *, year: int, division: str = "") -> dict[str, Any] | None:
    """Month by month of `year`: found, closed and closed having been rectified on time. None
    when the counts cannot say it (a department's regulator, a page filtered by division: the
    monthly counts carry no division)."""
    if scope.region is None or division or scope.user.department_id:
        return None
    qs = scoped(scope.user, HiddenDangerMonth).filter(
        under("region_code", scope.prefix),
        month__gte=dt.date(year, 1, 1),
        month__lt=dt.date(year + 1, 1, 1),
    )
    sums: dict[int, tuple[int, int, int]] = {}
    for month, f, c, t in (
        qs.order_by()
        .values_list("month")
        .annotate(f=Sum("found"), c=Sum("closed"), t=Sum("closed_on_time"))
        .values_list("month", "f", "c", "t")
    ):
        day = dt.date.fromisoformat(month) if isinstance(month, str) else month
        sums[day.month] = (f or 0, c or 0, t or 0)
    months = list(range(1, 13))
    return {
        "months": [f"{year}-{m:02d}" for m in months],
        "found": [sums.get(m, (0, 0, 0))[0] for m in months],
        "closed": [sums.get(m, (0, 0, 0))[1] for m in months],
        "closed_on_time": [sums.get(m, (0, 0, 0))[2] for m in months],
    }


def _child_code(key: str) -> str:
    """The Region code of a child prefix (3205 → 320500; a county or town is its own code)."""
    return key.ljust(6, "0") if len(key) < 6 else key


def region_rows(scope: Scope, groups: Groups, overdue: dict[str, int]) -> list[dict[str, Any]]:
    """One row per region one level below the chosen one (the chosen town itself at the
    bottom), plus a row for counts at codes that name no child (e.g. the county's own code)."""
    if scope.region is None:
        return []
    if scope.child_level is None:
        children = [(scope.region.code, scope.region.name, scope.region.code)]
    else:
        children = child_regions(scope.child_level, scope.prefix)
    out = []
    known = set()
    for code, name, key in children:
        known.add(key)
        row = figures(groups.child.get(key), overdue.get(key, 0))
        # Cities and counties drill down on this page; towns lead to the hidden-danger list.
        drill = scope.child_level not in (None, RegionLevel.TOWN)
        row.update(code=code, name=name, prefix=key, drill=drill, direct=False)
        out.append(row)
    for key in sorted((set(groups.child) | set(overdue)) - known):
        row = figures(groups.child.get(key), overdue.get(key, 0))
        row.update(
            code=_child_code(key),
            name=f"{scope.region.name}（直属）",
            prefix=key,
            drill=False,
            direct=True,
        )
        out.append(row)
    return out


def _labelled(
    groups: dict[str, Counts], labels: dict[str, str], order: list[str] | None
) -> list[dict[str, Any]]:
    keys = [k for k in order if k in groups] if order is not None else sorted(groups)
    out = []
    for key in keys:
        row = figures(groups[key], None)
        row.update(code=key, name=labels.get(key, key or "—"))
        out.append(row)
    if order is None:
        out.sort(key=lambda r: (-r["found"], r["code"]))
    return out


def overview(
    user: User,
    *,
    year: int,
    region: Region | None = None,
    division: str = "",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The statistics of hidden dangers found in `year` under `region` (default: the top of the
    user's view), optionally of one industry `division`: three reads of count tables (the
    town or county counts, the month counts) and one live overdue count."""
    scope = statistics_scope(user, region, today=today)
    division = division if division.isdigit() and len(division) == 2 else ""
    groups = tally_groups(scope, year=year, division=division)
    overdue = overdue_by_child(scope, division=division)
    totals = figures(groups.total, sum(overdue.values()))
    states = [
        {"code": s, "name": str(label), "count": totals["states"][s]}
        for s, label in HiddenDangerState.choices
    ]
    return {
        "scope": scope,
        "year": year,
        "division": division,
        "today": scope.today,
        "root": scope.root,
        "region": scope.region,
        "trail": scope.trail,
        "child_level": scope.child_level,
        "outside": scope.outside,
        "department": bool(getattr(user, "department_id", None)),
        "totals": totals,
        "regions": region_rows(scope, groups, overdue),
        "divisions": _labelled(groups.division, division_names(), None),
        "grades": _labelled(
            groups.grade, {k: str(v) for k, v in HiddenDangerGrade.choices}, list(HiddenDangerGrade.values)
        ),
        "sources": _labelled(
            groups.source, {k: str(v) for k, v in HiddenDangerSource.choices}, list(HiddenDangerSource.values)
        ),
        "states": states,
        "trend": trend(scope, year=year, division=division),
    }


def years(user: User) -> list[int]:
    """The years with counts the user may see, newest first (for the year selector)."""
    root = top_region(user)
    if root is None:
        return []
    model: Any = (
        HiddenDangerCountyTally
        if root.level in (RegionLevel.PROVINCE, RegionLevel.CITY)
        else HiddenDangerTally
    )
    qs = scoped(user, model).filter(under("region_code", root.prefix))
    return sorted(set(qs.order_by().values_list("year", flat=True).distinct()), reverse=True)
