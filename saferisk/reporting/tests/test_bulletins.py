"""Bulletins (通报): the ranking of the towns of a county (and of the cities and counties of a
province) by completion rate, with the change since the previous bulletin, checked against an
independent count of the tasks; the lagging rule; the Excel and PDF made from the stored rows;
the command; who sees and who may publish."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent, Region
from saferisk.reporting import progress
from saferisk.reporting.bulletins import (
    LAGGING_PLACES,
    bulletin_pdf,
    bulletin_publish,
    bulletin_xlsx,
    publish_regions,
    rank_rows,
)
from saferisk.reporting.models import Bulletin, ReportTask
from saferisk.reporting.services import campaign_open
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def yesterday() -> dt.date:
    return today() - dt.timedelta(days=1)


def deadline() -> dt.date:
    return today() + dt.timedelta(days=20)


COUNTY = "320115"
# Enterprises per town of 江宁区 (东山 already has ent_a and ent_a_power), and one registered
# at the county itself (本级).
TOWNS = {"320115002": 3, "320115003": 2, "320115004": 4, "320115005": 1, COUNTY: 1}


def set_state(task: ReportTask, state: str) -> None:
    """Move a task as the services do (progress counts in the same transaction)."""
    with transaction.atomic():
        task = ReportTask.objects.select_for_update().get(pk=task.pk)
        progress.set_state(task, state)
        if state in ("submitted", "accepted") and task.submitted_at is None:
            task.submitted_at = timezone.now()
        task.save(update_fields=["state", "version", "submitted_at"])


def tasks_in(campaign: Any, town: str) -> list[ReportTask]:
    return list(ReportTask.objects.filter(campaign=campaign, region_code=town).order_by("pk"))


@pytest.fixture
def county(world: Any) -> Any:
    for town, n in TOWNS.items():
        for _ in range(n):
            make_enterprise(region=town)
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": COUNTY, "deadline": deadline().isoformat()},
    )


def percent(n: int, d: int) -> float:
    return (
        float((Decimal(100 * n) / Decimal(d)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) if d else 0.0
    )


def independent(campaign: Any, region: Region, width: int, date: dt.date) -> dict[str, dict[str, Any]]:
    """Rows counted from the tasks themselves, ranked by the published rule."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for task in ReportTask.objects.filter(campaign=campaign, region_code__startswith=region.prefix):
        key = task.region_code[:width]
        key = key.ljust(6, "0") if len(key) < 6 else key
        c = counts[key]
        c["tasks"] += 1
        c[task.state] += 1
        if task.due_on < date and task.state in ("not_started", "draft", "returned"):
            c["overdue"] += 1
    total_tasks = sum(c["tasks"] for c in counts.values())
    total_accepted = sum(c["accepted"] for c in counts.values())
    rates = {
        k: (Fraction(c["accepted"], c["tasks"]), Fraction(c["accepted"] + c["submitted"], c["tasks"]))
        for k, c in counts.items()
    }
    # Only real regions one level down are ranked (not the county's own 本级 row).
    order = sorted(
        (k for k in counts if Region.objects.filter(code=k, parent_id=region.code).exists()),
        key=lambda k: (-rates[k][0], -rates[k][1], k),
    )
    ranks = {k: 1 + sum(1 for other in order if rates[other] > rates[k]) for k in order}
    out: dict[str, dict[str, Any]] = {}
    for k, c in counts.items():
        rank = ranks.get(k)
        out[k] = {
            "tasks": c["tasks"],
            "accepted": c["accepted"],
            "submitted": c["submitted"],
            "overdue": c["overdue"],
            "rate": percent(c["accepted"], c["tasks"]),
            "filing_rate": percent(c["accepted"] + c["submitted"], c["tasks"]),
            "rank": rank,
            "lagging": rank is not None
            and sum(1 for other in order if ranks[other] > rank) < LAGGING_PLACES
            and rates[k][0] < Fraction(total_accepted, total_tasks),
        }
    out["_order"] = {"codes": order, "rate": percent(total_accepted, total_tasks), "tasks": total_tasks}
    return out


def check_rows(bulletin: Bulletin, expected: dict[str, dict[str, Any]]) -> None:
    order = expected.pop("_order")
    assert [r["code"] for r in bulletin.rows if r["ranked"]] == order["codes"]
    assert {r["code"] for r in bulletin.rows} == set(expected)
    for row in bulletin.rows:
        for key, value in expected[row["code"]].items():
            assert row[key] == value, (row["code"], key)
    assert bulletin.totals["tasks"] == order["tasks"]
    assert bulletin.totals["rate"] == order["rate"]


