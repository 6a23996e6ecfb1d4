"""Pages of major hidden dangers and their listed supervision (重大隐患清单, 挂牌督办): the list
of major hidden dangers, the list of listings (one of the four lists, exported for publication),
the form that lists one, and a listing's page with its progress reports, acceptance check and
lifting. Thin: every write is a service of `supervision.py`, which decides who may act; the pages
only leave out the forms a user cannot use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.excel import Column, xlsx_response
from saferisk.core.forms import DateInput
from saferisk.core.keyset import keyset_page
from saferisk.core.models import Region, User
from saferisk.core.routes import list_route, object_route
from saferisk.core.scoping import can, scoped
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.selectors import filter_regions
from saferisk.hidden_dangers import listing as hd_listing
from saferisk.hidden_dangers import services, supervision
from saferisk.hidden_dangers.choices import (
    HiddenDangerGrade,
    HiddenDangerState,
    SupervisionLevel,
    SupervisionState,
)
from saferisk.hidden_dangers.models import HiddenDanger, ListedSupervision

KEYSET = ["-id"]
EXPORT_CHUNK = 2000
LISTING_TABS = (SupervisionState.LISTED, SupervisionState.LIFTED)


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("n", "1")))
    except ValueError:
        return 1


def hd_url(pk: int) -> str | None:
    """The hidden danger's own page (written elsewhere; None until it exists)."""
    try:
        return reverse("hidden_dangers:hd_detail", args=[pk])
    except NoReverseMatch:
        return None


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the regions `codes` and of their counties, for "江宁区 东山街道"."""
    wanted = set()
    for code in codes:
        if code:
            wanted |= {code, code[:6]}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def region_label(code: str, names: dict[str, str]) -> str:
    county, own = names.get(code[:6], ""), names.get(code, code)
    return own if not county or county == own else f"{county} {own}"


def _chunks(qs: QuerySet[Any], size: int = EXPORT_CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in qs.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- 重大隐患清单 ------------------------------------------------------------------------------------


def _listings_of(hds: list[HiddenDanger]) -> dict[int, ListedSupervision]:
    """Each hidden danger's listing: the active one, else the latest lifted one."""
    out: dict[int, ListedSupervision] = {}
    rows = ListedSupervision.objects.filter(hidden_danger_id__in=[h.pk for h in hds]).order_by("-id")
    for row in rows:
        current = out.get(row.hidden_danger_id)
        if current is None or (
            current.state != SupervisionState.LISTED and row.state == SupervisionState.LISTED
        ):
            out[row.hidden_danger_id] = row
    return out


def _decorate_hds(hds: list[HiddenDanger], today: dt.date) -> list[HiddenDanger]:
    listings = _listings_of(hds)
    names = region_names(h.region_code for h in hds)
    for hd in hds:
        hd.listing = listings.get(hd.pk)  # type: ignore[attr-defined]
        hd.region_label = region_label(hd.region_code, names)  # type: ignore[attr-defined]
        hd.overdue_days = services.days_overdue(hd, today)  # type: ignore[attr-defined]
        hd.detail_url = hd_url(hd.pk)  # type: ignore[attr-defined]
        hd.listable = hd.state != HiddenDangerState.CLOSED and (  # type: ignore[attr-defined]
            hd.listing is None or hd.listing.state != SupervisionState.LISTED  # type: ignore[attr-defined]
        )
    return hds


def _listing_status(hd: Any) -> str:
    listing = hd.listing
    if listing is None:
        return _("Not listed")
    return f"{listing.get_level_display()}{listing.get_state_display()}"


