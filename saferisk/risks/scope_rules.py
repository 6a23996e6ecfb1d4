"""Scope rules of the risks app (see core/scoping.py)."""

from saferisk.core.scoping import ScopeRule, register_scope
from saferisk.risks.models import RiskCatalogItem

# The catalogue is shared reference data: every signed-in user may read it, admins edit it.
register_scope(RiskCatalogItem, ScopeRule(public=True))
