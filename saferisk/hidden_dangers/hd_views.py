"""Pages of the hidden-danger ledger (隐患台账): the list, quick capture, one hidden danger with
its timeline and the form of each step it can take next, deadline extensions and photos.
Thin: every write is a service of services.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.choices import Role
from saferisk.core.errors import Conflict, DomainError, Forbidden, NotFound
from saferisk.core.excel import Column, xlsx_response
from saferisk.core.forms import DateInput
from saferisk.core.keyset import keyset_page, rows_in_order
from saferisk.core.models import Region, User
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.scoping import can, scoped
from saferisk.core.selectors import region_names
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.selectors import filter_regions
from saferisk.hidden_dangers import listing, services, supervision
from saferisk.hidden_dangers.choices import (
    ExtensionState,
    HiddenDangerGrade,
    HiddenDangerSource,
    HiddenDangerState,
    PhotoStage,
    SupervisionState,
)
from saferisk.hidden_dangers.models import DeadlineExtension, HiddenDanger, Photo
from saferisk.hidden_dangers.photos import ACCEPT_ATTRIBUTE
from saferisk.hidden_dangers.workflow import STATE_LABELS, TRANSITIONS
from saferisk.risks.choices import RiskStatus
from saferisk.risks.models import Risk

CRITERIA_FILE = "hidden_danger_criteria.json"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def styled[F: forms.Form](form: F) -> F:
    """Give the form's widgets Tabler's classes (the templates render most fields as-is)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.HiddenInput)):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


# --- The list -------------------------------------------------------------------------------------


def list_columns(names: dict[str, str], today: dt.date) -> list[Column]:
    return [
        Column(gettext_lazy("Number"), lambda h: h.pk, 10),
        Column(gettext_lazy("Enterprise"), lambda h: h.enterprise.name, 32),
        Column(gettext_lazy("Region"), lambda h: names.get(h.region_code, h.region_code), 16),
        Column(gettext_lazy("Hidden danger"), lambda h: h.title, 40),
        Column(gettext_lazy("Place"), lambda h: h.place, 20),
        Column(gettext_lazy("Grade"), lambda h: h.get_grade_display(), 10),
        Column(gettext_lazy("Source"), lambda h: h.get_source_display(), 12),
        Column(gettext_lazy("State"), lambda h: h.get_state_display(), 12),
        Column(gettext_lazy("Found on"), lambda h: h.found_on, 12),
        Column(gettext_lazy("Rectification deadline"), lambda h: h.deadline, 12),
        Column(gettext_lazy("Days overdue"), lambda h: services.days_overdue(h, today) or "", 10),
        Column(gettext_lazy("Person responsible"), lambda h: h.owner_name, 12),
        Column(gettext_lazy("Rectified on"), lambda h: h.rectified_on, 12),
        Column(
            gettext_lazy("Closed at"), lambda h: timezone.localtime(h.closed_at) if h.closed_at else None, 18
        ),
    ]


@login_required
@list_route(HiddenDanger)
def hd_list(request: HttpRequest) -> HttpResponseBase:
    """隐患台账: the hidden dangers in the user's scope. Open ones (the default) by deadline, the
    ones still awaiting assessment apart above them; any other filter newest first."""
    user = _user(request)
    today = timezone.localdate()
    query = request.GET.copy()
    if "state" not in query:
        query["state"] = "open"
    filters = listing.Filters.from_query(query)
    try:
        qs = listing.hidden_dangers(user, filters, today=today).select_related("enterprise")
    except DomainError as exc:
        messages.error(request, exc.message)
        filters.region = ""
        qs = listing.hidden_dangers(user, filters, today=today).select_related("enterprise")
    source, order = listing.paged(qs, filters)
    if request.GET.get("format") == "xlsx":
        names = region_names(set(qs.order_by().values_list("region_code", flat=True).distinct()[:5000]))
        rows = qs.order_by(*listing.NEWEST).iterator(chunk_size=2000)
        title = _("Hidden dangers")
        return xlsx_response(filename=title, sheet=title, columns=list_columns(names, today), rows=rows)
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    page = keyset_page(
        source,
        fields=order,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )
    awaiting = listing.awaiting_assessment(qs, filters)
    waiting: list[HiddenDanger] = []
    if awaiting is not None and page.is_first:
        # Ids first, then the rows: with the joins PostgreSQL fetched all 236,697 unassessed rows
        # of a province before filtering on the region (0.8 s for a county's first page).
        keys = list(awaiting.select_related(None).values_list("pk", flat=True)[:20])
        waiting = rows_in_order(qs.select_related("enterprise"), keys)
    names = region_names({h.region_code for h in [*page.items, *waiting]})
    for h in [*page.items, *waiting]:
        h.region_name = names.get(h.region_code, h.region_code)
        h.days_overdue = services.days_overdue(h, today)
    enterprise = None
    if filters.enterprise is not None:
        enterprise = scoped(user, Enterprise).filter(pk=filters.enterprise).first()
    regulator = user.is_admin or user.role == Role.REGULATOR
    context = {
        "page": page,
        "keyset": True,
        "waiting": waiting,
        "waiting_count": awaiting.count() if awaiting is not None and page.is_first else 0,
        "filters": filters,
        "by_deadline": order == listing.BY_DEADLINE,
        "states": [(s, STATE_LABELS[s]) for s in HiddenDangerState.values],
        "grades": HiddenDangerGrade.choices,
        "sources": HiddenDangerSource.choices,
        "regions": filter_regions(user=user) if regulator else [],
        "regulator": regulator,
        "enterprise": enterprise,
        "can_capture": user.is_enterprise_user or regulator,
        "today": today,
    }
    return render(request, "hidden_dangers/hd_list.html", context)


