"""Scope rules of the hidden-danger app (see core/scoping.py)."""

from typing import Any

from django.db.models import Q

from saferisk.core.choices import Role
from saferisk.core.models import Industry
from saferisk.core.scoping import NOTHING, Action, ScopeRule, field_scope_q, register_scope
from saferisk.hidden_dangers.models import (
    Checklist,
    ChecklistItem,
    DeadlineExtension,
    HiddenDanger,
    HiddenDangerCountyTally,
    HiddenDangerEvent,
    HiddenDangerMonth,
    HiddenDangerTally,
    Inspection,
    InspectionResult,
    ListedSupervision,
    Photo,
    SupervisionProgress,
)


def department_divisions(department_id: int) -> list[str]:
    """The industry divisions (two digits) a department supervises some class of: the counts
    are kept by division, so a department sees the whole of each division it touches."""
    codes = Industry.objects.filter(department_id=department_id).values_list("code", flat=True)
    return sorted({code[:2] for code in codes if code[:1].isdigit()})


def _tally_q(user: Any, action: str) -> Q:
    """Counts are read by regulators of the region; a department's regulator by its divisions.
    Nobody changes them but the services."""
    if action != "view" or user.role != Role.REGULATOR or not user.jurisdiction_prefix:
        return NOTHING
    q = Q(region_code__startswith=user.jurisdiction_prefix)
    if user.department_id:
        q &= Q(division__in=department_divisions(user.department_id))
    return q


def _month_q(user: Any, action: str) -> Q:
    """The monthly counts are not split by industry: regulators of a department see none."""
    if action != "view" or user.role != Role.REGULATOR or user.department_id or not user.jurisdiction_prefix:
        return NOTHING
    return Q(region_code__startswith=user.jurisdiction_prefix)


_LISTING = ScopeRule(region="region_code", enterprise="enterprise_id", industry="enterprise__industry")


def _listing_q(user: Any, action: Action) -> Q:
    """Everyone who sees the hidden danger follows its listing; only the listing regulator's
    level and those above it change it (a county follows a city's listing, does not lift it).
    The enterprise reports progress through a service, it does not change the listing."""
    q = field_scope_q(user, _LISTING, action)
    if action == "change":
        if user.role != Role.REGULATOR:
            return NOTHING
        q &= Q(authority_code__startswith=user.jurisdiction_prefix)
    return q


def _via(path: str) -> ScopeRule:
    return ScopeRule(
        region=f"{path}region_code", enterprise=f"{path}enterprise_id", industry=f"{path}enterprise__industry"
    )


register_scope(
    Checklist,
    ScopeRule(region="enterprise__region__code", enterprise="enterprise_id", industry="enterprise__industry"),
)
register_scope(
    ChecklistItem,
    ScopeRule(
        region="checklist__enterprise__region__code",
        enterprise="checklist__enterprise_id",
        industry="checklist__enterprise__industry",
    ),
)
register_scope(Inspection, _via(""))
register_scope(InspectionResult, _via("inspection__"))
register_scope(HiddenDanger, _via(""))
register_scope(HiddenDangerEvent, _via("hidden_danger__"))
register_scope(Photo, _via(""))
register_scope(DeadlineExtension, _via("hidden_danger__"))
register_scope(ListedSupervision, ScopeRule(custom=_listing_q))
register_scope(SupervisionProgress, _via("listing__"))
register_scope(HiddenDangerTally, ScopeRule(custom=_tally_q))
register_scope(HiddenDangerCountyTally, ScopeRule(custom=_tally_q))
register_scope(HiddenDangerMonth, ScopeRule(custom=_month_q))
