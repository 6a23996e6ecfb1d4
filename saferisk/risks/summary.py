"""The per-enterprise risk summary (active risks by level, completeness gap), and regulators'
sums of it by region. Services refresh one enterprise after each change of its register; a
catalogue change refreshes the enterprises it can touch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from saferisk.enterprises.models import Enterprise
from saferisk.risks.choices import RiskStatus
from saferisk.risks.models import EnterpriseRiskSummary, Risk, RiskCatalogItem

LEVEL_FIELDS = {"MAJOR": "major", "LARGE": "large", "GENERAL": "general", "LOW": "low"}


# Inside `deferred_refresh()`, the enterprises whose summary is due (refreshed once at the end).
_deferred: ContextVar[dict[int, Enterprise] | None] = ContextVar("deferred_summary", default=None)


@contextmanager
def deferred_refresh() -> Iterator[None]:
    """Refresh each touched enterprise's summary once, when the block ends, instead of after
    every saved risk: an import or a bulk edit of hundreds of risks makes one refresh."""
    if _deferred.get() is not None:  # already deferring: the outer block refreshes
        yield
        return
    token = _deferred.set({})
    try:
        yield
        pending = _deferred.get() or {}
    finally:
        _deferred.reset(token)
    if transaction.get_connection().in_atomic_block and transaction.get_rollback():
        return  # the block's work is being rolled back (a dry run): nothing to recount
    for enterprise in pending.values():
        refresh_summary(enterprise)


def refresh_summary(enterprise: Enterprise) -> EnterpriseRiskSummary | None:
    """Recount `enterprise` now (or at the end of the enclosing `deferred_refresh()`)."""
    from saferisk.risks.services import completeness_gap

    pending = _deferred.get()
    if pending is not None:
        pending[enterprise.pk] = enterprise
        return None
    counts = dict(
        Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    values: dict[str, Any] = {f: counts.get(level, 0) for level, f in LEVEL_FIELDS.items()}
    values["gap"] = len(completeness_gap(enterprise))
    summary, _ = EnterpriseRiskSummary.objects.update_or_create(enterprise=enterprise, defaults=values)
    return summary


def enterprises_touched_by(item: RiskCatalogItem) -> QuerySet[Enterprise]:
    """Enterprises an item can apply to (by industry prefix or key sector), or that linked it."""
    q = Q(risks__catalog_item=item)
    for prefix in item.prefixes():
        q |= Q(industry__code__startswith=prefix)
    if item.key_sector_id:
        q |= Q(key_sectors=item.key_sector_id)
    return Enterprise.objects.filter(q).distinct()


def refresh_many(enterprises: Iterable[Enterprise], progress: Callable[[int], None] | None = None) -> int:
    done = 0
    for enterprise in enterprises:
        refresh_summary(enterprise)
        done += 1
        if progress and done % 200 == 0:
            progress(done)
    return done


def child_depth(code: str) -> int:
    """How many leading digits name the regions one level below `code` (a 6-digit province,
    city or county code, a 9-digit town, or '' for the whole country)."""
    if not code:
        return 2
    if len(code) == 6:
        return 4 if code[2:] == "0000" else 6 if code[4:] == "00" else 9
    return 12


def region_totals(enterprises: QuerySet[Enterprise], depth: int) -> list[dict[str, Any]]:
    """Sums of the summaries of `enterprises` grouped by the first `depth` digits of the region
    code (2 province, 4 city, 6 county, 9 town), with how many enterprises have a gap."""
    rows = (
        EnterpriseRiskSummary.objects.filter(enterprise__in=enterprises.values("pk"))
        .values("enterprise__region_id")
        .annotate(
            enterprises=Count("pk"),
            with_gap=Count("pk", filter=Q(gap__gt=0)),
            gap=Sum("gap"),
            major=Sum("major"),
            large=Sum("large"),
            general=Sum("general"),
            low=Sum("low"),
        )
    )
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        values: dict[str, Any] = {**row}
        code = str(values.pop("enterprise__region_id"))[:depth]
        code = code.ljust(6, "0") if depth < 6 else code  # 3205 → 320500, the city's own code
        total = totals.setdefault(code, {"region": code, **dict.fromkeys(values, 0)})
        for key, value in values.items():
            total[key] += value or 0
    return [totals[code] for code in sorted(totals)]
