"""Jurisdiction scoping: the one function that decides what a user may see and change.

Every model holding data that belongs to a place or an enterprise registers a `ScopeRule`
(`register_scope`). `scope_q(user, Model, action)` turns (user, model, action) into a `Q`;
`scoped(...)` applies it to a queryset and `scoped_get(...)` fetches one object or raises
NotFound. Pages, API operations, exports and jobs all go through these, and a model with no rule
raises, so a new model cannot be reached unscoped by accident.

Who sees what:
- admin: everything;
- regulator: rows whose region code starts with their jurisdiction prefix; a regulator with a
  department additionally only rows whose industry that department supervises;
- enterprise filler / principal: rows of their own enterprise;
- expert: rows reachable through their assignments (the rule's `expert` path), else nothing;
- public reference data (`public=True`): readable by every signed-in user, changeable by admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q, QuerySet

from saferisk.core.choices import Role
from saferisk.core.errors import NotFound

Action = Literal["view", "change"]
M = TypeVar("M", bound=models.Model)

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class ScopeRule:
    """How a model's rows relate to jurisdictions, as ORM paths from the model.

    region:      path to a region code (e.g. "region_id", "enterprise__region_id")
    enterprise:  path to the owning enterprise id (e.g. "pk", "enterprise_id")
    industry:    path to the Industry relation, for department-scoped regulators
    expert:      path to a user id of an assigned expert
    public:      reference data, readable by any signed-in user
    enterprise_can_change: whether enterprise users may change (not only view) their rows
    custom:      a function (user, action) -> Q for models that need more than paths
    """

    region: str | None = None
    enterprise: str | None = None
    industry: str | None = None
    expert: str | None = None
    public: bool = False
    enterprise_can_change: bool = True
    custom: Callable[[Any, Action], Q] | None = None


_RULES: dict[type[models.Model], ScopeRule] = {}


def register_scope(model: type[models.Model], rule: ScopeRule) -> None:
    _RULES[model] = rule


def rule_for(model: type[models.Model]) -> ScopeRule:
    try:
        return _RULES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scope rule: call saferisk.core.scoping.register_scope for it"
        ) from None


def scope_q(user: Any, model: type[models.Model], action: Action = "view") -> Q:
    """The filter of `model` rows that `user` may see (action='view') or change ('change')."""
    rule = rule_for(model)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser or user.role == Role.ADMIN:
        return Q()
    if rule.custom is not None:
        return rule.custom(user, action)
    if rule.public:
        return Q() if action == "view" else NOTHING
    return field_scope_q(user, rule, action)


def field_scope_q(user: Any, rule: ScopeRule, action: Action) -> Q:
    """The standard path-based part of `scope_q`, reusable by custom rules."""
    if user.role == Role.REGULATOR:
        prefix = user.jurisdiction_prefix
        if not rule.region or not prefix:
            return NOTHING
        q = Q(**{f"{rule.region}__startswith": prefix})
        if user.department_id:
            if not rule.industry:
                return NOTHING
            q &= Q(**{f"{rule.industry}__department_id": user.department_id})
        return q
    if user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL):
        if not rule.enterprise or not user.enterprise_id:
            return NOTHING
        if action == "change" and not rule.enterprise_can_change:
            return NOTHING
        return Q(**{rule.enterprise: user.enterprise_id})
    if user.role == Role.EXPERT:
        if not rule.expert:
            return NOTHING
        return Q(**{rule.expert: user.pk})
    return NOTHING


def scoped[M: models.Model](user: Any, source: type[M] | QuerySet[M], action: Action = "view") -> QuerySet[M]:
    """`source` (a model or a queryset of it) restricted to what `user` may see or change."""
    qs = source if isinstance(source, QuerySet) else source._default_manager.all()
    q = scope_q(user, qs.model, action)
    if q == NOTHING:
        return qs.none()
    return qs.filter(q) if q else qs


def scoped_get[M: models.Model](
    user: Any, source: type[M] | QuerySet[M], action: Action = "view", **lookup: Any
) -> M:
    """One object the user may see (or change); missing and out-of-scope both raise NotFound."""
    try:
        return scoped(user, source, action).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, ValidationError):
        raise NotFound() from None


def can(user: Any, action: Action, obj: models.Model) -> bool:
    """Whether `user` may perform `action` on `obj` (one query)."""
    return scoped(user, type(obj), action).filter(pk=obj.pk).exists()
