"""Regulators' completeness gaps (应报尽报): sums by region from the risk summaries, the
enterprises by gap, one enterprise's gap items, and who sees what."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.core.models import KeySector
from saferisk.risks import gap_views
from saferisk.risks.catalogue import applicable_items
from saferisk.risks.gap_views import GAP_COLUMNS
from saferisk.risks.models import EnterpriseRiskSummary, RiskCatalogItem
from saferisk.risks.services import completeness_gap, risk_adopt
from saferisk.risks.summary import refresh_summary
from saferisk.testing.makers import make_enterprise

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


def _gap_cell(html: str, pk: int) -> str:
    row = re.search(rf'<tr data-enterprise="{pk}">(.*?)</tr>', html, re.S)
    assert row, pk
    cell = re.search(r'<td[^>]*data-col="gap">(.*?)</td>', row.group(1), re.S)
    assert cell, pk
    return cell.group(1)


def test_no_applicable_item_reads_not_covered_not_no_gap(dusty: Any) -> None:
    """A gap of 0 because nothing in the catalogue applies is 目录未覆盖; a gap of 0 because
    the register covers every item stays a plain 0."""
    w = dusty
    applicable_items(w.ent_a_power).update(active=False)  # nothing applies to the power plant
    refresh_summary(w.ent_a_power)
    gap_b = completeness_gap(w.ent_b)
    risk_adopt(actor=w.other_enterprise_filler, enterprise=w.ent_b, item=gap_b[0])
    RiskCatalogItem.objects.filter(pk__in=[i.pk for i in gap_b[1:]]).update(active=False)
    refresh_summary(w.ent_b)
    assert EnterpriseRiskSummary.objects.get(enterprise=w.ent_a_power).gap == 0
    assert EnterpriseRiskSummary.objects.get(enterprise=w.ent_b).gap == 0

    html = w.client(w.admin).get("/risks/gaps/").content.decode()

    assert "data-uncovered" in _gap_cell(html, w.ent_a_power.pk)
    assert "data-uncovered" not in _gap_cell(html, w.ent_b.pk)
    assert re.search(r">0</a>$", _gap_cell(html, w.ent_b.pk))
    assert "data-uncovered" not in _gap_cell(html, w.ent_a.pk)
    # The enterprise's own gap page says the same.
    power = w.client(w.county_regulator).get(f"/risks/enterprises/{w.ent_a_power.pk}/gap/").content.decode()
    assert "data-uncovered" in power
    assert "无缺项" not in power
    covered = w.client(w.other_county_regulator).get(f"/risks/enterprises/{w.ent_b.pk}/gap/").content.decode()
    assert "data-uncovered" not in covered
    assert "无缺项" in covered
    assert 'data-count="gap">0<' in covered


def test_overview_groups_gap_and_registered_risk_columns(dusty: Any) -> None:
    html = dusty.client(dusty.county_regulator).get("/risks/gaps/").content.decode()
    assert re.search(r'<th colspan="2"[^>]*data-group="gaps"', html)
    assert re.search(r'<th colspan="4"[^>]*data-group="registered"', html)
    assert 'data-testid="gap-hints"' in html  # what 未统计 means, always shown


def test_export_names_the_missing_items(dusty: Any) -> None:
    w = dusty
    response = w.client(w.county_regulator).get(f"/risks/gaps/?region={TOWN_A}&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    with translation.override("zh-hans"):  # the export speaks the page's language
        names = [str(c.header) for c in GAP_COLUMNS].index(gettext("Missing catalogue items"))
    assert [r[1] for r in rows] == [w.ent_a.name, w.ent_a_power.name]
    # Separated by ；: item names hold 、 themselves (一、二级重大危险源储罐区).
    expected = "；".join(i.name for i in completeness_gap(w.ent_a))
    assert expected.count("；") == len(completeness_gap(w.ent_a)) - 1 > 0
    assert rows[0][names] == expected
    assert rows[1][names] in (None, "")  # not calculated: no gap known, no names looked up


def test_export_stops_naming_past_its_limit(dusty: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gap_views, "EXPORT_NAMED_LIMIT", 0)
    w = dusty
    response = w.client(w.county_regulator).get(f"/risks/gaps/?region={TOWN_A}&format=xlsx")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            min_row=2, values_only=True
        )
    )
    cell = rows[0][6]
    assert cell
    assert completeness_gap(w.ent_a)[0].name not in cell


def test_list_asks_the_catalogue_once_per_industry_not_per_row(dusty: Any) -> None:
    """The 目录未覆盖 check costs the same for 1 or 6 enterprises of one industry on a page;
    the export's item names likewise for 1 or 6 enterprises with a gap."""
    w = dusty
    refresh_summary(w.ent_a_power)
    client = w.client(w.county_regulator)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            if url.endswith("xlsx"):
                b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    page, export = queries("/risks/gaps/"), queries("/risks/gaps/?format=xlsx")
    dust = KeySector.objects.get(code="dust_explosion")
    for _ in range(5):
        refresh_summary(make_enterprise(region=TOWN_A, industry="4411"))
        twin = make_enterprise(region=TOWN_A, industry="2614")
        twin.key_sectors.add(dust)
        refresh_summary(twin)
    html = client.get("/risks/gaps/").content.decode()
    assert len(_enterprises(html)) == 12
    assert queries("/risks/gaps/") == page
    assert queries("/risks/gaps/?format=xlsx") == export
