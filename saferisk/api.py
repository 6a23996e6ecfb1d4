"""The API: one NinjaAPI under /api/v1/, its authentication, and one error shape for everything.

Errors always answer {"code": ..., "message": ..., "details": ...}; `message` is Chinese for
people, `code` is for programs.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from saferisk.core.errors import DomainError
from saferisk.core.services import api_token_user


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token from `saferisk token create USERNAME`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="saferisk API",
    version="1",
    description="安全风险分级管控与隐患排查治理平台接口。认证：会话（网页登录后）或 `Authorization: Bearer <令牌>`。",
    auth=[BearerAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "details": details}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    details = exc.details if exc.details is not None else ({"field": exc.field} if exc.field else None)
    return _error(request, exc.status, exc.code, exc.message, details)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid_input", "请求参数有误", exc.errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "未登录或令牌无效")


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _error(request, 403, "forbidden", "您没有执行此操作的权限")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "对象不存在或不在您的管辖范围内")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/", "saferisk.core.api.router")
api.add_router("/enterprises", "saferisk.enterprises.api.router")
api.add_router("/onboarding", "saferisk.enterprises.onboarding_api.router")
api.add_router("/", "saferisk.enterprises.profile_api.router")
api.add_router("/", "saferisk.risks.api.router")
api.add_router("/reporting", "saferisk.reporting.api.router")
api.add_router("/hidden-dangers", "saferisk.hidden_dangers.api.router")
