"""Pages of the hidden-danger statistics (隐患排查治理统计): the regulators' figures by region,
industry, grade, source and state with the monthly trend (drill down by region, one workbook
with a sheet per table), the list of overdue hidden dangers (keyset pages, Excel), and an
enterprise's printable monthly summary (PDF). Thin: the reads are statistics.py, listing.py and
monthly_pdf.py."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError
from saferisk.core.excel import Column, xlsx_response, xlsx_workbook
from saferisk.core.keyset import keyset_page
from saferisk.core.masking import mask_phone
from saferisk.core.models import Region
from saferisk.core.routes import aggregate_route, list_route, object_route
from saferisk.core.selectors import region_names
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.selectors import filter_regions
from saferisk.hidden_dangers import listing, monthly_pdf, services, statistics
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger, HiddenDangerTally

OVERDUE_ORDER = list(listing.BY_DEADLINE)  # ["deadline", "id"]: the hd_unrectified index


def _url(name: str, *args: Any) -> str:
    """A URL of a page another part of the app provides; empty while it is not routed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _year(request: HttpRequest, today: dt.date) -> int:
    raw = request.GET.get("year") or ""
    if raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= today.year + 1:
        return int(raw)
    return today.year


def _figure_columns(first: list[Column], *, overdue: bool) -> list[Column]:
    def v(key: str) -> Any:
        return lambda r: r[key]

    columns = [
        *first,
        Column(gettext_lazy("Found"), v("found"), 10),
        Column(gettext_lazy("Rectified"), v("rectified"), 10),
        Column(gettext_lazy("Closed"), v("closed"), 10),
        Column(gettext_lazy("Not rectified"), v("unrectified"), 10),
        Column(gettext_lazy("Rectification rate"), v("rectification_rate_text"), 12),
        Column(gettext_lazy("On-time rate"), v("on_time_rate_text"), 12),
        Column(gettext_lazy("Major"), v("major"), 10),
        Column(gettext_lazy("Major not rectified"), v("major_unrectified"), 12),
    ]
    if overdue:
        columns.append(Column(gettext_lazy("Overdue"), v("overdue"), 10))
    return columns


def _export(figures: dict[str, Any]) -> HttpResponseBase:
    region = figures["region"]
    year = figures["year"]
    totals = {**figures["totals"], "name": _("Total"), "code": region.code if region else ""}
    name = Column(gettext_lazy("Name"), lambda r: r["name"], 24)
    code = Column(gettext_lazy("Code"), lambda r: r["code"], 12)
    sheets: list[tuple[str, list[Column], list[Any]]] = [
        (_("By region"), _figure_columns([name, code], overdue=True), [*figures["regions"], totals]),
        (_("By industry division"), _figure_columns([code, name], overdue=False), figures["divisions"]),
        (_("By grade"), _figure_columns([name], overdue=False), figures["grades"]),
        (_("By source"), _figure_columns([name], overdue=False), figures["sources"]),
        (
            _("By state"),
            [
                Column(gettext_lazy("State"), lambda r: r["name"], 14),
                Column(gettext_lazy("Hidden dangers"), lambda r: r["count"], 12),
            ],
            figures["states"],
        ),
    ]
    trend = figures["trend"]
    if trend is not None:
        sheets.append(
            (
                _("By month"),
                [
                    Column(gettext_lazy("Month"), lambda r: r[0], 10),
                    Column(gettext_lazy("Found"), lambda r: r[1], 10),
                    Column(gettext_lazy("Closed"), lambda r: r[2], 10),
                    Column(gettext_lazy("Closed, rectified on time"), lambda r: r[3], 14),
                ],
                list(
                    zip(
                        trend["months"], trend["found"], trend["closed"], trend["closed_on_time"], strict=True
                    )
                ),
            )
        )
    title = _("Hidden danger statistics")
    return xlsx_workbook(filename=f"{title}-{region.name if region else ''}-{year}", sheets=sheets)


