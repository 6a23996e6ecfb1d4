"""Scope rules of the enterprise directory (see core/scoping.py)."""

from saferisk.core.scoping import ScopeRule, register_scope
from saferisk.enterprises.models import Enterprise

register_scope(Enterprise, ScopeRule(region="region__code", enterprise="pk", industry="industry"))
