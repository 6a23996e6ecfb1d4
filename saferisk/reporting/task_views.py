"""Pages of an enterprise's report tasks: "我的报告" (its tasks with deadlines and days left),
and one task: its state and deadline, the history of its reports, the preview of what will be
reported now (enterprise data and reportable risks), the required fields still missing, the
catalogue items of the completeness gap with an explanation for each, saving a draft (filler or
principal) and the principal's declaration and submission. After a return, the regulator's
comment and the reason for each risk stand beside the risks concerned; a change report shows
what made it due and how the register differs from the last accepted report.

Regulators see the same pages read-only (the tasks in their view, a task's history).
Thin: parse, call `services`, render; a `DomainError` is shown on the page (422), nothing
changes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.excel import xlsx_response
from saferisk.core.models import User
from saferisk.core.routes import list_route, object_route
from saferisk.core.scoping import scoped
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting import listing, report_display, services, snapshot
from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState, TaskState
from saferisk.reporting.forms import ReportForm
from saferisk.reporting.models import ReportTask, RiskReport
from saferisk.risks.schemes import level_styles
from saferisk.risks.services import completeness_gap, may_keep_register, risk_adopt

# What made a change report due (task.triggers[].change).
TRIGGER_LABELS = {
    "added": gettext_lazy("New reportable risk"),
    "removed": gettext_lazy("Reportable risk retired or graded lower"),
    "level": gettext_lazy("Level of a reportable risk changed"),
}


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _task(request: HttpRequest, pk: int) -> ReportTask:
    return get_or_404(
        request.user,
        ReportTask.objects.select_related("campaign", "campaign__region", "enterprise", "enterprise__region"),
        pk=pk,
    )


def _own(user: User, task: ReportTask) -> bool:
    return bool(user.is_enterprise_user and user.enterprise_id == task.enterprise_id)


# --- The list -----------------------------------------------------------------------------------------


@login_required
@list_route(ReportTask)
def task_list(request: HttpRequest) -> HttpResponseBase:
    """我的报告 for an enterprise (every task of every campaign); for regulators, the tasks in
    their view across campaigns, filtered, paged by cursor, exported to Excel."""
    user = _user(request)
    if user.is_enterprise_user:
        tasks = scoped(user, ReportTask).select_related("campaign").order_by("-due_on", "-id")
        mine = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
        mine.object_list = listing.mark_tasks(mine.object_list)
        return render(request, "reporting/task_mine.html", {"page": mine, "keyset": False})
    if not listing.is_staff(user):
        raise Http404
    tasks = listing.task_list(user, request.GET)
    title = _("Report tasks")
    if request.GET.get("format") == "xlsx":
        rows = listing.RegionNames().feed(
            tasks.order_by(*listing.TASK_KEYSET).iterator(chunk_size=2000), "region_code"
        )
        return xlsx_response(filename=title, sheet=title, columns=listing.TASK_COLUMNS, rows=rows)
    page = listing.cursor_page(request, tasks, listing.TASK_KEYSET, PAGE_SIZE)
    page.items = listing.mark_tasks(page.items)
    listing.name_regions(page.items, lambda t: t.region_code)
    context = {
        "title": title,
        "page": page,
        "keyset": True,
        "params": request.GET,
        "states": [*TaskState.choices, (listing.OVERDUE, _("Overdue"))],
        "regions": filter_regions(user=user),
        "campaigns": listing.campaign_list(user, {"status": CampaignStatus.OPEN})[:100],
        "show_campaign": True,
    }
    return render(request, "reporting/task_list.html", context)


# --- One task -------------------------------------------------------------------------------------------


def _last_reviewed(reports: list[RiskReport]) -> RiskReport | None:
    return next((r for r in reports if r.state != ReportState.DRAFT), None)


def task_context(user: User, task: ReportTask, form: ReportForm | None = None) -> dict[str, Any]:
    """Everything the task page shows. The preview, the missing fields and the gap are those of
    the register as it stands now: what submitting now would freeze."""
    enterprise = task.enterprise
    reports = listing.history(task)
    draft = reports[0] if reports and reports[0].state == ReportState.DRAFT else None
    last = _last_reviewed(reports)
    returned = last if last is not None and last.state == ReportState.RETURNED else None
    if task.state not in (TaskState.RETURNED, TaskState.DRAFT):
        returned = None
    own = _own(user, task)
    open_campaign = task.campaign.status == CampaignStatus.OPEN
    editable = own and open_campaign and task.state in listing.OPEN_STATES
    [marked] = listing.mark_tasks([task])
    context: dict[str, Any] = {
        "task": marked,
        "campaign": task.campaign,
        "enterprise": enterprise,
        "reports": reports,
        "draft": draft,
        "returned": returned,
        "own": own,
        "staff": listing.is_staff(user),
        "editable": editable,
        "is_principal": own and user.role == Role.ENTERPRISE_PRINCIPAL,
        "open_campaign": open_campaign,
        "styles": level_styles(),
        "declaration": services.DECLARATION,
        "is_change": task.campaign.kind == CampaignKind.CHANGE,
        "triggers": [
            {**t, "label": TRIGGER_LABELS.get(t.get("change", ""), t.get("change", ""))}
            for t in (task.triggers or [])
        ],
        "waiting": last if last is not None and last.state == ReportState.SUBMITTED else None,
        "returned_reasons": _reasons_named(returned),
    }
    if editable:
        data = snapshot.enterprise_data(enterprise)
        risks = snapshot.reportable_risks(enterprise)
        gap = completeness_gap(enterprise)
        source = draft or last
        explanations = dict(source.gap_explanations) if source else {}
        if form is None:
            form = ReportForm(gap_codes=[i.code for i in gap], initial_explanations=explanations)
        context.update(
            {
                "form": form,
                "enterprise_rows": report_display.enterprise_rows(data),
                "risks": report_display.risk_rows(risks, listing.reasons_by_risk(returned)),
                "major": sum(1 for r in risks if r["level"] == "MAJOR"),
                "large": sum(1 for r in risks if r["level"] == "LARGE"),
                "missing": snapshot.missing_fields(data),
                "gap": [{"item": item, "field": form.field_for(item.code)} for item in gap],
                "may_adopt": may_keep_register(user, enterprise),
                "orphan_reasons": _orphan_reasons(returned, risks),
            }
        )
        if context["is_change"]:
            context["diff"] = _diff(enterprise.pk, risks, None)
    return context


def _reasons_named(report: RiskReport | None) -> list[dict[str, str]]:
    """The reasons of a returned report, each with the risk's name as reported."""
    if report is None:
        return []
    names = {str(r["id"]): r.get("name", "") for r in report.risks}
    return [
        {"id": rid, "name": names.get(rid, rid), "reason": reason}
        for rid, reason in (report.risk_reasons or {}).items()
    ]


