"""Pages of inspections (隐患排查 and 执法检查): the checklists due (我的排查任务), starting an
inspection, the inspection itself — one card per item, made for a phone in the plant, each card
its own form so it works without JavaScript — and the list of inspections with its export.
Thin: every write is a service of inspections.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.excel import Column, xlsx_response
from saferisk.core.forms import DateInput
from saferisk.core.keyset import keyset_page
from saferisk.core.models import User
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.scoping import can, scoped
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import inspections, services
from saferisk.hidden_dangers.checklist_views import page_enterprise
from saferisk.hidden_dangers.choices import InspectionKind, InspectionState, Outcome
from saferisk.hidden_dangers.models import Checklist, Inspection, InspectionResult
from saferisk.hidden_dangers.photos import ACCEPT_ATTRIBUTE

KEYSET = ["-inspected_on", "-id"]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def may_record(user: User, inspection: Inspection) -> bool:
    """Whether the user may tick this inspection's items (the rule of inspections.py, asked
    before rendering so the page shows forms or a read-only record)."""
    if inspection.state != InspectionState.OPEN:
        return False
    if inspection.kind == InspectionKind.SELF_CHECK:
        return services.is_insider(user, inspection.enterprise_id) or user.is_admin
    return (user.is_admin or user.role == Role.REGULATOR) and can(user, "change", inspection)


def _detail_url(inspection_id: int, anchor: str = "") -> str:
    url = reverse("hidden_dangers:inspection_detail", args=[inspection_id])
    return f"{url}#{anchor}" if anchor else url


# --- 我的排查任务 ------------------------------------------------------------------------------------------


def _open_inspections(user: User, checklist_ids: list[int]) -> dict[int, int]:
    """The open inspection of each checklist on the page (to continue instead of starting anew)."""
    rows = (
        scoped(user, Inspection)
        .filter(checklist_id__in=checklist_ids, state=InspectionState.OPEN)
        .order_by("id")
        .values_list("checklist_id", "id")
    )
    return {checklist_id: pk for checklist_id, pk in rows if checklist_id is not None}


def due_columns(today: dt.date) -> list[Column]:
    return [
        Column(gettext_lazy("Checklist"), lambda c: c.name, 24),
        Column(gettext_lazy("Enterprise"), lambda c: c.enterprise.name, 32),
        Column(gettext_lazy("Frequency"), lambda c: c.get_frequency_display(), 10),
        Column(gettext_lazy("Inspector"), lambda c: str(c.assignee) if c.assignee_id else "", 12),
        Column(gettext_lazy("Last inspected on"), lambda c: c.last_inspected_on, 12),
        Column(gettext_lazy("Next due on"), lambda c: c.next_due_on, 12),
        Column(gettext_lazy("Days late"), lambda c: (today - c.next_due_on).days if c.next_due_on else 0, 10),
    ]


@login_required
@list_route(Checklist)
def due_list(request: HttpRequest) -> HttpResponseBase:
    """我的排查任务: the active checklists due today or earlier, the most overdue first;
    `?mine=1` keeps those assigned to the user (or to nobody)."""
    user = _user(request)
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    qs = inspections.due_checklists(user, today, mine=mine)
    if request.GET.get("format") == "xlsx":
        title = _("My inspection tasks")
        return xlsx_response(
            filename=title, sheet=title, columns=due_columns(today), rows=qs.iterator(chunk_size=2000)
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    opened = _open_inspections(user, [c.pk for c in rows])
    for c in rows:
        c.days_late = (today - c.next_due_on).days if c.next_due_on else 0  # type: ignore[attr-defined]
        c.open_inspection = opened.get(c.pk)  # type: ignore[attr-defined]
        c.startable = services.is_insider(user, c.enterprise_id) or user.is_admin  # type: ignore[attr-defined]
    context = {
        "page": page,
        "rows": rows,
        "mine": mine,
        "today": today,
        "show_enterprise": not user.is_enterprise_user,
    }
    return render(request, "hidden_dangers/due_list.html", context)


# --- Starting an inspection ---------------------------------------------------------------------------


@require_POST
@login_required
@create_route(Inspection)
def inspection_start(request: HttpRequest) -> HttpResponse:
    """开始排查 from a checklist (checklist=<id>): a new inspection with the checklist's active
    items, or the one already open for it, continued."""
    user = _user(request)
    raw = request.POST.get("checklist") or ""
    checklist = (
        scoped(user, Checklist).select_related("enterprise").filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if checklist is None:
        messages.error(request, _("Choose the checklist to inspect."))
        return redirect("hidden_dangers:due_list")
    kind = (
        InspectionKind.SELF_CHECK
        if services.is_insider(user, checklist.enterprise_id)
        else InspectionKind.REGULATOR
    )
    existing = (
        scoped(user, Inspection)
        .filter(checklist=checklist, state=InspectionState.OPEN, kind=kind)
        .order_by("id")
        .first()
    )
    if existing is not None and may_record(user, existing):
        messages.info(request, _("This checklist is already being inspected: carry on with it."))
        return redirect(_detail_url(existing.pk))
    try:
        inspection = inspections.start(actor=user, enterprise=checklist.enterprise, checklist=checklist)
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
        return redirect("hidden_dangers:checklist_detail", pk=checklist.pk)
    return redirect(_detail_url(inspection.pk))


class StartForm(forms.Form):
    checklist = forms.ModelChoiceField(
        label=gettext_lazy("Checklist"),
        queryset=Checklist.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: I add my own items"),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    inspected_on = forms.DateField(label=gettext_lazy("Inspected on"), widget=DateInput())

    def __init__(self, *args: Any, enterprise: Enterprise, insider: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["checklist"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Checklist.objects.filter(enterprise=enterprise, active=True).order_by("tier", "id")
        if insider:
            field.required = True
            field.empty_label = None
        self.fields["title"].help_text = gettext_lazy("Left empty: the checklist's name and the date.")


@login_required
@create_route(Inspection)
def inspection_new(request: HttpRequest) -> HttpResponse:
    """A new inspection of an enterprise (?enterprise=<id> for a regulator): one of its
    checklists or none (the inspector's own items), a title and the date."""
    user = _user(request)
    enterprise = page_enterprise(request, user)
    if enterprise is None:
        if user.is_admin or user.role == Role.REGULATOR:
            messages.info(
                request, _("Open the enterprise from the directory and start the inspection from there.")
            )
            return redirect("enterprises:enterprise_list")
        raise Http404
    insider = services.is_insider(user, enterprise.pk)
    initial: dict[str, Any] = {"inspected_on": timezone.localdate().isoformat()}
    chosen = request.GET.get("checklist") or ""
    if chosen.isdigit():
        initial["checklist"] = int(chosen)
    form = StartForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        enterprise=enterprise,
        insider=insider,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                inspection = inspections.start(
                    actor=user,
                    enterprise=enterprise,
                    checklist=form.cleaned_data["checklist"],
                    title=form.cleaned_data["title"],
                    inspected_on=form.cleaned_data["inspected_on"],
                )
            except (DomainError, Forbidden, NotFound) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect(_detail_url(inspection.pk))
        status = 422
    context = {"enterprise": enterprise, "form": form, "insider": insider}
    return render(request, "hidden_dangers/inspection_new.html", context, status=status)


# --- The inspection ------------------------------------------------------------------------------------------


def _inspection(user: User, pk: int) -> Inspection:
    inspection: Inspection = get_or_404(
        user, Inspection.objects.select_related("enterprise", "checklist", "inspector"), pk=pk
    )
    return inspection


@login_required
@object_route(Inspection)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection, one card per item: 合格 / 不合格 / 不适用, a note and photos, each card
    saved on its own; a failed item shows the hidden danger it opened. Read-only once finished,
    and for the enterprise reading a regulator's inspection."""
    user = _user(request)
    inspection = _inspection(user, pk)
    results = list(
        inspection.results.select_related("hidden_danger")
        .prefetch_related("photos")
        .order_by("sort_order", "id")
    )
    for number, result in enumerate(results, start=1):
        result.number = number  # type: ignore[attr-defined]
    answered = sum(1 for r in results if r.outcome)
    failed = sum(1 for r in results if r.outcome == Outcome.FAIL)
    editable = may_record(user, inspection)
    findings = list(inspections.findings(inspection)) if inspection.state == InspectionState.FINISHED else []
    first_open = next((r for r in results if not r.outcome), None)
    context = {
        "inspection": inspection,
        "enterprise": inspection.enterprise,
        "results": results,
        "answered": answered,
        "unanswered": len(results) - answered,
        "failed": failed,
        "total": len(results),
        "percent": round(answered * 100 / len(results)) if results else 0,
        "editable": editable,
        "findings": findings,
        "outcomes": Outcome.choices,
        "accept": ACCEPT_ATTRIBUTE,
        "first_open": first_open,
        "finished": inspection.state == InspectionState.FINISHED,
    }
    return render(request, "hidden_dangers/inspection_detail.html", context)


@require_POST
@login_required
@object_route(Inspection)
def inspection_record(request: HttpRequest, pk: int, result_id: int) -> HttpResponse:
    """Save one card (outcome, note, photos), then back to the page at the next card."""
    user = _user(request)
    inspection = _inspection(user, pk)
    result = InspectionResult.objects.filter(inspection=inspection, pk=result_id).first()
    if result is None:
        raise Http404
    try:
        inspections.record(
            actor=user,
            result=result,
            outcome=request.POST.get("outcome") or "",
            note=request.POST.get("note") or "",
            photos=request.FILES.getlist("photos"),
        )
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(
            request, _("Item %(n)d: %(error)s") % {"n": _number(inspection, result), "error": exc.message}
        )
        return redirect(_detail_url(inspection.pk, f"result-{result.pk}"))
    following = (
        inspection.results.filter(
            Q(sort_order__gt=result.sort_order) | Q(sort_order=result.sort_order, pk__gt=result.pk)
        )
        .order_by("sort_order", "id")
        .values_list("pk", flat=True)
        .first()
    )
    return redirect(_detail_url(inspection.pk, f"result-{following}" if following else "finish"))


def _number(inspection: Inspection, result: InspectionResult) -> int:
    """The item's position on the page (1-based), for messages."""
    return (
        inspection.results.filter(
            Q(sort_order__lt=result.sort_order) | Q(sort_order=result.sort_order, pk__lt=result.pk)
        ).count()
        + 1
    )


@require_POST
@login_required
@object_route(Inspection)
def inspection_add_item(request: HttpRequest, pk: int) -> HttpResponse:
    """An item added on the spot (a regulator's own check point, or one the checklist missed)."""
    user = _user(request)
    inspection = _inspection(user, pk)
    try:
        result = inspections.result_add(
            actor=user,
            inspection=inspection,
            text=request.POST.get("text") or "",
            place=request.POST.get("place") or "",
        )
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(inspection.pk, "add-item"))
    return redirect(_detail_url(inspection.pk, f"result-{result.pk}"))


