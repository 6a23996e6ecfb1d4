"""The regulators' statistics of hidden dangers: exact figures from the counts, per user and
region, the same after `tally.rebuild()`, the overdue list and its export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from saferisk.core.models import Region
from saferisk.hidden_dangers import services, statistics, tally
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerSource, HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger
from saferisk.hidden_dangers.tests.factories import make_hd

S = HiddenDangerState
MAJOR = HiddenDangerGrade.MAJOR


def _overdue(hd: HiddenDanger, days: int) -> HiddenDanger:
    """Move a deadline into the past (the services refuse past deadlines; the counts do not
    carry the deadline, so they are unchanged)."""
    HiddenDanger.objects.filter(pk=hd.pk).update(deadline=timezone.localdate() - dt.timedelta(days=days))
    hd.refresh_from_db()
    return hd


@pytest.fixture
def data(world: Any) -> dict[str, Any]:
    """ent_a (town 320115001, division 26): 7 hidden dangers; ent_b (320506001, division 33): 3;
    ent_a_power (320115001, division 44): 1 registered by the county regulator."""
    a = {
        "found": make_hd(world, S.FOUND),
        "assessed_major": make_hd(world, S.ASSESSED, grade=MAJOR),
        "rectifying": make_hd(world, S.RECTIFYING),
        "rectifying_major": make_hd(world, S.RECTIFYING, grade=MAJOR),
        "rectified": make_hd(world, S.RECTIFIED),
        "accepted": make_hd(world, S.ACCEPTED),
        "closed": make_hd(world, S.CLOSED),
    }
    _overdue(a["rectifying"], 3)
    _overdue(a["assessed_major"], 10)
    # Rectified, then the deadline moved into the past: a rectified one is not overdue.
    _overdue(a["rectified"], 5)
    b = {
        "found": make_hd(world, S.FOUND, enterprise=world.ent_b),
        "rectifying": make_hd(world, S.RECTIFYING, enterprise=world.ent_b),
        "closed": make_hd(world, S.CLOSED, enterprise=world.ent_b, grade=MAJOR),
    }
    _overdue(b["rectifying"], 1)
    # One of them rectified late: on time is decided against the deadline on the day reported.
    HiddenDanger.objects.filter(pk=a["accepted"].pk).update(on_time=False)
    tally.rebuild()
    power = services.register(
        actor=world.county_regulator,
        enterprise=world.ent_a_power,
        title="锅炉安全阀失效",
        source=HiddenDangerSource.INSPECTION,
        grade=HiddenDangerGrade.GENERAL,
        deadline=timezone.localdate() + dt.timedelta(days=5),
    )
    return {"a": a, "b": b, "power": power, "year": timezone.localdate().year}


def _row(rows: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(r for r in rows if r["code"] == code)


@pytest.mark.django_db
def test_province_overview_totals_and_cities(world: Any, data: dict[str, Any]) -> None:
    o = statistics.overview(world.province_regulator, year=data["year"])
    t = o["totals"]
    assert o["region"].code == "320000"
    assert t["found"] == 11
    assert t["states"] == {
        "found": 2,
        "assessed": 2,  # ent_a's major one and ent_a_power's, assessed at registration
        "rectifying": 3,
        "rectified": 1,
        "accepted": 1,
        "closed": 2,
    }
    assert t["rectified"] == 4
    assert t["closed"] == 2
    assert t["unrectified"] == 7
    assert t["rectification_rate"] == pytest.approx(36.4)
    assert t["on_time"] == 3
    assert t["on_time_rate"] == 75.0
    assert t["on_time_rate_text"] == "75.0%"
    assert t["major"] == 3
    assert t["major_unrectified"] == 2
    assert t["overdue"] == 3
    # By city: Nanjing and Suzhou (every city of the province is listed, most with nothing).
    nanjing = _row(o["regions"], "320100")
    suzhou = _row(o["regions"], "320500")
    assert (nanjing["found"], nanjing["rectified"], nanjing["overdue"], nanjing["major"]) == (8, 3, 2, 2)
    assert (suzhou["found"], suzhou["rectified"], suzhou["overdue"], suzhou["major"]) == (3, 1, 1, 1)
    assert nanjing["drill"] is True
    assert sum(r["found"] for r in o["regions"]) == 11
    assert o["child_level"] == "city"
    # By division, grade, source, state.
    divisions = {r["code"]: r["found"] for r in o["divisions"]}
    assert divisions == {"26": 7, "33": 3, "44": 1}
    assert o["divisions"][0]["code"] == "26"
    assert o["divisions"][0]["name"] != "26"
    assert {r["code"]: r["found"] for r in o["grades"]} == {"general": 8, "major": 3}
    assert {r["code"]: r["found"] for r in o["sources"]} == {"self_check": 10, "inspection": 1}
    assert [s["count"] for s in o["states"]] == [2, 2, 3, 1, 1, 2]
    # Trend: this month found 11, closed 2 (one on time each).
    month = timezone.localdate().month
    assert o["trend"]["found"][month - 1] == 11
    assert o["trend"]["closed"][month - 1] == 2
    assert o["trend"]["closed_on_time"][month - 1] == 2
    assert sum(o["trend"]["found"]) == 11


@pytest.mark.django_db
def test_city_and_county_views(world: Any, data: dict[str, Any]) -> None:
    city = statistics.overview(world.city_regulator, year=data["year"])
    assert city["totals"]["found"] == 8
    jiangning = _row(city["regions"], "320115")
    assert (jiangning["found"], jiangning["overdue"]) == (8, 2)
    county = statistics.overview(world.county_regulator, year=data["year"])
    assert county["child_level"] == "town"
    assert county["totals"]["found"] == 8
    town = _row(county["regions"], "320115001")
    assert (town["found"], town["rectified"], town["unrectified"], town["overdue"]) == (8, 3, 5, 2)
    assert town["major_unrectified"] == 2
    # A county drilled down to its town: the town itself is the one row.
    region = Region.objects.get(code="320115001")
    one = statistics.overview(world.county_regulator, year=data["year"], region=region)
    assert [r["code"] for r in one["regions"]] == ["320115001"]
    assert one["regions"][0]["drill"] is False
    assert [r.code for r in one["trail"]] == ["320115", "320115001"]
    # The province drilled down to the county reads the town counts: the same figures.
    down = statistics.overview(
        world.province_regulator, year=data["year"], region=Region.objects.get(code="320115")
    )
    assert down["totals"] == county["totals"]
    assert [r.code for r in down["trail"]] == ["320000", "320100", "320115"]


@pytest.mark.django_db
def test_out_of_scope_and_department(world: Any, data: dict[str, Any]) -> None:
    other = statistics.overview(world.other_county_regulator, year=data["year"])
    assert other["totals"]["found"] == 3
    assert other["totals"]["overdue"] == 1
    # Asking for ent_a's county falls back to its own.
    asked = statistics.overview(
        world.other_county_regulator, year=data["year"], region=Region.objects.get(code="320115")
    )
    assert asked["outside"] is True
    assert asked["region"].code == "320506"
    assert asked["totals"]["found"] == 3
    # The department (发展改革, division 44) sees only ent_a_power's one; no trend.
    dept = statistics.overview(world.dept_regulator, year=data["year"])
    assert dept["totals"]["found"] == 1
    assert {r["code"] for r in dept["divisions"]} == {"44"}
    assert dept["totals"]["overdue"] == 0
    assert dept["trend"] is None
    # Division filter.
    chem = statistics.overview(world.county_regulator, year=data["year"], division="26")
    assert chem["totals"]["found"] == 7
    assert chem["totals"]["overdue"] == 2
    assert chem["trend"] is None
    # Enterprises and experts: nothing.
    for user in (world.enterprise_filler, world.expert):
        o = statistics.overview(user, year=data["year"])
        assert o["totals"]["found"] == 0
        assert o["regions"] == []
    # Another year: nothing found, the overdue ones still counted (they are overdue now).
    last = statistics.overview(world.county_regulator, year=data["year"] - 1)
    assert last["totals"]["found"] == 0
    assert last["totals"]["overdue"] == 2


@pytest.mark.django_db
def test_admin_sees_the_province(world: Any, data: dict[str, Any]) -> None:
    o = statistics.overview(world.admin, year=data["year"])
    assert o["region"].code == "320000"
    assert o["totals"]["found"] == 11
    assert statistics.years(world.admin) == [data["year"]]


@pytest.mark.django_db
def test_rebuild_gives_the_same_overview(world: Any, data: dict[str, Any]) -> None:
    before = {
        u: statistics.overview(getattr(world, u), year=data["year"])
        for u in ("province_regulator", "county_regulator", "dept_regulator")
    }
    tally.rebuild()
    for u, o in before.items():
        again = statistics.overview(getattr(world, u), year=data["year"])
        assert again["totals"] == o["totals"]
        assert again["regions"] == o["regions"]
        assert again["divisions"] == o["divisions"]
        assert again["trend"] == o["trend"]


@pytest.mark.django_db
def test_overview_queries(world: Any, data: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    statistics.overview(world.province_regulator, year=data["year"])  # warm the names cache
    with django_assert_max_num_queries(4):
        statistics.overview(world.province_regulator, year=data["year"])


# --- Pages ---------------------------------------------------------------------------------------

STATS = "/hidden-dangers/statistics/"
OVERDUE = "/hidden-dangers/overdue/"


@pytest.mark.django_db
def test_statistics_page(world: Any, data: dict[str, Any]) -> None:
    assert reverse("hidden_dangers:statistics") == STATS
    r = world.client(world.province_regulator).get(STATS)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="found"' in html
    assert r.context["totals"]["found"] == 11
    nanjing = _row(r.context["regions"], "320100")
    assert nanjing["href"] == f"?year={data['year']}&region=320100"
    assert f'href="?year={data["year"]}&amp;region=320100"' in html
    assert 'id="hd-statistics-data"' in html
    # Drill down to the county, then the town rows link to the hidden-danger list.
    r = world.client(world.province_regulator).get(STATS, {"region": "320115", "year": data["year"]})
    assert [t.code for t in r.context["trail"]] == ["320000", "320100", "320115"]
    town = _row(r.context["regions"], "320115001")
    assert town["drill"] is False
    assert town["overdue_href"] == "/hidden-dangers/overdue/?region=320115001"
    assert town["q"] == f"year={data['year']}&region=320115001"
    # A county regulator asking for another county sees its own, with a warning.
    r = world.client(world.other_county_regulator).get(STATS, {"region": "320115"})
    assert r.context["outside"] is True
    assert r.context["totals"]["found"] == 3
    # A division narrows the page; the trend is not shown then.
    r = world.client(world.county_regulator).get(STATS, {"division": "26"})
    assert r.context["totals"]["found"] == 7
    assert r.context["trend"] is None
    # Enterprise users are sent home; experts too.
    for who in (world.enterprise_filler, world.expert):
        r = world.client(who).get(STATS)
        assert r.status_code == 302
    assert Client().get(STATS).status_code == 302


@pytest.mark.django_db
def test_statistics_excel(world: Any, data: dict[str, Any]) -> None:
    r = world.client(world.county_regulator).get(STATS, {"format": "xlsx"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    assert len(wb.sheetnames) == 6
    regions = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    # Header, the towns of 江宁区, then the total.
    assert regions[-1][0] in ("Total", "合计")
    assert regions[-1][2] == 8  # found
    town = next(row for row in regions if row[1] == "320115001")
    assert town[2:6] == (8, 3, 1, 5)  # found, rectified, closed, not rectified
    assert town[-1] == 2  # overdue
    divisions = list(wb[wb.sheetnames[1]].iter_rows(values_only=True))
    assert [(row[0], row[2]) for row in divisions[1:]] == [("26", 7), ("44", 1)]
    months = list(wb[wb.sheetnames[5]].iter_rows(values_only=True))
    assert len(months) == 13
    assert months[timezone.localdate().month][1] == 8


@pytest.mark.django_db
def test_overdue_list(world: Any, data: dict[str, Any]) -> None:
    a, b = data["a"], data["b"]
    r = world.client(world.province_regulator).get(OVERDUE)
    assert r.status_code == 200
    rows = list(r.context["page"])
    # The longest overdue first: deadline, then id.
    assert [h.pk for h in rows] == [a["assessed_major"].pk, a["rectifying"].pk, b["rectifying"].pk]
    assert [h.days_late for h in rows] == [10, 3, 1]
    html = r.content.decode()
    assert f'data-hd="{a["rectified"].pk}"' not in html
    assert html.count("data-hd=") == 3
    # The county sees its own two; filters by grade, region and words.
    client = world.client(world.county_regulator)
    assert [h.pk for h in client.get(OVERDUE).context["page"]] == [a["assessed_major"].pk, a["rectifying"].pk]
    assert [h.pk for h in client.get(OVERDUE, {"grade": "major"}).context["page"]] == [a["assessed_major"].pk]
    assert list(client.get(OVERDUE, {"q": "不存在的隐患"}).context["page"]) == []
    r = world.client(world.province_regulator).get(OVERDUE, {"region": "320506"})
    assert [h.pk for h in r.context["page"]] == [b["rectifying"].pk]
    # Out of scope: the other county sees none of ent_a's; the department none at all.
    r = world.client(world.other_county_regulator).get(OVERDUE, {"region": "320115"})
    assert [h.pk for h in r.context["page"]] == []
    assert list(world.client(world.dept_regulator).get(OVERDUE).context["page"]) == []
    # Enterprises and experts: not found.
    for who in (world.enterprise_filler, world.expert):
        assert world.client(who).get(OVERDUE).status_code == 404


@pytest.mark.django_db
def test_overdue_excel(world: Any, data: dict[str, Any]) -> None:
    a = data["a"]
    r = world.client(world.county_regulator).get(OVERDUE, {"format": "xlsx"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][0] == world.ent_a.name
    assert rows[1][3] == "320115001"
    assert rows[1][4] == a["assessed_major"].title
    assert rows[1][8] == 10  # days overdue
    assert rows[2][8] == 3
