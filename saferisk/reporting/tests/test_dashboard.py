"""The reporting progress dashboard: every figure it shows equals an independent count of the
report tasks (counted live here, never through the summaries), for several users, regions and
dimensions after a mix of transitions; scoping, overdue, trend, map, the lists and exports."""

from __future__ import annotations

import datetime as dt
import html as html_module
import io
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.core.models import Industry
from saferisk.reporting import dashboard, dashboard_views, progress
from saferisk.reporting.dashboard import dashboard_figures
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.services import campaign_open, report_prepare, report_review, report_submit
from saferisk.risks.services import completeness_gap
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STATES = ("not_started", "draft", "submitted", "returned", "accepted")
UNFILED = ("not_started", "draft", "returned")
TOWN_A2 = "320115002"  # 秣陵街道, 江宁区
TOWN_XW = "320102002"  # 梅园新村街道, 玄武区 (南京)


# --- Helpers ----------------------------------------------------------------------------------


def _more_enterprises() -> dict[str, Any]:
    """Enterprises across towns, counties, cities, divisions, scales and key sectors, located."""
    specs = [
        ("a2_chem", TOWN_A2, "2614", True, ["chemical"], (31.85, 118.80)),
        ("a2_metal", TOWN_A2, "3311", False, ["dust_explosion"], (31.86, 118.81)),
        ("a2_power", TOWN_A2, "4411", True, [], (31.87, 118.82)),
        ("a_metal", TOWN_A, "3311", False, [], (31.95, 118.86)),
        ("xw_chem", TOWN_XW, "2614", False, ["chemical", "hazardous_chemical_use"], (32.05, 118.79)),
        ("xw_power", TOWN_XW, "4411", False, ["dust_explosion"], (32.06, 118.80)),
        ("b_chem", TOWN_B, "2614", True, ["chemical"], (31.25, 120.60)),
        ("b_metal", TOWN_B, "3311", False, [], (31.26, 120.61)),
        ("county_only", "320115", "3311", False, [], (31.90, 118.85)),
    ]
    out = {}
    for key, region, industry, above, sectors, (lat, lng) in specs:
        out[key] = make_enterprise(
            region=region,
            industry=industry,
            above_scale=above,
            key_sectors=sectors,
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lng)),
        )
    return out


def _open(
    world: Any, *, kind: str = "first", deadline: dt.date | None = None, **data: Any
) -> ReportingCampaign:
    return campaign_open(
        actor=world.province_regulator,
        data={
            "kind": kind,
            "region": "320000",
            "deadline": (deadline or TODAY + dt.timedelta(days=30)).isoformat(),
            **data,
        },
    )


def _task(campaign: ReportingCampaign, enterprise: Any) -> ReportTask:
    return ReportTask.objects.get(campaign=campaign, enterprise=enterprise)


def _to(task: ReportTask, new: str, *, major: int = 0, large: int = 0) -> None:
    """Move a task as the services do (a report per submission, reviewed in place), through
    progress.set_state in the same order the services call it."""
    task = ReportTask.objects.get(pk=task.pk)
    now = timezone.now()
    if new == "draft":
        progress.set_state(task, "draft")
    elif new == "submitted":
        number = task.reports.count() + 1
        report = RiskReport.objects.create(
            task=task,
            number=number,
            state="submitted",
            major_count=major,
            large_count=large,
            nil=not (major or large),
            submitted_at=now,
        )
        progress.set_state(task, "submitted")
        task.submitted_at = now
        task.nil = report.nil
    else:
        report = task.reports.get(state="submitted")
        report.state = new
        report.reviewed_at = now
        report.save()
        progress.set_state(task, new, report)
        task.accepted_at = now if new == "accepted" else None
    task.save()