def _links(figures: dict[str, Any]) -> None:
    """The query string each row's numbers link to on the hidden-danger list (`q`), and where a
    region row leads (`href`: a deeper level of this page, or the list at a town)."""
    year = figures["year"]
    division = figures["division"]
    region = figures["region"]
    base: dict[str, Any] = {"year": year}
    if division:
        base["division"] = division
    here = {**base, "region": region.code} if region is not None else dict(base)
    list_url = _url("hidden_dangers:hd_list")
    overdue_url = reverse("hidden_dangers:overdue_list")

    def overdue_href(code: str) -> str:
        # Overdue is counted whatever the year found: the links carry no year.
        if division and list_url:
            return f"{list_url}?" + urlencode({"region": code, "division": division, "state": "overdue"})
        return f"{overdue_url}?" + urlencode({"region": code})

    figures["totals"]["q"] = urlencode(here)
    figures["totals"]["overdue_href"] = overdue_href(region.code if region is not None else "")
    for r in figures["regions"]:
        r["q"] = urlencode({**base, "region": r["code"]})
        r["overdue_href"] = overdue_href(r["code"])
        if r["direct"]:
            r["href"] = ""
        elif r["drill"]:
            r["href"] = "?" + urlencode({**base, "region": r["code"]})
        else:
            r["href"] = f"{list_url}?{r['q']}" if list_url else ""
    for r in figures["divisions"]:
        r["q"] = urlencode({**here, "division": r["code"]})
        r["label"] = f"{r['code']} {r['name']}"
        # A division's row narrows this page to it.
        narrowed = {"year": year, "division": r["code"]}
        if region is not None:
            narrowed["region"] = region.code
        r["href"] = "?" + urlencode(narrowed)
    for key in ("grades", "sources"):
        field = "grade" if key == "grades" else "source"
        for r in figures[key]:
            r["q"] = urlencode({**here, field: r["code"]})
    for r in figures["states"]:
        r["q"] = urlencode({**here, "state": r["code"]})
    figures["here_q"] = urlencode(here)


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "trend": figures["trend"],
        "labels": {
            "found": _("Found"),
            "closed": _("Closed"),
            "closed_on_time": _("Closed, rectified on time"),
        },
    }


@login_required
@aggregate_route(HiddenDangerTally)
def statistics_page(request: HttpRequest) -> HttpResponseBase:
    """The statistics of the hidden dangers found in a year (`?year=`) under a region of the
    user's view (`?region=`, default the top), optionally of one division (`?division=`);
    `?format=xlsx` exports every table as one workbook."""
    user: Any = request.user
    if not statistics.is_staff(user):
        return redirect("core:home")
    today = timezone.localdate()
    year = _year(request, today)
    code = request.GET.get("region") or ""
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    figures = statistics.overview(
        user, year=year, region=region, division=request.GET.get("division") or "", today=today
    )
    if request.GET.get("format") == "xlsx":
        return _export(figures)
    _links(figures)
    years = sorted({*statistics.years(user), today.year, year}, reverse=True)
    context = {
        **figures,
        "years": years,
        "list_url": _url("hidden_dangers:hd_list"),
        "overdue_url": reverse("hidden_dangers:overdue_list"),
        "chart": _chart(figures),
        "division_name": next(
            (d["name"] for d in figures["divisions"] if d["code"] == figures["division"]), ""
        ),
    }
    return render(request, "hidden_dangers/statistics.html", context)


# --- Overdue hidden dangers --------------------------------------------------------------------


def _owner(hd: HiddenDanger) -> str:
    phone = mask_phone(hd.owner_phone) if hd.owner_phone else ""
    return " ".join(p for p in (hd.owner_name, phone) if p)