def _orphan_reasons(returned: RiskReport | None, risks: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Reasons given for risks that are no longer in the preview (retired or graded lower
    since): still shown, with the name the returned report had."""
    if returned is None:
        return []
    current = {str(r["id"]) for r in risks}
    names = {str(r["id"]): r.get("name", "") for r in returned.risks}
    return [
        {"id": rid, "name": names.get(rid, rid), "reason": reason}
        for rid, reason in (returned.risk_reasons or {}).items()
        if rid not in current
    ]


def _diff(
    enterprise_id: int, risks: list[dict[str, Any]], before: RiskReport | None
) -> dict[str, Any] | None:
    """The difference of `risks` from the enterprise's last accepted report (None if it has none)."""
    base = listing.last_accepted(enterprise_id, before=before)
    if base is None:
        return None
    return {"base": base, **report_display.diff_rows(snapshot.diff(base.risks, risks))}


@login_required
@object_route(ReportTask)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = _task(request, pk)
    return render(request, "reporting/task_detail.html", task_context(user, task))


def _bound_form(request: HttpRequest, task: ReportTask) -> ReportForm:
    gap = completeness_gap(task.enterprise)
    form = ReportForm(request.POST, gap_codes=[i.code for i in gap], initial_explanations={})
    form.is_valid()
    return form


def _show_error(request: HttpRequest, task: ReportTask, form: ReportForm, exc: DomainError) -> HttpResponse:
    """The task page again with what was typed and what is wrong (422)."""
    if exc.code == "gap_unexplained":
        for code in (exc.details or {}).get("items", []):
            if f"gap_{code}" in form.fields:
                form.add_error(f"gap_{code}", _("Explain why this item is not in the register, or adopt it."))
    elif exc.code == "declaration_required":
        form.add_error("declared", exc.message)
    messages.error(request, exc.message)
    task.refresh_from_db()
    return render(request, "reporting/task_detail.html", task_context(_user(request), task, form), status=422)


@login_required
@require_POST
@object_route(ReportTask)
def task_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """保存草稿: freeze the register as it stands and keep the explanations typed so far.
    With `adopt=<catalogue item>` (the 纳入风险清单 button of a gap item) the draft is saved
    first, so explanations typed on other items are not lost, then the item is adopted into
    the register and the risk opened to check."""
    user = _user(request)
    task = _task(request, pk)
    form = _bound_form(request, task)
    try:
        services.report_prepare(actor=user, task=task, data={"gap_explanations": form.explanations()})
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _show_error(request, task, form, exc)
    adopt = request.POST.get("adopt", "")
    if adopt.isdigit():
        item = next((i for i in completeness_gap(task.enterprise) if i.pk == int(adopt)), None)
        if item is None:
            raise Http404
        try:
            risk = risk_adopt(actor=user, enterprise=task.enterprise, item=item)
        except DomainError as exc:
            return _show_error(request, task, form, exc)
        messages.success(
            request,
            _(
                "Draft saved and the item added from the catalogue. Check the owner and sort the measures by kind."
            ),
        )
        return redirect("risks:risk_edit", pk=risk.pk)
    messages.success(request, _("Draft saved. The principal confirms and submits it."))
    return redirect("reporting:task_detail", pk=task.pk)


@login_required
@require_POST
@object_route(ReportTask)
def task_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """确认提交: the principal declares the report true and complete and submits it."""
    user = _user(request)
    task = _task(request, pk)
    form = _bound_form(request, task)
    try:
        report = services.report_submit(
            actor=user,
            task=task,
            declared=bool(form.cleaned_data.get("declared")),
            gap_explanations=form.explanations(),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _show_error(request, task, form, exc)
    messages.success(
        request,
        _("Report no. %(n)d submitted. The regulator reviews it; you will see the result here.")
        % {"n": report.number},
    )
    return redirect("reporting:task_detail", pk=task.pk)
