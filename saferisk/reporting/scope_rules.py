"""Scope rules of the reporting app (see core/scoping.py)."""

from typing import Any

from django.db.models import Q

from saferisk.core.choices import Role
from saferisk.core.scoping import NOTHING, ScopeRule, register_scope
from saferisk.reporting.models import (
    Bulletin,
    CampaignCountyDaily,
    CampaignCountyProgress,
    CampaignCountySectorProgress,
    CampaignDaily,
    CampaignProgress,
    CampaignSectorProgress,
    EnforcementCase,
    ReportingCampaign,
    ReportTask,
    RiskReport,
)


def _campaign_q(user: Any, action: str) -> Q:
    """A regulator sees the campaigns opened inside its jurisdiction and those whose
    jurisdiction contains its own (a county sees the province's annual campaign); it changes
    only the first. An enterprise sees the campaigns it has a task in."""
    if user.role == Role.REGULATOR and user.jurisdiction_prefix:
        prefix = user.jurisdiction_prefix
        inside = Q(region__code__startswith=prefix)
        if action == "change":
            return inside
        above = [prefix[:n] for n in (2, 4) if n < len(prefix)]
        containing = Q(region__code__in=[p.ljust(6, "0") for p in above])
        return inside | containing
    if user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL) and user.enterprise_id:
        return Q(tasks__enterprise_id=user.enterprise_id) if action == "view" else NOTHING
    return NOTHING


def _bulletin_q(user: Any, action: str) -> Q:
    """A regulator (not a department's: bulletins sum every industry) sees the bulletins of
    its jurisdiction and of the regions containing it (a county sees the city's bulletin, where
    it is ranked); it publishes only inside its jurisdiction. Enterprises and experts see none."""
    if user.role != Role.REGULATOR or user.department_id or not user.jurisdiction_prefix:
        return NOTHING
    prefix = user.jurisdiction_prefix
    inside = Q(region__code__startswith=prefix)
    if action == "change":
        return inside
    containing = [prefix[:n].ljust(6, "0") for n in (2, 4, 6) if n < len(prefix)]
    return inside | Q(region__code__in=containing)


register_scope(ReportingCampaign, ScopeRule(custom=_campaign_q))
register_scope(
    ReportTask, ScopeRule(region="region_code", enterprise="enterprise_id", industry="enterprise__industry")
)
register_scope(
    RiskReport,
    ScopeRule(
        region="task__region_code", enterprise="task__enterprise_id", industry="task__enterprise__industry"
    ),
)
register_scope(CampaignProgress, ScopeRule(region="region_code"))
register_scope(CampaignSectorProgress, ScopeRule(region="region_code"))
register_scope(CampaignDaily, ScopeRule(region="region_code"))
register_scope(CampaignCountyProgress, ScopeRule(region="region_code"))
register_scope(CampaignCountySectorProgress, ScopeRule(region="region_code"))
register_scope(CampaignCountyDaily, ScopeRule(region="region_code"))
register_scope(Bulletin, ScopeRule(custom=_bulletin_q))
register_scope(
    EnforcementCase,
    ScopeRule(region="region_code", industry="enterprise__industry", enterprise_can_change=False),
)
