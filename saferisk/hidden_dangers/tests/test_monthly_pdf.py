"""The enterprise's monthly summary of hidden-danger work: its figures, the PDF and who gets it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone

from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import monthly_pdf
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState, InspectionKind
from saferisk.hidden_dangers.models import HiddenDanger, Inspection
from saferisk.hidden_dangers.tests.factories import make_hd

S = HiddenDangerState


def _url(pk: int, month: str | None = None) -> str:
    return f"/hidden-dangers/enterprises/{pk}/monthly/" + (f"?month={month}" if month else "")


@pytest.fixture
def month_data(world: Any) -> dict[str, Any]:
    today = timezone.localdate()
    hds = {
        "found": make_hd(world, S.FOUND, title="配电柜门未关闭"),
        "late": make_hd(world, S.RECTIFYING, grade=HiddenDangerGrade.MAJOR, title="液氨储罐安全阀失效"),
        "rectified": make_hd(world, S.RECTIFIED, title="消防栓被遮挡"),
        "closed": make_hd(world, S.CLOSED, title="安全出口堵塞"),
    }
    HiddenDanger.objects.filter(pk=hds["late"].pk).update(deadline=today - dt.timedelta(days=2))
    make_hd(world, S.FOUND, enterprise=world.ent_b, title="别家的隐患")
    Inspection.objects.create(
        enterprise=world.ent_a,
        region_code=world.ent_a.region_id,
        kind=InspectionKind.SELF_CHECK,
        title="岗位日常排查",
        inspector=world.enterprise_filler,
        inspected_on=today,
        items=12,
        failed=1,
    )
    return {"today": today, "hds": hds, "month": today.replace(day=1)}


@pytest.mark.django_db
def test_monthly_figures(world: Any, month_data: dict[str, Any]) -> None:
    today, hds = month_data["today"], month_data["hds"]
    data = monthly_pdf.monthly_data(world.ent_a, month=month_data["month"], today=today)
    assert (data.found, data.found_major, data.rectified, data.closed) == (4, 1, 2, 1)
    assert data.on_time_rate == "100.0%"
    assert data.cutoff == today
    assert data.open_count == 3
    assert [r.pk for r in data.open_rows][0] == hds["late"].pk  # earliest deadline first
    assert {r.pk for r in data.open_rows} == {hds["found"].pk, hds["late"].pk, hds["rectified"].pk}
    assert data.open_rows[-1].pk == hds["found"].pk  # no deadline yet: last
    assert [(r.pk, r.days_overdue) for r in data.overdue_rows] == [(hds["late"].pk, 2)]
    assert [r.title for r in data.found_rows] == [
        "配电柜门未关闭",
        "液氨储罐安全阀失效",
        "消防栓被遮挡",
        "安全出口堵塞",
    ]
    assert data.found_rows[1].state == "整改中"
    assert [(i.title, i.items, i.failed) for i in data.inspections] == [("岗位日常排查", 12, 1)]
    # Last month: nothing found; every one was found this month, so nothing open then.
    last = monthly_pdf.monthly_data(world.ent_a, month=monthly_pdf.parse_month("", today=today), today=today)
    assert (last.found, last.open_count, last.overdue_rows, last.inspections) == (0, 0, [], [])


def test_parse_month() -> None:
    today = dt.date(2026, 11, 15)
    assert monthly_pdf.parse_month("2026-10", today=today) == dt.date(2026, 10, 1)
    assert monthly_pdf.parse_month("2026-11", today=today) == dt.date(2026, 11, 1)
    assert monthly_pdf.parse_month(None, today=today) == dt.date(2026, 10, 1)
    assert monthly_pdf.parse_month("2026-12", today=today) == dt.date(2026, 10, 1)  # the future
    assert monthly_pdf.parse_month("2026-13", today=today) == dt.date(2026, 10, 1)
    assert monthly_pdf.parse_month("x", today=dt.date(2026, 1, 5)) == dt.date(2025, 12, 1)


@pytest.mark.django_db
def test_monthly_pdf_for_own_users_and_regulators(world: Any, month_data: dict[str, Any]) -> None:
    month = month_data["month"].strftime("%Y-%m")
    pk = world.ent_a.pk
    for who in (world.enterprise_filler, world.enterprise_principal, world.county_regulator, world.admin):
        r = world.client(who).get(_url(pk, month))
        assert r.status_code == 200, who
        assert r["Content-Type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        name = f"隐患排查治理月报-{world.ent_a.name}-{month}.pdf"
        assert quote(name) in r["Content-Disposition"]
    # Default: last month.
    r = world.client(world.county_regulator).get(_url(pk))
    last = monthly_pdf.parse_month("", today=month_data["today"]).strftime("%Y-%m")
    assert quote(f"-{last}.pdf") in r["Content-Disposition"]
    assert r.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_monthly_pdf_refused_outside(world: Any, month_data: dict[str, Any]) -> None:
    url = _url(world.ent_a.pk)
    for who in (
        world.other_enterprise_filler,
        world.other_county_regulator,
        world.expert,
        world.dept_regulator,
    ):
        assert world.client(who).get(url).status_code == 404, who
    assert world.client(world.enterprise_filler).get(_url(999999)).status_code == 404


def test_filename_is_safe() -> None:
    ent = Enterprise(name='A/B:"化工"', uscc="91320115MA1XXXXX0X")
    assert (
        monthly_pdf.monthly_filename(ent, dt.date(2026, 10, 1)) == "隐患排查治理月报-A_B__化工_-2026-10.pdf"
    )
