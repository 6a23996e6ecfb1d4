"""Keeping the register: the level comes from the method, a hand-set level needs a reason,
every change is a version and an audit event, and only the enterprise keeps its register."""

from __future__ import annotations

from typing import Any

import pytest

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent
from saferisk.risks.models import Risk, RiskCatalogItem, RiskVersion
from saferisk.risks.services import LEVEL_ORDER, risk_retire, risk_save

pytestmark = pytest.mark.django_db

BASE = {
    "name": "反应釜超温超压",
    "place": "合成车间",
    "part": "1号反应釜",
    "activity": "加料升温",
    "method": "lec",
    "inputs": {"L": 3, "E": 6, "C": 15},
    "accident_types": [18, 6],  # 其它爆炸, 灼烫… by GB 6441 code
    "owner_name": "王工",
    "owner_phone": "13800001111",
    "department": "生产部",
    "measures": [
        {"kind": "engineering", "text": "温度压力联锁，超限自动切断进料"},
        {"kind": "monitoring", "text": "温度、压力在线监测并远传中控室"},
    ],
}


def test_create_computes_the_level_and_keeps_a_version(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    assert (risk.score, risk.computed_level, risk.level) == (270, "LARGE", "LARGE")
    assert risk.control_tier == "workshop"  # the usual tier of 较大
    assert risk.method_version == "default-2026"
    assert [m.kind for m in risk.measures.all()] == ["engineering", "monitoring"]
    assert risk.version == 1
    version = RiskVersion.objects.get(risk=risk)
    assert version.data["level"] == "LARGE"
    assert version.data["measures"][0]["text"].startswith("温度压力联锁")
    event = AuditEvent.objects.get(action="risk.created")
    assert event.changes["after"]["score"] in ("270.0000", 270, "270")


def test_changes_bump_the_version_and_unchanged_saves_do_not(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=risk,
        data={"inputs": {"L": 6, "E": 6, "C": 15}},
    )
    assert (risk.version, risk.level, risk.control_tier) == (2, "MAJOR", "workshop")
    updated = AuditEvent.objects.get(action="risk.updated")
    assert updated.changes["before"]["level"] == "LARGE"
    assert updated.changes["after"]["level"] == "MAJOR"
    same = risk_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, risk=risk, data={"owner_name": "王工"}
    )
    assert same.version == 2
    assert RiskVersion.objects.filter(risk=risk).count() == 2
    assert Risk.objects.get(pk=risk.pk).version == 2


def test_a_level_set_by_hand_needs_a_reason(world: Any) -> None:
    with pytest.raises(DomainError) as exc:
        risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "level": "MAJOR"})
    assert exc.value.code == "level_reason_required"
    assert not Risk.objects.exists()
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "level": "MAJOR", "level_reason": "周边500米内有学校"},
    )
    assert (risk.computed_level, risk.level, risk.level_reason) == ("LARGE", "MAJOR", "周边500米内有学校")
    assert AuditEvent.objects.get(action="risk.created").changes["level_override"]["computed"] == "LARGE"


def test_catalogue_minimum_is_a_floor(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(min_level="MAJOR").first()
    assert item is not None
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "inputs": {"L": 1, "E": 1, "C": 1}, "catalog_item": item.pk},
    )
    assert (risk.score, risk.computed_level, risk.level) == (1, "MAJOR", "MAJOR")
    with pytest.raises(DomainError) as exc:
        risk_save(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            risk=risk,
            data={"level": "LOW", "level_reason": "试图调低"},
        )
    assert exc.value.code == "below_catalogue_minimum"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"inputs": {"L": 5, "E": 6, "C": 15}}, "not_on_scale"),
        ({"method": "xyz"}, "method_unknown"),
        ({"measures": []}, "measures_required"),
        ({"measures": [{"kind": "magic", "text": "x"}]}, "measure_kind"),
        ({"accident_types": []}, "required"),
        ({"accident_types": [99]}, "code_unknown"),
        ({"name": " "}, "required"),
        ({"owner_phone": "12345"}, "phone_invalid"),
        ({"people_exposed": "many"}, "people_invalid"),
        ({"method": "direct", "level": "HIGH"}, "level_unknown"),
    ],
)
def test_bad_input_changes_nothing(world: Any, change: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as exc:
        risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, **change})
    assert exc.value.code == code
    assert not Risk.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="risk.").exists()


