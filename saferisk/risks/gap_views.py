"""Regulators' view of completeness (应报尽报): per region one level below the one chosen, the
sums of the enterprises' risk summaries (enterprises, with a gap, gap items, risks by level),
and the enterprises of the chosen region by gap; then one enterprise's gap items, read-only.

The sums come from `EnterpriseRiskSummary` (one row per enterprise, kept up to date by the
services), so a province costs a grouped sum, not a completeness check per enterprise. An
enterprise without a summary row (imported before the register existed, or not touched since) is
counted as *not calculated*, never as complete. An admin can have the summaries of a region
recalculated: that runs in the background (`refresh_region_summaries`), because a county holds
thousands of enterprises and each check is several queries; the page says how many are still
not calculated, so the regulator sees when it is done.

A gap of 0 has two meanings a regulator must tell apart: the register covers every item that
applies, or no catalogue item applies at all (目录未覆盖: the catalogue has nothing for that
industry yet). The list asks the catalogue only for the rows on the page with a gap of 0, once
per combination of industry code and key sectors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import batched
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Coalesce, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saferisk.core.choices import RegionLevel, Role
from saferisk.core.excel import Column, xlsx_response
from saferisk.core.keyset import KeysetPage, keyset_page
from saferisk.core.models import Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.routes import list_route, object_route
from saferisk.core.scoping import scoped
from saferisk.core.views import PAGE_SIZE, get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.selectors import NEXT_LEVEL
from saferisk.risks.catalogue import applicable_items
from saferisk.risks.choices import RiskLevel, RiskStatus
from saferisk.risks.models import EnterpriseRiskSummary, Risk
from saferisk.risks.services import completeness_gap
from saferisk.risks.summary import region_totals
from saferisk.risks.tasks import refresh_region_summaries

LEVEL_KEYS = ("major", "large", "general", "low")
SUM_KEYS = ("enterprises", "with_gap", "gap", *LEVEL_KEYS)
# Order of the enterprise list: largest gap first, not calculated (-1) last; id makes it exact.
KEYSET = ["-gap_sort", "id"]


def _summary_value(name: str) -> Any:
    def value(e: Enterprise) -> Any:
        return getattr(e, f"s_{name}")

    return value


GAP_COLUMNS = [
    Column(gettext_lazy("USCC"), lambda e: e.uscc, 22),
    Column(gettext_lazy("Name"), lambda e: e.name, 36),
    Column(gettext_lazy("Region"), lambda e: e.region.name, 14),
    Column(gettext_lazy("Region code"), lambda e: e.region_id, 12),
    Column(gettext_lazy("Industry"), lambda e: f"{e.industry_id} {e.industry.name}", 30),
    Column(gettext_lazy("Gap items"), _summary_value("gap"), 10),
    Column(gettext_lazy("Missing catalogue items"), lambda e: e.missing_items, 60),
    Column(gettext_lazy("Major risks"), _summary_value("major"), 10),
    Column(gettext_lazy("Large risks"), _summary_value("large"), 10),
    Column(gettext_lazy("General risks"), _summary_value("general"), 10),
    Column(gettext_lazy("Low risks"), _summary_value("low"), 10),
    Column(gettext_lazy("Calculated at"), lambda e: e.s_updated_at, 18),
]


# The export names the missing items of at most this many enterprises (those with a gap, in
# the list's order: the largest gaps first); past it the cell says so. See `with_missing_items`.
EXPORT_NAMED_LIMIT = 50_000
EXPORT_CHUNK = 500
CELL_LIMIT = 32_000  # Excel holds 32,767 characters in a cell
# Between the names of missing items: not 、, which many item names hold themselves
# (液化烃、液氨、液氯等液化气体装卸; 一、二级重大危险源储罐区).
NAME_SEPARATOR = "；"


class ApplicableItems:
    """The active catalogue items that apply to an enterprise, as [(pk, name)] most severe
    first (`catalogue.applicable_items`), asked once per combination of industry code and key
    sectors: the enterprises of a page or an export share a few. The enterprises' key sectors
    must be prefetched."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, tuple[str, ...]], list[tuple[int, str]]] = {}
        self._any: dict[tuple[str, tuple[str, ...]], bool] = {}

    @staticmethod
    def _key(enterprise: Enterprise) -> tuple[str, tuple[str, ...]]:
        return enterprise.industry_id or "", tuple(sorted(s.code for s in enterprise.key_sectors.all()))

    def items(self, enterprise: Enterprise) -> list[tuple[int, str]]:
        key = self._key(enterprise)
        if key not in self._items:
            self._items[key] = list(applicable_items(enterprise).values_list("pk", "name"))
        return self._items[key]

    def any(self, enterprise: Enterprise) -> bool:
        key = self._key(enterprise)
        if key not in self._any:
            self._any[key] = applicable_items(enterprise).exists()
        return self._any[key]


