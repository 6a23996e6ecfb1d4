"""Regulators' completeness gaps (应报尽报): sums by region from the risk summaries, the
enterprises by gap, one enterprise's gap items, and who sees what."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.risks.models import EnterpriseRiskSummary, RiskCatalogItem
from saferisk.risks.services import completeness_gap, risk_adopt
from saferisk.risks.summary import refresh_summary

pytestmark = pytest.mark.django_db


def _cells(html: str, region: str) -> dict[str, int]:
    """The numbers of one region row of the overview table."""
    row = re.search(rf'<tr[^>]*data-region="{region}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, region
    return {k: int(v) for k, v in re.findall(r'data-col="(\w+)"[^>]*>(?:<[^>]+>)?(\d+)', row.group(1))}


def _enterprises(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-enterprise="(\d+)"', html)]


@pytest.fixture
def dusty(world: Any) -> Any:
    """ent_a joins the dust-explosion sector and registers one of its items; every enterprise of
    the world but ent_a_power gets its summary."""
    world.ent_a.key_sectors.add("dust_explosion")
    item = RiskCatalogItem.objects.filter(sector="dust_explosion").order_by("code")[0]
    risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)  # refreshes ent_a
    refresh_summary(world.ent_b)
    EnterpriseRiskSummary.objects.filter(enterprise=world.ent_a_power).delete()
    return world


def test_county_regulator_sees_its_towns_and_enterprises(dusty: Any) -> None:
    w = dusty
    from saferisk.risks.catalogue import applicable_items

    applicable = applicable_items(w.ent_a).count()  # dust items, and the 化工 items of its division 26
    gap_a = len(completeness_gap(w.ent_a))
    assert gap_a == applicable - 1
    level = RiskCatalogItem.objects.filter(sector="dust_explosion").order_by("code")[0].min_level

    html = w.client(w.county_regulator).get("/risks/gaps/").content.decode()

    town = _cells(html, TOWN_A)
    expected = {"total": 2, "unknown": 1, "with_gap": 1, "gap": gap_a}
    expected |= {"major": 1 if level == "MAJOR" else 0, "large": 1 if level == "LARGE" else 0}
    expected |= {"general": 0, "low": 0}
    assert town == expected
    assert _cells(html, "total")["total"] == 2
    assert TOWN_B not in html
    assert w.ent_b.name not in html
    # Enterprises of the county, largest gap first, the not calculated last.
    assert _enterprises(html) == [w.ent_a.pk, w.ent_a_power.pk]
    assert f'href="/risks/enterprises/{w.ent_a.pk}/gap/"' in html
    assert 'value="refresh"' not in html  # recalculating is for admins


def test_drill_down_and_export(dusty: Any) -> None:
    w = dusty
    client = w.client(w.city_regulator)
    top = client.get("/risks/gaps/").content.decode()
    assert _cells(top, "320115")["total"] == 2  # 江宁区 among Nanjing's counties
    town_page = client.get(f"/risks/gaps/?region={TOWN_A}").content.decode()
    assert _cells(town_page, TOWN_A)["gap"] == len(completeness_gap(w.ent_a))
    # A region outside the jurisdiction is ignored: the city's own view is shown.
    outside = client.get("/risks/gaps/?region=320506").content.decode()
    assert _cells(outside, "320115")["total"] == 2
    assert w.ent_b.name not in outside

    response = client.get(f"/risks/gaps/?region={TOWN_A}&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [w.ent_a.name, w.ent_a_power.name]
    assert rows[0][5] == len(completeness_gap(w.ent_a))
    assert rows[1][5] in (None, "")


def test_only_with_gap(dusty: Any) -> None:
    html = dusty.client(dusty.county_regulator).get("/risks/gaps/?with_gap=1").content.decode()
    assert _enterprises(html) == [dusty.ent_a.pk]


def test_province_and_admin_see_both_counties(dusty: Any) -> None:
    w = dusty
    for user in (w.province_regulator, w.admin):
        html = w.client(user).get("/risks/gaps/").content.decode()
        assert _cells(html, "320100")["total"] == 2  # 南京市
        assert _cells(html, "320500") == {
            "total": 1,
            "unknown": 0,
            "with_gap": 1,
            "gap": len(completeness_gap(w.ent_b)),
            "major": 0,
            "large": 0,
            "general": 0,
            "low": 0,
        }
        assert set(_enterprises(html)) == {w.ent_a.pk, w.ent_a_power.pk, w.ent_b.pk}


def test_admin_recalculates_a_region(dusty: Any, django_capture_on_commit_callbacks: Any) -> None:
    w = dusty
    assert not EnterpriseRiskSummary.objects.filter(enterprise=w.ent_a_power).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = w.client(w.admin).post(f"/risks/gaps/?region={TOWN_A}", {"action": "refresh"})
    assert response.status_code == 302
    summary = EnterpriseRiskSummary.objects.get(enterprise=w.ent_a_power)
    assert (summary.gap, summary.major, summary.large) == (0, 0, 0)
    html = w.client(w.county_regulator).get("/risks/gaps/").content.decode()
    assert _cells(html, TOWN_A)["unknown"] == 0
    # Regulators cannot start it.
    w.ent_a_power.risk_summary.delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert w.client(w.county_regulator).post("/risks/gaps/", {"action": "refresh"}).status_code == 404
    assert not EnterpriseRiskSummary.objects.filter(enterprise=w.ent_a_power).exists()


def test_enterprise_users_and_experts_find_nothing(dusty: Any) -> None:
    for user in (dusty.enterprise_filler, dusty.expert):
        assert dusty.client(user).get("/risks/gaps/").status_code == 404


def test_enterprise_gap_page(dusty: Any) -> None:
    w = dusty
    items = completeness_gap(w.ent_a)
    html = w.client(w.county_regulator).get(f"/risks/enterprises/{w.ent_a.pk}/gap/").content.decode()
    listed = re.findall(r'data-item="([\w-]+)"', html)
    assert listed == [i.code for i in items]
    assert f'data-count="gap">{len(items)}<' in html
    assert "涉爆粉尘" in html
    adopted = RiskCatalogItem.objects.filter(sector="dust_explosion").order_by("code")[0]
    assert adopted.code not in listed
    # ent_b's gap is through its industry code, not a key sector.
    html_b = w.client(w.other_county_regulator).get(f"/risks/enterprises/{w.ent_b.pk}/gap/").content.decode()
    assert re.findall(r'data-item="([\w-]+)"', html_b) == [i.code for i in completeness_gap(w.ent_b)]


def test_enterprise_gap_is_not_found_outside_the_jurisdiction(dusty: Any) -> None:
    w = dusty
    for user in (w.other_county_regulator, w.other_enterprise_filler, w.dept_regulator):
        assert w.client(user).get(f"/risks/enterprises/{w.ent_a.pk}/gap/").status_code == 404
    assert w.client(w.county_regulator).get(f"/risks/enterprises/{w.ent_b.pk}/gap/").status_code == 404
