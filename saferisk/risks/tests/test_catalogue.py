"""The starter risk catalogue as loaded, and which items apply to which enterprise."""

from __future__ import annotations

from typing import Any

import pytest

from saferisk.conftest import TOWN_A
from saferisk.core.scoping import scoped
from saferisk.risks.catalogue import applicable_items
from saferisk.risks.models import RiskCatalogItem
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


def test_starter_catalogue_is_loaded_whole(db: Any) -> None:
    items = RiskCatalogItem.objects.prefetch_related("accident_types")
    assert items.count() == 108
    assert len({i.sector for i in items}) == 16
    for item in items:
        assert item.min_level in ("MAJOR", "LARGE"), item.code
        assert item.accident_types.all(), item.code
        assert 3 <= len(item.measures) <= 6, item.code
    dust = RiskCatalogItem.objects.filter(sector="dust_explosion")
    assert dust.count() >= 4
    assert all(i.key_sector_id == "dust_explosion" for i in dust)
    first = RiskCatalogItem.objects.get(code="metallurgy-01")
    assert first.prefixes() == ["3110"]
    assert {t.name for t in first.accident_types.all()} >= {"灼烫", "其它爆炸"}
    assert first.basis[0]["document"].startswith("工贸行业较大危险因素辨识与防范指导手册")


def test_items_apply_by_industry_prefix_and_key_sector(world: Any) -> None:
    iron = make_enterprise(region=TOWN_A, industry="3110", name="炼铁厂")
    names = set(applicable_items(iron).values_list("code", flat=True))
    assert "metallurgy-01" in names
    assert not any(c.startswith(("textile", "dust_explosion")) for c in names)
    # A prefix matches as a whole word: 3110's own prefixes 31 and 311 count, 3120 does not.
    steel_only = RiskCatalogItem.objects.filter(industry_prefixes="3120")
    assert steel_only.exists()
    assert not (set(steel_only.values_list("code", flat=True)) & names)

    sawmill = make_enterprise(region=TOWN_A, industry="2614", name="粉尘化工", key_sectors=["dust_explosion"])
    codes = list(applicable_items(sawmill).values_list("code", flat=True))
    assert {c for c in codes if c.startswith("dust_explosion")} == set(
        RiskCatalogItem.objects.filter(sector="dust_explosion").values_list("code", flat=True)
    )
    levels = list(applicable_items(sawmill).values_list("min_level", flat=True))
    assert levels == sorted(levels, key=lambda v: v != "MAJOR")  # 重大 first

    # Items with neither prefixes nor a key sector (lifting equipment …) are offered, not imposed.
    plain = make_enterprise(region=TOWN_A, industry="2614", name="普通化工")
    assert not any(
        c.startswith(("special_equipment", "electrical"))
        for c in applicable_items(plain).values_list("code", flat=True)
    )
    inactive = RiskCatalogItem.objects.filter(sector="dust_explosion").first()
    assert inactive is not None
    RiskCatalogItem.objects.filter(pk=inactive.pk).update(active=False)
    assert inactive.code not in set(applicable_items(sawmill).values_list("code", flat=True))


def test_everyone_signed_in_reads_the_catalogue(world: Any) -> None:
    for user in (world.enterprise_filler, world.county_regulator, world.expert, world.admin):
        assert scoped(user, RiskCatalogItem).count() == 108