def major_columns() -> list[Column]:
    def listing_value(attr: str) -> Any:
        return lambda h: getattr(h.listing, attr) if h.listing is not None else ""

    return [
        Column(gettext_lazy("Enterprise"), lambda h: h.enterprise.name, 36),
        Column(gettext_lazy("USCC"), lambda h: h.enterprise.uscc, 22),
        Column(gettext_lazy("Region"), lambda h: h.region_label, 20),
        Column(gettext_lazy("Hidden danger"), lambda h: h.title, 36),
        Column(gettext_lazy("Place"), lambda h: h.place, 20),
        Column(gettext_lazy("Criteria"), lambda h: "；".join(h.criteria_labels()) or h.grade_reason, 30),
        Column(gettext_lazy("State"), lambda h: h.get_state_display(), 10),
        Column(gettext_lazy("Rectification deadline"), lambda h: h.deadline, 12),
        Column(gettext_lazy("Days overdue"), lambda h: h.overdue_days, 10),
        Column(gettext_lazy("Reported at"), lambda h: h.reported_at, 18),
        Column(gettext_lazy("Listed supervision"), _listing_status, 14),
        Column(gettext_lazy("Supervision deadline"), listing_value("deadline"), 12),
        Column(gettext_lazy("Document number"), listing_value("document_number"), 20),
    ]


def _listed_q() -> Exists:
    return Exists(
        ListedSupervision.objects.filter(hidden_danger=OuterRef("pk"), state=SupervisionState.LISTED)
    )


@login_required
@list_route(HiddenDanger)
def major_list(request: HttpRequest) -> HttpResponseBase:
    """重大隐患清单: the major hidden dangers the user may see (an enterprise its own), with
    their listing; filters region, state (open / closed), listed (yes / no) and words; keyset
    pages, newest first; `?format=xlsx` for the whole filtered list."""
    user = _user(request)
    today = timezone.localdate()
    regions = filter_regions(user=user)
    region = regions.filter(code=request.GET.get("region") or "").first()
    state = request.GET.get("state") or ""
    state = state if state in ("open", "closed") else ""
    listed = request.GET.get("listed") or ""
    listed = listed if listed in ("yes", "no") else ""
    q = (request.GET.get("q") or "").strip()[:100]
    filters = hd_listing.Filters(
        region=region.code if region else "",
        grade=HiddenDangerGrade.MAJOR,
        state=HiddenDangerState.CLOSED if state == "closed" else state,
        q=q,
    )
    qs = hd_listing.hidden_dangers(user, filters, today=today).select_related("enterprise")
    if listed == "yes":
        qs = qs.filter(_listed_q())
    elif listed == "no":
        qs = qs.exclude(_listed_q())
    title = _("Major hidden dangers")
    if request.GET.get("format") == "xlsx":
        rows = (
            hd
            for chunk in _chunks(qs.order_by(*KEYSET))
            for hd in _decorate_hds(chunk, today)  # one query for the listings of each chunk
        )
        return xlsx_response(filename=title, sheet=title, columns=major_columns(), rows=rows)
    page = keyset_page(
        qs,
        fields=KEYSET,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=_page_number(request),
    )
    _decorate_hds(page.items, today)
    context = {
        "title": title,
        "page": page,
        "keyset": True,
        "regions": regions,
        "chosen_region": region.code if region else "",
        "state": state,
        "listed": listed,
        "q": q,
        "can_list": supervision.listing_level(user) is not None,
    }
    return render(request, "hidden_dangers/major_list.html", context)


# --- 挂牌督办清单 ------------------------------------------------------------------------------------


def _decorate_listings(rows: list[ListedSupervision]) -> list[ListedSupervision]:
    names = region_names({r.region_code for r in rows} | {r.authority_code for r in rows})
    for row in rows:
        row.region_label = region_label(row.region_code, names)  # type: ignore[attr-defined]
        row.authority_name = names.get(row.authority_code, row.authority_code)  # type: ignore[attr-defined]
    return rows


def _date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value else None


def listing_columns() -> list[Column]:
    """The published list (重大事故隐患挂牌督办清单): no phone numbers, no names of people."""
    return [
        Column(gettext_lazy("Enterprise"), lambda r: r.enterprise.name, 36),
        Column(gettext_lazy("Address"), lambda r: r.enterprise.address, 36),
        Column(gettext_lazy("Region"), lambda r: r.region_label, 20),
        Column(gettext_lazy("Hidden danger"), lambda r: r.hidden_danger.title, 40),
        Column(gettext_lazy("Supervision level"), lambda r: r.get_level_display(), 10),
        Column(gettext_lazy("Listing authority"), lambda r: r.authority_name, 16),
        Column(gettext_lazy("Document number"), lambda r: r.document_number, 20),
        Column(gettext_lazy("Listed on"), lambda r: _date(r.listed_at), 12),
        Column(gettext_lazy("Supervision deadline"), lambda r: r.deadline, 12),
        Column(gettext_lazy("Supervision requirements"), lambda r: r.requirements, 50),
        Column(gettext_lazy("State"), lambda r: r.get_state_display(), 10),
        Column(gettext_lazy("Lifted on"), lambda r: _date(r.lifted_at), 12),
    ]


