"""Pages of the enterprise profile, safety commitments, obligation lists and safety-director rules.

Thin: parse input, call a selector or a service, render. A `DomainError` becomes a form error
(status 422) and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from saferisk.core.choices import ENTERPRISE_ROLES, Role
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import User
from saferisk.core.routes import admin_route, list_route, object_route, reference_route
from saferisk.core.scoping import can, scoped
from saferisk.core.views import get_or_404, list_response, parse_filters
from saferisk.enterprises import obligations, profile, selectors
from saferisk.enterprises.models import Enterprise, SafetyCommitment, SafetyDirectorRule
from saferisk.enterprises.obligation_columns import OBLIGATION_COLUMNS, OBLIGATION_TITLES
from saferisk.enterprises.obligations import ObligationKind
from saferisk.enterprises.profile_forms import (
    CommitmentOnlineForm,
    CommitmentUploadForm,
    ProfileForm,
    SafetyDirectorRuleForm,
)
from saferisk.enterprises.profile_schemas import ObligationFilter

MAP_CONTEXT_POINTS = 2000


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _map_context(user: User, enterprise: Enterprise) -> list[list[Any]]:
    """Other located enterprises of the same county that the user may see, as map context."""
    rows = (
        scoped(user, Enterprise)
        .filter(region__code__startswith=enterprise.region_id[:6], latitude__isnull=False)
        .exclude(pk=enterprise.pk)
        .order_by("id")
        .values_list("latitude", "longitude", "name")[:MAP_CONTEXT_POINTS]
    )
    return [[float(lat or 0), float(lng or 0), name] for lat, lng, name in rows]


# --- Profile ---------------------------------------------------------------------------------------


@login_required
@object_route(Enterprise)
def enterprise_profile(request: HttpRequest, pk: int) -> HttpResponse:
    """企业信息维护: the enterprise's own fields; statistics fields shown read-only."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(
        actor,
        Enterprise.objects.select_related("region", "region__parent", "industry").prefetch_related(
            "key_sectors"
        ),
        pk=pk,
    )
    can_change = can(actor, "change", enterprise)
    status = 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ProfileForm.base_fields}
            try:
                profile.enterprise_update_profile(actor=actor, enterprise=enterprise, data=data)
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The enterprise profile has been saved."))
                return redirect("enterprises:enterprise_profile", pk=enterprise.pk)
        status = 422
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(enterprise))
    context = {
        "enterprise": enterprise,
        "form": form,
        "can_change": can_change,
        "director_required": obligations.safety_director_required(enterprise),
        "map_context": _map_context(actor, enterprise),
    }
    return render(request, "enterprises/enterprise_profile.html", context, status=status)


# --- Safety commitments ------------------------------------------------------------------------------