def _mix(campaign: ReportingCampaign, world: Any, e: dict[str, Any]) -> None:
    """A mix of transitions: submitted, accepted with risks, accepted nil, returned, resubmitted
    and accepted, returned and left, drafts, untouched."""
    t = lambda ent: _task(campaign, ent)  # noqa: E731
    _to(t(e["a2_chem"]), "submitted", major=2, large=3)
    _to(t(e["a2_chem"]), "accepted")
    _to(t(e["a2_metal"]), "submitted")
    _to(t(e["a2_metal"]), "accepted")  # nil
    _to(t(e["a2_power"]), "draft")
    _to(t(e["a_metal"]), "submitted", large=1)
    _to(t(e["a_metal"]), "returned")
    _to(t(e["a_metal"]), "submitted", large=2)
    _to(t(e["a_metal"]), "accepted")
    _to(t(e["xw_chem"]), "submitted")  # nil, awaiting review
    _to(t(e["xw_power"]), "submitted", major=1)
    _to(t(e["xw_power"]), "returned")
    _to(t(e["b_chem"]), "submitted", major=1, large=1)
    _to(t(e["county_only"]), "submitted")
    _to(t(e["county_only"]), "accepted")  # nil
    # One enterprise through the real services: ent_a files a nil report and it is accepted.
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    task = t(world.ent_a)
    gap = {item.code: "本企业不涉及该工艺" for item in completeness_gap(world.ent_a)}
    report_prepare(actor=world.enterprise_filler, task=task, data={"gap_explanations": gap})
    report = report_submit(actor=world.enterprise_principal, task=task, declared=True)
    report_review(actor=world.county_regulator, report=report, accept=True)


