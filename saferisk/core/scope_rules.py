"""Scope rules of the core models (see core/scoping.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from saferisk.core.choices import ENTERPRISE_ROLES, Role
from saferisk.core.models import (
    AccidentType,
    ApiToken,
    AuditEvent,
    Department,
    HazardFactor,
    Industry,
    KeySector,
    Notification,
    Region,
    User,
)
from saferisk.core.scoping import NOTHING, Action, ScopeRule, register_scope

for _model in (Region, Industry, AccidentType, HazardFactor, KeySector, Department):
    register_scope(_model, ScopeRule(public=True))


def _enterprise_users_q(user: Any) -> Q:
    """Enterprise accounts of enterprises in a regulator's jurisdiction (and department)."""
    q = Q(enterprise__region__code__startswith=user.jurisdiction_prefix)
    if user.department_id:
        q &= Q(enterprise__industry__department_id=user.department_id)
    return q


def _user_scope(user: Any, action: Action) -> Q:
    """Regulators see the staff of their jurisdiction and its enterprises' accounts, and may
    manage (reset, unlock) only the enterprise accounts; everyone else sees themselves and, for
    enterprise users, their colleagues."""
    me = Q(pk=user.pk)
    if user.role == Role.REGULATOR and user.jurisdiction_prefix:
        if action == "change":
            return _enterprise_users_q(user)
        staff = Q(region__code__startswith=user.jurisdiction_prefix)
        if user.department_id:
            staff &= Q(department_id=user.department_id)
        return me | staff | _enterprise_users_q(user)
    if user.role in ENTERPRISE_ROLES and user.enterprise_id and action == "view":
        return me | Q(enterprise_id=user.enterprise_id)
    return me


register_scope(User, ScopeRule(custom=_user_scope))


def _audit_scope(user: Any, action: Action) -> Q:
    """Events about objects in the user's jurisdiction; nobody changes an audit event."""
    if action == "change":
        return NOTHING
    if user.role == Role.REGULATOR and user.jurisdiction_prefix:
        q = Q(region_code__startswith=user.jurisdiction_prefix)
        if user.department_id:
            from saferisk.core.scoping import scoped
            from saferisk.enterprises.models import Enterprise

            q &= Q(enterprise_id__in=scoped(user, Enterprise).values("pk")) | Q(actor_id=user.pk)
        return q
    if user.role in ENTERPRISE_ROLES and user.enterprise_id:
        return Q(enterprise_id=user.enterprise_id)
    return Q(actor_id=user.pk)


register_scope(AuditEvent, ScopeRule(custom=_audit_scope))

# A token is only ever its owner's business (admins included, through scope_q's admin rule).
register_scope(ApiToken, ScopeRule(custom=lambda user, action: Q(user_id=user.pk)))


def _notification_scope(user: Any, action: Action) -> Q:
    """A notification is its recipient's, and visible to whoever may see the recipient's account."""
    if action == "change":
        return NOTHING
    if user.role == Role.REGULATOR and user.jurisdiction_prefix:
        accounts = User.objects.filter(_enterprise_users_q(user)).values("pk")
        return Q(recipient_id=user.pk) | Q(recipient_id__in=accounts)
    return Q(recipient_id=user.pk)


register_scope(Notification, ScopeRule(custom=_notification_scope))