@login_required
@object_route(Enterprise)
def commitment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """安全承诺书: this year's status, signing online or by upload (enterprise users), history."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(actor, Enterprise, pk=pk)
    year = timezone.localdate().year
    may_sign = (actor.is_admin or actor.role in ENTERPRISE_ROLES) and can(actor, "change", enterprise)
    online_form = CommitmentOnlineForm(prefix="online", initial={"signed_by": enterprise.principal_name})
    upload_form = CommitmentUploadForm(prefix="upload", initial={"signed_by": enterprise.principal_name})
    status = 200
    if request.method == "POST":
        if not may_sign:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "online":
                online_form = CommitmentOnlineForm(request.POST, prefix="online")
                if online_form.is_valid():
                    profile.commitment_confirm_online(
                        actor=actor,
                        enterprise=enterprise,
                        year=year,
                        signed_by=online_form.cleaned_data["signed_by"],
                    )
                    messages.success(request, _("The safety commitment has been confirmed."))
                    return redirect("enterprises:commitment_list", pk=enterprise.pk)
            elif action == "upload":
                upload_form = CommitmentUploadForm(request.POST, request.FILES, prefix="upload")
                if upload_form.is_valid():
                    profile.commitment_upload(
                        actor=actor,
                        enterprise=enterprise,
                        year=year,
                        signed_by=upload_form.cleaned_data["signed_by"],
                        file=upload_form.cleaned_data["file"],
                    )
                    messages.success(request, _("The signed safety commitment has been uploaded."))
                    return redirect("enterprises:commitment_list", pk=enterprise.pk)
            else:
                raise Http404
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _form_error(online_form if action == "online" else upload_form, exc)
        status = 422
    history = scoped(actor, SafetyCommitment).filter(enterprise=enterprise).select_related("confirmed_by")
    current = next((c for c in history if c.year == year), None)
    context = {
        "enterprise": enterprise,
        "year": year,
        "current": current,
        "history": history,
        "may_sign": may_sign,
        "online_form": online_form,
        "upload_form": upload_form,
    }
    return render(request, "enterprises/commitment_list.html", context, status=status)


@login_required
@object_route(SafetyCommitment)
def commitment_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The uploaded scan, only for users who may see the commitment (files are never public)."""
    commitment = get_or_404(request.user, SafetyCommitment.objects.select_related("enterprise"), pk=pk)
    if not commitment.file:
        raise Http404
    try:
        handle = commitment.file.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404 from None
    name = f"{commitment.enterprise.uscc}-{commitment.year}-承诺书.{str(commitment.file.name).rsplit('.', 1)[-1]}"
    return FileResponse(handle, as_attachment=False, filename=name)


# --- Obligations (regulators) -----------------------------------------------------------------------


@login_required
@list_route(Enterprise)
def obligation_list(request: HttpRequest, kind: str) -> HttpResponseBase:
    """履职检查: one of the three lists, scoped, filterable by region, paginated, exportable."""
    actor: User = request.user  # type: ignore[assignment]
    if not (actor.is_admin or actor.role == Role.REGULATOR):
        raise Http404
    try:
        obligation = ObligationKind(kind)
    except ValueError:
        raise Http404 from None
    filters, warning = parse_filters(request, ObligationFilter)
    qs = filters.filter(obligations.obligation_list(user=actor, kind=obligation))
    regions = selectors.filter_regions(user=actor)
    tabs = [(k.value, OBLIGATION_TITLES[k]) for k in ObligationKind]
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=OBLIGATION_COLUMNS[obligation],
        template="enterprises/obligation_list.html",
        title=OBLIGATION_TITLES[obligation],
        extra={
            "kind": obligation.value,
            "tabs": tabs,
            "regions": regions,
            "industries": selectors.filter_industries(),
            "year": timezone.localdate().year,
        },
    )


# --- Safety-director rules ------------------------------------------------------------------------


@login_required
@reference_route
def safety_director_rule_list(request: HttpRequest) -> HttpResponse:
    rules = scoped(request.user, SafetyDirectorRule).select_related("region").prefetch_related("key_sectors")
    return render(request, "enterprises/safety_director_rule_list.html", {"rules": rules})


def _rule_form(request: HttpRequest, rule: SafetyDirectorRule | None) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_admin:
        raise Http404
    status = 200
    if request.method == "POST":
        form = SafetyDirectorRuleForm(request.POST)
        if form.is_valid():
            try:
                rule = profile.safety_director_rule_save(actor=actor, rule=rule, data=form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The rule has been saved."))
                return redirect("enterprises:safety_director_rule_list")
        status = 422
    else:
        form = SafetyDirectorRuleForm(initial=SafetyDirectorRuleForm.initial_for(rule) if rule else None)
    return render(
        request, "enterprises/safety_director_rule_form.html", {"form": form, "rule": rule}, status=status
    )


@login_required
@admin_route
def safety_director_rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@login_required
@admin_route
def safety_director_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not getattr(request.user, "is_admin", False):
        raise Http404
    return _rule_form(request, get_or_404(request.user, SafetyDirectorRule, pk=pk))
