"""The register pages as their users meet them: the enterprise keeps its register (form with a
live level, bulk edit, adoption, retire), regulators read it, outsiders find nothing."""

from __future__ import annotations

from typing import Any

import pytest

from saferisk.risks.models import ReassessmentTask, Risk, RiskCatalogItem
from saferisk.risks.services import risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db

FORM = {
    "name": "反应釜超温超压",
    "place": "合成车间",
    "part": "1号反应釜",
    "accident_types": ["18", "6"],
    "method": "lec",
    "lec_L": "3",
    "lec_E": "6",
    "lec_C": "15",
    "owner_name": "王工",
    "owner_phone": "13800001111",
    "measure_kind": ["engineering", "monitoring", "management"],
    "measure_text": ["温度压力联锁", "温度在线监测", ""],
    "basis": "江苏省安全生产条例 | 第十一条 | 2024",
}


def test_the_preview_grades_as_the_inputs_change(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    r = c.post("/risks/assess/", {**FORM})
    assert r.status_code == 200
    assert 'data-level="LARGE"' in r.content.decode()
    assert "270" in r.content.decode()
    r = c.post("/risks/assess/", {**FORM, "lec_L": "6"})
    assert 'data-level="MAJOR"' in r.content.decode()
    r = c.post("/risks/assess/", {**FORM, "lec_L": "4"})
    assert "不在标准取值中" in r.content.decode()
    assert "10、6、3、1、0.5、0.2、0.1" in r.content.decode()


def test_the_enterprise_adds_a_risk_through_the_form(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    assert c.get(f"/risks/enterprises/{world.ent_a.pk}/register/new/").status_code == 200
    r = c.post(f"/risks/enterprises/{world.ent_a.pk}/register/new/", FORM)
    assert r.status_code == 302
    risk = Risk.objects.get(name="反应釜超温超压")
    assert (risk.level, risk.score) == ("LARGE", 270)
    assert [m.text for m in risk.measures.all()] == ["温度压力联锁", "温度在线监测"]
    assert risk.basis == [{"document": "江苏省安全生产条例", "clause": "第十一条", "version": "2024"}]
    page = c.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    assert "反应釜超温超压" in page
    assert 'data-level="LARGE"' in page


def test_bad_input_is_shown_and_changes_nothing(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    r = c.post(
        f"/risks/enterprises/{world.ent_a.pk}/register/new/", {**FORM, "override": "1", "level": "LOW"}
    )
    assert r.status_code == 422
    assert "须写明理由" in r.content.decode()
    assert 'value="反应釜超温超压"' in r.content.decode()  # what was typed stays
    assert not Risk.objects.exists()


def test_bulk_edit_sets_owner_and_tier_on_the_ticked_risks(world: Any) -> None:
    one = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    two = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**BASE, "name": "储罐泄漏"})
    c = world.client(world.enterprise_filler)
    r = c.post(
        f"/risks/enterprises/{world.ent_a.pk}/register/bulk/",
        {"risk": [one.pk, two.pk], "owner_name": "赵主任", "control_tier": "company"},
    )
    assert r.status_code == 302
    assert set(Risk.objects.values_list("owner_name", "control_tier", "version")) == {
        ("赵主任", "company", 2)
    }


def test_regulators_read_and_outsiders_find_nothing(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    reg = world.client(world.county_regulator)
    page = reg.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    assert risk.name in page
    assert 'data-testid="risk-new"' not in page
    assert reg.get(f"/risks/{risk.pk}/edit/").status_code == 302  # to the read-only page
    assert reg.post(f"/risks/{risk.pk}/retire/", {"reason": "x"}).status_code == 403
    assert world.client(world.other_county_regulator).get(f"/risks/{risk.pk}/").status_code == 404
    assert (
        world.client(world.other_enterprise_filler)
        .get(f"/risks/enterprises/{world.ent_a.pk}/register/")
        .status_code
        == 404
    )


def test_adopting_a_suggestion_removes_it_from_the_gap(world: Any) -> None:
    world.ent_a.key_sectors.add("dust_explosion")
    c = world.client(world.enterprise_filler)
    page = c.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    item = RiskCatalogItem.objects.filter(sector="dust_explosion").first()
    assert item is not None
    assert f'data-testid="gap-{item.code}"' in page
    r = c.post(f"/risks/enterprises/{world.ent_a.pk}/register/adopt/{item.pk}/")
    assert r.status_code == 302
    page = c.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    assert f'data-testid="gap-{item.code}"' not in page


def test_a_risk_page_shows_history_and_retire_keeps_it(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, risk=risk, data={"owner_name": "李工"})
    c = world.client(world.enterprise_filler)
    page = c.get(f"/risks/{risk.pk}/").content.decode()
    assert "v2" in page
    assert "v1" in page
    c.post(f"/risks/{risk.pk}/retire/", {"reason": "装置拆除"})
    risk.refresh_from_db()
    assert risk.status == "retired"
    register = c.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    assert f'data-testid="risk-{risk.pk}"' not in register
    assert (
        f'data-testid="risk-{risk.pk}"'
        in c.get(f"/risks/enterprises/{world.ent_a.pk}/register/?status=all").content.decode()
    )


def test_reassessment_pages(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    c = world.client(world.enterprise_filler)
    r = c.post(
        f"/risks/enterprises/{world.ent_a.pk}/reassessments/new/",
        {"trigger": "equipment", "description": "更换1号反应釜", "risk": [risk.pk]},
    )
    task = ReassessmentTask.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/risks/reassessments/{task.pk}/"
    assert "更换1号反应釜" in c.get(f"/risks/enterprises/{world.ent_a.pk}/register/").content.decode()
    item = task.items.get()
    c.post(f"/risks/reassessments/items/{item.pk}/confirm/", {"note": "维持原评估"})
    task.refresh_from_db()
    assert task.status == "done"


def test_admin_adds_a_scheme_through_the_page(world: Any) -> None:
    c = world.client(world.admin)
    form = c.get("/risks/schemes/new/")
    assert form.status_code == 200
    lec = form.context["values"]["lec"]
    ls = form.context["values"]["ls"]
    data = {"version": "v2027", "name": "2027方案", "effective_from": "2027-01-01", "lec": lec, "ls": ls}
    for code, colour, tier in [
        ("MAJOR", "#e53935", "company"),
        ("LARGE", "#fb8c00", "workshop"),
        ("GENERAL", "#fdd835", "team"),
        ("LOW", "#1e88e5", "post"),
    ]:
        data.update({f"label_{code}": code, f"colour_{code}": colour, f"tier_{code}": tier})
    assert c.post("/risks/schemes/new/", data).status_code == 302
    assert "v2027" in c.get("/risks/schemes/").content.decode()
    assert world.client(world.county_regulator).get("/risks/schemes/new/").status_code == 403


def test_a_hand_set_level_below_the_catalogue_minimum_is_a_form_error(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(min_level="MAJOR").first()
    assert item is not None
    c = world.client(world.enterprise_filler)
    form = {
        **FORM,
        "catalog_item": item.pk,
        "override": "1",
        "level": "LOW",
        "level_reason": "x",
        "lec_C": "7",
    }
    preview = c.post("/risks/assess/", form).content.decode()
    assert 'data-testid="override-error"' in preview
    r = c.post(f"/risks/enterprises/{world.ent_a.pk}/register/new/", form)
    assert r.status_code == 422
    assert "最低等级" in r.content.decode()
    assert not Risk.objects.exists()


def test_retire_reason_is_shown_and_a_risk_can_be_restored(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    c = world.client(world.enterprise_filler)
    c.post(f"/risks/{risk.pk}/retire/", {"reason": "装置已拆除"})
    assert "装置已拆除" in c.get(f"/risks/{risk.pk}/").content.decode()
    c.post(f"/risks/{risk.pk}/restore/", {"reason": "误停用"})
    risk.refresh_from_db()
    assert (risk.status, risk.status_reason, risk.version) == ("active", "误停用", 3)


def test_the_conclusion_of_an_unchanged_reassessment_is_shown(world: Any) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    c = world.client(world.enterprise_filler)
    c.post(
        f"/risks/enterprises/{world.ent_a.pk}/reassessments/new/",
        {"trigger": "material", "description": "更换原料供应商", "risk": [risk.pk]},
    )
    task = ReassessmentTask.objects.get()
    c.post(f"/risks/reassessments/items/{task.items.get().pk}/confirm/", {"note": "原料成分相同，维持原评估"})
    assert "原料成分相同，维持原评估" in c.get(f"/risks/reassessments/{task.pk}/").content.decode()
