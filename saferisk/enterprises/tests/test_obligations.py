"""Obligation rules and lists: safety director, standardisation certificate, safety commitment."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent
from saferisk.enterprises.models import Enterprise, SafetyCommitment, SafetyDirectorRule
from saferisk.enterprises.obligations import (
    certificate_expiring,
    missing_commitment,
    missing_safety_director,
    obligation_list,
    safety_director_required,
)
from saferisk.enterprises.profile import commitment_confirm_online, safety_director_rule_save
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


def _names(qs: Any) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


def _certified(name: str, expires: dt.date, region: str = TOWN_A, grade: str = "grade_3") -> Enterprise:
    e = make_enterprise(region=region, name=name, standardisation_grade=grade)
    Enterprise.objects.filter(pk=e.pk).update(standardisation_expires=expires)
    return e


def _mining_rule() -> SafetyDirectorRule:
    return SafetyDirectorRule.objects.get(name__startswith="重点行业企业")


# --- Safety director ---------------------------------------------------------------------------------


def test_suzhou_rules_as_loaded(world: Any) -> None:
    small_chemical = make_enterprise(
        region=TOWN_A,
        industry="2614",
        name="小化工",
        employees=20,
        revenue=Decimal("2500"),
        key_sectors=["chemical"],
    )
    tiny_chemical = make_enterprise(
        region=TOWN_A, industry="2614", name="微化工", employees=20, revenue=Decimal("1500")
    )
    small_mine = make_enterprise(
        region=TOWN_B, industry="1011", name="小矿山", employees=50, revenue=Decimal("1000")
    )
    big_mine = make_enterprise(
        region=TOWN_B, industry="1011", name="大矿山", employees=120, revenue=Decimal("1000")
    )
    shipyard = make_enterprise(region=TOWN_B, industry="3731", name="船厂", employees=300)
    with_director = make_enterprise(
        region=TOWN_B, industry="0810", name="有总监矿山", employees=500, safety_director_name="赵总监"
    )
    assert safety_director_required(small_chemical) is True
    assert safety_director_required(tiny_chemical) is False
    assert safety_director_required(small_mine) is False
    assert safety_director_required(big_mine) is True
    assert safety_director_required(shipyard) is True
    assert safety_director_required(with_director) is True
    assert _names(missing_safety_director(Enterprise.objects.all())) == ["大矿山", "小化工", "船厂"]


def test_missing_director_list_is_one_query(world: Any) -> None:
    make_enterprise(region=TOWN_B, industry="1011", name="大矿山", employees=120)
    rules = list(SafetyDirectorRule.objects.filter(active=True).prefetch_related("key_sectors"))
    with CaptureQueriesContext(connection) as queries:
        names = _names(missing_safety_director(Enterprise.objects.all(), rules))
    assert names == ["大矿山"]
    assert len(queries) == 1


def test_editing_a_rule_threshold_changes_the_list(world: Any) -> None:
    make_enterprise(region=TOWN_B, industry="1011", name="小矿山", employees=50, revenue=Decimal("1000"))
    assert _names(missing_safety_director(Enterprise.objects.all())) == []
    rule = safety_director_rule_save(actor=world.admin, rule=_mining_rule(), data={"min_employees": 50})
    assert _names(missing_safety_director(Enterprise.objects.all())) == ["小矿山"]
    event = AuditEvent.objects.get(action="safety_director_rule.updated")
    assert event.changes == {"before": {"min_employees": 100}, "after": {"min_employees": 50}}
    safety_director_rule_save(actor=world.admin, rule=rule, data={"active": False})
    assert _names(missing_safety_director(Enterprise.objects.all())) == []


def test_a_rule_can_apply_in_one_county_only(world: Any) -> None:
    """Wuzhong (TOWN_B's county) asks for a director from 50 employees; Jiangning keeps the
    province-wide threshold of 100."""
    make_enterprise(region=TOWN_A, industry="1011", name="江宁小矿山", employees=60)
    make_enterprise(region=TOWN_B, industry="1011", name="吴中小矿山", employees=60)
    local = safety_director_rule_save(
        actor=world.admin,
        rule=None,
        data={
            "name": "吴中区：矿山50人以上",
            "region": TOWN_B[:6],
            "industry_prefixes": "10",
            "min_employees": 50,
        },
    )
    assert local.region_id == TOWN_B[:6]
    assert _names(missing_safety_director(Enterprise.objects.all())) == ["吴中小矿山"]
    event = AuditEvent.objects.get(action="safety_director_rule.created")
    assert event.changes["after"]["region"] == TOWN_B[:6]
    for bad, code in (("999999", "region_unknown"), (TOWN_B, "region_level")):
        with pytest.raises(DomainError) as exc:
            safety_director_rule_save(actor=world.admin, rule=local, data={"region": bad})
        assert exc.value.code == code
    safety_director_rule_save(actor=world.admin, rule=local, data={"region": ""})  # now province-wide
    assert _names(missing_safety_director(Enterprise.objects.all())) == ["吴中小矿山", "江宁小矿山"]


def test_rule_edits_are_admin_only_and_validated(world: Any) -> None:
    rule = _mining_rule()
    for actor in (world.county_regulator, world.enterprise_filler):
        with pytest.raises(Forbidden):
            safety_director_rule_save(actor=actor, rule=rule, data={"min_employees": 1})
    with pytest.raises(DomainError) as exc:
        safety_director_rule_save(actor=world.admin, rule=rule, data={"industry_prefixes": "06 abc"})
    assert exc.value.code == "prefix_invalid"
    with pytest.raises(DomainError) as exc:
        safety_director_rule_save(actor=world.admin, rule=None, data={"name": "空规则", "min_employees": 10})
    assert exc.value.code == "rule_scope_required"
    assert SafetyDirectorRule.objects.get(pk=rule.pk).min_employees == 100
    assert not AuditEvent.objects.filter(action__startswith="safety_director_rule.").exists()
    created = safety_director_rule_save(
        actor=world.admin, rule=None, data={"name": "涉氨制冷", "key_sectors": ["ammonia_refrigeration"]}
    )
    assert AuditEvent.objects.get(action="safety_director_rule.created").object_id == str(created.pk)


def test_rule_pages(world: Any) -> None:
    rule = _mining_rule()
    listing = world.client(world.enterprise_filler).get("/enterprises/safety-director-rules/")
    assert listing.status_code == 200
    assert rule.name in listing.content.decode()
    url = f"/enterprises/safety-director-rules/{rule.pk}/edit/"
    assert world.client(world.county_regulator).get(url).status_code == 404
    admin = world.client(world.admin)
    assert admin.get(url).status_code == 200
    data = {
        "name": rule.name,
        "key_sectors": [s.code for s in rule.key_sectors.all()],
        "industry_prefixes": rule.industry_prefixes,
        "min_employees": "80",
        "min_revenue": "2000",
        "source": rule.source,
        "active": "on",
    }
    assert admin.post(url, data).status_code == 302
    assert SafetyDirectorRule.objects.get(pk=rule.pk).min_employees == 80
    r = world.client(world.county_regulator).patch(
        f"/api/v1/safety-director-rules/{rule.pk}",
        data=json.dumps({"min_employees": 1}),
        content_type="application/json",
    )
    assert r.status_code == 403
    r = world.client(world.admin).patch(
        f"/api/v1/safety-director-rules/{rule.pk}",
        data=json.dumps({"min_employees": None}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["min_employees"] is None


# --- Certificates and commitments --------------------------------------------------------------------


def test_certificate_expired_expiring_and_valid(world: Any) -> None:
    today = dt.date(2026, 5, 1)
    for name, days in (("已过期", -1), ("30天后到期", 30), ("60天后到期", 60), ("90天后到期", 90)):
        _certified(name, today + dt.timedelta(days=days))
    _certified("未定级", today, grade="none")
    assert _names(certificate_expiring(Enterprise.objects.all(), today)) == [
        "30天后到期",
        "60天后到期",
        "已过期",
    ]


def test_missing_commitment(world: Any) -> None:
    year = timezone.localdate().year
    commitment_confirm_online(
        actor=world.enterprise_filler, enterprise=world.ent_a, year=year, signed_by="张三"
    )
    SafetyCommitment.objects.create(enterprise=world.ent_b, year=year - 1, method="online", signed_by="李四")
    assert _names(missing_commitment(Enterprise.objects.all(), year)) == [
        "吴中金属结构有限公司",
        "江宁热电有限公司",
    ]
    assert _names(missing_commitment(Enterprise.objects.all(), year - 1)) == [
        "江宁化工有限公司",
        "江宁热电有限公司",
    ]


# --- Pages and API -----------------------------------------------------------------------------------


def _seed_b() -> None:
    """Enterprises of county B on every list."""
    make_enterprise(region=TOWN_B, industry="1011", name="吴中大矿山", employees=120)
    _certified("吴中证书过期", timezone.localdate() - dt.timedelta(days=3), region=TOWN_B, grade="grade_2")


def test_county_regulator_never_sees_another_county(world: Any) -> None:
    _seed_b()
    make_enterprise(region=TOWN_A, industry="1011", name="江宁大矿山", employees=120)
    client = world.client(world.county_regulator)
    for kind in ("safety-director", "certificate", "commitment"):
        html = client.get(f"/enterprises/obligations/{kind}/").content.decode()
        assert "吴中" not in html, kind
        api = client.get(f"/api/v1/obligations/{kind}").json()
        assert all(not i["region_id"].startswith("320506") for i in api["items"]), kind
        xlsx = client.get(f"/enterprises/obligations/{kind}/", {"format": "xlsx"})
        rows = list(
            load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.iter_rows(values_only=True)
        )
        assert all("吴中" not in str(r[1]) for r in rows[1:]), kind
    html = client.get("/enterprises/obligations/safety-director/").content.decode()
    assert "江宁大矿山" in html
    other = world.client(world.other_county_regulator).get("/enterprises/obligations/safety-director/")
    assert "吴中大矿山" in other.content.decode()
    assert "江宁大矿山" not in other.content.decode()
    assert (
        world.client(world.enterprise_filler).get("/enterprises/obligations/commitment/").status_code == 404
    )
    assert world.client(world.enterprise_filler).get("/api/v1/obligations/commitment").status_code == 403
    assert world.client(world.county_regulator).get("/enterprises/obligations/nonsense/").status_code == 404


def test_region_filter_and_excel_export(world: Any) -> None:
    _seed_b()
    client = world.client(world.province_regulator)
    page = client.get("/enterprises/obligations/commitment/", {"region": "320115"}).content.decode()
    assert "江宁化工有限公司" in page
    assert "吴中金属结构有限公司" not in page
    response = client.get("/enterprises/obligations/certificate/", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0][:2] == ("统一社会信用代码", "名称")
    assert [r[1] for r in rows[1:]] == ["吴中证书过期"]
    assert rows[1][7] == -3  # days left
    api = client.get("/api/v1/obligations/safety-director", {"region": "320506"}).json()
    assert [i["name"] for i in api["items"]] == ["吴中大矿山"]
    # The industry filter takes a section letter or a code prefix, as the directory's does.
    for industry, expected in (
        ("B", ["吴中大矿山"]),
        ("10", ["吴中大矿山"]),
        ("B1011", ["吴中大矿山"]),
        ("C", []),
    ):
        api = client.get("/api/v1/obligations/safety-director", {"industry": industry}).json()
        assert [i["name"] for i in api["items"]] == expected, industry
    page = client.get("/enterprises/obligations/safety-director/", {"industry": "B"}).content.decode()
    assert '<option value="B" selected>' in page


def test_obligation_list_selector_uses_scope(world: Any) -> None:
    _seed_b()
    assert _names(obligation_list(user=world.county_regulator, kind="certificate")) == []
    assert _names(obligation_list(user=world.other_county_regulator, kind="certificate")) == ["吴中证书过期"]
    assert _names(obligation_list(user=world.enterprise_filler, kind="commitment")) == ["江宁化工有限公司"]