def test_direct_grading(world: Any) -> None:
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "method": "direct", "inputs": {}, "level": "GENERAL"},
    )
    assert (risk.score, risk.computed_level, risk.level, risk.control_tier) == (
        None,
        "GENERAL",
        "GENERAL",
        "team",
    )


def test_only_the_enterprise_keeps_its_register(world: Any) -> None:
    with pytest.raises(Forbidden):
        risk_save(actor=world.county_regulator, enterprise=world.ent_a, data=BASE)
    with pytest.raises(NotFound):
        risk_save(actor=world.other_county_regulator, enterprise=world.ent_a, data=BASE)
    with pytest.raises(NotFound):
        risk_save(actor=world.enterprise_filler, enterprise=world.ent_b, data=BASE)
    assert not Risk.objects.exists()


def test_retire_keeps_history_and_levels_sort_by_severity(world: Any) -> None:
    low = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "inputs": {"L": 1, "E": 1, "C": 1}},
    )
    major = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "inputs": {"L": 10, "E": 6, "C": 15}},
    )
    ordered = list(Risk.objects.order_by(LEVEL_ORDER, "id").values_list("level", flat=True))
    assert ordered == ["MAJOR", "LOW"]
    with pytest.raises(DomainError):
        risk_retire(actor=world.enterprise_filler, risk=low, reason=" ")
    retired = risk_retire(actor=world.enterprise_filler, risk=low, reason="该工艺已拆除")
    assert (retired.status, retired.version) == ("retired", 2)
    assert AuditEvent.objects.get(action="risk.retired").changes["reason"] == "该工艺已拆除"
    assert major.status == "active"


def test_completeness_gap_lists_unregistered_dust_items_and_adopting_one_removes_it(world: Any) -> None:
    from saferisk.risks.services import completeness_gap, risk_adopt
    from saferisk.testing.makers import make_enterprise

    mill = make_enterprise(
        region="320115001",
        industry="2614",
        name="粉尘企业",
        key_sectors=["dust_explosion"],
        principal_name="赵总",
    )
    dust = set(RiskCatalogItem.objects.filter(sector="dust_explosion").values_list("code", flat=True))
    gap = {i.code for i in completeness_gap(mill)}
    assert dust <= gap
    item = RiskCatalogItem.objects.get(code=sorted(dust)[0])
    risk = risk_adopt(actor=world.admin, enterprise=mill, item=item)
    assert (risk.catalog_item_id, risk.method, risk.level, risk.owner_name) == (
        item.pk,
        "direct",
        item.min_level,
        "赵总",
    )
    assert set(risk.accident_types.values_list("pk", flat=True)) == set(
        item.accident_types.values_list("pk", flat=True)
    )
    assert risk.measures.count() == len(item.measures)
    after = {i.code for i in completeness_gap(mill)}
    assert after == gap - {item.code}
    with pytest.raises(DomainError) as exc:
        risk_adopt(actor=world.admin, enterprise=mill, item=item)
    assert exc.value.code == "already_adopted"
    risk_retire(actor=world.admin, risk=risk, reason="工艺已取消")
    assert item.code in {i.code for i in completeness_gap(mill)}  # a retired risk no longer covers it


def test_a_catalogue_item_may_be_named_by_its_code(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(min_level="MAJOR").first()
    assert item is not None
    risk = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "method": "direct", "level": "MAJOR", "catalog_item": item.code},
    )
    assert risk.catalog_item_id == item.pk
    with pytest.raises(DomainError) as exc:
        risk_save(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            data={**BASE, "name": "二", "catalog_item": item.code, "level": "LOW", "level_reason": "x"},
        )
    assert exc.value.code == "below_catalogue_minimum"
