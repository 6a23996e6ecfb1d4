"""Pages of reporting campaigns, for regulators: the campaigns they may see with each one's
progress in their own jurisdiction; opening a campaign, with the number of enterprises it will
cover shown before it is opened; the year's annual report for the whole jurisdiction in one
step; one campaign with its tasks; closing a campaign.

Thin: parse the input, call a service or a read of `listing`, render. A `DomainError` becomes
a message on the form (status 422) and changes nothing. Enterprise users have their own pages
(task_views): on these they are sent to their tasks."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.excel import xlsx_response
from saferisk.core.models import User
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.scoping import can
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting import listing, services
from saferisk.reporting.choices import CampaignKind, CampaignStatus, TaskState
from saferisk.reporting.forms import AnnualCampaignForm, CampaignForm
from saferisk.reporting.models import ReportingCampaign, ReportTask


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    if not listing.is_staff(user):
        raise Http404
    return user


def may_open(user: User) -> bool:
    """Regulators of an emergency-management bureau (not a department) and admins."""
    return bool(user.is_admin or (user.role == Role.REGULATOR and not user.department_id))


def dashboard_url(campaign: ReportingCampaign) -> str:
    """The campaign's dashboard, if the dashboard pages are installed."""
    try:
        return f"{reverse('reporting:dashboard')}?campaign={campaign.pk}"
    except NoReverseMatch:
        return ""


# --- The list ---------------------------------------------------------------------------------------


@login_required
@list_route(ReportingCampaign)
def campaign_list(request: HttpRequest) -> HttpResponseBase:
    """报告活动: the campaigns the user may see, with their progress in the user's jurisdiction."""
    user = _staff(request)  # enterprise users have their tasks (我的报告)
    qs = listing.campaign_list(user, request.GET)
    title = _("Reporting campaigns")
    if request.GET.get("format") == "xlsx":
        rows = listing.with_counts(user, qs)
        return xlsx_response(filename=title, sheet=title, columns=listing.CAMPAIGN_COLUMNS, rows=rows)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = listing.with_counts(user, page.object_list)
    years = sorted(set(listing.campaign_list(user, {}).values_list("year", flat=True)), reverse=True)
    today = timezone.localdate()
    context = {
        "title": title,
        "page": page,
        "params": request.GET,
        "kinds": CampaignKind.choices,
        "statuses": [(s, listing.campaign_status_label(s)) for s in CampaignStatus.values],
        "years": years,
        "may_open": may_open(user),
        "annual_form": AnnualCampaignForm(initial={"year": today.year}),
        "today": today,
    }
    return render(request, "reporting/campaign_list.html", context)


# --- Opening ------------------------------------------------------------------------------------------


def _form_error(form: CampaignForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
@create_route(ReportingCampaign)
def campaign_create(request: HttpRequest) -> HttpResponse:
    """发起报告活动: the form; on success the campaign page with its tasks."""
    user = _staff(request)
    if not may_open(user):
        messages.error(request, _("Campaigns are opened by the emergency-management bureau."))
        return redirect("reporting:campaign_list")
    form = CampaignForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = services.campaign_open(actor=user, data=form.service_data())
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Campaign opened: %(n)d enterprises have a report task due on %(deadline)s.")
                    % {"n": campaign.enterprises, "deadline": campaign.deadline.isoformat()},
                )
                return redirect("reporting:campaign_detail", pk=campaign.pk)
        status = 422
    return render(request, "reporting/campaign_form.html", {"form": form}, status=status)


@login_required
@create_route(ReportingCampaign)
def campaign_preview(request: HttpRequest) -> HttpResponse:
    """The form's live preview (htmx): how many enterprises the campaign as filled in would
    cover, and how many of them are already in an open campaign of the same kind and year."""
    user = _staff(request)
    form = CampaignForm(request.GET, user=user)
    context: dict[str, Any] = {"ready": False}
    if form.is_valid():
        try:
            context.update(services.campaign_coverage(actor=user, data=form.service_data()), ready=True)
        except DomainError as exc:
            context["error"] = exc.message
    return render(request, "reporting/campaign_preview.html", context)


@login_required
@require_POST
@create_route(ReportingCampaign)
def campaign_annual_open(request: HttpRequest) -> HttpResponse:
    """一键发起年度报告: the year's annual report for the user's whole jurisdiction."""
    user = _staff(request)
    form = AnnualCampaignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the year as four digits."))
        return redirect("reporting:campaign_list")
    try:
        campaign = services.annual_campaign_open(actor=user, year=form.cleaned_data["year"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:campaign_list")
    messages.success(
        request,
        _("Campaign opened: %(n)d enterprises have a report task due on %(deadline)s.")
        % {"n": campaign.enterprises, "deadline": campaign.deadline.isoformat()},
    )
    return redirect("reporting:campaign_detail", pk=campaign.pk)


# --- One campaign ---------------------------------------------------------------------------------------


@login_required
@object_route(ReportingCampaign)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One campaign: its scope, its progress in the user's jurisdiction, and its tasks
    (filtered by state, overdue included, region and enterprise; paged by cursor; Excel)."""
    user = _user(request)
    campaign = get_or_404(
        user,
        ReportingCampaign.objects.select_related("region", "opened_by").prefetch_related("key_sectors"),
        pk=pk,
    )
    if user.is_enterprise_user:
        task = ReportTask.objects.filter(campaign=campaign, enterprise_id=user.enterprise_id or 0).first()
        if task is None:
            raise Http404
        return redirect("reporting:task_detail", pk=task.pk)
    _staff(request)
    tasks = listing.task_list(user, request.GET, campaign=campaign)
    if request.GET.get("format") == "xlsx":
        title = f"{campaign.name}-{_('Tasks')}"
        rows = listing.RegionNames().feed(
            tasks.order_by(*listing.TASK_KEYSET).iterator(chunk_size=2000), "region_code"
        )
        return xlsx_response(filename=title, sheet=_("Tasks"), columns=listing.TASK_COLUMNS, rows=rows)
    page = listing.cursor_page(request, tasks, listing.TASK_KEYSET, PAGE_SIZE)
    page.items = listing.mark_tasks(page.items)
    listing.name_regions(page.items, lambda t: t.region_code)
    counts = listing.campaign_counts(user, [campaign])[campaign.pk]
    counts["overdue"] = listing.overdue_count(user, campaign, counts)
    context = {
        "campaign": campaign,
        "page": page,
        "keyset": True,
        "params": request.GET,
        "counts": counts,
        "states": [*TaskState.choices, (listing.OVERDUE, _("Overdue"))],
        "regions": filter_regions(user=user),
        "scope_label": listing.campaign_regions_label(campaign),
        "status_label": listing.campaign_status_label(campaign.status),
        "may_close": campaign.status == CampaignStatus.OPEN
        and may_open(user)
        and can(user, "change", campaign),
        "dashboard_url": dashboard_url(campaign),
        # Importing another platform's reports is the emergency-management bureau's, like opening.
        "may_import": campaign.status == CampaignStatus.OPEN and may_open(user),
        "today": timezone.localdate(),
    }
    return render(request, "reporting/campaign_detail.html", context)


@login_required
@require_POST
@object_route(ReportingCampaign)
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the campaign (its enterprises can no longer file in it)."""
    user = _user(request)
    campaign = get_or_404(user, ReportingCampaign, pk=pk)
    try:
        services.campaign_close(actor=user, campaign=campaign)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("reporting:campaign_detail", pk=campaign.pk)
