"""Pages of the reporting progress dashboard: the figures of a campaign in the user's
jurisdiction (drill down by region, Excel per block) and the lists behind them (enterprises not
filed, nil reports the catalogue makes implausible), paged by cursor and exportable."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saferisk.core.excel import Column, xlsx_response
from saferisk.core.keyset import keyset_page
from saferisk.core.masking import mask_phone
from saferisk.core.models import Industry
from saferisk.core.routes import aggregate_route, list_route
from saferisk.core.selectors import region_names
from saferisk.core.views import PAGE_SIZE
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting import dashboard
from saferisk.reporting.choices import CampaignKind, TaskState
from saferisk.reporting.models import CampaignProgress, ReportingCampaign, ReportTask


def _campaign(request: HttpRequest) -> ReportingCampaign | None:
    """The campaign asked for (`?campaign=`, 404 when the user cannot see it) or the default."""
    user: Any = request.user
    pk = request.GET.get("campaign")
    if pk:
        if not pk.isdigit():
            raise Http404
        campaign = dashboard.visible_campaigns(user).filter(pk=int(pk)).first()
        if campaign is None:
            raise Http404
        return campaign
    return dashboard.default_campaign(user)


def _figure_columns(first: Column) -> list[Column]:
    def count(key: str) -> Any:
        return lambda r: r[key]

    return [
        first,
        Column(gettext_lazy("Enterprises in scope"), count("tasks"), 12),
        Column(gettext_lazy("Not started"), count(TaskState.NOT_STARTED), 10),
        Column(gettext_lazy("Being prepared"), count(TaskState.DRAFT), 10),
        Column(gettext_lazy("Submitted"), count(TaskState.SUBMITTED), 10),
        Column(gettext_lazy("Returned"), count(TaskState.RETURNED), 10),
        Column(gettext_lazy("Accepted"), count(TaskState.ACCEPTED), 10),
        Column(gettext_lazy("Overdue"), lambda r: "" if r["overdue"] is None else r["overdue"], 10),
        Column(gettext_lazy("Completion rate"), count("completion_text"), 12),
        Column(gettext_lazy("Filing rate"), count("filing_text"), 12),
        Column(gettext_lazy("Major risks"), count("major"), 10),
        Column(gettext_lazy("Large risks"), count("large"), 10),
        Column(gettext_lazy("Nil reports"), count("nil"), 10),
    ]


def _export(figures: dict[str, Any], block: str) -> HttpResponseBase:
    """One block of the dashboard as a workbook (the same figures as the page)."""
    campaign = figures["campaign"]
    region = figures["region"]
    if block == "divisions":
        columns = _figure_columns(
            Column(gettext_lazy("Industry division"), lambda r: f"{r['code']} {r['name']}", 30)
        )
        rows = figures["divisions"]
        title = _("Progress by industry division")
    elif block == "scale":
        columns = _figure_columns(
            Column(gettext_lazy("Scale"), lambda r: _("Above scale") if r["above"] else _("Below scale"), 14)
        )
        rows = figures["scale"]
        title = _("Progress by scale")
    elif block == "sectors" and figures["sectors"] is not None:
        columns = _figure_columns(Column(gettext_lazy("Key sector"), lambda r: r["name"], 20))
        rows = figures["sectors"]
        title = _("Progress by key sector")
    elif block == "trend" and figures["trend"] is not None:
        trend = figures["trend"]
        columns = [
            Column(gettext_lazy("Day"), lambda r: r[0], 12),
            Column(gettext_lazy("First submissions"), lambda r: r[1], 12),
            Column(gettext_lazy("Accepted"), lambda r: r[2], 10),
            Column(gettext_lazy("Returned"), lambda r: r[3], 10),
            Column(gettext_lazy("Cumulative completion rate"), lambda r: f"{r[4]:.1f}%", 14),
        ]
        rows = list(
            zip(
                trend["days"],
                trend["submitted"],
                trend["accepted"],
                trend["returned"],
                trend["completion"],
                strict=True,
            )
        )
        title = _("Daily progress")
    else:
        columns = _figure_columns(Column(gettext_lazy("Region"), lambda r: r["name"], 20))
        columns.insert(1, Column(gettext_lazy("Region code"), lambda r: r["code"], 12))
        rows = [*figures["regions"], {**figures["totals"], "name": _("Total"), "code": region.code}]
        title = _("Progress by region")
    return xlsx_response(
        filename=f"{campaign.name}-{region.name}-{title}", sheet=title, columns=columns, rows=rows
    )


def _chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What reporting_dashboard.js draws: the regions' rates, the trend, the map and legend."""
    regions = [r for r in figures["regions"] if r["tasks"]]
    return {
        "campaign": figures["campaign"].pk,
        "regions": {
            "names": [r["name"] for r in regions],
            "completion": [r["completion"] for r in regions],
            "filing": [r["filing"] for r in regions],
        },
        "trend": figures["trend"],
        "map": figures["map"],
        "bands": figures["bands"],
        "labels": {
            "completion": _("Completion rate"),
            "filing": _("Filing rate"),
            "submitted": _("First submissions"),
            "accepted": _("Accepted"),
            "returned": _("Returned"),
            "cumulative": _("Cumulative completion rate"),
            "tasks": _("Enterprises in scope"),
            "filed": _("Filed"),
            "unfiled": _("Not filed"),
            "overdue": _("Overdue"),
        },
    }


