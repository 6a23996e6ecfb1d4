"""Request-scoped middleware: the change context for the audit log, and the forced password change."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from saferisk.core.context import change_context


def client_address(request: HttpRequest) -> str:
    """The client's address: the proxy's X-Real-IP when SAFERISK_TRUST_PROXY is on (operator
    guide), else the connection's own address, which a client cannot forge."""
    forwarded = request.META.get("HTTP_X_REAL_IP", "") if settings.SAFERISK_TRUST_PROXY else ""
    return (forwarded or request.META.get("REMOTE_ADDR") or "")[:45]


class RequestContextMiddleware:
    """Gives each request an id (or keeps the proxy's X-Request-ID) for the audit log and logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming[:36] if incoming else str(uuid.uuid4())
        with change_context(request_id=request_id, client_address=client_address(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class NulCharacterMiddleware:
    """Refuses input holding NUL characters (400) before any view sees it: PostgreSQL cannot
    store them in text, so a query parameter, form field or JSON string with one would otherwise
    end as a database error (500) wherever it reached a filter or a save."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = "请求中含有不允许的空字符（NUL）"
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "nul_character", "message": message, "details": None}, status=400
                )
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and content_type.startswith("application/json"):
            body = request.body
            return b"\\u0000" in body or b"\x00" in body
        if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            return b"%00" in request.body or b"\x00" in request.body
        return False


class LanguageMiddleware:
    """Chinese unless the user chose otherwise: the language comes from the language cookie (set
    by the switch in the footer), never from the browser's Accept-Language, because intranet
    machines often run browsers installed in English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PasswordChangeRequiredMiddleware:
    """Until a user with `must_change_password` has chosen a password, pages lead to the form."""

    ALLOWED_NAMES = frozenset({"core:password_change", "core:logout", "core:login"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/static/", "/api/"))
        ):
            match = request.resolver_match
            name = None
            if match is None:
                from django.urls import resolve
                from django.urls.exceptions import Resolver404

                try:
                    match = resolve(request.path_info)
                except Resolver404:
                    match = None
            if match is not None:
                name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            if name not in self.ALLOWED_NAMES:
                return redirect(f"{reverse('core:password_change')}?first=1")
        return self.get_response(request)
