"""Every page and API operation declares how it is scoped, with one of these decorators.

The declaration is what the authorization matrix test (core/tests/test_authorization_matrix.py)
reads to know how to probe a route; a route without one fails that test. The decorators only
mark the function: the view itself fetches through core.scoping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.db import models

F = TypeVar("F", bound=Callable[..., Any])

Kind = Literal["public", "personal", "reference", "object", "list", "create", "admin", "aggregate"]


@dataclass(frozen=True)
class RouteScope:
    """public: no sign-in needed; personal: acts only on the caller's own account;
    reference: public reference data for any signed-in user; object: one scoped object named by
    the route's id argument; list: a scoped list of `model`; create: makes a new `model` row inside
    the caller's own jurisdiction, which the service checks (the matrix only checks that anonymous
    callers are refused: the feature's own tests show who may create); admin: system
    administrators only; aggregate: sums over the rows of `model` the caller may see (any
    signed-in user gets an answer, computed from `scoped()`; the feature's tests check the sums)."""

    kind: Kind
    model: type[models.Model] | None = None


def _mark(scope: RouteScope) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        fn.route_scope = scope  # type: ignore[attr-defined]
        return fn

    return decorate


def public_route[F: Callable[..., Any]](fn: F) -> F:
    return _mark(RouteScope("public"))(fn)


def personal_route[F: Callable[..., Any]](fn: F) -> F:
    return _mark(RouteScope("personal"))(fn)


def reference_route[F: Callable[..., Any]](fn: F) -> F:
    return _mark(RouteScope("reference"))(fn)


def admin_route[F: Callable[..., Any]](fn: F) -> F:
    return _mark(RouteScope("admin"))(fn)


def object_route(model: type[models.Model]) -> Callable[[F], F]:
    return _mark(RouteScope("object", model))


def list_route(model: type[models.Model]) -> Callable[[F], F]:
    return _mark(RouteScope("list", model))


def create_route(model: type[models.Model]) -> Callable[[F], F]:
    return _mark(RouteScope("create", model))


def aggregate_route(model: type[models.Model]) -> Callable[[F], F]:
    return _mark(RouteScope("aggregate", model))


def route_scope_of(fn: Any) -> RouteScope | None:
    """The declaration of a view (function, class-based view or wrapped function)."""
    for candidate in (fn, getattr(fn, "view_class", None), getattr(fn, "__wrapped__", None)):
        scope = getattr(candidate, "route_scope", None)
        if scope is not None:
            return scope
    return None