@login_required
@aggregate_route(CampaignProgress)
def dashboard_page(request: HttpRequest) -> HttpResponseBase:
    """The progress of a campaign (`?campaign=`, default the latest open one) in a region of the
    user's view (`?region=`, default the top); `?format=xlsx&block=regions|divisions|scale|
    sectors|trend` exports one block."""
    user: Any = request.user
    if not dashboard.is_staff(user):
        return redirect("core:home")
    campaign = _campaign(request)
    context: dict[str, Any] = {
        "campaign": campaign,
        "campaigns": list(dashboard.visible_campaigns(user)[:100]),
    }
    if campaign is None:
        return render(request, "reporting/dashboard.html", context)
    figures = dashboard.dashboard_figures(user, campaign, request.GET.get("region"))
    if request.GET.get("format") == "xlsx":
        return _export(figures, request.GET.get("block", "regions"))
    context.update(figures)
    context.update(
        chart=_chart_data(figures),
        is_change=campaign.kind == CampaignKind.CHANGE,
        deadline_passed=dashboard.deadline_passed(figures["scope"]),
        today=figures["scope"].today,
        outside=figures["scope"].outside,
        department=figures["scope"].department,
    )
    if campaign not in context["campaigns"]:
        context["campaigns"].insert(0, campaign)
    return render(request, "reporting/dashboard.html", context)


def _region_choices(user: Any, scope: dashboard.Scope) -> list[Any]:
    """The regions of the list's filter: the top of the view and the regions under it (down to
    counties above a county), with the chosen one (a town drilled down to) among them."""
    choices = [scope.root, *filter_regions(user=user).filter(code__startswith=scope.root.prefix)]
    if all(r.code != scope.region.code for r in choices):
        choices.append(scope.region)
    return sorted({r.code: r for r in choices}.values(), key=lambda r: r.code)