@login_required
@list_route(ListedSupervision)
def listing_list(request: HttpRequest) -> HttpResponseBase:
    """挂牌督办清单: the listings the user may see, as tabs (`?tab=listed|lifted`), filtered by
    region and words; keyset pages; `?format=xlsx` exports the tab for publication."""
    user = _user(request)
    tab = request.GET.get("tab") or ""
    tab = tab if tab in LISTING_TABS else SupervisionState.LISTED
    regions = filter_regions(user=user)
    region = regions.filter(code=request.GET.get("region") or "").first()
    q = (request.GET.get("q") or "").strip()[:100]
    base = scoped(user, ListedSupervision).select_related("enterprise", "hidden_danger")
    if region is not None:
        base = base.filter(region_code__startswith=region.prefix)
    if q:
        base = base.filter(
            Q(enterprise__name__icontains=q)
            | Q(hidden_danger__title__icontains=q)
            | Q(document_number__icontains=q)
        )
    qs = base.filter(state=tab)
    title = _("List of major hidden dangers under listed supervision")
    if request.GET.get("format") == "xlsx":
        rows = (r for chunk in _chunks(qs.order_by(*KEYSET)) for r in _decorate_listings(chunk))
        return xlsx_response(filename=title, sheet=title, columns=listing_columns(), rows=rows)
    page = keyset_page(
        qs,
        fields=KEYSET,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=_page_number(request),
    )
    _decorate_listings(page.items)
    counts = {t: base.filter(state=t).order_by().count() for t in LISTING_TABS}
    context = {
        "title": title,
        "tab": tab,
        "page": page,
        "keyset": True,
        "counts": counts,
        "regions": regions,
        "chosen_region": region.code if region else "",
        "q": q,
        "today": timezone.localdate(),
    }
    return render(request, "hidden_dangers/listing_list.html", context)


# --- 挂牌督办 -----------------------------------------------------------------------------------------


class ListingForm(forms.Form):
    deadline = forms.DateField(label=gettext_lazy("Supervision deadline"), widget=DateInput())
    requirements = forms.CharField(
        label=gettext_lazy("Supervision requirements"), max_length=5000, widget=forms.Textarea
    )
    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("The number of the supervision notice, e.g. 宁应急督〔2025〕3号"),
    )


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@object_route(HiddenDanger)
def listing_create(request: HttpRequest, pk: int) -> HttpResponse:
    """挂牌督办 of a major hidden danger at the user's level (the service decides who may)."""
    user = _user(request)
    hd: HiddenDanger = get_or_404(user, HiddenDanger.objects.select_related("enterprise"), pk=pk)
    level = supervision.listing_level(user)
    active = hd.listings.filter(state=SupervisionState.LISTED).first()
    allowed = level is not None and can(user, "change", hd)
    today = timezone.localdate()
    initial = {"deadline": hd.deadline.isoformat() if hd.deadline and hd.deadline >= today else ""}
    form = ListingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                listing = supervision.listing_create(actor=user, hd=hd, **form.cleaned_data)
            except (DomainError, Forbidden, NotFound) as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The hidden danger has been listed for supervision."))
                return redirect("hidden_dangers:listing_detail", pk=listing.pk)
        else:
            status = 422
    context = {
        "hd": hd,
        "hd_url": hd_url(hd.pk),
        "form": form,
        "level_label": SupervisionLevel(level).label if level else "",
        "authority": Region.objects.filter(code=user.region_id or "").first(),
        "allowed": allowed,
        "active": active,
        "is_major": hd.grade == HiddenDangerGrade.MAJOR,
        "closed": hd.state == HiddenDangerState.CLOSED,
        "show_form": allowed
        and active is None
        and hd.grade == HiddenDangerGrade.MAJOR
        and hd.state != HiddenDangerState.CLOSED,
    }
    return render(request, "hidden_dangers/listing_create.html", context, status=status)


class ProgressForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Progress of rectification"), max_length=5000, widget=forms.Textarea
    )


class CheckForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("Result of the acceptance check"),
        choices=[("yes", gettext_lazy("Passed")), ("no", gettext_lazy("Not passed"))],
        coerce=lambda v: v == "yes",
    )
    note = forms.CharField(label=gettext_lazy("Check opinion"), max_length=5000, widget=forms.Textarea)


class LiftForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Lifting note"), max_length=2000, required=False, widget=forms.Textarea
    )


def _listing(user: User, pk: int) -> ListedSupervision:
    return get_or_404(
        user,
        ListedSupervision.objects.select_related(
            "hidden_danger", "enterprise", "listed_by", "checked_by", "lifted_by"
        ),
        pk=pk,
    )


def _render_detail(
    request: HttpRequest, listing: ListedSupervision, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    user = _user(request)
    hd = listing.hidden_danger
    is_open = listing.state == SupervisionState.LISTED
    authority = can(user, "change", listing)
    names = region_names([listing.region_code, listing.authority_code])
    context = {
        "listing": listing,
        "hd": hd,
        "hd_url": hd_url(hd.pk),
        "overdue_days": services.days_overdue(hd),
        "region_label": region_label(listing.region_code, names),
        "authority_name": names.get(listing.authority_code, listing.authority_code),
        "progress": listing.progress.select_related("author").order_by("id"),
        "progress_form": bound.get("progress_form") or ProgressForm(),
        "check_form": bound.get("check_form") or CheckForm(),
        "lift_form": bound.get("lift_form") or LiftForm(),
        "can_progress": is_open and user.role != Role.EXPERT,
        "can_check": is_open and authority,
        "can_lift": is_open and authority and bool(listing.check_passed),
        "checkable": hd.state in supervision.CHECKABLE,
    }
    return render(request, "hidden_dangers/listing_detail.html", context, status=status)


@login_required
@object_route(ListedSupervision)
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One listing: the hidden danger, the supervision, progress reports, the acceptance check
    and lifting; printable."""
    return _render_detail(request, _listing(_user(request), pk))


def _post(
    request: HttpRequest, pk: int, form_class: type[forms.Form], name: str, act: Any, done: str
) -> HttpResponse:
    """Validate `form_class`, call `act(user, listing, cleaned_data)`; back to the page, or the
    page again with the error (422, or 403 when the service refused the user)."""
    user = _user(request)
    listing = _listing(user, pk)
    form = form_class(request.POST)
    status = 422
    if form.is_valid():
        try:
            act(user, listing, form.cleaned_data)
        except (DomainError, Forbidden, NotFound) as exc:
            _form_error(form, exc)
            status = exc.status
        else:
            messages.success(request, done)
            return redirect("hidden_dangers:listing_detail", pk=listing.pk)
    return _render_detail(request, _listing(user, pk), status, **{name: form})


@require_POST
@login_required
@object_route(ListedSupervision)
def listing_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        ProgressForm,
        "progress_form",
        lambda u, li, d: supervision.listing_progress(actor=u, listing=li, text=d["text"]),
        _("The progress has been reported."),
    )


@require_POST
@login_required
@object_route(ListedSupervision)
def listing_check(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        CheckForm,
        "check_form",
        lambda u, li, d: supervision.listing_check(actor=u, listing=li, passed=d["passed"], note=d["note"]),
        _("The acceptance check has been recorded."),
    )


@require_POST
@login_required
@object_route(ListedSupervision)
def listing_lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        LiftForm,
        "lift_form",
        lambda u, li, d: supervision.listing_lift(actor=u, listing=li, note=d["note"]),
        _("The listing has been lifted."),
    )