def mark_uncovered(enterprises: list[Enterprise]) -> None:
    """Set `uncovered` on each row: True when its summary shows no gap because no catalogue
    item applies to it at all (目录未覆盖). Only rows with a gap of 0 are asked about."""
    zero = [e for e in enterprises if getattr(e, "s_gap", None) == 0]
    prefetch_related_objects(zero, "key_sectors")
    applicable = ApplicableItems()
    asked = {e.pk for e in zero}
    for e in enterprises:
        e.uncovered = e.pk in asked and not applicable.any(e)  # type: ignore[attr-defined]


def with_missing_items(enterprises: Iterable[Enterprise]) -> Iterator[Enterprise]:
    """The enterprises, each with `missing_items`: the names of its gap items (separated by
    NAME_SEPARATOR, most severe first) when its summary shows a gap, else "".

    The rule is `services.completeness_gap` (applicable active items with no active risk linked
    to them), computed in bulk: per EXPORT_CHUNK enterprises one query for their key sectors
    and one for the items their registers link, and the applicable items once per combination
    of industry code and key sectors. The cost is capped: after EXPORT_NAMED_LIMIT enterprises
    with a gap the names are no longer looked up and the cell says so. The names are those of
    the moment of the export; the gap count is the summary's."""
    applicable = ApplicableItems()
    named = 0
    for chunk in batched(enterprises, EXPORT_CHUNK):
        gapped = [e for e in chunk if (getattr(e, "s_gap", None) or 0) > 0]
        with_gap = {e.pk for e in gapped}
        todo = gapped[: max(0, EXPORT_NAMED_LIMIT - named)]
        named += len(todo)
        covered: dict[int, set[int]] = defaultdict(set)
        if todo:
            prefetch_related_objects(todo, "key_sectors")
            linked = Risk.objects.filter(
                enterprise_id__in=[e.pk for e in todo], status=RiskStatus.ACTIVE, catalog_item__isnull=False
            ).values_list("enterprise_id", "catalog_item_id")
            for enterprise_id, item_id in linked:
                covered[enterprise_id].add(item_id)
        names_for = {
            e.pk: NAME_SEPARATOR.join(name for pk, name in applicable.items(e) if pk not in covered[e.pk])
            for e in todo
        }
        for e in chunk:
            if e.pk in names_for:
                text = names_for[e.pk]
                text = text if len(text) <= CELL_LIMIT else f"{text[:CELL_LIMIT]}…"
            elif e.pk in with_gap:
                text = _("Not listed: too many enterprises in one export; export a smaller region.")
            else:
                text = ""
            e.missing_items = text  # type: ignore[attr-defined]
            yield e


def _require_staff(user: Any) -> User:
    """Regulators and admins; enterprise users and experts find nothing here."""
    if not (user.is_admin or user.role == Role.REGULATOR):
        raise Http404
    staff: User = user
    return staff


def _root(user: User) -> Region | None:
    """The top of the user's view: their jurisdiction, the province for an admin."""
    if user.is_admin:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").first()
    return user.region


def _chosen(user: User, code: str | None) -> tuple[Region | None, list[Region]]:
    """The region asked for (`?region=`) if it lies inside the user's view, else the top; and
    the trail from the top down to it."""
    root = _root(user)
    if root is None:
        return None, []
    region = root
    if code and code != root.code:
        found = Region.objects.select_related("parent").filter(code=code).first()
        if found is not None and found.code.startswith(root.prefix):
            region = found
    trail = [region]
    node = region
    while node.code != root.code and node.parent_id:
        node = Region.objects.get(code=node.parent_id)
        trail.insert(0, node)
    return region, trail


def gap_enterprises(user: User, region: Region | None) -> QuerySet[Enterprise]:
    """The user's enterprises in `region` with their summary (None where not calculated)."""
    qs = scoped(user, Enterprise)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs


def _key(prefix: str) -> str:
    """How `summary.region_totals` names a group: a city or province by its own 6-digit code
    (3205 → 320500), a county or town by its prefix."""
    return prefix.ljust(6, "0") if len(prefix) < 6 else prefix