def overdue_columns(names: dict[str, str], today: dt.date) -> list[Column]:
    grades = dict(HiddenDangerGrade.choices)
    states = dict(HiddenDangerState.choices)
    return [
        Column(gettext_lazy("Enterprise"), lambda h: h.enterprise.name, 36),
        Column(gettext_lazy("USCC"), lambda h: h.enterprise.uscc, 22),
        Column(gettext_lazy("Region"), lambda h: names.get(h.region_code, h.region_code), 16),
        Column(gettext_lazy("Region code"), lambda h: h.region_code, 12),
        Column(gettext_lazy("Hidden danger"), lambda h: h.title, 40),
        Column(gettext_lazy("Grade"), lambda h: str(grades.get(h.grade, h.grade)), 8),
        Column(gettext_lazy("Found on"), lambda h: h.found_on, 12),
        Column(gettext_lazy("Deadline"), lambda h: h.deadline, 12),
        Column(gettext_lazy("Days overdue"), lambda h: services.days_overdue(h, today), 10),
        Column(gettext_lazy("Person responsible"), _owner, 20),
        Column(gettext_lazy("State"), lambda h: str(states.get(h.state, h.state)), 10),
    ]


@login_required
@list_route(HiddenDanger)
def overdue_list(request: HttpRequest) -> HttpResponseBase:
    """Overdue hidden dangers in the user's view, the longest overdue first (deadline, id),
    filtered by region, grade and words; `?format=xlsx` exports the whole filtered list."""
    user: Any = request.user
    if not statistics.is_staff(user):
        raise Http404
    today = timezone.localdate()
    asked = listing.Filters.from_query(request.GET)
    filters = listing.Filters(region=asked.region, grade=asked.grade, q=asked.q, state="overdue")
    try:
        qs = listing.hidden_dangers(user, filters, today=today)
    except DomainError as exc:
        messages.error(request, exc.message)
        filters = listing.Filters(grade=asked.grade, q=asked.q, state="overdue")
        qs = listing.hidden_dangers(user, filters, today=today)
    qs = qs.select_related("enterprise")
    title = _("Overdue hidden dangers")
    if request.GET.get("format") == "xlsx":
        names = region_names(set(qs.order_by().values_list("region_code", flat=True).distinct()))
        rows = qs.order_by(*OVERDUE_ORDER).iterator(chunk_size=2000)
        return xlsx_response(filename=title, sheet=title, columns=overdue_columns(names, today), rows=rows)
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    page = keyset_page(
        qs,
        fields=OVERDUE_ORDER,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )
    names = region_names({h.region_code for h in page.items})
    for hd in page.items:
        hd.region_name = names.get(hd.region_code, hd.region_code)
        hd.days_late = services.days_overdue(hd, today)
        hd.detail_url = _url("hidden_dangers:hd_detail", hd.pk)
        hd.owner_text = _owner(hd)
    context = {
        "title": title,
        "page": page,
        "keyset": True,
        "regions": filter_regions(user=user),
        "chosen_region": filters.region,
        "grade": filters.grade,
        "grades": HiddenDangerGrade.choices,
        "q": filters.q,
        "today": today,
        "statistics_url": reverse("hidden_dangers:statistics"),
    }
    return render(request, "hidden_dangers/overdue_list.html", context)


# --- Monthly summary of an enterprise ------------------------------------------------------------


@login_required
@object_route(Enterprise)
def monthly_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise's monthly summary of hidden-danger work as PDF (`?month=YYYY-MM`, default
    last month): its own users and its regulators."""
    user: Any = request.user
    if user.role == Role.EXPERT:
        raise Http404
    enterprise = get_or_404(user, Enterprise, pk=pk)
    today = timezone.localdate()
    month = monthly_pdf.parse_month(request.GET.get("month"), today=today)
    data = monthly_pdf.monthly_data(enterprise, month=month, today=today)
    content = monthly_pdf.render_monthly(data)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(
            request.GET.get("download") == "1", monthly_pdf.monthly_filename(enterprise, month)
        )
        or ""
    )
    response["Cache-Control"] = "private, no-store"  # names and phone numbers of people
    return response
