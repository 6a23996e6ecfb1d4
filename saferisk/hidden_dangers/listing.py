"""The list of hidden dangers, for an enterprise (its own, open ones by deadline) and for
regulators (their jurisdiction, with filters): one read, paged by keyset so page 1 and page
10,000 of twenty million rows cost the same.

Filters (all optional, as the page's query string and the API's parameters):
  region      a region code: the hidden dangers whose town starts with its prefix
  enterprise  an enterprise id
  state       a state, or "open" (not closed), "unrectified", "overdue" (derived from today)
  grade       general / major
  source      self_check / inspection / verification / tip_off / other
  division    an industry division (two digits)
  year        the year it was found
  q           words of the title, the place or the enterprise's name
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from saferisk.core.errors import DomainError
from saferisk.core.models import Region, User
from saferisk.core.scoping import scoped
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerSource, HiddenDangerState
from saferisk.hidden_dangers.models import OPEN, UNRECTIFIED, HiddenDanger

# Orders, each backed by an index: newest first, or by deadline (the open list).
NEWEST = ["-id"]
BY_DEADLINE = ["deadline", "id"]
STATE_FILTERS = ("open", "unrectified", "overdue")


@dataclass
class Filters:
    region: str = ""
    enterprise: int | None = None
    state: str = ""
    grade: str = ""
    source: str = ""
    division: str = ""
    year: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, data: Any) -> Filters:
        """Filters from a query string; unknown values are ignored rather than failing."""
        enterprise = str(data.get("enterprise") or "")
        year = str(data.get("year") or "")
        state = data.get("state") or ""
        grade = data.get("grade") or ""
        source = data.get("source") or ""
        region = str(data.get("region") or "").strip()
        division = str(data.get("division") or "").strip()
        return cls(
            region=region if region.isdigit() else "",
            enterprise=int(enterprise) if enterprise.isdigit() else None,
            state=state if state in HiddenDangerState.values or state in STATE_FILTERS else "",
            grade=grade if grade in HiddenDangerGrade.values else "",
            source=source if source in HiddenDangerSource.values else "",
            division=division if division.isdigit() and len(division) == 2 else "",
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            q=str(data.get("q") or "").strip()[:100],
        )


def region_prefix(code: str) -> str:
    """The prefix of a region code (a 6-digit county "320115" → "320115", a city "320100" →
    "3201", a province "320000" → "32"; 9 or 12-digit towns as they are)."""
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return region.prefix
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise DomainError("region_invalid", "地区代码应为6位、9位或12位数字", field="region")
    return code


def hidden_dangers(user: User, filters: Filters, *, today: dt.date | None = None) -> QuerySet[HiddenDanger]:
    """The hidden dangers the user may see, narrowed by `filters` (unordered)."""
    today = today or timezone.localdate()
    qs = scoped(user, HiddenDanger)
    if filters.region:
        qs = qs.filter(region_code__startswith=region_prefix(filters.region))
    if filters.enterprise is not None:
        qs = qs.filter(enterprise_id=filters.enterprise)
    if filters.state == "open":
        qs = qs.filter(state__in=OPEN)
    elif filters.state == "unrectified":
        qs = qs.filter(state__in=UNRECTIFIED)
    elif filters.state == "overdue":
        qs = qs.filter(state__in=UNRECTIFIED, deadline__lt=today)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.division:
        qs = qs.filter(division=filters.division)
    if filters.year:
        qs = qs.filter(
            found_on__gte=dt.date(filters.year, 1, 1), found_on__lt=dt.date(filters.year + 1, 1, 1)
        )
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(place__icontains=filters.q)
            | Q(enterprise__name__icontains=filters.q)
        )
    return qs


def by_deadline(filters: Filters) -> bool:
    """Open lists read by deadline (what is due first); everything else newest first."""
    return filters.state in (
        "open",
        "unrectified",
        "overdue",
        HiddenDangerState.ASSESSED,
        HiddenDangerState.RECTIFYING,
    )


def paged(qs: QuerySet[HiddenDanger], filters: Filters) -> tuple[QuerySet[HiddenDanger], list[str]]:
    """The rows to page through and their keyset order. By deadline, only rows that have one
    (a keyset cannot seek past NULL): the ones still awaiting assessment, which have none yet,
    are shown apart (`awaiting_assessment`)."""
    if by_deadline(filters):
        return qs.filter(deadline__isnull=False), BY_DEADLINE
    return qs, NEWEST


def awaiting_assessment(qs: QuerySet[HiddenDanger], filters: Filters) -> QuerySet[HiddenDanger] | None:
    """The rows a by-deadline list leaves out (registered, no deadline yet), newest first."""
    if not by_deadline(filters):
        return None
    return qs.filter(deadline__isnull=True).order_by("-id")
