"""Scope rules of the risks app (see core/scoping.py)."""

from saferisk.core.scoping import ScopeRule, register_scope
from saferisk.risks.models import ControlMeasure, Risk, RiskCatalogItem, RiskVersion

# The catalogue is shared reference data: every signed-in user may read it, admins edit it.
register_scope(RiskCatalogItem, ScopeRule(public=True))
register_scope(
    Risk,
    ScopeRule(region="enterprise__region__code", enterprise="enterprise_id", industry="enterprise__industry"),
)
register_scope(
    RiskVersion,
    ScopeRule(
        region="risk__enterprise__region__code",
        enterprise="risk__enterprise_id",
        industry="risk__enterprise__industry",
        enterprise_can_change=False,
    ),
)
register_scope(
    ControlMeasure,
    ScopeRule(
        region="risk__enterprise__region__code",
        enterprise="risk__enterprise_id",
        industry="risk__enterprise__industry",
    ),
)

from saferisk.risks.models import (  # noqa: E402
    AssessmentScheme,
    EnterpriseRiskSummary,
    ReassessmentItem,
    ReassessmentTask,
    RiskArea,
    SitePlan,
)

register_scope(AssessmentScheme, ScopeRule(public=True))
for _model in (EnterpriseRiskSummary, ReassessmentTask, SitePlan, RiskArea):
    register_scope(
        _model,
        ScopeRule(
            region="enterprise__region__code", enterprise="enterprise_id", industry="enterprise__industry"
        ),
    )
register_scope(
    ReassessmentItem,
    ScopeRule(
        region="task__enterprise__region__code",
        enterprise="task__enterprise_id",
        industry="task__enterprise__industry",
    ),
)

from saferisk.risks.models import DocumentJob  # noqa: E402

# A batch of documents belongs to the region it covers; who made it is checked by the views.
register_scope(DocumentJob, ScopeRule(region="region__code"))