def test_ranking_change_and_lagging_against_an_independent_count(world: Any, county: Any) -> None:
    region = Region.objects.get(code=COUNTY)
    dongshan = tasks_in(county, "320115001")
    moling = tasks_in(county, "320115002")
    tangshan = tasks_in(county, "320115003")
    chunhua = tasks_in(county, "320115004")
    lukou = tasks_in(county, "320115005")
    set_state(dongshan[0], "accepted")
    set_state(dongshan[1], "submitted")
    set_state(moling[0], "accepted")
    set_state(tangshan[0], "accepted")
    ReportTask.objects.filter(pk=lukou[0].pk).update(
        due_on=today() - dt.timedelta(days=3)
    )  # a change report, late

    first = bulletin_publish(actor=world.county_regulator, campaign=county, region=region, date=yesterday())
    check_rows(first, independent(county, region, 9, yesterday()))
    names = [(r["name"], r["rank"], r["lagging"]) for r in first.rows]
    # 东山 50 % (filing 100 %) before 汤山 50 % (filing 50 %); 淳化 and 禄口 tie at 0 (并列第4).
    assert names == [
        ("东山街道", 1, False),
        ("汤山街道", 2, False),
        ("秣陵街道", 3, False),  # in the last three places but above the county's 23.1 %
        ("淳化街道", 4, True),
        ("禄口街道", 4, True),
        ("江宁区本级", None, False),
    ]
    assert first.totals["rate"] == 23.1  # 3 of 13
    assert first.totals["number"] == 1
    assert first.totals["title"] == "江宁区2026年度工业企业安全生产风险报告工作通报（第1期）".replace(
        "2026", str(county.year)
    )
    assert first.rows[4]["overdue"] == 1
    assert all(r["change"] is None for r in first.rows)

    for task in chunhua[:3]:
        set_state(task, "accepted")
    set_state(moling[1], "accepted")
    second = bulletin_publish(actor=None, campaign=county, region=region, date=today())
    check_rows(second, independent(county, region, 9, today()))
    by_name = {r["name"]: r for r in second.rows}
    assert [r["name"] for r in second.rows if r["ranked"]] == [
        "淳化街道",
        "秣陵街道",
        "东山街道",
        "汤山街道",
        "禄口街道",
    ]
    assert (by_name["淳化街道"]["change"], by_name["淳化街道"]["rank_change"]) == (75.0, 3)
    assert (by_name["秣陵街道"]["change"], by_name["秣陵街道"]["rank_change"]) == (33.4, 1)  # 66.7 − 33.3
    assert (by_name["东山街道"]["change"], by_name["东山街道"]["rank_change"]) == (0.0, -2)
    assert (by_name["禄口街道"]["previous_rate"], by_name["禄口街道"]["rank_change"]) == (0.0, -1)
    assert second.totals["rate"] == 53.8  # 7 of 13
    assert second.totals["change"] == 30.7
    assert second.totals["number"] == 2
    assert second.totals["previous_date"] == yesterday().isoformat()
    # Bottom three and below 53.8 %: 东山 and 汤山 (50 %) and 禄口 (0 %).
    assert {r["name"] for r in second.rows if r["lagging"]} == {"东山街道", "汤山街道", "禄口街道"}
    assert "较上期提高30.7个百分点" in second.totals["summary"]
    assert "排名后3位（并列的一并计入）且完成率低于江宁区平均完成率（53.8%）" in second.totals["lagging_rule"]


def test_publishing_a_day_again_replaces_its_rows(world: Any, county: Any) -> None:
    region = Region.objects.get(code=COUNTY)
    first = bulletin_publish(actor=world.county_regulator, campaign=county, region=region, date=today())
    assert first.totals["rate"] == 0.0
    set_state(tasks_in(county, "320115005")[0], "accepted")
    again = bulletin_publish(actor=world.county_regulator, campaign=county, region=region, date=today())
    assert again.pk == first.pk
    assert Bulletin.objects.filter(campaign=county, region=region).count() == 1
    assert again.totals["number"] == 1
    assert {r["name"]: r["rate"] for r in again.rows}["禄口街道"] == 100.0
    assert [r["change"] for r in again.rows] == [None] * len(again.rows)  # never compared with itself
    events = AuditEvent.objects.filter(action="bulletin.published").order_by("id")
    assert [e.changes["replaced"] for e in events] == [False, True]


def test_ties_share_a_rank_and_are_listed_by_code() -> None:
    def row(code: str, accepted: int, filed: int, tasks: int = 10) -> dict[str, Any]:
        return {"code": code, "accepted": accepted, "filed": filed, "tasks": tasks}

    ranked = rank_rows([row("b", 5, 5), row("a", 1, 1, 2), row("c", 5, 9), row("d", 0, 0)])
    # a (1 of 2) and b (5 of 10) are exactly equal on both rates.
    assert [(r["code"], r["rank"]) for r in ranked] == [("c", 1), ("a", 2), ("b", 2), ("d", 4)]