@require_POST
@login_required
@object_route(Inspection)
def inspection_finish(request: HttpRequest, pk: int) -> HttpResponse:
    """结束检查: refused while an item is unanswered; then read-only, with its findings."""
    user = _user(request)
    inspection = _inspection(user, pk)
    try:
        inspections.finish(actor=user, inspection=inspection, note=request.POST.get("note") or "")
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
        first_open = inspection.results.filter(outcome="").order_by("sort_order", "id").first()
        return redirect(_detail_url(inspection.pk, f"result-{first_open.pk}" if first_open else "finish"))
    messages.success(request, _("The inspection is finished."))
    return redirect(_detail_url(inspection.pk))


# --- The list of inspections --------------------------------------------------------------------------------


def inspection_columns() -> list[Column]:
    return [
        Column(gettext_lazy("Inspected on"), lambda i: i.inspected_on, 12),
        Column(gettext_lazy("Enterprise"), lambda i: i.enterprise.name, 32),
        Column(gettext_lazy("USCC"), lambda i: i.enterprise.uscc, 22),
        Column(gettext_lazy("Kind"), lambda i: i.get_kind_display(), 12),
        Column(gettext_lazy("Title"), lambda i: i.title, 32),
        Column(gettext_lazy("Checklist"), lambda i: i.checklist.name if i.checklist else "", 20),
        Column(gettext_lazy("Inspector"), lambda i: _name(i.inspector), 12),
        Column(gettext_lazy("Inspecting authority"), lambda i: i.authority, 20),
        Column(gettext_lazy("State"), lambda i: i.get_state_display(), 10),
        Column(gettext_lazy("Items"), lambda i: i.items, 8),
        Column(gettext_lazy("Failed items"), lambda i: i.failed, 8),
    ]


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
@list_route(Inspection)
def inspection_list(request: HttpRequest) -> HttpResponseBase:
    """Inspections in scope (a regulator's region; an enterprise's own, with the regulators'
    inspections of it), newest first; filters kind, state, enterprise, dates and search; keyset
    pages; `?format=xlsx` exports the filtered list."""
    user = _user(request)
    qs = scoped(user, Inspection).select_related("enterprise", "checklist", "inspector")
    kind = request.GET.get("kind") or ""
    if kind in InspectionKind.values:
        qs = qs.filter(kind=kind)
    state = request.GET.get("state") or ""
    if state in InspectionState.values:
        qs = qs.filter(state=state)
    enterprise: Enterprise | None = None
    raw = request.GET.get("enterprise") or ""
    if raw.isdigit() and not user.is_enterprise_user:
        enterprise = scoped(user, Enterprise).filter(pk=int(raw)).first()
        qs = qs.filter(enterprise_id=enterprise.pk if enterprise else 0)
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if date_from:
        qs = qs.filter(inspected_on__gte=date_from)
    if date_to:
        qs = qs.filter(inspected_on__lte=date_to)
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(enterprise__name__contains=q) | Q(enterprise__uscc=q.upper()))
    title = _("Inspections")
    if request.GET.get("format") == "xlsx":
        rows = qs.order_by(*KEYSET).iterator(chunk_size=2000)
        return xlsx_response(filename=title, sheet=title, columns=inspection_columns(), rows=rows)
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    page = keyset_page(
        qs,
        fields=KEYSET,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )
    context = {
        "page": page,
        "keyset": True,
        "kinds": InspectionKind.choices,
        "states": InspectionState.choices,
        "kind": kind,
        "state": state,
        "enterprise": enterprise,
        "date_from": date_from.isoformat() if date_from else "",
        "date_to": date_to.isoformat() if date_to else "",
        "q": q,
        "show_enterprise": not user.is_enterprise_user,
        "can_inspect": user.is_admin or user.role == Role.REGULATOR,
    }
    return render(request, "hidden_dangers/inspection_list.html", context)
