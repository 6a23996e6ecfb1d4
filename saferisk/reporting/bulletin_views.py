"""Pages of the bulletins (通报): the history of published bulletins, one bulletin's ranking, its
Excel and PDF, and 立即生成通报 for a regulator's region. Thin: the figures are computed and
stored by `bulletins.bulletin_publish`; these pages show what was stored."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saferisk.core.errors import DomainError
from saferisk.core.excel import XLSX
from saferisk.core.models import Region, User
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.scoping import scoped
from saferisk.core.views import get_or_404, paginate
from saferisk.reporting import bulletins
from saferisk.reporting.models import Bulletin, ReportingCampaign

# The columns of the ranking on the page (the Excel and PDF print bulletins.HEADERS).
PAGE_HEADERS = [
    gettext_lazy("Rank"),
    gettext_lazy("Region"),
    gettext_lazy("Enterprises due"),
    gettext_lazy("Accepted"),
    gettext_lazy("Awaiting review"),
    gettext_lazy("Returned"),
    gettext_lazy("Not filed"),
    gettext_lazy("Overdue"),
    gettext_lazy("Completion rate"),
    gettext_lazy("Change (points)"),
    gettext_lazy("Filing rate"),
    gettext_lazy("Rank change"),
    gettext_lazy("Note"),
]


def _viewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_admin or user.is_regulator):
        raise Http404
    return user


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@list_route(Bulletin)
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """The published bulletins the user may see, newest first, by campaign and region."""
    user = _viewer(request)
    qs = bulletins.bulletin_list(user=user)
    visible = qs
    campaign_id = _int(request.GET.get("campaign"))
    region_code = (request.GET.get("region") or "").strip()
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if region_code:
        qs = qs.filter(region_id=region_code)
    campaigns = (
        scoped(user, ReportingCampaign).filter(pk__in=visible.values("campaign_id")).order_by("-year", "-id")
    )
    regions = Region.objects.filter(code__in=visible.values("region_id")).order_by("code")
    can_publish = bulletins.can_publish(user)
    publish_campaigns, publish_regions = bulletins.publish_choices(user) if can_publish else ([], [])
    context = {
        "page": paginate(request, qs.order_by("-date", "region_id", "-id")),
        "campaigns": campaigns,
        "regions": regions,
        "chosen_campaign": campaign_id,
        "chosen_region": region_code,
        "can_publish": can_publish,
        "publish_campaigns": publish_campaigns,
        "publish_regions": publish_regions,
        "default_region": user.region_id or "",
    }
    return render(request, "reporting/bulletin_list.html", context)


@require_POST
@login_required
@create_route(Bulletin)
def bulletin_publish(request: HttpRequest) -> HttpResponse:
    """立即生成通报: today's bulletin of a region (the regulator's own by default) in a campaign;
    publishing again today replaces today's."""
    user: User = request.user  # type: ignore[assignment]
    if not bulletins.can_publish(user):
        raise Http404
    campaign_id = _int(request.POST.get("campaign"))
    campaign = scoped(user, ReportingCampaign).filter(pk=campaign_id).first() if campaign_id else None
    region = Region.objects.filter(code=(request.POST.get("region") or user.region_id or "")).first()
    if campaign is None or region is None:
        messages.error(request, _("Choose a campaign and a region."))
        return redirect("reporting:bulletin_list")
    today = timezone.localdate()
    existed = Bulletin.objects.filter(campaign=campaign, region=region, date=today).exists()
    try:
        bulletin = bulletins.bulletin_publish(actor=user, campaign=campaign, region=region, date=today)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reporting:bulletin_list")
    if existed:
        messages.success(request, _("Today's bulletin has been generated again with the current figures."))
    else:
        messages.success(request, _("The bulletin has been published."))
    return redirect("reporting:bulletin_detail", pk=bulletin.pk)


def _bulletin(request: HttpRequest, pk: int) -> Bulletin:
    user = _viewer(request)
    bulletin: Bulletin = get_or_404(user, bulletins.bulletin_list(user=user), pk=pk)
    return bulletin


@login_required
@object_route(Bulletin)
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One bulletin: summary, ranking (lagging rows highlighted), totals, the rule; links to
    the same day's bulletins of the ranked regions and to this region's other bulletins."""
    bulletin = _bulletin(request, pk)
    user: User = request.user  # type: ignore[assignment]
    visible = bulletins.bulletin_list(user=user).filter(campaign_id=bulletin.campaign_id)
    below = dict(
        visible.filter(date=bulletin.date, region_id__in=[r["code"] for r in bulletin.rows]).values_list(
            "region_id", "pk"
        )
    )
    rows = [
        {**row, "bulletin": below.get(row["code"]), "cells": bulletins.row_cells(row)[2:12]}
        for row in bulletin.rows
    ]
    history = visible.filter(region_id=bulletin.region_id).order_by("-date")[:30]
    context = {
        "bulletin": bulletin,
        "totals": bulletin.totals,
        "rows": rows,
        "total_cells": bulletins.total_cells(bulletin.totals)[2:12],
        "headers": PAGE_HEADERS,
        "history": history,
    }
    return render(request, "reporting/bulletin_detail.html", context)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@object_route(Bulletin)
def bulletin_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin as an Excel workbook (lagging rows shaded)."""
    bulletin = _bulletin(request, pk)
    return _download(bulletins.bulletin_xlsx(bulletin), bulletins.bulletin_filename(bulletin, "xlsx"), XLSX)


@login_required
@object_route(Bulletin)
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin as a printable PDF (A4 landscape, page numbers)."""
    bulletin = _bulletin(request, pk)
    return _download(
        bulletins.bulletin_pdf(bulletin), bulletins.bulletin_filename(bulletin, "pdf"), "application/pdf"
    )
