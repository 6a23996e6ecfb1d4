"""Assessment schemes as dated data, residual levels, re-assessment tasks (Article 12) and the
per-enterprise summary that regulators' counts are made of."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent
from saferisk.risks import assessment
from saferisk.risks.catalogue_services import catalog_item_save
from saferisk.risks.models import AssessmentScheme, EnterpriseRiskSummary, ReassessmentTask, RiskCatalogItem
from saferisk.risks.reassessment import reassessment_confirm, reassessment_open
from saferisk.risks.schemes import default_scheme_data, method_config, scheme_create, scheme_in_force
from saferisk.risks.services import risk_adopt, risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + dt.timedelta(days=1)

MATRIX_4X4 = {
    "factors": {
        "L": [{"value": v, "meaning": m} for v, m in [(1, "罕见"), (2, "偶尔"), (3, "可能"), (4, "频繁")]],
        "S": [{"value": v, "meaning": m} for v, m in [(1, "轻微"), (2, "一般"), (3, "严重"), (4, "灾难")]],
    },
    "bands": [
        {"level": "MAJOR", "minimum": 12},
        {"level": "LARGE", "minimum": 8},
        {"level": "GENERAL", "minimum": 4},
    ],
}


def _scheme_data(**changes: Any) -> dict[str, Any]:
    data = default_scheme_data()
    data.update(version="city-4x4", name="某市 4×4 矩阵", effective_from=TOMORROW, ls=MATRIX_4X4)
    data.update(changes)
    return data


def test_the_default_scheme_is_seeded_and_in_force() -> None:
    scheme = scheme_in_force()
    assert scheme.version == "default-2026"
    assert scheme.levels["MAJOR"] == {"label": "重大风险", "colour": "#E53935", "tier": "company"}
    assert method_config(scheme, "lec").level_for(assessment.lec(3, 6, 40).score) == "MAJOR"


def test_an_admin_adds_a_4x4_matrix_from_a_date_and_old_assessments_keep_their_version(world: Any) -> None:
    old = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "method": "ls", "inputs": {"L": 3, "S": 4}},
    )
    assert (old.level, old.method_version) == ("GENERAL", "default-2026")  # 12 on the 5×5 matrix
    scheme = scheme_create(actor=world.admin, data=_scheme_data())
    assert scheme_in_force().version == "default-2026"  # not yet in force
    assert scheme_in_force(TOMORROW).version == "city-4x4"
    AssessmentScheme.objects.filter(pk=scheme.pk).update(effective_from=timezone.localdate())  # a day passes
    assert AuditEvent.objects.filter(action="assessment_scheme.created").count() == 1
    # An edit that does not touch the assessment keeps the old version and level.
    old = risk_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, risk=old, data={"owner_name": "李工"}
    )
    assert (old.level, old.method_version) == ("GENERAL", "default-2026")
    # Re-assessing uses the scheme in force: 3 × 4 = 12 is MAJOR on this 4×4 matrix.
    old = risk_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, risk=old, data={"inputs": {"L": 3, "S": 4}}
    )
    assert (old.level, old.method_version) == ("MAJOR", "city-4x4")
    with pytest.raises(DomainError) as exc:
        risk_save(
            actor=world.enterprise_filler, enterprise=world.ent_a, risk=old, data={"inputs": {"L": 5, "S": 4}}
        )
    assert exc.value.code == "not_on_scale"
    assert "1、2、3、4" in exc.value.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "ls": {
                    "factors": {"L": [1, 2]},
                    "bands": [{"level": "LARGE", "minimum": 2}, {"level": "MAJOR", "minimum": 3}],
                }
            },
            "config_invalid",
        ),
        ({"ls": {"factors": {"L": [1, 1]}, "bands": [{"level": "MAJOR", "minimum": 1}]}}, "config_invalid"),
        ({"lec": {"factors": {}, "bands": []}}, "config_invalid"),
        ({"levels": {"MAJOR": {"label": "重大", "colour": "red", "tier": "company"}}}, "levels_invalid"),
        ({"version": "default-2026"}, "version_taken"),
        ({"effective_from": "2026-13-01"}, "date_invalid"),
        ({"effective_from": dt.date(2020, 1, 1)}, "date_in_past"),
        (
            {"ls": {"factors": {"L": [1, 2, 3]}, "bands": [{"level": "MAJOR", "minimum": 3}]}},
            "config_invalid",
        ),
        (
            {
                "ls": {
                    **MATRIX_4X4,
                    "bands": [{"level": "MAJOR", "minimum": 100}, {"level": "LARGE", "minimum": 8}],
                }
            },
            "config_invalid",
        ),
        (
            {
                "ls": {
                    **MATRIX_4X4,
                    "bands": [{"level": "MAJOR", "minimum": 12}, {"level": "GENERAL", "minimum": -3}],
                }
            },
            "config_invalid",
        ),
    ],
)
def test_bad_schemes_are_refused_and_change_nothing(world: Any, change: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as exc:
        scheme_create(actor=world.admin, data=_scheme_data(**change))
    assert exc.value.code == code
    assert AssessmentScheme.objects.count() == 1


def test_only_admins_add_schemes(world: Any) -> None:
    with pytest.raises(Forbidden):
        scheme_create(actor=world.province_regulator, data=_scheme_data())


def test_residual_level_is_kept_beside_the_inherent_one(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)  # 270 LARGE
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=risk,
        data={"residual": {"inputs": {"L": 1, "E": 6, "C": 15}}},
    )
    assert (risk.level, risk.residual_level, risk.residual_score) == ("LARGE", "GENERAL", 90)
    latest = risk.versions.order_by("version").last()
    assert latest is not None
    assert latest.data["residual_level"] == "GENERAL"
    with pytest.raises(DomainError) as exc:
        risk_save(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            risk=risk,
            data={"residual": {"inputs": {"L": 10, "E": 6, "C": 15}}},
        )
    assert exc.value.code == "residual_above_inherent"


def test_an_accident_below_the_threshold_opens_nothing(world: Any) -> None:
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    with pytest.raises(DomainError) as exc:
        reassessment_open(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            trigger="accident",
            description="轻伤2人",
            serious_injuries=2,
        )
    assert exc.value.code == "below_threshold"
    assert ReassessmentTask.objects.count() == 0


def test_a_task_stays_open_until_every_risk_is_reassessed(world: Any) -> None:
    one = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    two = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "储罐泄漏"})
    task = reassessment_open(
        actor=world.county_regulator,
        enterprise=world.ent_a,
        trigger="accident",
        description="反应釜爆炸，死亡1人",
        deaths=1,
    )
    assert task.items.count() == 2
    assert task.status == "open"
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=one,
        data={"inputs": {"L": 6, "E": 6, "C": 15}},
    )
    task.refresh_from_db()
    assert task.status == "open"
    item = task.items.get(risk=two)
    with pytest.raises(DomainError):
        reassessment_confirm(actor=world.enterprise_filler, item=item, note="")
    reassessment_confirm(actor=world.enterprise_filler, item=item, note="工艺未变，维持原评估")
    task.refresh_from_db()
    assert task.status == "done"
    assert task.closed_at is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="reassessment.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["reassessment.closed", "reassessment.confirmed", "reassessment.opened"]


def test_a_catalogue_change_opens_reassessment_where_the_item_is_used(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(sector="dust_explosion").first()
    assert item is not None
    adopted = risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)
    level = "LARGE" if item.min_level == "MAJOR" else "MAJOR"
    catalog_item_save(actor=world.admin, item=item, data={"min_level": level})
    task = ReassessmentTask.objects.get(enterprise=world.ent_a)
    assert task.trigger == "catalogue"
    assert list(task.items.values_list("risk", flat=True)) == [adopted.pk]
    # A change of wording only (not what the item asks) opens nothing more.
    catalog_item_save(actor=world.admin, item=item, data={"source": "修订说明"})
    assert ReassessmentTask.objects.count() == 1


def test_the_summary_follows_the_register(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    summary = EnterpriseRiskSummary.objects.get(enterprise=world.ent_a)
    assert (summary.major, summary.large, summary.general, summary.low) == (0, 1, 0, 0)
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=risk,
        data={"inputs": {"L": 6, "E": 6, "C": 15}},
    )
    summary.refresh_from_db()
    assert (summary.major, summary.large) == (1, 0)


def test_a_new_catalogue_item_updates_the_gap_counts_in_the_background(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from saferisk.risks.summary import refresh_summary

    before = refresh_summary(world.ent_a)
    assert before is not None
    with django_capture_on_commit_callbacks(execute=True):
        catalog_item_save(
            actor=world.admin,
            data={
                "code": "test-2614-01",
                "sector": "hazardous_chemicals",
                "industry_prefixes": "2614",
                "name": "测试条目",
                "hazard": "测试",
                "min_level": "LARGE",
                "accident_types": ["火灾"],
                "measures": ["测试措施"],
            },
        )
    after = EnterpriseRiskSummary.objects.get(enterprise=world.ent_a)
    assert after.gap == before.gap + 1


def test_a_second_change_of_the_same_item_extends_the_open_task(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(sector="dust_explosion", min_level="LARGE").first()
    assert item is not None
    risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)
    catalog_item_save(actor=world.admin, item=item, data={"min_level": "MAJOR"})
    catalog_item_save(actor=world.admin, item=item, data={"min_level": "LARGE"})
    task = ReassessmentTask.objects.get(enterprise=world.ent_a)
    assert "最低等级由较大风险改为重大风险" in task.description
    assert "最低等级由重大风险改为较大风险" in task.description
    assert task.items.count() == 1