def region_rows(
    enterprises: QuerySet[Enterprise], region: Region
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per region one level below `region` (none below a town: its own row), with the
    enterprises, how many are not calculated, and the summary sums; and the total row."""
    child_level = NEXT_LEVEL.get(RegionLevel(region.level))
    level = child_level or RegionLevel(region.level)
    depth = PREFIX_LENGTH[level]
    sums = {r["region"]: r for r in region_totals(enterprises, depth)}
    counts: dict[str, dict[str, Any]] = {
        _key(r["child"]): dict(r)
        for r in enterprises.order_by()
        .annotate(child=Substr("region_id", 1, depth))
        .values("child")
        .annotate(total=Count("id"), unknown=Count("id", filter=Q(risk_summary__isnull=True)))
    }
    if child_level is None:
        children = [region]
    else:
        children = list(
            Region.objects.filter(level=child_level, code__startswith=region.prefix).order_by("code")
        )
    rows = []
    for child in children:
        key = _key(child.prefix)
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "drill": child_level is not None,
                "total": counts.get(key, {}).get("total", 0),
                "unknown": counts.get(key, {}).get("unknown", 0),
                **{k: sums.get(key, {}).get(k, 0) for k in SUM_KEYS},
            }
        )
    # Enterprises registered at this region itself (a county code, no town): their own row.
    known = {_key(c.prefix) for c in children}
    for key in sorted(set(counts) - known):
        rows.append(
            {
                "code": key,
                "name": _("Directly under %(region)s") % {"region": region.name},
                "drill": False,
                "total": counts[key]["total"],
                "unknown": counts[key]["unknown"],
                **{k: sums.get(key, {}).get(k, 0) for k in SUM_KEYS},
            }
        )
    total = {k: sum(r[k] for r in rows) for k in ("total", "unknown", *SUM_KEYS)}
    return rows, total


@login_required
@list_route(Enterprise)
def gap_overview(request: HttpRequest) -> HttpResponseBase:
    """Completeness by region (drill down with `?region=`), and the region's enterprises by
    gap; `?format=xlsx` exports the enterprises. An admin's POST recalculates the region."""
    user = _require_staff(request.user)
    region, trail = _chosen(user, request.GET.get("region"))
    enterprises = gap_enterprises(user, region)
    if request.method == "POST":
        if not user.is_admin or region is None:
            raise Http404
        prefix = region.prefix
        transaction.on_commit(lambda: refresh_region_summaries.enqueue(prefix))
        messages.success(
            request,
            _("Recalculation of %(n)s enterprises in %(region)s has started; reload the page in a while.")
            % {"n": enterprises.count(), "region": region.name},
        )
        return redirect(f"{request.path}?region={region.code}")
    only_gap = request.GET.get("with_gap") == "1"
    rows, total = region_rows(enterprises, region) if region is not None else ([], {})
    listed = enterprises.filter(risk_summary__gap__gt=0) if only_gap else enterprises
    listed = listed.select_related("region", "industry").annotate(
        s_gap=F("risk_summary__gap"),
        s_major=F("risk_summary__major"),
        s_large=F("risk_summary__large"),
        s_general=F("risk_summary__general"),
        s_low=F("risk_summary__low"),
        s_updated_at=F("risk_summary__updated_at"),
        gap_sort=Coalesce(F("risk_summary__gap"), Value(-1)),
    )
    title = _("Completeness gaps")
    if request.GET.get("format") == "xlsx":
        exported = with_missing_items(listed.order_by(*KEYSET).iterator(chunk_size=2000))
        return xlsx_response(filename=title, sheet=title, columns=GAP_COLUMNS, rows=exported)
    page = _page(request, listed)
    mark_uncovered(page.items)
    context = {
        "page": page,
        "keyset": True,
        "title": title,
        "region": region,
        "trail": trail,
        "rows": rows,
        "total": total,
        "only_gap": only_gap,
        "child_level": NEXT_LEVEL.get(RegionLevel(region.level)) if region else None,
    }
    return render(request, "risks/gaps/gap_overview.html", context)


def _page(request: HttpRequest, listed: QuerySet[Enterprise]) -> KeysetPage:
    """One keyset page of the list, as `core.views.list_response` pages (this view renders it
    itself to mark the page's rows the catalogue does not cover)."""
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    return keyset_page(
        listed,
        fields=KEYSET,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
        number=number,
    )


@login_required
@object_route(Enterprise)
def enterprise_gap(request: HttpRequest, pk: int) -> HttpResponse:
    """The catalogue items that apply to an enterprise and that its register does not cover,
    computed now (not from the summary), with its active risks by level."""
    enterprise = get_or_404(
        request.user,
        Enterprise.objects.select_related("region", "industry").prefetch_related("key_sectors"),
        pk=pk,
    )
    items = completeness_gap(enterprise)
    prefetch_related_objects(items, "accident_types", "key_sector")
    flags = {s.code for s in enterprise.key_sectors.all()}
    for item in items:  # why it applies: the enterprise's key sector, its industry code, or both
        item.via_key_sector = item.key_sector_id in flags  # type: ignore[attr-defined]
        item.via_prefixes = [p for p in item.prefixes() if enterprise.industry_id.startswith(p)]  # type: ignore[attr-defined]
    by_level = dict(
        Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE)
        .order_by()
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    summary = EnterpriseRiskSummary.objects.filter(enterprise=enterprise).first()
    context = {
        "enterprise": enterprise,
        "items": items,
        # No gap because no catalogue item applies at all (目录未覆盖), not because all are covered.
        "uncovered": not items and not applicable_items(enterprise).exists(),
        "levels": [(level.label, level.value, by_level.get(level.value, 0)) for level in RiskLevel],
        "summary": summary,
        "stale": summary is not None and summary.gap != len(items),
    }
    return render(request, "risks/gaps/enterprise_gap.html", context)
