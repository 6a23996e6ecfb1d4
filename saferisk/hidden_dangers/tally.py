"""The counts behind the regulators' statistics, moved in the same transaction as each change.

Twenty million hidden dangers a year cannot be grouped live for every page view, so every
service that changes a hidden danger takes a `Mark` of it before and after (`mark`) and calls
`move(before, after)`: the hidden danger's one unit leaves the count row of its old key (year,
town, division, grade, source, state) and joins the new one, in the town table and in its
county's. The month table counts what was found and what was closed each month. `rebuild`
recomputes all three from the hidden dangers (after a bulk load, or to repair).

Overdue is not counted here: it depends on today's date, so it is counted live from the partial
index of unrectified hidden dangers (statistics.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from saferisk.hidden_dangers.choices import HiddenDangerState
from saferisk.hidden_dangers.models import (
    HiddenDanger,
    HiddenDangerCountyTally,
    HiddenDangerMonth,
    HiddenDangerTally,
)

COUNTY = 6  # digits of a county code


@dataclass(frozen=True)
class Mark:
    """What one hidden danger contributes to the counts at one moment."""

    year: int
    region_code: str
    division: str
    grade: str
    source: str
    state: str
    on_time: int
    found_month: dt.date
    closed_month: dt.date | None


def mark(hd: HiddenDanger) -> Mark:
    closed = None
    if hd.closed_at is not None and hd.state == HiddenDangerState.CLOSED:
        closed = timezone.localtime(hd.closed_at).date().replace(day=1)
    return Mark(
        year=hd.found_on.year,
        found_month=hd.found_on.replace(day=1),
        region_code=hd.region_code,
        division=hd.division,
        grade=hd.grade,
        source=hd.source,
        state=hd.state,
        on_time=int(bool(hd.on_time)),
        closed_month=closed,
    )


def _bump_tally(m: Mark, count: int, on_time: int) -> None:
    key: dict[str, Any] = {
        "year": m.year,
        "division": m.division,
        "grade": m.grade,
        "source": m.source,
        "state": m.state,
    }
    for model, region in (
        (HiddenDangerTally, m.region_code),
        (HiddenDangerCountyTally, m.region_code[:COUNTY]),
    ):
        row, _ = model.objects.get_or_create(**key, region_code=region)
        model.objects.filter(pk=row.pk).update(count=F("count") + count, on_time=F("on_time") + on_time)


def _bump_month(month: dt.date, m: Mark, **delta: int) -> None:
    row, _ = HiddenDangerMonth.objects.get_or_create(month=month, region_code=m.region_code, grade=m.grade)
    HiddenDangerMonth.objects.filter(pk=row.pk).update(**{k: F(k) + v for k, v in delta.items()})


def move(before: Mark | None, after: Mark) -> None:
    """Move one hidden danger's unit from `before` (None: it is new) to `after`."""
    if before == after:
        return
    if before is not None:
        _bump_tally(before, -1, -before.on_time)
    _bump_tally(after, 1, after.on_time)
    if before is None or (before.grade, before.found_month) != (after.grade, after.found_month):
        # New, or re-graded at assessment: its found-month unit follows the grade.
        if before is not None:
            _bump_month(before.found_month, before, found=-1)
        _bump_month(after.found_month, after, found=1)
    if before is not None and before.closed_month is not None:
        _bump_month(before.closed_month, before, closed=-1, closed_on_time=-before.on_time)
    if after.closed_month is not None:
        _bump_month(after.closed_month, after, closed=1, closed_on_time=after.on_time)