def _list_columns(kind: str, names: dict[str, str], catalogue: dashboard.Catalogue | None) -> list[Column]:
    states = dict(TaskState.choices)
    columns = [
        Column(gettext_lazy("USCC"), lambda t: t.enterprise.uscc, 22),
        Column(gettext_lazy("Name"), lambda t: t.enterprise.name, 36),
        Column(gettext_lazy("Region"), lambda t: names.get(t.region_code, t.region_code), 14),
        Column(gettext_lazy("Region code"), lambda t: t.region_code, 12),
        Column(gettext_lazy("Industry"), lambda t: t.enterprise.industry_id, 10),
        Column(gettext_lazy("Above scale"), lambda t: t.above_scale, 8),
        Column(gettext_lazy("State"), lambda t: states.get(t.state, t.state), 10),
        Column(gettext_lazy("Due on"), lambda t: t.due_on, 12),
        Column(gettext_lazy("Submitted at"), lambda t: t.submitted_at, 18),
    ]
    if kind == "nil" and catalogue is not None:
        columns += [
            Column(gettext_lazy("Catalogue items that apply"), lambda t: len(t.applicable), 12),
            Column(
                gettext_lazy("Items (most severe first)"),
                lambda t: "；".join(i.name for i in t.applicable),
                60,
            ),
        ]
    else:
        columns.append(
            Column(gettext_lazy("Principal phone"), lambda t: mask_phone(t.enterprise.principal_phone), 14)
        )
    return columns


def _with_items(tasks: Any, catalogue: dashboard.Catalogue) -> Any:
    for task in tasks:
        task.applicable = catalogue.applicable(task.enterprise.industry_id or "", task.key_sectors.split())
        yield task


@login_required
@list_route(ReportTask)
def dashboard_tasks(request: HttpRequest) -> HttpResponseBase:
    """The enterprises behind the dashboard: `?kind=unfiled` (not filed) or `kind=nil` (nil
    reports although the catalogue has items for the industry or key sectors), filtered by
    region, division and state, paged by cursor; `?format=xlsx` exports the whole list."""
    user: Any = request.user
    if not dashboard.is_staff(user):
        raise Http404
    campaign = _campaign(request)
    if campaign is None:
        raise Http404
    scope = dashboard.dashboard_scope(user, campaign, request.GET.get("region"))
    kind = "nil" if request.GET.get("kind") == "nil" else "unfiled"
    allowed = dashboard.FILED if kind == "nil" else dashboard.UNFILED
    state = request.GET.get("state") if request.GET.get("state") in allowed else None
    division = request.GET.get("division") or None
    if division and not (division.isdigit() and len(division) == 2):
        division = None
    catalogue = dashboard.Catalogue() if kind == "nil" else None
    tasks = dashboard.task_list(scope, kind=kind, division=division, state=state, catalogue=catalogue)
    title = _("Enterprises not filed") if kind == "unfiled" else _("Nil reports to check")
    if request.GET.get("format") == "xlsx":
        names = dashboard.region_names(scope.prefix)
        rows: Any = tasks.order_by(*dashboard.LIST_ORDER).iterator(chunk_size=2000)
        if catalogue is not None:
            rows = _with_items(rows, catalogue)
        return xlsx_response(
            filename=f"{campaign.name}-{scope.region.name}-{title}",
            sheet=title,
            columns=_list_columns(kind, names, catalogue),
            rows=rows,
        )
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    page = keyset_page(
        tasks,
        fields=dashboard.LIST_ORDER,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )
    names = region_names({t.region_code for t in page.items})
    for task in page.items:
        task.region_name = names.get(task.region_code, task.region_code)
    if catalogue is not None:
        list(_with_items(page.items, catalogue))
    divisions = Industry.objects.filter(level="division", code__in=dashboard.divisions_in(scope)).order_by(
        "code"
    )
    context = {
        "page": page,
        "keyset": True,
        "title": title,
        "kind": kind,
        "campaign": campaign,
        "scope": scope,
        "region": scope.region,
        "trail": scope.trail,
        "states": [(s, label) for s, label in TaskState.choices if s in allowed],
        "state": state,
        "division": division,
        "divisions": divisions,
        "regions": _region_choices(user, scope),
        "today": scope.today,
        "catalogue_items": len(catalogue.items) if catalogue else None,
    }
    return render(request, "reporting/dashboard_tasks.html", context)