def _live(campaign: ReportingCampaign, prefix: str = "", q: Q | None = None) -> dict[str, Any]:
    """The figures counted live from the tasks and their accepted reports."""
    tasks = ReportTask.objects.filter(campaign=campaign, region_code__startswith=prefix)
    if q is not None:
        tasks = tasks.filter(q)
    by_state = dict(tasks.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    out: dict[str, Any] = {s: by_state.get(s, 0) for s in STATES}
    out["tasks"] = tasks.count()
    accepted = RiskReport.objects.filter(task__in=tasks, state="accepted")
    out["major"] = sum(r.major_count for r in accepted)
    out["large"] = sum(r.large_count for r in accepted)
    out["nil"] = sum(1 for r in accepted if r.nil)
    out["unfiled"] = sum(out[s] for s in UNFILED)
    out["filed"] = out["submitted"] + out["accepted"]
    out["completion_text"] = f"{100 * out['accepted'] / out['tasks']:.1f}%" if out["tasks"] else "—"
    out["filing_text"] = f"{100 * out['filed'] / out['tasks']:.1f}%" if out["tasks"] else "—"
    return out


KEYS = (*STATES, "tasks", "major", "large", "nil", "unfiled", "filed", "completion_text", "filing_text")


def _same(shown: dict[str, Any], live: dict[str, Any], what: str) -> None:
    for key in KEYS:
        assert shown[key] == live[key], f"{what}: {key} shows {shown[key]}, live {live[key]}"


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert match, testid
    return match.group(1).strip()


@pytest.fixture
def campaign(world: Any) -> tuple[ReportingCampaign, dict[str, Any]]:
    e = _more_enterprises()
    c = _open(world)
    _mix(c, world, e)
    return c, e


# --- Figures against an independent count ----------------------------------------------------------


def test_figures_equal_a_live_count_for_every_user_region_and_dimension(world: Any, campaign: Any) -> None:
    c, _e = campaign
    cases = [
        (world.province_regulator, None, "32"),
        (world.province_regulator, "320100", "3201"),
        (world.province_regulator, "320115", "320115"),
        (world.province_regulator, TOWN_A2, TOWN_A2),
        (world.city_regulator, None, "3201"),
        (world.city_regulator, "320102", "320102"),
        (world.county_regulator, None, "320115"),
        (world.other_county_regulator, None, "320506"),
        (world.admin, "320500", "3205"),
    ]
    for user, region, prefix in cases:
        figures = dashboard_figures(user, c, region)
        label = f"{user.username}@{region}"
        assert figures["region"].prefix == prefix, label
        _same(figures["totals"], _live(c, prefix), label)
        # One level down: every child region, and the tasks registered at the region's own code.
        for row in figures["regions"]:
            # A row of the tasks registered at the region's own code (no town) holds only those.
            where = (
                Q(region_code=row["prefix"]) if row["direct"] else Q(region_code__startswith=row["prefix"])
            )
            _same(row, _live(c, row["prefix"], where), f"{label} {row['code']}")
        assert sum(r["tasks"] for r in figures["regions"]) == figures["totals"]["tasks"], label
        for row in figures["divisions"]:
            _same(row, _live(c, prefix, Q(division=row["code"])), f"{label} division {row['code']}")
        assert {r["code"] for r in figures["divisions"]} == set(
            ReportTask.objects.filter(campaign=c, region_code__startswith=prefix).values_list(
                "division", flat=True
            )
        )
        for row in figures["scale"]:
            _same(row, _live(c, prefix, Q(above_scale=row["above"])), f"{label} scale {row['code']}")
        for row in figures["sectors"]:
            code = row["code"]
            words = Q(key_sectors=code) | Q(key_sectors__startswith=f"{code} ")
            words |= Q(key_sectors__endswith=f" {code}") | Q(key_sectors__contains=f" {code} ")
            live = _live(c, prefix, words)
            for key in (*STATES, "tasks", "completion_text", "filing_text"):
                assert row[key] == live[key], f"{label} sector {code} {key}"


def test_known_figures_of_the_mix(world: Any, campaign: Any) -> None:
    """The same in plain numbers, so a shared mistake of the live count cannot hide."""
    c, _e = campaign
    county = dashboard_figures(world.county_regulator, c)
    t = county["totals"]
    # 江宁区: ent_a, ent_a_power, a_metal (TOWN_A); a2_chem, a2_metal, a2_power (TOWN_A2); county_only.
    assert (t["tasks"], t["accepted"], t["submitted"], t["draft"], t["not_started"]) == (7, 5, 0, 1, 1)
    assert (t["major"], t["large"], t["nil"], t["completion_text"], t["filing_text"]) == (
        2,
        5,
        3,
        "71.4%",
        "71.4%",
    )
    rows = {r["code"]: r for r in county["regions"]}
    assert rows[TOWN_A]["tasks"] == 3
    assert rows[TOWN_A]["completion_text"] == "66.7%"
    assert rows[TOWN_A2]["tasks"] == 3
    assert rows[TOWN_A2]["accepted"] == 2
    assert rows["320115"]["direct"]
    assert not rows["320115"]["drill"]
    assert rows["320115"]["tasks"] == 1
    province = dashboard_figures(world.province_regulator, c)["totals"]
    assert (province["tasks"], province["accepted"], province["returned"], province["submitted"]) == (
        12,
        5,
        1,
        2,
    )
    assert province["overdue"] == 0  # the deadline is a month away


def test_the_page_shows_the_rates_and_the_region_rows(world: Any, campaign: Any) -> None:
    c, _e = campaign
    url = reverse("reporting:dashboard")
    html = world.client(world.county_regulator).get(url).content.decode()
    assert _text(html, "completion-rate") == "71.4%"
    assert _text(html, "filing-rate") == "71.4%"
    assert _text(html, "tasks") == "7"
    assert f'<option value="{c.pk}" selected>' in html
    r = world.client(world.city_regulator).get(url, {"campaign": c.pk, "region": "320102"})
    html = r.content.decode()
    live = _live(c, "320102")
    assert _text(html, "completion-rate") == live["completion_text"] == "0.0%"
    assert _text(html, "filing-rate") == live["filing_text"] == "50.0%"
    assert re.search(r'data-region="320102002".*?data-col="submitted">1<', html, re.S)
    # Drill-down links go one level down; the trail leads back up.
    html = world.client(world.province_regulator).get(url).content.decode()
    assert f'href="?campaign={c.pk}&amp;region=320100"' in html
    html = world.client(world.province_regulator).get(url, {"region": "320115"}).content.decode()
    assert f'?campaign={c.pk}&amp;region=320000">江苏省</a>' in html
    assert f'?campaign={c.pk}&amp;region=320100">南京市</a>' in html


# --- Scope -----------------------------------------------------------------------------------------


def test_department_regulator_sees_only_its_divisions(world: Any, campaign: Any) -> None:
    c, _e = campaign
    divisions = {
        code[:2]
        for code in Industry.objects.filter(department_id="development_reform").values_list("code", flat=True)
    }
    assert "44" in divisions
    assert "26" not in divisions
    figures = dashboard_figures(world.dept_regulator, c)
    live = _live(c, "320115", Q(division__in=divisions))
    _same(figures["totals"], live, "dept")
    assert figures["totals"]["tasks"] == 2  # ent_a_power and a2_power
    assert {r["code"] for r in figures["divisions"]} == {"44"}
    assert figures["sectors"] is None
    assert figures["trend"] is None
    html = world.client(world.dept_regulator).get(reverse("reporting:dashboard")).content.decode()
    assert _text(html, "tasks") == "2"
    assert 'data-testid="sectors"' not in html


def test_a_region_outside_the_view_shows_the_top_and_hidden_campaigns_are_not_found(
    world: Any, campaign: Any
) -> None:
    c, _e = campaign
    figures = dashboard_figures(world.county_regulator, c, "320506")
    assert figures["region"].code == "320115"
    assert figures["scope"].outside
    assert figures["totals"]["tasks"] == 7
    client = world.client(world.county_regulator)
    html = client.get(reverse("reporting:dashboard"), {"region": "320506001"}).content.decode()
    assert "alert-warning" in html
    assert _text(html, "tasks") == "7"
    # A county campaign of 江宁区 is invisible to 吴中区's regulator.
    own = campaign_open(
        actor=world.county_regulator,
        data={"kind": "change", "region": "320115", "deadline": (TODAY + dt.timedelta(days=9)).isoformat()},
    )
    other = world.client(world.other_county_regulator)
    assert other.get(reverse("reporting:dashboard"), {"campaign": own.pk}).status_code == 404
    assert other.get(reverse("reporting:dashboard"), {"campaign": "x"}).status_code == 404
    assert other.get(reverse("reporting:dashboard_tasks"), {"campaign": own.pk}).status_code == 404
    # The province regulator sees the county campaign at the county (the deeper of the two).
    figures = dashboard_figures(world.province_regulator, own)
    assert figures["region"].code == "320115"
    assert figures["totals"]["tasks"] == 7


def test_the_summaries_are_cut_to_the_jurisdiction_whatever_the_scope_says(world: Any, campaign: Any) -> None:
    from saferisk.core.models import Region

    c, _e = campaign
    scope = dashboard.dashboard_scope(world.county_regulator, c)
    assert dashboard.progress_groups(scope).total["not_started"] == 1
    scope.region = Region.objects.get(code="320506")  # widened by a caller: nothing is read
    assert sum(dashboard.progress_groups(scope).total.values()) == 0
    assert dashboard.sector_block(scope) == []


def test_enterprise_users_and_anonymous_do_not_get_the_dashboard(world: Any, campaign: Any) -> None:
    url = reverse("reporting:dashboard")
    r = world.client(world.enterprise_filler).get(url)
    assert r.status_code == 302
    assert r.url == reverse("core:home")
    assert world.client(world.enterprise_filler).get(reverse("reporting:dashboard_tasks")).status_code == 404
    assert world.client(world.expert).get(reverse("reporting:dashboard_tasks")).status_code == 404
    from django.test import Client

    assert Client().get(url).status_code == 302


def test_without_a_campaign_the_page_says_so(world: Any) -> None:
    r = world.client(world.county_regulator).get(reverse("reporting:dashboard"))
    assert r.status_code == 200
    assert 'data-testid="completion-rate"' not in r.content.decode()


def test_the_default_campaign_is_the_latest_open_one(world: Any, campaign: Any) -> None:
    c, _e = campaign
    later = campaign_open(
        actor=world.county_regulator,
        data={"kind": "change", "region": "320115", "deadline": (TODAY + dt.timedelta(days=9)).isoformat()},
    )
    assert dashboard.default_campaign(world.county_regulator) == later
    assert dashboard.default_campaign(world.other_county_regulator) == c
    ReportingCampaign.objects.filter(pk=later.pk).update(status="closed")
    assert dashboard.default_campaign(world.county_regulator) == c


# --- Overdue -----------------------------------------------------------------------------------------


def test_overdue_after_the_shared_deadline_is_every_unfiled_task(world: Any) -> None:
    e = _more_enterprises()
    c = _open(
        world, opens_on=(TODAY - dt.timedelta(days=40)).isoformat(), deadline=TODAY - dt.timedelta(days=1)
    )
    _mix(c, world, e)
    for user, prefix in ((world.province_regulator, "32"), (world.county_regulator, "320115")):
        figures = dashboard_figures(user, c)
        live = ReportTask.objects.filter(
            campaign=c, region_code__startswith=prefix, due_on__lt=TODAY, state__in=UNFILED
        )
        assert figures["totals"]["overdue"] == live.count() == figures["totals"]["unfiled"]
        for row in figures["regions"]:
            where = (
                Q(region_code=row["prefix"]) if row["direct"] else Q(region_code__startswith=row["prefix"])
            )
            assert row["overdue"] == live.filter(where).count()
        for row in figures["divisions"]:
            assert row["overdue"] == live.filter(division=row["code"]).count()
    html = world.client(world.county_regulator).get(reverse("reporting:dashboard")).content.decode()
    assert _text(html, "overdue") == "2"  # ent_a_power not started, a2_power being prepared


def test_overdue_of_a_change_campaign_is_counted_by_due_date(world: Any) -> None:
    e = _more_enterprises()
    c = _open(world, kind="change")
    late = [e["a2_power"], e["a_metal"], e["xw_power"], world.ent_a_power, e["b_chem"]]
    ReportTask.objects.filter(campaign=c, enterprise__in=late).update(due_on=TODAY - dt.timedelta(days=2))
    _to(_task(c, e["a_metal"]), "submitted")  # filed in time: not overdue
    _to(_task(c, e["xw_power"]), "submitted")
    _to(_task(c, e["xw_power"]), "returned")  # returned and late: overdue
    for user, prefix in ((world.province_regulator, "32"), (world.city_regulator, "3201")):
        figures = dashboard_figures(user, c)
        live = ReportTask.objects.filter(
            campaign=c, region_code__startswith=prefix, due_on__lt=TODAY, state__in=UNFILED
        )
        assert figures["totals"]["overdue"] == live.count()
        for row in figures["regions"]:
            assert row["overdue"] == live.filter(region_code__startswith=row["prefix"]).count(), row["code"]
        for row in figures["scale"]:
            assert row["overdue"] == live.filter(above_scale=row["above"]).count()
    assert dashboard_figures(world.province_regulator, c)["totals"]["overdue"] == 4


# --- Trend and map ---------------------------------------------------------------------------------


def test_trend_counts_each_day_and_the_cumulative_completion(world: Any, campaign: Any) -> None:
    c, _e = campaign
    trend = dashboard_figures(world.province_regulator, c)["trend"]
    # From the opening to today (the transitions all happened today; sums guard against midnight).
    assert trend["days"][0] == c.opens_on.isoformat()
    assert trend["days"][-1] == timezone.localdate().isoformat()
    submitted = RiskReport.objects.filter(task__campaign=c, number=1).exclude(submitted_at=None).count()
    assert sum(trend["submitted"]) == submitted == 8  # first submissions only (a_metal's second is not)
    assert sum(trend["accepted"]) == 5
    assert sum(trend["returned"]) == 2
    assert trend["completion"][-1] == round(100 * 5 / 12, 1)
    county = dashboard_figures(world.county_regulator, c)["trend"]
    assert sum(county["accepted"]) == 5
    assert sum(county["submitted"]) == 5


def test_map_circles_sit_at_the_weighted_towns_and_carry_the_rates(world: Any, campaign: Any) -> None:
    c, e = campaign
    c.refresh_from_db()
    assert c.region_points[TOWN_A2] == [31.86, 118.81, 3]
    figures = dashboard_figures(world.county_regulator, c)
    circles = {m["code"]: m for m in figures["map"]}
    assert circles[TOWN_A2]["lat"] == 31.86
    assert circles[TOWN_A2]["completion_text"] == "66.7%"
    # The city: 江宁区's circle is the average of its towns weighted by their tasks.
    city = {m["code"]: m for m in dashboard_figures(world.city_regulator, c)["map"]}
    points = [(lat, lng, n) for code, (lat, lng, n) in c.region_points.items() if code.startswith("320115")]
    weight = sum(n for _, _, n in points)
    assert city["320115"]["lat"] == round(sum(lat * n for lat, _, n in points) / weight, 5)
    assert city["320115"]["drill"]
    assert city["320115"]["tasks"] == 7
    assert set(city) == {"320115", "320102"}  # regions without tasks get no circle


# --- Lists -------------------------------------------------------------------------------------------


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-task="(\d+)"', html)]


def test_unfiled_list_pages_by_cursor_and_filters(world: Any, campaign: Any, monkeypatch: Any) -> None:
    c, _e = campaign
    monkeypatch.setattr(dashboard_views, "PAGE_SIZE", 2)
    client = world.client(world.province_regulator)
    url = reverse("reporting:dashboard_tasks")
    live = list(
        ReportTask.objects.filter(campaign=c, state__in=UNFILED)
        .order_by("region_code", "id")
        .values_list("pk", flat=True)
    )
    assert len(live) == 5
    seen: list[int] = []
    params: dict[str, Any] = {"campaign": c.pk, "kind": "unfiled"}
    for _ in range(5):
        html = client.get(url, params).content.decode()
        seen += _rows(html)
        cursor = re.search(r'rel="next" href="\?([^"]+)"', html)
        if not cursor:
            break
        params = dict(parse_qsl(html_module.unescape(cursor.group(1))))
    assert seen == live
    monkeypatch.undo()
    html = client.get(url, {"campaign": c.pk, "region": "320115", "state": "draft"}).content.decode()
    assert _rows(html) == list(
        ReportTask.objects.filter(campaign=c, region_code__startswith="320115", state="draft").values_list(
            "pk", flat=True
        )
    )
    html = client.get(url, {"campaign": c.pk, "division": "44"}).content.decode()
    assert set(_rows(html)) == set(
        ReportTask.objects.filter(campaign=c, state__in=UNFILED, division="44").values_list("pk", flat=True)
    )
    # The county regulator's list holds only its county.
    html = (
        world.client(world.county_regulator).get(url, {"campaign": c.pk, "region": "320506"}).content.decode()
    )
    assert set(_rows(html)) == set(
        ReportTask.objects.filter(
            campaign=c, state__in=UNFILED, region_code__startswith="320115"
        ).values_list("pk", flat=True)
    )


def test_nil_list_names_implausible_nil_filers(world: Any, campaign: Any) -> None:
    """Nil filers whose industry or key sector the catalogue covers: a2_metal (3311, metal
    products and dust explosion), xw_chem (2614), county_only (3311), ent_a (2614); not a nil
    filer of an industry the catalogue does not cover."""
    c, e = campaign
    power = e["a2_power"]
    _to(_task(c, power), "submitted")  # 4411 with no key sector: no catalogue item applies
    client = world.client(world.province_regulator)
    html = client.get(
        reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "nil"}
    ).content.decode()
    expected = {_task(c, x).pk for x in (e["a2_metal"], e["xw_chem"], e["county_only"], world.ent_a)}
    assert set(_rows(html)) == expected
    assert _task(c, power).pk not in _rows(html)
    task = _task(c, e["xw_chem"])
    assert f'href="{reverse("reporting:task_detail", args=[task.pk])}">{e["xw_chem"].name}</a>' in html
    assert 'data-testid="nil-rule"' in html
    html = client.get(
        reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "nil", "state": "submitted"}
    ).content.decode()
    assert set(_rows(html)) == {_task(c, e["xw_chem"]).pk}