@transaction.atomic
def rebuild() -> None:
    """Recompute every count from the hidden dangers (one GROUP BY per table)."""
    HiddenDangerTally.objects.all().delete()
    HiddenDangerCountyTally.objects.all().delete()
    HiddenDangerMonth.objects.all().delete()
    if connection.vendor == "postgresql":
        _rebuild_sql()
        return
    keys = ("region_code", "division", "grade", "source", "state")
    rows = (
        HiddenDanger.objects.values("found_on__year", *keys)
        .annotate(n=Count("id"), t=Count("id", filter=Q(on_time=True)))
        .order_by()
    )
    tallies = [
        HiddenDangerTally(year=r["found_on__year"], count=r["n"], on_time=r["t"], **{k: r[k] for k in keys})
        for r in rows
    ]
    HiddenDangerTally.objects.bulk_create(tallies, batch_size=2000)
    county = (
        HiddenDangerTally.objects.annotate(county=Substr("region_code", 1, COUNTY))
        .values("year", "county", "division", "grade", "source", "state")
        .annotate(n=Sum("count"), t=Sum("on_time"))
        .order_by()
    )
    HiddenDangerCountyTally.objects.bulk_create(
        [
            HiddenDangerCountyTally(
                year=r["year"],
                region_code=r["county"],
                division=r["division"],
                grade=r["grade"],
                source=r["source"],
                state=r["state"],
                count=r["n"],
                on_time=r["t"],
            )
            for r in county
        ],
        batch_size=2000,
    )
    months: dict[tuple[dt.date, str, str], dict[str, int]] = {}
    found = (
        HiddenDanger.objects.annotate(m=TruncMonth("found_on"))
        .values("m", "region_code", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in found:
        months.setdefault((_as_date(r["m"]), r["region_code"], r["grade"]), {})["found"] = r["n"]
    closed = (
        HiddenDanger.objects.filter(state=HiddenDangerState.CLOSED, closed_at__isnull=False)
        .annotate(m=TruncMonth("closed_at"))
        .values("m", "region_code", "grade")
        .annotate(n=Count("id"), t=Count("id", filter=Q(on_time=True)))
        .order_by()
    )
    for r in closed:
        entry = months.setdefault((_as_date(r["m"]), r["region_code"], r["grade"]), {})
        entry["closed"] = r["n"]
        entry["closed_on_time"] = r["t"]
    HiddenDangerMonth.objects.bulk_create(
        [HiddenDangerMonth(month=k[0], region_code=k[1], grade=k[2], **v) for k, v in months.items()],
        batch_size=2000,
    )


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _rebuild_sql() -> None:
    """PostgreSQL: the three tables by INSERT … SELECT, without moving rows through Python."""
    hd = HiddenDanger._meta.db_table
    town = HiddenDangerTally._meta.db_table
    county = HiddenDangerCountyTally._meta.db_table
    month = HiddenDangerMonth._meta.db_table
    columns = "year, region_code, division, grade, source, state, count, on_time"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {town} ({columns}) "  # noqa: S608 (table names from the models)
            f"SELECT EXTRACT(YEAR FROM found_on)::int, region_code, division, grade, source, state, "
            f"count(*), count(*) FILTER (WHERE on_time) FROM {hd} "
            f"GROUP BY 1, 2, 3, 4, 5, 6"  # noqa: S608 (table names from the models)
        )
        cursor.execute(
            f"INSERT INTO {county} ({columns}) "  # noqa: S608 (table names from the models)
            f"SELECT year, left(region_code, {COUNTY}), division, grade, source, state, sum(count), sum(on_time) "
            f"FROM {town} GROUP BY 1, 2, 3, 4, 5, 6"  # noqa: S608 (table names from the models)
        )
        cursor.execute(
            f"INSERT INTO {month} (month, region_code, grade, found, closed, closed_on_time) "  # noqa: S608 (table names from the models)
            f"SELECT m, region_code, grade, sum(f), sum(c), sum(t) FROM ("
            f"  SELECT date_trunc('month', found_on)::date AS m, region_code, grade, count(*) AS f, 0 AS c, 0 AS t "
            f"  FROM {hd} GROUP BY 1, 2, 3"
            f"  UNION ALL "
            f"  SELECT date_trunc('month', closed_at AT TIME ZONE %s)::date, region_code, grade, 0, count(*), "
            f"  count(*) FILTER (WHERE on_time) FROM {hd} WHERE state = 'closed' AND closed_at IS NOT NULL "
            f"  GROUP BY 1, 2, 3"
            f") s GROUP BY 1, 2, 3",  # noqa: S608 (table names from the models)
            [_time_zone()],
        )


def _time_zone() -> str:
    from django.conf import settings

    return str(settings.TIME_ZONE)
