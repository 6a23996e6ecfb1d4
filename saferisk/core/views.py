"""Pages of the core app. Thin: parse input, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticValidationError

from saferisk.core import selectors, services
from saferisk.core.audit import ACTIONS, change_rows
from saferisk.core.choices import Role
from saferisk.core.columns import AUDIT_EVENT_COLUMNS, INDUSTRY_COLUMNS, REGION_COLUMNS, USER_COLUMNS
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.excel import xlsx_response
from saferisk.core.filters import AuditEventFilter, IndustryFilter, RegionFilter, UserFilter
from saferisk.core.forms import LoginForm, PasswordChangeForm, UserCreateForm
from saferisk.core.home import home_context
from saferisk.core.keyset import keyset_page
from saferisk.core.models import ApiToken, AuditEvent, Industry, Region, User
from saferisk.core.routes import (
    admin_route,
    list_route,
    object_route,
    personal_route,
    public_route,
    reference_route,
)
from saferisk.core.scoping import scoped, scoped_get

PAGE_SIZE = 50


def parse_filters(request: HttpRequest, schema: type[Any]) -> tuple[Any, str | None]:
    """The list's filter schema from the query string; bad values give an empty filter and a message."""
    params = {
        k: v for k, v in request.GET.items() if v != "" and k not in {"page", "format", "after", "n", "sort"}
    }
    try:
        return schema(**params), None
    except PydanticValidationError:
        return schema(), _("Some filter values were not understood and were ignored.")


