"""Reads of the enterprise directory, already scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from saferisk.core.choices import RegionLevel
from saferisk.core.models import Industry, KeySector, Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.scoping import scoped
from saferisk.enterprises.models import Enterprise

NEXT_LEVEL = {
    RegionLevel.PROVINCE: RegionLevel.CITY,
    RegionLevel.CITY: RegionLevel.COUNTY,
    RegionLevel.COUNTY: RegionLevel.TOWN,
}


def filter_regions(*, user: User) -> QuerySet[Region]:
    """The regions offered in a list's region filter: the user's jurisdiction down to towns for
    a county (or town) regulator, down to counties above that (a province has ~1,300 towns)."""
    if user.is_enterprise_user:  # sees only itself: nothing to filter by
        return Region.objects.none()
    prefix = user.jurisdiction_prefix or ""
    regions = Region.objects.filter(code__startswith=prefix).exclude(level=RegionLevel.PROVINCE)
    if len(prefix) < 6:
        regions = regions.exclude(level=RegionLevel.TOWN)
    return regions.order_by("code")


def filter_industries() -> QuerySet[Industry]:
    """The industries offered in a list's industry filter: each supervised section, then its
    divisions ("-level": "section" sorts after "division")."""
    return Industry.objects.filter(level__in=["section", "division"], in_scope=True).order_by(
        "section", "-level", "code"
    )


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    return scoped(user, Enterprise).select_related("region", "industry")


def enterprise_overview(*, user: User) -> dict[str, Any]:
    """Headline counts of the enterprises a user may see."""
    qs = scoped(user, Enterprise).order_by()
    return qs.aggregate(
        total=Count("id"),
        above_scale=Count("id", filter=Q(above_scale=True)),
        key_supervised=Count("id", filter=Q(key_supervised=True)),
        with_safety_director=Count("id", filter=~Q(safety_director_name="")),
    )


def enterprise_counts_by_subregion(*, user: User) -> list[dict[str, Any]]:
    """Enterprises per region one level below the user's jurisdiction (all cities for admins)."""
    level = RegionLevel(user.level) if user.level else RegionLevel.PROVINCE
    child_level = NEXT_LEVEL.get(level)
    if child_level is None:
        return []
    width = PREFIX_LENGTH[child_level]
    from django.db.models.functions import Substr

    rows = (
        scoped(user, Enterprise)
        .order_by()
        .annotate(child=Substr("region_id", 1, width))
        .values("child")
        .annotate(n=Count("id"), above=Count("id", filter=Q(above_scale=True)))
    )
    counts: dict[str, dict[str, Any]] = {r["child"]: dict(r) for r in rows}
    parent_prefix = user.jurisdiction_prefix or ""
    children = Region.objects.filter(level=child_level, code__startswith=parent_prefix).order_by("code")
    out = []
    for region in children:
        row = counts.get(region.prefix, {})
        out.append(
            {
                "code": region.code,
                "name": region.name,
                "total": row.get("n", 0),
                "above_scale": row.get("above", 0),
            }
        )
    return out


def enterprise_counts_by_division(*, user: User, limit: int = 10) -> list[dict[str, Any]]:
    """The industry divisions with the most enterprises in the user's scope."""
    from django.db.models.functions import Substr

    rows = list(
        scoped(user, Enterprise)
        .order_by()
        .annotate(division=Substr("industry_id", 1, 2))
        .values("division")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    names = dict(Industry.objects.filter(code__in=[r["division"] for r in rows]).values_list("code", "name"))
    return [
        {"code": r["division"], "name": names.get(r["division"], r["division"]), "total": r["n"]}
        for r in rows
    ]


def enterprise_counts_by_key_sector(*, user: User) -> list[dict[str, Any]]:
    rows = (
        scoped(user, Enterprise)
        .order_by()
        .filter(key_sectors__isnull=False)
        .values("key_sectors")
        .annotate(n=Count("id"))
    )
    counts = {r["key_sectors"]: r["n"] for r in rows}
    return [{"code": s.code, "name": s.name, "total": counts.get(s.code, 0)} for s in KeySector.objects.all()]


def enterprise_map_points(*, user: User, limit: int = 3000) -> list[list[Any]]:
    """[lat, lng, name, above_scale] of up to `limit` located enterprises, for the overview map."""
    qs = (
        scoped(user, Enterprise)
        .exclude(latitude__isnull=True)
        .order_by("id")
        .values_list("latitude", "longitude", "name", "above_scale")[:limit]
    )
    return [[float(lat or 0), float(lng or 0), name, above] for lat, lng, name, above in qs]
