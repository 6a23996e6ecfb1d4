"""Scope rules of the enterprise directory (see core/scoping.py)."""

from saferisk.core.scoping import ScopeRule, register_scope
from saferisk.enterprises.models import Enterprise, ImportJob, SafetyCommitment, SafetyDirectorRule

register_scope(Enterprise, ScopeRule(region="region__code", enterprise="pk", industry="industry"))
# An import job belongs to the jurisdiction it was run for; enterprise users never see one.
register_scope(ImportJob, ScopeRule(region="region__code"))
# The rules are shared reference data: every signed-in user may read them, admins edit them.
register_scope(SafetyDirectorRule, ScopeRule(public=True))
register_scope(
    SafetyCommitment,
    ScopeRule(region="enterprise__region__code", enterprise="enterprise_id", industry="enterprise__industry"),
)
