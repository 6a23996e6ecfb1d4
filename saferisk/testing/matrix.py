"""The authorization matrix: every page and API operation, probed as insiders and outsiders.

`collect_routes(urlconf)` walks a URLconf (API operations included, found through ninja's path
views) and pairs each route with its declaration from core.routes. `probe_routes(...)` then
requests each one as the users that should and should not reach it and returns the problems:
an undeclared route, an object reachable from outside its jurisdiction, a list that shows
another jurisdiction's rows, a page that fails for its rightful user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

from saferisk.core.routes import RouteScope, route_scope_of

# Third-party routes that are public by design (ninja's schema, docs page and root).
INFRASTRUCTURE = {
    "api:openapi-json": RouteScope("public"),
    "api:openapi-view": RouteScope("public"),
    "api:api-root": RouteScope("public"),
}


@dataclass
class Route:
    name: str  # namespaced url name, or "API METHOD /path" for API operations
    path: str  # Django route pattern with converters, e.g. "users/<int:pk>/"
    methods: tuple[str, ...]
    scope: RouteScope | None
    is_api: bool = False
    kwargs: tuple[str, ...] = ()


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield name, prefix + str(p.pattern), p.callback


def _path_view(callback: Any) -> PathView | None:
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def collect_routes(urlconf: str | None = None) -> list[Route]:
    routes: list[Route] = []
    for name, path, callback in _walk(get_resolver(urlconf).url_patterns):
        kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>", path))
        path_view = _path_view(callback)
        if path_view is not None:
            for op in path_view.operations:
                for method in op.methods:
                    routes.append(
                        Route(
                            f"API {method} /{path}",
                            path,
                            (method,),
                            route_scope_of(op.view_func),
                            True,
                            kwargs,
                        )
                    )
            continue
        scope = INFRASTRUCTURE.get(name) or route_scope_of(callback)
        routes.append(Route(name or path, path, ("GET",), scope, False, kwargs))
    return routes


@dataclass
class Subject:
    """How to probe routes of one model: an object inside jurisdiction A, who may reach it, who may not."""

    make: Callable[[Any], models.Model]
    insider: str
    outsiders: tuple[str, ...]
    page_marker: Callable[[models.Model], str]


@dataclass
class MatrixResult:
    problems: list[str] = field(default_factory=list)
    probed: int = 0
    requests: int = 0


def _fill(route: Route, obj: models.Model | None, samples: dict[str, dict[str, str]]) -> str | None:
    path = "/" + route.path
    values = dict(samples.get(route.name, {}))
    query = values.pop("?", "")  # a query string the operation needs (e.g. a calculator's inputs)
    for kw in route.kwargs:
        if kw not in values:
            if obj is None:
                return None
            values[kw] = str(obj.pk)
    for kw, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{kw}>", value, path)
    if "<" in path:
        return None
    return f"{path}?{query}" if query else path


def _request(client: Client, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, data={}, content_type="application/json")


def _api_ids(response: Any) -> set[str]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return set()
    items = body.get("items", []) if isinstance(body, dict) else []
    return {str(i.get("id", i.get("code"))) for i in items if isinstance(i, dict)}


def probe_routes(
    routes: list[Route],
    *,
    world: Any,
    subjects: dict[type[models.Model], Subject],
    samples: dict[str, dict[str, str]],
    admins: tuple[str, ...] = ("admin",),
    non_admins: tuple[str, ...] = ("county_regulator", "enterprise_filler"),
    insiders: dict[str, str] | None = None,
) -> MatrixResult:
    """Probe every route; collect every problem (an empty list means the matrix holds).

    `insiders` names, per route, a different rightful user than the subject's (e.g. only the
    enterprise itself may sign its safety commitment; its regulator may only read it)."""
    result = MatrixResult()

    def client(who: str | None) -> Client:
        c = Client()
        if who:
            c.force_login(getattr(world, who))
        return c

    def check(cond: bool, message: str) -> None:
        if not cond:
            result.problems.append(message)

    for route in routes:
        scope = route.scope
        if scope is None:
            result.problems.append(
                f"{route.name} ({route.path}): no scope declaration (use a core.routes decorator)"
            )
            continue
        result.probed += 1
        method = route.methods[0]
        if scope.kind in {"object", "list"}:
            subject = subjects.get(scope.model)  # type: ignore[arg-type]
            if subject is None:
                result.problems.append(f"{route.name}: no matrix subject for {scope.model}")
                continue
            obj = subject.make(world)
            path = _fill(route, obj, samples)
            if path is None:
                result.problems.append(f"{route.name}: cannot fill URL arguments {route.kwargs}")
                continue
            if scope.kind == "object":
                for who in subject.outsiders:
                    r = _request(client(who), method, path)
                    result.requests += 1
                    if r.status_code == 405 and not route.is_api:
                        r = _request(client(who), "POST", path)
                        result.requests += 1
                    check(
                        r.status_code in (403, 404),
                        f"{route.name}: {who} got {r.status_code} on another jurisdiction's object",
                    )
                insider = (insiders or {}).get(route.name, subject.insider)
                r = _request(client(insider), method, path)
                result.requests += 1
                # A write operation probed with an empty body may stop at validation (422): the
                # insider was not refused, which is what this checks.
                allowed = (200, 302, 405, 422) if route.is_api and method != "GET" else (200, 302, 405)
                check(
                    r.status_code in allowed,
                    f"{route.name}: insider {insider} got {r.status_code}",
                )
            else:
                marker = str(obj.pk) if route.is_api else subject.page_marker(obj)
                for who in subject.outsiders:
                    r = _request(client(who), method, path)
                    result.requests += 1
                    check(r.status_code in (200, 403, 404), f"{route.name}: {who} got {r.status_code}")
                    leaked = marker in _api_ids(r) if route.is_api else marker in r.content.decode()
                    check(not leaked, f"{route.name}: {who} sees another jurisdiction's row {marker}")
                r = _request(client(subject.insider), method, path)
                result.requests += 1
                seen = marker in _api_ids(r) if route.is_api else marker in r.content.decode()
                check(
                    r.status_code == 200 and seen,
                    f"{route.name}: insider {subject.insider} does not see its row",
                )
            continue
        path = _fill(route, None, samples)
        if path is None:
            result.problems.append(f"{route.name}: cannot fill URL arguments {route.kwargs}")
            continue
        anon = _request(client(None), method, path)
        result.requests += 1
        if anon.status_code == 405 and not route.is_api:  # a POST-only page
            method = "POST"
            anon = _request(client(None), method, path)
            result.requests += 1
        if scope.kind == "create":
            check(anon.status_code in (302, 401), f"{route.name}: anonymous got {anon.status_code}")
            for who in non_admins:
                r = _request(client(who), method, path)
                result.requests += 1
                check(r.status_code < 500, f"{route.name}: {who} got {r.status_code}")
            continue
        if scope.kind == "public":
            check(
                anon.status_code < 500 and anon.status_code not in (401, 403),
                f"{route.name}: public route gave {anon.status_code}",
            )
            continue
        check(anon.status_code in (302, 401), f"{route.name}: anonymous got {anon.status_code}")
        if scope.kind == "admin":
            for who in non_admins:
                r = _request(client(who), method, path)
                result.requests += 1
                check(r.status_code in (403, 404), f"{route.name}: non-admin {who} got {r.status_code}")
            for who in admins:
                r = _request(client(who), method, path)
                result.requests += 1
                check(r.status_code == 200, f"{route.name}: admin {who} got {r.status_code}")
        else:  # personal, reference, aggregate: any signed-in user, on their own account, public data or their own scope
            for who in non_admins:
                r = _request(client(who), method, path)
                result.requests += 1
                check(r.status_code in (200, 302, 405), f"{route.name}: {who} got {r.status_code}")
    return result
