"""Pages of the enterprise directory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from saferisk.core import selectors as core_selectors
from saferisk.core.models import KeySector, User
from saferisk.core.routes import list_route, object_route, personal_route
from saferisk.core.views import get_or_404, list_response, parse_filters
from saferisk.enterprises import selectors
from saferisk.enterprises.choices import EnterpriseStatus
from saferisk.enterprises.columns import ENTERPRISE_COLUMNS
from saferisk.enterprises.filters import EnterpriseFilter
from saferisk.enterprises.models import Enterprise

# The directory's orders, each ending in the primary key so keyset pagination is exact.
SORTS = {
    "region": (_("By region"), ["region_id", "name", "id"]),
    "name": (_("By name"), ["name", "id"]),
    "updated": (_("Recently updated"), ["-updated_at", "-id"]),
}


@login_required
@list_route(Enterprise)
def enterprise_list(request: HttpRequest) -> HttpResponseBase:
    filters, warning = parse_filters(request, EnterpriseFilter)
    qs = filters.filter(selectors.enterprise_list(user=request.user))  # type: ignore[arg-type]
    regions = selectors.filter_regions(user=request.user)  # type: ignore[arg-type]
    sort = request.GET.get("sort", "region")
    if sort not in SORTS:
        sort = "region"
    industries = selectors.filter_industries()
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=ENTERPRISE_COLUMNS,
        template="enterprises/enterprise_list.html",
        title=_("Enterprises"),
        extra={
            "regions": regions,
            "key_sectors": KeySector.objects.all(),
            "industries": industries,
            "statuses": EnterpriseStatus.choices,
            "sorts": [(key, label) for key, (label, _fields) in SORTS.items()],
            "sort": sort,
        },
        keyset=SORTS[sort][1],
    )


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