def test_exports(world: Any, campaign: Any) -> None:
    c, _e = campaign
    client = world.client(world.city_regulator)
    r = client.get(reverse("reporting:dashboard"), {"campaign": c.pk, "format": "xlsx", "block": "regions"})
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["320115"][2] == 7
    assert by_code["320115"][9] == "71.4%"
    assert rows[-1][2] == _live(c, "3201")["tasks"]  # the total row
    for block in ("divisions", "scale", "sectors", "trend"):
        r = client.get(reverse("reporting:dashboard"), {"campaign": c.pk, "format": "xlsx", "block": block})
        assert r.status_code == 200
        assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = client.get(
        reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "unfiled", "format": "xlsx"}
    )
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    exported = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    live = ReportTask.objects.filter(campaign=c, state__in=UNFILED, region_code__startswith="3201")
    assert sorted(exported) == sorted(live.values_list("enterprise__uscc", flat=True))
    r = client.get(reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "nil", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert ws.max_row - 1 == 4  # a2_metal, xw_chem, county_only, ent_a


# --- The summaries themselves ------------------------------------------------------------------------


def _summaries(campaign: ReportingCampaign) -> dict[str, set[tuple[Any, ...]]]:
    """Every summary row of the campaign as (keys, counts), leaving out rows whose counts are
    all zero (a row moved down to zero by the transitions is the same as one never written)."""
    from saferisk.reporting import models

    progress_counts = ("tasks", "nil", "major", "large")
    tables = {
        "CampaignProgress": (("region_code", "division", "above_scale", "state"), progress_counts),
        "CampaignCountyProgress": (("region_code", "division", "above_scale", "state"), progress_counts),
        "CampaignSectorProgress": (("region_code", "sector", "state"), ("tasks",)),
        "CampaignCountySectorProgress": (("region_code", "sector", "state"), ("tasks",)),
        "CampaignDaily": (("region_code", "day"), ("submitted", "accepted", "returned")),
        "CampaignCountyDaily": (("region_code", "day"), ("submitted", "accepted", "returned")),
    }
    out = {}
    for name, (keys, counts) in tables.items():
        rows = getattr(models, name).objects.filter(campaign=campaign).values_list(*keys, *counts)
        out[name] = {r for r in rows if any(r[len(keys) :])}
    return out


def test_rebuild_gives_the_rows_the_transitions_kept(world: Any, campaign: Any) -> None:
    """The county rollups and the town rows, moved transition by transition, equal a rebuild
    from the tasks and reports (so the dashboard reads the same after a repair)."""
    c, _e = campaign
    kept = _summaries(c)
    assert kept["CampaignCountyProgress"]
    progress.rebuild(c)
    assert _summaries(c) == kept


def test_query_counts_do_not_grow_with_the_data(
    world: Any, campaign: Any, django_assert_max_num_queries: Any
) -> None:
    """The figures are a fixed handful of reads of the summaries (names are kept a few minutes);
    a list page is a fixed handful too, whatever its length."""
    c, _e = campaign
    dashboard_figures(world.province_regulator, c)  # names into the process's cache
    with django_assert_max_num_queries(4):  # progress, key sectors, days (+ none for the names)
        dashboard_figures(world.province_regulator, c)
    client = world.client(world.province_regulator)
    client.get(reverse("reporting:dashboard_tasks"), {"campaign": c.pk})
    with django_assert_max_num_queries(12):
        client.get(reverse("reporting:dashboard_tasks"), {"campaign": c.pk})
    with django_assert_max_num_queries(12):
        client.get(reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "nil"})


def test_nil_list_follows_class_level_catalogue_prefixes(world: Any) -> None:
    """A catalogue item for a four-digit class (1331) makes a nil report of that class
    implausible, not one of a neighbouring class (1340) of the same division."""
    oil = make_enterprise(region=TOWN_A2, industry="1331")
    sugar = make_enterprise(region=TOWN_A2, industry="1340")
    c = campaign_open(
        actor=world.county_regulator,
        data={"kind": "change", "region": "320115", "deadline": (TODAY + dt.timedelta(days=9)).isoformat()},
    )
    for enterprise in (oil, sugar):
        _to(_task(c, enterprise), "submitted")  # nil
    html = (
        world.client(world.county_regulator)
        .get(reverse("reporting:dashboard_tasks"), {"campaign": c.pk, "kind": "nil"})
        .content.decode()
    )
    assert _rows(html) == [_task(c, oil).pk]
