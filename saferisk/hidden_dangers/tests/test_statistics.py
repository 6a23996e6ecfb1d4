"""The regulators' statistics of hidden dangers: exact figures from the counts, per user and
region, the same after `tally.rebuild()`, the overdue list and its export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

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