# --- Quick capture --------------------------------------------------------------------------------


class CaptureForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("What is wrong (one line)"), max_length=200)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    risk = forms.ModelChoiceField(
        label=gettext_lazy("Related risk"), queryset=Risk.objects.none(), required=False
    )
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=HiddenDangerSource.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    found_on = forms.DateField(label=gettext_lazy("Found on"), widget=DateInput(), required=False)

    def __init__(self, *args: Any, enterprise: Enterprise, regulator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        risk_field: Any = self.fields["risk"]
        risk_field.queryset = Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE).order_by(
            "name"
        )
        allowed = (
            [c for c in HiddenDangerSource.choices if c[0] != HiddenDangerSource.SELF_CHECK]
            if regulator
            else [c for c in HiddenDangerSource.choices if c[0] in services.ENTERPRISE_SOURCES]
        )
        source_field: Any = self.fields["source"]
        source_field.choices = allowed
        self.fields["source"].initial = allowed[0][0]


def _capture_enterprise(request: HttpRequest, user: User) -> Enterprise | None:
    if user.is_enterprise_user:
        return Enterprise.objects.filter(pk=user.enterprise_id or 0).first()
    raw = request.GET.get("enterprise") or request.POST.get("enterprise") or ""
    if not raw.isdigit():
        return None
    return scoped(user, Enterprise).filter(pk=int(raw)).first()


@login_required
@create_route(HiddenDanger)
def hd_new(request: HttpRequest) -> HttpResponse:
    """登记隐患, quick: one line and a photo from the camera; the rest comes at assessment. A
    regulator picks the enterprise (?enterprise=<id>, from its page or the directory)."""
    user = _user(request)
    regulator = user.is_admin or user.role == Role.REGULATOR
    if not (user.is_enterprise_user or regulator):
        raise Http404
    enterprise = _capture_enterprise(request, user)
    if enterprise is None:
        if regulator:
            messages.info(
                request,
                _("Open the enterprise from the directory and register the hidden danger from there."),
            )
            return redirect("enterprises:enterprise_list")
        raise Http404
    form = styled(CaptureForm(request.POST or None, enterprise=enterprise, regulator=regulator))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                hd = services.register(
                    actor=user,
                    enterprise=enterprise,
                    title=data["title"],
                    source=data["source"],
                    place=data["place"],
                    description=data["description"],
                    risk=data["risk"],
                    found_on=data["found_on"],
                    photos=request.FILES.getlist("photos"),
                )
            except (DomainError, Forbidden, NotFound) as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, _("Hidden danger registered. Assess it to set its grade and deadline.")
                )
                return redirect("hidden_dangers:hd_detail", pk=hd.pk)
        status = 422
    context = {"form": form, "enterprise": enterprise, "accept": ACCEPT_ATTRIBUTE}
    return render(request, "hidden_dangers/hd_new.html", context, status=status)


# --- One hidden danger and its steps ------------------------------------------------------------------


class AssessForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    grade = forms.ChoiceField(
        label=gettext_lazy("Grade"), choices=HiddenDangerGrade.choices, widget=forms.RadioSelect
    )
    deadline = forms.DateField(label=gettext_lazy("Rectification deadline"), widget=DateInput())
    criteria = forms.MultipleChoiceField(
        label=gettext_lazy("Major hidden danger criteria met"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grade_reason = forms.CharField(
        label=gettext_lazy("Grading note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, criteria: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria_field: Any = self.fields["criteria"]
        criteria_field.choices = criteria


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    measures = forms.CharField(
        label=gettext_lazy("Rectification measures"), widget=forms.Textarea(attrs={"rows": 3})
    )
    owner_name = forms.CharField(label=gettext_lazy("Person responsible"), max_length=60)
    owner_phone = forms.CharField(
        label=gettext_lazy("Phone of the person responsible"), max_length=20, required=False
    )
    funds = forms.DecimalField(
        label=gettext_lazy("Funds (yuan)"), required=False, min_value=Decimal(0), decimal_places=2
    )
    contingency = forms.CharField(
        label=gettext_lazy("Contingency plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    safeguards = forms.CharField(
        label=gettext_lazy("Interim safeguards"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RectifiedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    rectified_on = forms.DateField(label=gettext_lazy("Rectified on"), widget=DateInput(), required=False)


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=gettext_lazy("New deadline"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Reject"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=gettext_lazy("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def criteria_choices() -> list[tuple[str, str]]:
    """The major hidden danger criteria (判定标准) from the reference data, as choices."""
    from saferisk.hidden_dangers.criteria import criteria_choices as load

    return load()


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "assess": AssessForm,
    "plan": PlanForm,
    "report_rectified": RectifiedForm,
    "accept": NoteForm,
    "refuse_acceptance": NoteForm,
    "close": NoteForm,
}


def _forms_for(
    hd: HiddenDanger, actions: list[str], bound: tuple[str, forms.Form] | None
) -> dict[str, forms.Form]:
    today = timezone.localdate()
    built: dict[str, forms.Form] = {}  # styled below
    for action in actions:
        if bound is not None and bound[0] == action:
            built[action] = bound[1]
            continue
        version = {"version": hd.version}
        if action == "assess":
            default_deadline = hd.deadline or today + dt.timedelta(days=7)
            built[action] = AssessForm(
                initial={**version, "grade": hd.grade, "deadline": default_deadline.isoformat()},
                criteria=criteria_choices(),
            )
        elif action in ("plan", "revise_plan"):
            built[action] = PlanForm(
                initial={
                    **version,
                    "measures": hd.measures,
                    "owner_name": hd.owner_name,
                    "owner_phone": hd.owner_phone,
                    "funds": hd.funds,
                    "contingency": hd.contingency,
                    "safeguards": hd.safeguards,
                }
            )
        elif action == "report_rectified":
            built[action] = RectifiedForm(initial={**version, "rectified_on": today.isoformat()})
        else:
            built[action] = NoteForm(initial=version)
    for action, form in built.items():
        form.auto_id = f"id_{action}_%s"  # several forms on one page: distinct ids for their labels
    return {action: styled(form) for action, form in built.items()}


def _detail_context(
    request: HttpRequest, hd: HiddenDanger, bound: tuple[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    actions = services.actions_for(user, hd)
    listings = list(hd.listings.select_related("listed_by").order_by("-id"))
    active_listing = next((x for x in listings if x.state == SupervisionState.LISTED), None)
    extensions = list(hd.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.state == ExtensionState.PENDING), None)
    insider = services.is_insider(user, hd.enterprise_id)
    can_extend = (
        insider
        and pending is None
        and hd.deadline is not None
        and hd.state in (HiddenDangerState.ASSESSED, HiddenDangerState.RECTIFYING)
    )
    criteria = dict(criteria_choices())
    return {
        "hd": hd,
        "region": Region.objects.filter(code=hd.region_code).first(),
        "events": hd.events.select_related("actor").order_by("id"),
        "photos": list(hd.photos.order_by("id")),
        "actions": actions,
        "action_labels": {a: TRANSITIONS[a].label for a in actions if a in TRANSITIONS}
        | {"revise_plan": "修订整改方案"},
        "forms": _forms_for(hd, actions, bound),
        "extensions": extensions,
        "pending_extension": pending,
        "can_decide": pending is not None
        and services.can_decide_extension(user, hd)
        and pending.requested_by_id != user.pk,
        "decide_form": styled(DecideForm()),
        "extension_form": styled(ExtensionForm()) if can_extend else None,
        "listings": listings,
        "active_listing": active_listing,
        "can_list": hd.grade == HiddenDangerGrade.MAJOR
        and hd.state != HiddenDangerState.CLOSED
        and active_listing is None
        and supervision.listing_level(user) is not None
        and can(user, "change", hd),
        "overdue": services.is_overdue(hd, today),
        "days_overdue": services.days_overdue(hd, today),
        "criteria_labels": [criteria.get(c, c) for c in hd.criteria],
        "can_add_photo": can(user, "change", hd) and hd.state != HiddenDangerState.CLOSED,
        "photo_stage": PhotoStage.RECTIFIED
        if hd.state in (HiddenDangerState.RECTIFYING, HiddenDangerState.RECTIFIED)
        else PhotoStage.FOUND,
        "accept": ACCEPT_ATTRIBUTE,
        "regulator": user.is_admin or user.role == Role.REGULATOR,
    }


def _load(user: User, pk: int) -> HiddenDanger:
    hd: HiddenDanger = get_or_404(
        user,
        HiddenDanger.objects.select_related(
            "enterprise",
            "risk",
            "inspection",
            "found_by",
            "assessed_by",
            "rectified_by",
            "accepted_by",
            "closed_by",
        ),
        pk=pk,
    )
    return hd


@login_required
@object_route(HiddenDanger)
def hd_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One hidden danger: what, where, its grade and plan, photos, the record of every step and
    the forms of the steps this user can take now."""
    hd = _load(_user(request), pk)
    return render(request, "hidden_dangers/hd_detail.html", _detail_context(request, hd))


@require_POST
@login_required
@object_route(HiddenDanger)
def hd_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the loop (assess, plan, report_rectified, accept, refuse_acceptance, close,
    or revise_plan) from the detail page's form, with the version the page was showing."""
    user = _user(request)
    hd = _load(user, pk)
    form_class = ACTION_FORMS.get("plan" if action == "revise_plan" else action)
    if form_class is None:
        raise Http404
    form = (
        AssessForm(request.POST, criteria=criteria_choices())
        if form_class is AssessForm
        else form_class(request.POST)
    )
    error = ""
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            if action == "assess":
                services.assess(actor=user, hd=hd, version=version, **data)
            elif action in ("plan", "revise_plan"):
                services.plan(actor=user, hd=hd, version=version, **data)
            elif action == "report_rectified":
                services.report_rectified(
                    actor=user, hd=hd, version=version, photos=request.FILES.getlist("photos"), **data
                )
            elif action == "accept":
                services.accept(actor=user, hd=hd, version=version, note=data["note"])
            elif action == "refuse_acceptance":
                services.refuse_acceptance(actor=user, hd=hd, version=version, note=data["note"])
            elif action == "close":
                services.close(actor=user, hd=hd, version=version, note=data["note"])
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("hidden_dangers:hd_detail", pk=hd.pk)
        except (DomainError, Forbidden, NotFound) as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            error = exc.message
        else:
            label = "修订整改方案" if action == "revise_plan" else TRANSITIONS[action].label
            messages.success(request, _("Done: %(step)s.") % {"step": label})
            return redirect("hidden_dangers:hd_detail", pk=hd.pk)
    hd = _load(user, pk)
    context = _detail_context(request, hd, bound=(action, form))
    context["open_action"] = action
    if action not in context["actions"]:  # the form is not on the page: say what went wrong on top
        context["action_error"] = error or _("Check the form.")
    return render(request, "hidden_dangers/hd_detail.html", context, status=422)


@require_POST
@login_required
@object_route(HiddenDanger)
def hd_extension(request: HttpRequest, pk: int) -> HttpResponse:
    """申请延期."""
    user = _user(request)
    hd = _load(user, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(actor=user, hd=hd, **form.cleaned_data)
        except (DomainError, Forbidden, NotFound) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The extension has been requested."))
    else:
        messages.error(request, _("Give the new deadline and the reason."))
    return redirect("hidden_dangers:hd_detail", pk=hd.pk)


@require_POST
@login_required
@object_route(DeadlineExtension)
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """审批延期."""
    user = _user(request)
    ext: DeadlineExtension = get_or_404(user, DeadlineExtension, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.extension_decide(actor=user, extension=ext, **form.cleaned_data)
        except (DomainError, Forbidden, NotFound) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The extension has been decided."))
    else:
        messages.error(request, _("Choose approve or reject."))
    return redirect("hidden_dangers:hd_detail", pk=ext.hidden_danger_id)


@require_POST
@login_required
@object_route(HiddenDanger)
def hd_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add photos to a hidden danger (as found, or of the rectification)."""
    user = _user(request)
    hd = _load(user, pk)
    if not can(user, "change", hd):
        raise Http404
    stage = request.POST.get("stage") or PhotoStage.FOUND
    if stage not in PhotoStage.values:
        stage = PhotoStage.FOUND
    uploads = request.FILES.getlist("photos")
    if not uploads:
        messages.error(request, _("Choose a photo first."))
    try:
        for upload in uploads:
            services.photo_add(actor=user, hd=hd, upload=upload, stage=stage)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if uploads:
            messages.success(request, _("Photos added."))
    return redirect(f"{reverse('hidden_dangers:hd_detail', args=[hd.pk])}#photos")


@login_required
@object_route(Photo)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A stored photo, to those who may see what it belongs to."""
    item: Photo = get_or_404(_user(request), Photo, pk=pk)
    try:
        handle = item.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
