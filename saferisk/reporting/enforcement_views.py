"""Pages of the enforcement lists: 逾期未报 (live overdue tasks and those already on the list) and
报告不实 (reports found false), filtered, paged by keyset and exported to Excel with the
handling; the handling form of one case; 认定报告不实 from a report. Thin: every write is a
service of `enforcement.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.excel import Column, xlsx_response
from saferisk.core.forms import DateInput
from saferisk.core.keyset import keyset_page
from saferisk.core.models import Region, User
from saferisk.core.routes import list_route, object_route
from saferisk.core.scoping import scoped
from saferisk.core.selectors import region_names
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting import enforcement
from saferisk.reporting.choices import EnforcementKind, ReportState, TaskState
from saferisk.reporting.models import EnforcementCase, ReportingCampaign, ReportTask, RiskReport

TABS = {"overdue": EnforcementKind.OVERDUE, "false_report": EnforcementKind.FALSE_REPORT}


def _enforcer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not enforcement.is_enforcer(user):
        raise Http404
    return user


def _by(name: str | None, username: str | None) -> str:
    return name or username or ""


def _task_status(task: ReportTask) -> str:
    if task.state in enforcement.FILED_STATES:
        when = timezone.localtime(task.submitted_at).date().isoformat() if task.submitted_at else ""
        return _("Filed late %(date)s") % {"date": when}
    return str(TaskState(task.state).label)


def _days_overdue(task: ReportTask, today: dt.date) -> int:
    end = timezone.localtime(task.submitted_at).date() if task.submitted_at else today
    return max(0, (end - task.due_on).days)


def _handled_by(c: EnforcementCase) -> str:
    return (c.handled_by.full_name or c.handled_by.username) if c.handled_by_id and c.handled_by else ""


def overdue_columns(today: dt.date, names: dict[str, str]) -> list[Column]:
    return [
        Column(gettext_lazy("Enterprise"), lambda t: t.enterprise.name, 36),
        Column(gettext_lazy("USCC"), lambda t: t.enterprise.uscc, 22),
        Column(gettext_lazy("Region"), lambda t: names.get(t.region_code, t.region_code), 16),
        Column(gettext_lazy("Region code"), lambda t: t.region_code, 12),
        Column(gettext_lazy("Campaign"), lambda t: t.campaign.name, 30),
        Column(gettext_lazy("Due on"), lambda t: t.due_on, 12),
        Column(gettext_lazy("Status"), _task_status, 16),
        Column(gettext_lazy("Days overdue"), lambda t: _days_overdue(t, today), 10),
        Column(gettext_lazy("Principal"), lambda t: t.enterprise.principal_name, 12),
        Column(gettext_lazy("Case number"), lambda t: t.case_number or "", 20),
        Column(gettext_lazy("Action taken"), lambda t: t.case_action or "", 36),
        Column(gettext_lazy("Handled on"), lambda t: t.case_handled_on, 12),
        Column(gettext_lazy("Handled by"), lambda t: _by(t.case_handled_by, t.case_handled_by_username), 12),
    ]


def false_report_columns(names: dict[str, str]) -> list[Column]:
    return [
        Column(gettext_lazy("Enterprise"), lambda c: c.enterprise.name, 36),
        Column(gettext_lazy("USCC"), lambda c: c.enterprise.uscc, 22),
        Column(gettext_lazy("Region"), lambda c: names.get(c.region_code, c.region_code), 16),
        Column(gettext_lazy("Region code"), lambda c: c.region_code, 12),
        Column(gettext_lazy("Campaign"), lambda c: c.task.campaign.name, 30),
        Column(gettext_lazy("Submission number"), lambda c: c.report.number if c.report_id else "", 10),
        Column(gettext_lazy("Finding"), lambda c: c.reason, 50),
        Column(
            gettext_lazy("Recorded by"),
            lambda c: (c.recorded_by.full_name or c.recorded_by.username) if c.recorded_by_id else "",
            12,
        ),
        Column(gettext_lazy("Recorded at"), lambda c: c.recorded_at, 18),
        Column(gettext_lazy("Case number"), lambda c: c.case_number, 20),
        Column(gettext_lazy("Action taken"), lambda c: c.action, 36),
        Column(gettext_lazy("Handled on"), lambda c: c.handled_on, 12),
        Column(gettext_lazy("Handled by"), _handled_by, 12),
    ]


def _handled(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@login_required
@list_route(EnforcementCase)
def enforcement_list(request: HttpRequest) -> HttpResponseBase:
    """The two enforcement lists as tabs (`?tab=overdue|false_report`), with filters (campaign,
    region, handled, search), keyset pages and `?format=xlsx` for the whole filtered list."""
    user = _enforcer(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "overdue"
    today = timezone.localdate()
    campaigns = scoped(user, ReportingCampaign).order_by("-year", "-id")
    campaign_id = request.GET.get("campaign") or ""
    campaign = campaigns.filter(pk=int(campaign_id)).first() if campaign_id.isdigit() else None
    regions = filter_regions(user=user)
    region = regions.filter(code=request.GET.get("region") or "").first()
    handled = _handled(request.GET.get("handled"))
    q = (request.GET.get("q") or "")[:100]
    filters: dict[str, Any] = {"campaign": campaign, "region": region, "handled": handled, "q": q}
    qs: Any
    if tab == "overdue":
        qs = enforcement.overdue_list(user=user, today=today, **filters)
    else:
        qs = enforcement.false_report_list(user=user, **filters)
    title = _("Overdue reports") if tab == "overdue" else _("Reports found false")
    if request.GET.get("format") == "xlsx":
        names = region_names(set(qs.order_by().values_list("region_code", flat=True).distinct()))
        columns = overdue_columns(today, names) if tab == "overdue" else false_report_columns(names)
        rows = qs.order_by(*enforcement.KEYSET).iterator(chunk_size=2000)
        return xlsx_response(filename=title, sheet=title, columns=columns, rows=rows)
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    page = keyset_page(
        qs,
        fields=enforcement.KEYSET,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )
    names = region_names({row.region_code for row in page.items})
    for row in page.items:
        row.region_name = names.get(row.region_code, row.region_code)
        if tab == "overdue":
            row.status_label = _task_status(row)
            row.days_overdue = _days_overdue(row, today)
    counts = {
        "overdue": enforcement.overdue_list(user=user, today=today, **filters).count(),
        "false_report": enforcement.false_report_list(user=user, **filters).count(),
    }
    context = {
        "tab": tab,
        "title": title,
        "page": page,
        "keyset": True,
        "counts": counts,
        "campaigns": campaigns,
        "regions": regions,
        "chosen_campaign": campaign.pk if campaign else None,
        "chosen_region": region.code if region else "",
        "handled": request.GET.get("handled") or "",
        "q": q,
        "today": today,
    }
    return render(request, "reporting/enforcement_list.html", context)


@require_POST
@login_required
@object_route(ReportTask)
def enforcement_record(request: HttpRequest, pk: int) -> HttpResponse:
    """登记处理 on an overdue row without a case: the case is recorded, then its form opens."""
    user = _enforcer(request)
    task = get_or_404(user, ReportTask, pk=pk)
    try:
        case = enforcement.case_record_overdue(actor=user, task=task)
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('reporting:enforcement_list')}?tab=overdue")
    return redirect("reporting:enforcement_handle", pk=case.pk)


class CaseHandleForm(forms.Form):
    case_number = forms.CharField(label=gettext_lazy("Case number"), max_length=60)
    action = forms.CharField(label=gettext_lazy("Action taken"), max_length=200, widget=forms.Textarea)
    handled_on = forms.DateField(label=gettext_lazy("Handled on"), widget=DateInput())


@login_required
@object_route(EnforcementCase)
def enforcement_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: what it is about and the handling form (case number, action, date)."""
    user = _enforcer(request)
    case: EnforcementCase = get_or_404(
        user,
        EnforcementCase.objects.select_related(
            "enterprise", "task__campaign", "report", "recorded_by", "handled_by"
        ),
        pk=pk,
    )
    initial = {
        "case_number": case.case_number,
        "action": case.action,
        "handled_on": (case.handled_on or timezone.localdate()).isoformat(),
    }
    form = CaseHandleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enforcement.case_handle(actor=user, case_or_task=case, **form.cleaned_data)
            except (DomainError, Forbidden, NotFound) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The handling has been recorded."))
                tab = "overdue" if case.kind == EnforcementKind.OVERDUE else "false_report"
                return redirect(f"{reverse('reporting:enforcement_list')}?tab={tab}")
        status = 422
    region = Region.objects.filter(code=case.region_code).first()
    context = {"case": case, "form": form, "region": region, "task": case.task}
    return render(request, "reporting/enforcement_handle.html", context, status=status)


class FindFalseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Finding"), max_length=2000, widget=forms.Textarea)


@login_required
@object_route(RiskReport)
def report_find_false(request: HttpRequest, pk: int) -> HttpResponse:
    """认定报告不实: a regulator in scope puts a submitted or accepted report's enterprise on the
    报告不实 list with the finding."""
    user: User = request.user  # type: ignore[assignment]
    report: RiskReport = get_or_404(
        user, RiskReport.objects.select_related("task__campaign", "task__enterprise"), pk=pk
    )
    if not enforcement.is_enforcer(user):
        raise PermissionDenied
    existing = EnforcementCase.objects.filter(task=report.task, kind=EnforcementKind.FALSE_REPORT).first()
    allowed = report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED) and existing is None
    form = FindFalseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = enforcement.report_find_false(
                    actor=user, report=report, reason=form.cleaned_data["reason"]
                )
            except (DomainError, Forbidden, NotFound) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, _("The report has been found false and put on the enforcement list.")
                )
                return redirect("reporting:enforcement_handle", pk=case.pk)
        status = 422
    context = {"report": report, "task": report.task, "form": form, "allowed": allowed, "existing": existing}
    return render(request, "reporting/enforcement_find_false.html", context, status=status)
