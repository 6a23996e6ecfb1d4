"""Pages of submitted reports: the regulator's review queue (submitted reports in their view,
the longest waiting first), the review of one report (its frozen data, the gap explanations,
the earlier submissions and their reviews, a change report's difference from the last accepted
report; accept, or return with a comment and a reason per risk; then the next report in the
queue), and a report's own page, read-only and printable, for the enterprise and its
regulators.

Thin: parse, call `services.report_review`, render; a `DomainError` is shown on the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from saferisk.core.errors import DomainError, NotFound
from saferisk.core.excel import xlsx_response
from saferisk.core.models import User
from saferisk.core.routes import list_route, object_route
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting import listing, report_display, snapshot
from saferisk.reporting import services as reporting_services
from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState
from saferisk.reporting.forms import ReviewForm
from saferisk.reporting.models import RiskReport
from saferisk.risks.schemes import level_styles


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _report(request: HttpRequest, pk: int) -> RiskReport:
    return get_or_404(
        request.user,
        RiskReport.objects.select_related(
            "task",
            "task__campaign",
            "task__enterprise",
            "prepared_by",
            "submitted_by",
            "reviewed_by",
        ),
        pk=pk,
    )


QUEUE_PARAMS = ("region", "campaign")


def _queue_query(params: Any) -> str:
    kept = {k: params.get(k) for k in QUEUE_PARAMS if params.get(k)}
    return f"?{urlencode(kept)}" if kept else ""


# --- The queue --------------------------------------------------------------------------------------


@login_required
@list_route(RiskReport)
def review_queue(request: HttpRequest) -> HttpResponseBase:
    """待审核报告: submitted reports in the user's view, the longest waiting first."""
    user = _user(request)
    if not listing.is_staff(user):
        raise Http404
    reports = listing.review_queue(user, request.GET)
    title = _("Reports to review")
    if request.GET.get("format") == "xlsx":
        rows = listing.RegionNames().feed(
            reports.order_by(*listing.QUEUE_KEYSET).iterator(chunk_size=2000), "task.region_code"
        )
        return xlsx_response(filename=title, sheet=title, columns=listing.QUEUE_COLUMNS, rows=rows)
    page = listing.cursor_page(request, reports, listing.QUEUE_KEYSET, PAGE_SIZE)
    today = timezone.localdate()
    listing.name_regions(page.items, lambda r: r.task.region_code)
    for r in page.items:
        r.waiting = listing.waiting_days(r, today)
    context = {
        "title": title,
        "page": page,
        "keyset": True,
        "params": request.GET,
        "regions": filter_regions(user=user),
        "campaigns": listing.campaign_list(user, {"status": CampaignStatus.OPEN})[:100],
        "queue_query": _queue_query(request.GET),
    }
    return render(request, "reporting/review_queue.html", context)


# --- One report ---------------------------------------------------------------------------------------


def report_context(user: User, report: RiskReport) -> dict[str, Any]:
    """What a report's page and its review page show: the frozen data, the reasons beside the
    risks, the gap explanations, the task's other reports and, for a change report, the
    difference from the last accepted report before it."""
    task = report.task
    others = [r for r in listing.history(task) if r.pk != report.pk and r.state != ReportState.DRAFT]
    context: dict[str, Any] = {
        "report": report,
        "task": task,
        "campaign": task.campaign,
        "enterprise": task.enterprise,
        "enterprise_rows": report_display.enterprise_rows(report.enterprise_data),
        "risks": report_display.risk_rows(report.risks, report.risk_reasons),
        "gap_rows": report_display.gap_rows(report.gap_explanations or {}),
        "others": others,
        "styles": level_styles(),
        "is_change": task.campaign.kind == CampaignKind.CHANGE,
        "waiting": listing.waiting_days(report) if report.state == ReportState.SUBMITTED else None,
        "missing": snapshot.missing_fields(report.enterprise_data),
        "staff": listing.is_staff(user),
    }
    if context["is_change"]:
        base = listing.last_accepted(task.enterprise_id, before=report)
        if base is not None:
            context["diff"] = {
                "base": base,
                **report_display.diff_rows(snapshot.diff(base.risks, report.risks)),
            }
    return context


@login_required
@object_route(RiskReport)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report as it was frozen, with who prepared, submitted and reviewed it and when, and
    the declaration; laid out to print."""
    report = _report(request, pk)
    return render(request, "reporting/report_detail.html", report_context(_user(request), report))


@login_required
@require_http_methods(["GET", "POST"])
@object_route(RiskReport)
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """审核: accept, or return with a comment and a reason per risk; then the next report
    waiting in the queue (with the queue's filters, carried in the query string)."""
    user = _user(request)
    report = _report(request, pk)
    if not listing.is_staff(user):
        return redirect("reporting:report_detail", pk=report.pk)
    if report.state != ReportState.SUBMITTED:
        if request.method == "GET":
            messages.info(request, _("This report has been reviewed already."))
        return redirect("reporting:report_detail", pk=report.pk)
    form = ReviewForm(request.POST or None, risk_ids=[str(r["id"]) for r in report.risks])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                reporting_services.report_review(
                    actor=user,
                    report=report,
                    accept=accept,
                    comment=form.cleaned_data["comment"],
                    risk_reasons=form.reasons(),
                )
            except NotFound:
                raise Http404 from None
            except DomainError as exc:
                form.add_error("comment" if exc.field in ("comment", "risk_reasons") else None, exc.message)
            else:
                name = report.task.enterprise.name
                messages.success(
                    request,
                    (
                        _("%(name)s: report accepted.")
                        if accept
                        else _("%(name)s: report returned for correction.")
                    )
                    % {"name": name},
                )
                following = listing.next_in_queue(user, request.GET, report)
                if following is None:
                    messages.info(request, _("No more reports are waiting in this queue."))
                    return redirect(reverse("reporting:review_queue") + _queue_query(request.GET))
                return redirect(
                    reverse("reporting:report_review", args=[following.pk]) + _queue_query(request.GET)
                )
        status = 422
    context = report_context(user, report)
    reasons = {rid: form[f"reason_{rid}"] for rid in form.risk_ids}
    for row in context["risks"]:
        row["reason_field"] = reasons.get(str(row["id"]))
    context.update(form=form, queue_query=_queue_query(request.GET))
    return render(request, "reporting/review_form.html", context, status=status)
