"""Pages of the enterprise directory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from saferisk.core import selectors as core_selectors
from saferisk.core.excel import xlsx_response
from saferisk.core.models import KeySector, Region, User
from saferisk.core.routes import list_route, object_route, personal_route
from saferisk.core.views import get_or_404, paginate, parse_filters
from saferisk.enterprises import selectors
from saferisk.enterprises.columns import ENTERPRISE_COLUMNS
from saferisk.enterprises.filters import EnterpriseFilter
from saferisk.enterprises.models import Enterprise


@login_required
@list_route(Enterprise)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filters, warning = parse_filters(request, EnterpriseFilter)
    qs = filters.filter(selectors.enterprise_list(user=request.user)).distinct()  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename="企业名录", sheet="企业名录", columns=ENTERPRISE_COLUMNS, rows=qs.iterator()
        )
    user = request.user
    prefix = getattr(user, "jurisdiction_prefix", None) or ""
    regions = Region.objects.filter(code__startswith=prefix).exclude(level="town").exclude(level="province")
    context = {
        "page": paginate(request, qs),
        "filters": filters,
        "warning": warning,
        "columns": ENTERPRISE_COLUMNS,
        "regions": regions,
        "key_sectors": KeySector.objects.all(),
    }
    return render(request, "enterprises/enterprise_list.html", context)


@login_required
@object_route(Enterprise)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_or_404(
        request.user,
        Enterprise.objects.select_related(
            "region", "region__parent", "region__parent__parent", "industry"
        ).prefetch_related("key_sectors"),
        pk=pk,
    )
    viewer: User = request.user  # type: ignore[assignment]
    events = core_selectors.audit_event_list(user=viewer).filter(enterprise_id=enterprise.pk)[:20]
    return render(request, "enterprises/enterprise_detail.html", {"enterprise": enterprise, "events": events})


@login_required
@personal_route
def enterprise_mine(request: HttpRequest) -> HttpResponse:
    """An enterprise user's own enterprise."""
    enterprise_id = getattr(request.user, "enterprise_id", None)
    if not enterprise_id:
        return redirect("core:home")
    return redirect("enterprises:enterprise_detail", pk=enterprise_id)
