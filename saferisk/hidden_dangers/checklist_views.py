"""Pages of the inspection checklists (排查清单): an enterprise's checklists by control tier, built
from its risk register's control measures; one checklist with its schedule, inspector and items,
exported to Excel. Thin: every write is a service of inspections.py.

Enterprise users keep their own checklists; regulators read an enterprise's (?enterprise=<id>)
or, without one, every checklist in their jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
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
from saferisk.core.keyset import keyset_page
from saferisk.core.models import User
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.scoping import scoped
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import inspections, services
from saferisk.hidden_dangers.choices import Frequency, InspectionState
from saferisk.hidden_dangers.models import Checklist, ChecklistItem, Inspection
from saferisk.risks.choices import ControlTier

TIER_ORDER = [ControlTier.COMPANY, ControlTier.WORKSHOP, ControlTier.TEAM, ControlTier.POST]
KEYSET = ["enterprise_id", "tier", "id"]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def may_edit(user: User, enterprise_id: int) -> bool:
    """The enterprise's own users keep its checklists (and an administrator may help)."""
    return services.is_insider(user, enterprise_id) or user.is_admin


def may_inspect(user: User) -> bool:
    return user.is_admin or user.role == Role.REGULATOR


def page_enterprise(request: HttpRequest, user: User) -> Enterprise | None:
    """The enterprise a page is about: an enterprise user's own, else ?enterprise=<id> in scope."""
    if user.is_enterprise_user:
        return Enterprise.objects.filter(pk=user.enterprise_id).first() if user.enterprise_id else None
    raw = request.GET.get("enterprise") or request.POST.get("enterprise") or ""
    if not raw.isdigit():
        return None
    found = scoped(user, Enterprise).filter(pk=int(raw)).first()
    if found is None:
        raise Http404
    return found


def _name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def item_counts(ids: list[int]) -> dict[int, int]:
    """Active items per checklist, for the checklists on a page."""
    rows = (
        ChecklistItem.objects.filter(checklist_id__in=ids, active=True)
        .values("checklist_id")
        .annotate(n=Count("id"))
        .values_list("checklist_id", "n")
    )
    return dict(rows)


def _decorate(checklists: list[Checklist], today: dt.date) -> list[Checklist]:
    counts = item_counts([c.pk for c in checklists])
    for c in checklists:
        c.item_count = counts.get(c.pk, 0)  # type: ignore[attr-defined]
        c.overdue = bool(c.active and c.next_due_on and c.next_due_on < today)  # type: ignore[attr-defined]
        c.due = bool(c.active and (c.next_due_on is None or c.next_due_on <= today))  # type: ignore[attr-defined]
    return checklists


def checklist_columns(counts: dict[int, int] | None) -> list[Column]:
    """The columns of a checklist export; the item counts only for one enterprise's few."""
    columns = [
        Column(gettext_lazy("Enterprise"), lambda c: c.enterprise.name, 32),
        Column(gettext_lazy("Checklist"), lambda c: c.name, 24),
        Column(gettext_lazy("Control tier"), lambda c: c.get_tier_display(), 10),
        Column(gettext_lazy("Frequency"), lambda c: c.get_frequency_display(), 10),
        Column(gettext_lazy("Inspector"), lambda c: _name(c.assignee), 12),
        Column(gettext_lazy("Active"), lambda c: c.active, 8),
        Column(gettext_lazy("Last inspected on"), lambda c: c.last_inspected_on, 12),
        Column(gettext_lazy("Next due on"), lambda c: c.next_due_on, 12),
    ]
    if counts is not None:
        columns.append(Column(gettext_lazy("Items"), lambda c: counts.get(c.pk, 0), 8))
    return columns


def item_columns() -> list[Column]:
    return [
        Column(gettext_lazy("No."), lambda i: i.number, 6),
        Column(gettext_lazy("Item"), lambda i: i.text, 60),
        Column(gettext_lazy("Place"), lambda i: i.place, 24),
        Column(gettext_lazy("Risk"), lambda i: i.risk.name if i.risk_id and i.risk else "", 24),
        Column(
            gettext_lazy("Control measure"), lambda i: i.measure.get_kind_display() if i.measure else "", 12
        ),
        Column(gettext_lazy("Active"), lambda i: i.active, 8),
    ]


# --- The checklists of an enterprise ------------------------------------------------------------------


@login_required
@list_route(Checklist)
def checklist_list(request: HttpRequest) -> HttpResponseBase:
    """An enterprise's checklists by control tier; for a regulator without ?enterprise, every
    checklist in the jurisdiction, paged by keyset. `?format=xlsx` exports either."""
    user = _user(request)
    today = timezone.localdate()
    enterprise = page_enterprise(request, user)
    if enterprise is not None:
        qs = Checklist.objects.filter(enterprise=enterprise).select_related("enterprise", "assignee")
        if request.GET.get("format") == "xlsx":
            rows = list(qs.order_by("tier", "id"))
            title = f"{enterprise.name}-{_('Checklists')}"
            return xlsx_response(
                filename=title,
                sheet=_("Checklists"),
                columns=checklist_columns(item_counts([c.pk for c in rows])),
                rows=rows,
            )
        checklists = _decorate(list(qs), today)
        groups = [
            (tier.label, [c for c in checklists if c.tier == tier])
            for tier in TIER_ORDER
            if any(c.tier == tier for c in checklists)
        ]
        context: dict[str, Any] = {
            "enterprise": enterprise,
            "groups": groups,
            "checklists": checklists,
            "editable": may_edit(user, enterprise.pk),
            "inspector": may_inspect(user),
            "today": today,
        }
        return render(request, "hidden_dangers/checklist_list.html", context)
    if user.is_enterprise_user:
        raise Http404
    q = (request.GET.get("q") or "").strip()[:100]
    qs = scoped(user, Checklist).select_related("enterprise", "assignee")
    if q:
        qs = qs.filter(Q(enterprise__name__contains=q) | Q(enterprise__uscc=q.upper()) | Q(name__contains=q))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=_("Checklists"),
            sheet=_("Checklists"),
            columns=checklist_columns(None),
            rows=qs.order_by(*KEYSET).iterator(chunk_size=2000),
        )
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
    _decorate(page.items, today)
    context = {"page": page, "keyset": True, "q": q, "today": today, "inspector": may_inspect(user)}
    return render(request, "hidden_dangers/checklist_overview.html", context)