def paginate(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def list_response(
    request: HttpRequest,
    *,
    queryset: Any,
    filters: Any,
    warning: str | None,
    columns: Any,
    template: str,
    title: Any,
    extra: dict[str, Any] | None = None,
    keyset: list[str] | None = None,
) -> HttpResponseBase:
    """Every list page: the Excel export of the whole filtered list (`?format=xlsx`, same columns
    as the table) or one page of it rendered with the filters that produced it. Lists that grow
    to province scale pass `keyset` (ordering fields ending in a unique one) and page by cursor."""
    if request.GET.get("format") == "xlsx":
        if keyset:
            queryset = queryset.order_by(*keyset)
        rows = queryset.iterator(chunk_size=2000)
        return xlsx_response(filename=str(title), sheet=str(title), columns=columns, rows=rows)
    if keyset:
        try:
            number = max(1, int(request.GET.get("n", "1")))
        except ValueError:
            number = 1
        page: Any = keyset_page(
            queryset,
            fields=keyset,
            cursor=request.GET.get("after"),
            before=request.GET.get("before"),
            size=PAGE_SIZE,
            number=number,
        )
    else:
        page = paginate(request, queryset)
    context = {
        "page": page,
        "keyset": bool(keyset),
        "filters": filters,
        "warning": warning,
        "columns": columns,
        "title": title,
        **(extra or {}),
    }
    return render(request, template, context)


def get_or_404(user: Any, model: Any, **lookup: Any) -> Any:
    try:
        return scoped_get(user, model, **lookup)
    except NotFound:
        raise Http404 from None


@public_route
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    route_scope = public_route(lambda: None).route_scope  # type: ignore[attr-defined]

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_login_succeeded(user=form.get_user())
        return response


@require_POST
@public_route
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (kept in a cookie) and go back where the user was."""
    from django.conf import settings
    from django.utils.http import url_has_allowed_host_and_scheme

    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_POST
@personal_route
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.user_logged_out(user=request.user)
    logout(request)
    return redirect("core:login")


@login_required
@personal_route
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_change_password(
                actor=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except DomainError as exc:
            form.add_error("new_password1" if exc.field != "old_password" else "old_password", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("core:home")
    status = 422 if request.method == "POST" else 200
    first = user.must_change_password
    return render(request, "core/password_change.html", {"form": form, "first": first}, status=status)


@login_required
@personal_route
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", home_context(request.user))  # type: ignore[arg-type]


# --- API tokens (one's own) ----------------------------------------------------------------------


@login_required
@personal_route
def token_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    new_key = None
    if request.method == "POST":
        _token, new_key = services.api_token_create(
            actor=user, user=user, name=request.POST.get("name", "").strip()
        )
        messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "core/token_list.html", {"tokens": tokens, "new_key": new_key})


@require_POST
@login_required
@object_route(ApiToken)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_or_404(request.user, ApiToken, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, _("Token revoked."))
    return redirect("core:token_list")


# --- Users ---------------------------------------------------------------------------------------


def _require_staff_view(user: Any) -> None:
    if not (user.is_admin or user.role == Role.REGULATOR):
        raise Http404


@login_required
@list_route(User)
def user_list(request: HttpRequest) -> HttpResponseBase:
    _require_staff_view(request.user)
    filters, warning = parse_filters(request, UserFilter)
    qs = filters.filter(selectors.user_list(user=request.user)).order_by("role", "username")  # type: ignore[arg-type]
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=USER_COLUMNS,
        template="core/user_list.html",
        title=_("Users"),
        extra={"roles": Role.choices},
    )


@login_required
@admin_route
def user_create(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_admin:
        raise Http404
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from saferisk.enterprises.models import Enterprise

        data = form.cleaned_data
        enterprise = None
        if data["enterprise_uscc"]:
            enterprise = Enterprise.objects.filter(uscc=data["enterprise_uscc"].strip().upper()).first()
            if enterprise is None:
                form.add_error("enterprise_uscc", _("No enterprise has this USCC."))
        if not form.errors:
            try:
                user, password = services.user_create(
                    actor=actor,
                    new=services.NewUser(
                        username=data["username"].strip(),
                        role=data["role"],
                        full_name=data["full_name"].strip(),
                        region=data["region"],
                        department=data["department"],
                        enterprise=enterprise,
                        phone=data["phone"].strip(),
                        organisation=data["organisation"].strip(),
                    ),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "User %(username)s created. Initial password: %(password)s (must be changed at first sign-in)."
                    )
                    % {"username": user.username, "password": password},
                )
                return redirect("core:user_detail", pk=user.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "core/user_form.html", {"form": form}, status=status)


@login_required
@object_route(User)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_or_404(
        request.user, User.objects.select_related("region", "department", "enterprise"), pk=pk
    )
    viewer: User = request.user  # type: ignore[assignment]
    events = selectors.audit_event_list(user=viewer).filter(object_type="core.user", object_id=str(pk))[:20]
    from saferisk.core.scoping import can

    context = {"subject": subject, "events": events, "can_change": can(request.user, "change", subject)}
    return render(request, "core/user_detail.html", context)


@require_POST
@login_required
@object_route(User)
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Reset password, unlock, deactivate or activate a user in the actor's scope."""
    actor: User = request.user  # type: ignore[assignment]
    subject = get_or_404(actor, User, pk=pk)
    try:
        if action == "reset-password":
            password = services.user_reset_password(actor=actor, user=subject)
            messages.success(
                request,
                _("New password: %(password)s (must be changed at next sign-in).") % {"password": password},
            )
        elif action == "unlock":
            services.user_unlock(actor=actor, user=subject)
            messages.success(request, _("Account unlocked."))
        elif action in {"deactivate", "activate"}:
            services.user_set_active(actor=actor, user=subject, active=action == "activate")
            messages.success(request, _("Account status changed."))
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("core:user_detail", pk=pk)


# --- Reference data ------------------------------------------------------------------------------


def _reference_page(
    request: HttpRequest, *, model: Any, schema: Any, columns: Any, title: str, url_name: str
) -> HttpResponseBase:
    """A tree of reference data: the children of `parent` (top level without one), or a search."""
    filters, warning = parse_filters(request, schema)
    qs = filters.filter(scoped(request.user, model)).select_related("parent")
    if not filters.parent and not filters.q and not filters.level:
        qs = qs.filter(parent__isnull=True)
    if model is Industry:
        qs = qs.select_related("department")
    trail: list[Any] = []
    node = model.objects.filter(pk=filters.parent).first() if filters.parent else None
    while node is not None:
        trail.insert(0, node)
        node = node.parent
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=columns,
        template="core/reference_list.html",
        title=title,
        extra={"trail": trail, "url_name": url_name, "levels": model._meta.get_field("level").choices},
    )


@login_required
@reference_route
def region_list(request: HttpRequest) -> HttpResponseBase:
    return _reference_page(
        request,
        model=Region,
        schema=RegionFilter,
        columns=REGION_COLUMNS,
        title=_("Regions"),
        url_name="core:region_list",
    )


@login_required
@reference_route
def industry_list(request: HttpRequest) -> HttpResponseBase:
    return _reference_page(
        request,
        model=Industry,
        schema=IndustryFilter,
        columns=INDUSTRY_COLUMNS,
        title=_("Industries"),
        url_name="core:industry_list",
    )


# --- Audit log -----------------------------------------------------------------------------------


@login_required
@list_route(AuditEvent)
def audit_list(request: HttpRequest) -> HttpResponseBase:
    filters, warning = parse_filters(request, AuditEventFilter)
    qs = filters.filter(selectors.audit_event_list(user=request.user))  # type: ignore[arg-type]
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=AUDIT_EVENT_COLUMNS,
        template="core/audit_list.html",
        title=_("Audit log"),
        extra={"actions": sorted(ACTIONS.items())},
    )


@login_required
@object_route(AuditEvent)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_or_404(request.user, AuditEvent, pk=pk)
    return render(
        request,
        "core/audit_detail.html",
        {"event": event, "action_label": ACTIONS.get(event.action, event.action), "rows": change_rows(event)},
    )
