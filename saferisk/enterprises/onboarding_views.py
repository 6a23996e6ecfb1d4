"""The onboarding page: choose enterprises, preview, create their accounts, download the handout."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import Region, User
from saferisk.core.routes import list_route
from saferisk.core.scoping import scoped
from saferisk.enterprises import handouts, onboarding
from saferisk.enterprises.models import Enterprise, ImportJob
from saferisk.enterprises.onboarding_forms import OnboardingForm


def _selection(user: User, data: Any) -> tuple[Region | None, ImportJob | None]:
    """The region or import batch named in the query string, if the user may use it."""
    region = job = None
    if data.get("source") == "import_job" and str(data.get("import_job") or "").isdigit():
        job = scoped(user, ImportJob).filter(pk=int(data["import_job"])).first()
    elif data.get("region"):
        try:
            region = onboarding.onboarding_region(user=user, region_code=str(data["region"]))
        except NotFound:
            region = None
    return region, job


@login_required
@list_route(Enterprise)
def account_onboard(request: HttpRequest) -> HttpResponse:
    """GET: the form and a preview of the selection; POST: create the accounts and answer with
    the handout (the only copy of the initial passwords)."""
    actor: User = request.user  # type: ignore[assignment]
    if not (actor.is_admin or actor.role == Role.REGULATOR):
        raise Http404
    status = 200
    if request.method == "POST":
        form = OnboardingForm(request.POST, user=actor)
        if form.is_valid():
            data = form.cleaned_data
            job = (
                scoped(actor, ImportJob).filter(pk=data["import_job"]).first() if data["import_job"] else None
            )
            try:
                result = onboarding.onboard_enterprises(
                    actor=actor,
                    region_code=data["region"] or None,
                    import_job=job,
                    role=data["role"],
                    notify=data["notify"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if result.created:
                    messages.success(
                        request,
                        _("%(created)d accounts created, %(skipped)d enterprises already had one.")
                        % {"created": len(result.created), "skipped": len(result.skipped)},
                    )
                    return handouts.handout_response(result, data["format"])
                messages.info(request, _("Every enterprise of this selection already has an account."))
        if form.errors:
            status = 422
        region, job = _selection(actor, request.POST)
    else:
        form = OnboardingForm(initial=request.GET.dict() or None, user=actor)
        region, job = _selection(actor, request.GET)
    preview = onboarding.onboarding_preview(user=actor, region=region, import_job=job)
    context = {"form": form, "preview": preview, "region": region, "import_job": job}
    return render(request, "enterprises/account_onboard.html", context, status=status)
