"""The risk API: the calculator, create/patch/retire with the same rules as the pages, the gap
and adoption, re-assessment and the gap counts by region, with the same scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from saferisk.risks.models import Risk, RiskCatalogItem
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db


def _post(c: Any, path: str, body: Any) -> Any:
    return c.post(path, data=json.dumps(body), content_type="application/json")


def test_calculator_operations(world: Any) -> None:
    c = world.client(world.expert)
    body = c.get("/api/v1/risk-assessment/lec", {"l": 6, "e": 6, "c": 7}).json()
    assert (body["score"], body["level"], body["version"]) == (252, "LARGE", "default-2026")
    assert c.get("/api/v1/risk-assessment/ls", {"l": 4, "s": 5}).json()["level"] == "MAJOR"
    bad = c.get("/api/v1/risk-assessment/ls", {"l": 6, "s": 5})
    assert bad.status_code == 422
    assert bad.json()["code"] == "not_on_scale"
    assert "5、4、3、2、1" in bad.json()["message"]


def test_create_patch_retire_and_history(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    r = _post(c, f"/api/v1/enterprises/{world.ent_a.pk}/risks", BASE)
    assert r.status_code == 201, r.content
    risk = r.json()
    assert (risk["level"], risk["version"], risk["measures"][0]["kind"]) == ("LARGE", 1, "engineering")
    r = c.patch(
        f"/api/v1/risks/{risk['id']}",
        data=json.dumps({"level": "MAJOR"}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["code"] == "level_reason_required"
    r = c.patch(
        f"/api/v1/risks/{risk['id']}",
        data=json.dumps({"level": "MAJOR", "level_reason": "周边有学校"}),
        content_type="application/json",
    )
    assert (r.json()["level"], r.json()["computed_level"], r.json()["version"]) == ("MAJOR", "LARGE", 2)
    assert _post(c, f"/api/v1/risks/{risk['id']}/retire", {"reason": "拆除"}).json()["status"] == "retired"
    versions = c.get(f"/api/v1/risks/{risk['id']}/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    listed = c.get(f"/api/v1/enterprises/{world.ent_a.pk}/risks", {"status": "all"}).json()
    assert listed["count"] == 1


def test_regulators_read_but_do_not_write_and_outsiders_get_404(world: Any) -> None:
    _post(world.client(world.enterprise_filler), f"/api/v1/enterprises/{world.ent_a.pk}/risks", BASE)
    risk = Risk.objects.get()
    reg = world.client(world.county_regulator)
    assert reg.get(f"/api/v1/risks/{risk.pk}").status_code == 200
    r = _post(reg, f"/api/v1/enterprises/{world.ent_a.pk}/risks", BASE)
    assert r.status_code == 403
    assert r.json()["code"] == "enterprise_only"
    assert world.client(world.other_county_regulator).get(f"/api/v1/risks/{risk.pk}").status_code == 404
    assert Risk.objects.count() == 1


def test_gap_adopt_and_summary(world: Any) -> None:
    world.ent_a.key_sectors.add("dust_explosion")
    c = world.client(world.enterprise_filler)
    gap = c.get(f"/api/v1/enterprises/{world.ent_a.pk}/risk-gap").json()
    dust = [g for g in gap if g["sector"] == "dust_explosion"]
    assert dust
    r = _post(c, f"/api/v1/enterprises/{world.ent_a.pk}/risks/adopt", {"catalog_item": dust[0]["id"]})
    assert r.status_code == 201
    after = c.get(f"/api/v1/enterprises/{world.ent_a.pk}/risk-gap").json()
    assert len(after) == len(gap) - 1
    rows = world.client(world.county_regulator).get("/api/v1/risk-summary").json()
    town = [row for row in rows if row["region"] == world.ent_a.region_id]
    assert town[0]["gap"] == len(after)
    item = RiskCatalogItem.objects.get(pk=dust[0]["id"])
    assert town[0][item.min_level.lower()] == 1


def test_reassessment_api(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    _post(c, f"/api/v1/enterprises/{world.ent_a.pk}/risks", BASE)
    r = _post(
        c,
        f"/api/v1/enterprises/{world.ent_a.pk}/reassessments",
        {"trigger": "accident", "description": "重伤3人", "serious_injuries": 3},
    )
    assert r.status_code == 201
    assert r.json()["pending"] == r.json()["risks"]


def test_catalogue_filter_refuses_a_bad_industry_code(world: Any) -> None:
    c = world.client(world.expert)
    assert c.get("/api/v1/risk-catalogue", {"industry": "C3110"}).json()["count"] > 0
    bad = c.get("/api/v1/risk-catalogue", {"industry": "´dñUo" * 30})
    assert bad.status_code == 422
    assert bad.json()["code"] == "industry_invalid"
