"""Task creation in bulk (bulk.create_tasks): one task per covered enterprise with its town,
division, scale and key sectors in code order, whichever path writes them (one INSERT … SELECT
on PostgreSQL, ORM batches elsewhere), and the campaign's scope filters honoured. On PostgreSQL
also the province loader of the benchmarks (bench/province_data.py) at a small size: its data
agree with what the services and selectors would compute."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from saferisk.core import uscc
from saferisk.enterprises.models import Enterprise
from saferisk.reporting import bulk
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.services import campaign_open, progress_totals
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + dt.timedelta(days=30)
TOWN_A2 = "320115002"  # 秣陵街道, 江宁区
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the INSERT … SELECT path and COPY are PostgreSQL's"
)


def _campaign(region: str = "320115") -> ReportingCampaign:
    return ReportingCampaign.objects.create(
        kind="first",
        year=2026,
        name="测试活动",
        region_id=region,
        opens_on=timezone.localdate(),
        deadline=DEADLINE,
    )


def _rows(campaign: ReportingCampaign) -> list[tuple[Any, ...]]:
    return sorted(
        ReportTask.objects.filter(campaign=campaign).values_list(
            "enterprise_id",
            "region_code",
            "division",
            "above_scale",
            "key_sectors",
            "due_on",
            "state",
            "nil",
            "version",
            "triggers",
            "reminded",
            "submitted_at",
            "accepted_at",
        )
    )


@pytest.fixture
def sectors(world: Any) -> Enterprise:
    """A third enterprise in 江宁区, in another town, above scale, in three key sectors given out
    of code order."""
    return make_enterprise(
        region=TOWN_A2,
        industry="3120",
        name="江宁炼钢有限公司",
        above_scale=True,
        key_sectors=["molten_metal", "confined_space", "metallurgy"],
    )


@pytest.fixture(params=["default", "orm"])
def create(request: Any) -> Any:
    """Both paths: `create_tasks` (INSERT … SELECT on PostgreSQL) and the portable ORM one."""
    return bulk.create_tasks if request.param == "default" else bulk.create_tasks_orm


def test_tasks_carry_the_dimensions_and_key_sectors_in_code_order(
    world: Any, sectors: Enterprise, create: Any
) -> None:
    world.ent_a.key_sectors.set(["hazardous_chemical_use", "chemical"])
    campaign = _campaign()
    made = create(campaign, Enterprise.objects.filter(region__code__startswith="320115"))
    assert made == 3
    assert _rows(campaign) == sorted(
        [
            (world.ent_a.pk, "320115001", "26", False, "chemical hazardous_chemical_use", DEADLINE)
            + ("not_started", False, 0, [], "", None, None),
            (world.ent_a_power.pk, "320115001", "44", False, "", DEADLINE)
            + ("not_started", False, 0, [], "", None, None),
            (sectors.pk, TOWN_A2, "31", True, "confined_space metallurgy molten_metal", DEADLINE)
            + ("not_started", False, 0, [], "", None, None),
        ]
    )


def test_a_join_on_key_sectors_made_distinct_gives_one_task_each(
    world: Any, sectors: Enterprise, create: Any
) -> None:
    world.ent_b.key_sectors.set(["metallurgy"])
    campaign = _campaign("320000")
    covered = Enterprise.objects.filter(key_sectors__in=["metallurgy", "molten_metal"]).distinct()
    assert create(campaign, covered) == 2
    tasks = dict(ReportTask.objects.filter(campaign=campaign).values_list("enterprise_id", "key_sectors"))
    # The filter chose the enterprises; every key sector of each is carried, not just those matched.
    assert tasks == {sectors.pk: "confined_space metallurgy molten_metal", world.ent_b.pk: "metallurgy"}


def test_nothing_covered_makes_no_task(world: Any, create: Any) -> None:
    campaign = _campaign()
    assert create(campaign, Enterprise.objects.filter(region__code__startswith="3213")) == 0
    assert not ReportTask.objects.filter(campaign=campaign).exists()


@postgresql_only
def test_both_paths_write_the_same_rows(world: Any, sectors: Enterprise) -> None:
    codes = ["chemical", "confined_space", "dust_explosion", "gas_use", "power"]
    for i in range(12):
        make_enterprise(
            region="320115001" if i % 2 else TOWN_A2,
            industry=["2614", "3311", "4411", "1713"][i % 4],
            above_scale=i % 3 == 0,
            key_sectors=codes[i % 5 : i % 5 + i % 3],
        )
    covered = Enterprise.objects.filter(region__code__startswith="3201")
    by_sql, by_orm = _campaign(), _campaign()
    assert bulk.create_tasks(by_sql, covered) == bulk.create_tasks_orm(by_orm, covered) == 15
    assert _rows(by_sql) == _rows(by_orm)
    # The SQL path writes a town's tasks together: ids follow (town, enterprise).
    ordered = list(
        ReportTask.objects.filter(campaign=by_sql).order_by("id").values_list("region_code", "enterprise_id")
    )
    assert ordered == sorted(ordered)


def _open(world: Any, year: int, **data: Any) -> set[int]:
    campaign = campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "year": year, "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )
    enterprises = set(ReportTask.objects.filter(campaign=campaign).values_list("enterprise_id", flat=True))
    assert campaign.enterprises == len(enterprises) == ReportTask.objects.filter(campaign=campaign).count()
    assert progress_totals(campaign)["not_started"] == campaign.enterprises
    return enterprises


def test_campaign_scope_filters_are_honoured(world: Any, sectors: Enterprise) -> None:
    world.ent_a.key_sectors.set(["chemical"])
    closed = make_enterprise(region=TOWN_A2, industry="2614", name="已注销化工有限公司")
    Enterprise.objects.filter(pk=closed.pk).update(status="closed")
    a, power, steel = world.ent_a.pk, world.ent_a_power.pk, sectors.pk
    # The whole county, never another county's enterprise nor a closed one.
    assert _open(world, 2031) == {a, power, steel}
    assert _open(world, 2032, scale="above") == {steel}
    assert _open(world, 2033, scale="below") == {a, power}
    assert _open(world, 2034, industry_prefixes="44 312") == {power, steel}
    assert _open(world, 2035, scope_regions=[TOWN_A2]) == {steel}
    assert _open(world, 2036, key_sectors=["chemical", "metallurgy", "molten_metal"]) == {a, steel}
    assert closed.pk not in ReportTask.objects.values_list("enterprise_id", flat=True)
    steel_task = ReportTask.objects.get(campaign__year=2036, enterprise=sectors)
    assert steel_task.key_sectors == "confined_space metallurgy molten_metal"


# --- The benchmarks' province loader ----------------------------------------------------------------


def _province_data() -> Any:
    path = Path(__file__).resolve().parents[3] / "bench" / "province_data.py"
    spec = importlib.util.spec_from_file_location("province_data", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@postgresql_only
def test_the_province_loader_agrees_with_the_services() -> None:
    from saferisk.reporting import snapshot
    from saferisk.risks.catalogue import applicable_items
    from saferisk.risks.choices import RiskStatus
    from saferisk.risks.models import EnterpriseRiskSummary, Risk
    from saferisk.risks.services import completeness_gap

    def indexes() -> list[tuple[str, str, bool]]:
        """Name, definition up to a partial index's predicate (which PostgreSQL deparses with its
        casts moved once recreated from its own text), partial or not."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE ANY"
                " (ARRAY['enterprises_%', 'risks_%', 'reporting_%']) ORDER BY indexname"
            )
            return [(name, d.split(" WHERE ")[0], " WHERE " in d) for name, d in cursor.fetchall()]

    before = indexes()
    info = _province_data().load_province(400, 4000, seed=3, measure_open=False)
    # Indexes and unique constraints dropped for the load are all back, as the migrations made them.
    assert indexes() == before
    assert Enterprise.objects.count() == info["enterprises"] == 400
    assert Risk.objects.count() == info["risks"]
    assert 3800 <= info["risks"] <= 4200
    assert set(Enterprise.objects.values_list("region__level", flat=True)) == {"town"}
    codes = list(Enterprise.objects.values_list("uscc", flat=True))
    assert len(set(codes)) == 400
    assert all(uscc.is_valid(code) for code in codes)
    # Every level appears, the reportable ones in their shares.
    levels = dict(Risk.objects.filter(status=RiskStatus.ACTIVE).values_list("level").annotate(n=Count("id")))
    assert levels == info["levels"]
    assert 0.06 <= (levels["LARGE"] + levels["MAJOR"]) / info["risks"] <= 0.16
    assert levels["MAJOR"] >= 10

    # Summaries equal the register, and the gap is the catalogue's.
    active = Risk.objects.filter(status=RiskStatus.ACTIVE)
    counted: dict[int, dict[str, Any]] = {
        row["enterprise_id"]: dict(row)
        for row in active.values("enterprise_id").annotate(
            major=Count("id", filter=Q(level="MAJOR")),
            large=Count("id", filter=Q(level="LARGE")),
            general=Count("id", filter=Q(level="GENERAL")),
            low=Count("id", filter=Q(level="LOW")),
        )
    }
    for summary in EnterpriseRiskSummary.objects.all():
        row: dict[str, Any] = counted.get(summary.enterprise_id, {})
        assert [summary.major, summary.large, summary.general, summary.low] == [
            row.get(k, 0) for k in ("major", "large", "general", "low")
        ]
    for enterprise in Enterprise.objects.order_by("id")[:60]:
        assert enterprise.risk_summary.gap == len(completeness_gap(enterprise))
        assert applicable_items(enterprise).count() >= enterprise.risk_summary.gap

    # The campaign: every enterprise has a task; the states' mix; reports agree with registers.
    campaign = ReportingCampaign.objects.get(pk=info["campaign_id"])
    assert campaign.enterprises == info["tasks"] == 400
    assert sum(info["states"].values()) == 400
    assert info["states"]["accepted"] > info["states"]["not_started"] > 0
    assert all(info["states"][s] > 0 for s in ("draft", "submitted", "returned"))
    assert RiskReport.objects.count() == info["reports"]
    for report in RiskReport.objects.filter(state="accepted").select_related("task__enterprise")[:40]:
        frozen = snapshot.reportable_risks(report.task.enterprise)
        assert report.risks == frozen
        assert report.enterprise_data == snapshot.enterprise_data(report.task.enterprise)
        assert (report.major_count, report.large_count, report.nil) == (
            sum(r["level"] == "MAJOR" for r in frozen),
            sum(r["level"] == "LARGE" for r in frozen),
            not frozen,
        )
        assert set(report.gap_explanations) == {i.code for i in completeness_gap(report.task.enterprise)}
        assert report.submitted_at is not None
        assert report.reviewed_at is not None
        assert report.submitted_at <= report.reviewed_at <= timezone.now()
        assert report.task.accepted_at == report.reviewed_at
    # Progress tables equal an independent count.
    totals = progress_totals(campaign)
    tasks = ReportTask.objects.filter(campaign=campaign)
    assert {s: totals[s] for s in info["states"]} == dict(tasks.values_list("state").annotate(n=Count("id")))
    accepted = RiskReport.objects.filter(task__campaign=campaign, state="accepted")
    sums = accepted.aggregate(major=Sum("major_count"), large=Sum("large_count"))
    assert (totals["major"], totals["large"], totals["nil"]) == (
        sums["major"] or 0,
        sums["large"] or 0,
        accepted.filter(nil=True).count(),
    )
    assert campaign.region_points