def _list_url(enterprise: Enterprise | None, user: User) -> str:
    url = reverse("hidden_dangers:checklist_list")
    if enterprise is not None and not user.is_enterprise_user:
        url += f"?enterprise={enterprise.pk}"
    return url


@require_POST
@login_required
@create_route(Checklist)
def checklist_generate(request: HttpRequest) -> HttpResponse:
    """从风险管控措施生成/更新清单: one checklist per control tier in use, one item per measure
    not yet on it; says how many were added."""
    user = _user(request)
    enterprise = page_enterprise(request, user)
    if enterprise is None:
        messages.error(request, _("Choose the enterprise first."))
        return redirect("hidden_dangers:checklist_list")
    try:
        added = inspections.generate(actor=user, enterprise=enterprise)
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
    else:
        if added["checklists"] or added["items"]:
            messages.success(
                request,
                _("Added %(checklists)d checklists and %(items)d items from the control measures.") % added,
            )
        else:
            messages.info(request, _("The checklists are up to date: no new control measures were found."))
    return redirect(_list_url(enterprise, user))


# --- One checklist ----------------------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _name(obj)


class ChecklistForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    frequency = forms.ChoiceField(label=gettext_lazy("Frequency"), choices=Frequency.choices)
    assignee = UserChoiceField(
        label=gettext_lazy("Inspector"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Not assigned"),
    )
    active = forms.BooleanField(label=gettext_lazy("Active (inspected on schedule)"), required=False)

    def __init__(self, *args: Any, enterprise_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(enterprise_id=enterprise_id, is_active=True).order_by("username")


def _checklist(user: User, pk: int) -> Checklist:
    checklist: Checklist = get_or_404(user, Checklist.objects.select_related("enterprise", "assignee"), pk=pk)
    return checklist


def _items(checklist: Checklist) -> list[ChecklistItem]:
    items = list(checklist.items.select_related("risk", "measure").order_by("sort_order", "id"))
    for number, item in enumerate(items, start=1):
        item.number = number  # type: ignore[attr-defined]
    return items


@login_required
@object_route(Checklist)
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One checklist: its schedule and inspector (editable by the enterprise), its items with
    inline edits and an add form, 开始排查; `?format=xlsx` exports the items."""
    user = _user(request)
    checklist = _checklist(user, pk)
    if request.GET.get("format") == "xlsx":
        title = f"{checklist.enterprise.name}-{checklist.name}"
        return xlsx_response(
            filename=title, sheet=checklist.name, columns=item_columns(), rows=_items(checklist)
        )
    editable = may_edit(user, checklist.enterprise_id)
    initial = {
        "name": checklist.name,
        "frequency": checklist.frequency,
        "assignee": checklist.assignee_id,
        "active": checklist.active,
    }
    form = ChecklistForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        enterprise_id=checklist.enterprise_id,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                inspections.checklist_update(actor=user, checklist=checklist, **form.cleaned_data)
            except (DomainError, Forbidden, NotFound) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The checklist has been saved."))
                return redirect("hidden_dangers:checklist_detail", pk=checklist.pk)
        status = 422
    today = timezone.localdate()
    _decorate([checklist], today)
    recent = list(
        scoped(user, Inspection)
        .filter(checklist=checklist)
        .select_related("inspector")
        .order_by("-inspected_on", "-id")[:10]
    )
    open_inspection = next((i for i in recent if i.state == InspectionState.OPEN), None)
    context = {
        "checklist": checklist,
        "enterprise": checklist.enterprise,
        "form": form,
        "items": _items(checklist),
        "editable": editable,
        "inspector": may_inspect(user),
        "recent": recent,
        "open_inspection": open_inspection,
        "today": today,
    }
    return render(request, "hidden_dangers/checklist_detail.html", context, status=status)


@require_POST
@login_required
@object_route(Checklist)
def checklist_item_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an item (no `item` in the form) or edit one (`item=<id>`: its words, place, active)."""
    user = _user(request)
    checklist = _checklist(user, pk)
    raw = request.POST.get("item") or ""
    item: ChecklistItem | None = None
    if raw:
        item = ChecklistItem.objects.filter(checklist=checklist, pk=int(raw) if raw.isdigit() else 0).first()
        if item is None:
            raise Http404
    active = bool(request.POST.get("active")) if item is not None else True
    try:
        saved = inspections.item_save(
            actor=user,
            checklist=checklist,
            text=request.POST.get("text") or "",
            place=request.POST.get("place") or "",
            active=active,
            item=item,
        )
    except (DomainError, Forbidden, NotFound) as exc:
        messages.error(request, exc.message)
        anchor = f"#item-{item.pk}" if item is not None else "#add-item"
    else:
        messages.success(request, _("The item has been saved.") if item else _("The item has been added."))
        anchor = f"#item-{saved.pk}"
    return redirect(reverse("hidden_dangers:checklist_detail", args=[checklist.pk]) + anchor)