def test_the_lagging_rule_needs_both_conditions(world: Any, county: Any) -> None:
    """Last places alone would mark three towns when none has started or all have finished;
    below the average alone would mark 秣陵 in third place of five."""
    region = Region.objects.get(code=COUNTY)
    nothing = bulletin_publish(actor=None, campaign=county, region=region, date=yesterday())
    assert [r["lagging"] for r in nothing.rows] == [False] * 6
    for task in ReportTask.objects.filter(campaign=county):
        set_state(task, "accepted")
    everything = bulletin_publish(actor=None, campaign=county, region=region, date=today())
    assert [r["rate"] for r in everything.rows] == [100.0] * 6
    assert everything.totals["lagging"] == 0
    assert "没有地区列为进度滞后" in everything.totals["summary"]


def test_who_may_publish_and_where(world: Any, county: Any) -> None:
    region = Region.objects.get(code=COUNTY)
    with pytest.raises(Forbidden):
        bulletin_publish(actor=world.dept_regulator, campaign=county, region=region, date=today())
    with pytest.raises(Forbidden):
        bulletin_publish(actor=world.enterprise_filler, campaign=county, region=region, date=today())
    with pytest.raises(DomainError) as exc:
        bulletin_publish(actor=world.other_county_regulator, campaign=county, region=region, date=today())
    assert exc.value.code == "region_outside"
    with pytest.raises(DomainError) as exc:
        bulletin_publish(
            actor=world.city_regulator,
            campaign=county,
            region=Region.objects.get(code="320100"),
            date=today(),
        )
    assert exc.value.code == "region_outside"  # the county's campaign does not cover the city
    with pytest.raises(DomainError) as exc:
        bulletin_publish(
            actor=world.county_regulator,
            campaign=county,
            region=region,
            date=today() + dt.timedelta(days=1),
        )
    assert exc.value.code == "date_future"
    with pytest.raises(DomainError) as exc:
        bulletin_publish(
            actor=world.county_regulator,
            campaign=county,
            region=Region.objects.get(code="320115001"),
            date=today(),
        )
    assert exc.value.code == "region_level"
    assert not Bulletin.objects.exists()
    assert not AuditEvent.objects.filter(action="bulletin.published").exists()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_excel_and_pdf_hold_the_stored_rows(world: Any, county: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    region = Region.objects.get(code=COUNTY)
    set_state(tasks_in(county, "320115001")[0], "accepted")
    set_state(tasks_in(county, "320115004")[0], "accepted")
    bulletin = bulletin_publish(actor=world.county_regulator, campaign=county, region=region, date=today())
    # The documents are made from the stored rows, not recounted.
    set_state(tasks_in(county, "320115005")[0], "accepted")

    wb = load_workbook(io.BytesIO(bulletin_xlsx(bulletin)))
    ws = wb["通报"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == bulletin.totals["title"]
    header = next(i for i, v in enumerate(values) if v[0] == "排名")
    body = values[header + 1 : header + 1 + len(bulletin.rows)]
    assert [v[1] for v in body] == [r["name"] for r in bulletin.rows]
    # Figures are numbers (they sum and sort in Excel), rates shown as percentages.
    assert [v[8] for v in body] == [pytest.approx(float(f"{r['rate']:.1f}") / 100) for r in bulletin.rows]
    assert [v[2] for v in body] == [r["tasks"] for r in bulletin.rows]
    assert ws.cell(row=header + 2, column=9).number_format == "0.0%"
    assert values[header + 1 + len(bulletin.rows)][1] == "合计"
    lagging = {r["name"] for r in bulletin.rows if r["lagging"]}
    assert lagging  # 秣陵, 汤山 and 禄口 at 0 % are the last three, below 15.4 %
    for i, v in enumerate(body):
        fill = ws.cell(row=header + 2 + i, column=1).fill.start_color.rgb
        assert (fill.endswith("FDE2E2")) == (v[1] in lagging), v[1]
        assert (v[12] == "进度滞后") == (v[1] in lagging)
    assert "禄口街道" in lagging

    pdf = bulletin_pdf(bulletin)
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = pdf_text(pdf, tmp_path)
        flat = text.replace(" ", "")
        assert bulletin.totals["title"] in flat
        for name in lagging:
            assert name in flat
        assert "进度滞后" in flat
        assert "排名后3位（并列的一并计入）且完成率低于江宁区平均完成率" in flat
        assert "第1页/共1页" in flat


def test_the_command_publishes_for_the_province_its_cities_and_counties(world: Any) -> None:
    for town in ("320115002", "320506003", "320102002"):
        make_enterprise(region=town)
    campaign = campaign_open(
        actor=world.province_regulator,
        data={"kind": "first", "region": "320000", "deadline": deadline().isoformat()},
    )
    assert [r.code for r in publish_regions(campaign)] == [
        "320000",
        "320100",
        "320500",
        "320102",
        "320115",
        "320506",
    ]
    out = io.StringIO()
    call_command("bulletin", "--date", today().isoformat(), stdout=out)
    text = out.getvalue()
    assert Bulletin.objects.filter(campaign=campaign, date=today()).count() == 6
    assert "江苏省" in text
    assert "共发布通报 6 份" in text
    province = Bulletin.objects.get(campaign=campaign, region_id="320000")
    assert [r["name"] for r in province.rows] == ["南京市", "苏州市"]  # both 0 %: by code
    assert province.created_by is None
    city = Bulletin.objects.get(campaign=campaign, region_id="320100")
    assert {r["name"]: r["tasks"] for r in city.rows} == {"玄武区": 1, "江宁区": 3}

    out = io.StringIO()
    call_command("bulletin", "--region", "320115", "--campaign", str(campaign.pk), stdout=out)
    assert "已更新" in out.getvalue()
    assert Bulletin.objects.filter(campaign=campaign).count() == 6
    with pytest.raises(Exception, match="地区代码不存在"):
        call_command("bulletin", "--region", "999999", stdout=io.StringIO())


# --- Pages ------------------------------------------------------------------------------------------


def test_pages_list_detail_downloads_and_scope(world: Any, county: Any) -> None:
    region = Region.objects.get(code=COUNTY)
    set_state(tasks_in(county, "320115002")[0], "accepted")
    bulletin = bulletin_publish(actor=None, campaign=county, region=region, date=today())
    client = world.client(world.county_regulator)
    page = client.get("/reporting/bulletins/")
    assert page.status_code == 200
    assert f'href="/reporting/bulletins/{bulletin.pk}/"' in page.content.decode()
    detail = client.get(f"/reporting/bulletins/{bulletin.pk}/").content.decode()
    assert bulletin.totals["summary"] in detail
    assert detail.count("data-lagging") == sum(1 for r in bulletin.rows if r["lagging"])
    assert 'data-region="320115005" class="table-danger"' in detail
    xlsx = client.get(f"/reporting/bulletins/{bulletin.pk}/excel/")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(f"/reporting/bulletins/{bulletin.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    # The city sees the county's bulletin (inside), another county and departments do not.
    assert world.client(world.city_regulator).get(f"/reporting/bulletins/{bulletin.pk}/").status_code == 200
    for who in (world.other_county_regulator, world.dept_regulator, world.enterprise_filler, world.expert):
        c = world.client(who)
        assert c.get(f"/reporting/bulletins/{bulletin.pk}/").status_code == 404, who
        assert c.get(f"/reporting/bulletins/{bulletin.pk}/pdf/").status_code == 404, who
    other = world.client(world.other_county_regulator).get("/reporting/bulletins/").content.decode()
    assert f"/reporting/bulletins/{bulletin.pk}/" not in other


def test_publish_now_from_the_page(world: Any, county: Any) -> None:
    client = world.client(world.county_regulator)
    response = client.post("/reporting/bulletins/publish/", {"campaign": county.pk, "region": COUNTY})
    bulletin = Bulletin.objects.get(campaign=county, region_id=COUNTY, date=today())
    assert response.status_code == 302
    assert response["Location"] == f"/reporting/bulletins/{bulletin.pk}/"
    assert bulletin.created_by == world.county_regulator
    # Another county's region: refused with a message, nothing written.
    response = client.post("/reporting/bulletins/publish/", {"campaign": county.pk, "region": "320506"})
    assert response.status_code == 302
    assert response["Location"] == "/reporting/bulletins/"
    assert Bulletin.objects.count() == 1
    # A department's regulator and an enterprise get no button and cannot post.
    assert world.client(world.dept_regulator).post("/reporting/bulletins/publish/", {}).status_code == 404
    assert world.client(world.enterprise_filler).post("/reporting/bulletins/publish/", {}).status_code == 404


def test_the_history_page_costs_the_same_whatever_the_rows(world: Any, county: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    region = Region.objects.get(code=COUNTY)
    client = world.client(world.county_regulator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reporting/bulletins/").status_code == 200
        return len(ctx.captured_queries)

    bulletin_publish(actor=None, campaign=county, region=region, date=today())
    one = queries()
    for days in (1, 2, 3):
        bulletin_publish(actor=None, campaign=county, region=region, date=today() - dt.timedelta(days=days))
    assert queries() == one
