"""Pages of the risk catalogue: the list and its filters, an item's page, admin editing and
import through the browser, and who is refused."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from saferisk.core.models import AuditEvent
from saferisk.risks import catalogue_io
from saferisk.risks.choices import ReassessmentTrigger
from saferisk.risks.models import ReassessmentTask, RiskCatalogItem
from saferisk.risks.services import risk_adopt

pytestmark = pytest.mark.django_db

HEADER = [h for _f, h in catalogue_io.COLUMNS]


def _codes(html: str) -> set[str]:
    """The item codes a page lists (small print beside each name)."""
    return set(re.findall(r'data-code="([\w-]+)"', html))


def _form_data(item: RiskCatalogItem, **changes: Any) -> dict[str, Any]:
    from saferisk.risks.catalogue_views import CatalogItemForm

    data = CatalogItemForm.initial_for(item)
    data.update(changes)
    if not data["active"]:
        data.pop("active")
    return data


def test_every_signed_in_user_reads_the_list(world: Any, client: Any) -> None:
    assert client.get("/risks/catalogue/").status_code == 302
    for user in (world.enterprise_filler, world.county_regulator, world.expert, world.admin):
        response = world.client(user).get("/risks/catalogue/")
        assert response.status_code == 200
        assert "108" in response.content.decode()
    page_one = world.client(world.enterprise_filler).get("/risks/catalogue/").content.decode()
    page_three = world.client(world.enterprise_filler).get("/risks/catalogue/?page=3").content.decode()
    assert len(_codes(page_one)) == 50
    assert len(_codes(page_three)) == 8
    assert not _codes(page_one) & _codes(page_three)
    # Only admins are offered editing.
    assert "/risks/catalogue/new/" not in page_one
    assert "/risks/catalogue/new/" in world.client(world.admin).get("/risks/catalogue/").content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sector=dust_explosion", lambda i: i.sector == "dust_explosion"),
        ("key_sector=gas_use", lambda i: i.key_sector_id == "gas_use"),
        ("min_level=MAJOR", lambda i: i.min_level == "MAJOR"),
        ("q=高炉", lambda i: "高炉" in i.name or "高炉" in i.hazard),
        ("industry=3110", lambda i: "3110" in i.prefixes() or "31" in i.prefixes() or "311" in i.prefixes()),
        ("industry=C3120", lambda i: bool({"3120", "31", "312"} & set(i.prefixes()))),
    ],
)
def test_list_filters(world: Any, query: str, expected: Any) -> None:
    wanted = {i.code for i in RiskCatalogItem.objects.all() if expected(i)}
    assert wanted
    html = world.client(world.county_regulator).get(f"/risks/catalogue/?{query}").content.decode()
    assert _codes(html) == wanted


def test_inactive_filter(world: Any) -> None:
    RiskCatalogItem.objects.filter(code="textile-01").update(active=False)
    client = world.client(world.county_regulator)
    assert _codes(client.get("/risks/catalogue/?active=false").content.decode()) == {"textile-01"}
    assert "textile-01" not in _codes(
        client.get("/risks/catalogue/?active=true&sector=textile").content.decode()
    )


def test_item_page_shows_every_field(world: Any) -> None:
    item = RiskCatalogItem.objects.get(code="metallurgy-01")
    html = world.client(world.enterprise_filler).get(f"/risks/catalogue/{item.pk}/").content.decode()
    assert item.name in html
    assert item.hazard in html
    assert "工贸行业较大危险因素辨识与防范指导手册（2016版）" in html
    assert "冶金·炼铁·高炉本体" in html  # the clause
    assert item.measures[0] in html
    assert "灼烫" in html
    # The sector in Chinese only; the code small, never as the pretitle (shown in capitals).
    assert "冶金" in html
    assert ">metallurgy<" not in html
    assert " metallurgy<" not in html
    pretitle = re.search(r'class="page-pretitle">(.*?)</div>', html, re.S)
    assert pretitle
    assert item.code not in pretitle.group(1)
    assert f'<span data-code="{item.code}">{item.code}</span>' in html
    # Source and confidence are the editors' working data.
    assert "liguangnanfeng/smaq" not in html
    assert "可信度" not in html
    assert "/audit/?object_type=" not in html  # the history is for admins
    assert f"/risks/catalogue/{item.pk}/edit/" not in html
    assert world.client(world.enterprise_filler).get("/risks/catalogue/999999/").status_code == 404


def test_admins_see_source_and_confidence_in_chinese(world: Any) -> None:
    item = RiskCatalogItem.objects.get(code="metallurgy-01")
    assert item.confidence == "H"
    html = world.client(world.admin).get(f"/risks/catalogue/{item.pk}/").content.decode()
    assert "liguangnanfeng/smaq" in html
    assert re.search(r'data-confidence="H">高<', html)


def test_item_page_counts_enterprises_linked_and_applicable(world: Any) -> None:
    """Linked: enterprises whose register took the item in; applicable: enterprises in view
    the item applies to (by industry code or key sector)."""
    item = RiskCatalogItem.objects.filter(key_sector_id="dust_explosion").order_by("code")[0]
    world.ent_a.key_sectors.add("dust_explosion")
    world.ent_b.key_sectors.add("dust_explosion")
    risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)

    def counts(user: Any) -> dict[str, str]:
        html = world.client(user).get(f"/risks/catalogue/{item.pk}/").content.decode()
        found = dict(re.findall(r'data-count="([\w-]+)"(?: data-value="(\d+)")?', html))
        numbers = dict(re.findall(r'data-count="([\w-]+)">(\d+)<', html))
        return {**{k: v for k, v in found.items() if v}, **numbers}

    assert counts(world.county_regulator) == {
        "linked-enterprises": "1",
        "linked-risks": "1",
        "applicable-enterprises": "1",
    }
    assert counts(world.admin) == {
        "linked-enterprises": "1",
        "linked-risks": "1",
        "applicable-enterprises": "2",
    }
    assert counts(world.other_county_regulator) == {
        "linked-enterprises": "0",
        "linked-risks": "0",
        "applicable-enterprises": "1",
    }


def test_admin_creates_an_item(world: Any) -> None:
    data = {
        "code": "page-new",
        "sector": "涉爆粉尘",
        "key_sector": "dust_explosion",
        "industry_prefixes": "2021 2022",
        "name": "页面新增的风险点",
        "typical_places": "",
        "hazard": "粉尘爆炸",
        "accident_types": ["18", "8"],
        "min_level": "LARGE",
        "measures": "清灰\n泄爆",
        "basis": "某规定 | 第一条",
        "source": "",
        "confidence": "",
        "active": "on",
    }
    response = world.client(world.admin).post("/risks/catalogue/new/", data)
    item = RiskCatalogItem.objects.get(code="page-new")
    assert response.status_code == 302
    assert response["Location"] == f"/risks/catalogue/{item.pk}/"
    assert (item.sector, item.industry_prefixes, item.active) == ("dust_explosion", "2021 2022", True)
    assert sorted(item.accident_types.values_list("code", flat=True)) == [8, 18]
    assert item.measures == ["清灰", "泄爆"]
    assert item.basis == [{"document": "某规定", "clause": "第一条", "version": ""}]
    assert AuditEvent.objects.filter(action="risk_catalog_item.created", object_id=str(item.pk)).count() == 1


def test_admin_edit_is_audited_and_opens_reassessment(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(min_level="LARGE").order_by("code").first()
    assert item is not None
    risk = risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)
    admin = world.client(world.admin)
    assert admin.get(f"/risks/catalogue/{item.pk}/edit/").status_code == 200

    response = admin.post(f"/risks/catalogue/{item.pk}/edit/", _form_data(item, min_level="MAJOR"))

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.min_level == "MAJOR"
    event = AuditEvent.objects.get(action="risk_catalog_item.updated", object_id=str(item.pk))
    assert event.changes == {"before": {"min_level": "LARGE"}, "after": {"min_level": "MAJOR"}}
    task = ReassessmentTask.objects.get(enterprise=world.ent_a)
    assert task.trigger == ReassessmentTrigger.CATALOGUE
    assert list(task.items.values_list("risk_id", flat=True)) == [risk.pk]
    # The item's page shows the event and links to its whole history in the audit log.
    html = admin.get(f"/risks/catalogue/{item.pk}/").content.decode()
    audit_url = f"/audit/?object_type=risks.riskcatalogitem&amp;object_id={item.pk}"
    assert audit_url in html
    assert f"/audit/{event.pk}/" in html
    history = admin.get(audit_url.replace("&amp;", "&")).content.decode()
    assert f"/audit/{event.pk}/" in history

    # Saving the same values again changes nothing.
    admin.post(f"/risks/catalogue/{item.pk}/edit/", _form_data(item))
    assert AuditEvent.objects.filter(action="risk_catalog_item.updated").count() == 1


def test_a_bad_edit_is_refused_and_changes_nothing(world: Any) -> None:
    item = RiskCatalogItem.objects.get(code="metallurgy-01")
    response = world.client(world.admin).post(
        f"/risks/catalogue/{item.pk}/edit/", _form_data(item, industry_prefixes="31a0")
    )
    assert response.status_code == 422
    assert "行业代码前缀应为2至4位数字" in response.content.decode()
    item.refresh_from_db()
    assert item.industry_prefixes == "3110"
    assert AuditEvent.objects.filter(action__startswith="risk_catalog").count() == 0


def test_non_admins_cannot_edit_or_import(world: Any) -> None:
    item = RiskCatalogItem.objects.get(code="metallurgy-01")
    data = _form_data(item, name="被改了")
    upload = _upload([["x-1", "冶金", "", "", "导入的", "", "危险", "火灾", "较大", "", "", "", "", "是"]])
    for user in (world.county_regulator, world.enterprise_filler, world.expert):
        client = world.client(user)
        assert client.get(f"/risks/catalogue/{item.pk}/edit/").status_code == 404
        assert client.post(f"/risks/catalogue/{item.pk}/edit/", data).status_code == 404
        assert client.get("/risks/catalogue/new/").status_code == 404
        assert client.post("/risks/catalogue/new/", {**data, "code": "x-2"}).status_code == 404
        assert client.get("/risks/catalogue/import/").status_code == 404
        upload.seek(0)
        assert client.post("/risks/catalogue/import/", {"file": upload}).status_code == 404
    item.refresh_from_db()
    assert item.name != "被改了"
    assert not RiskCatalogItem.objects.filter(code__in=["x-1", "x-2"]).exists()
    assert AuditEvent.objects.filter(action__startswith="risk_catalog").count() == 0


def _upload(rows: list[list[Any]], name: str = "目录.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_import_page_reports_counts_and_offers_the_error_workbook(world: Any) -> None:
    admin = world.client(world.admin)
    good = [
        "page-imp",
        "冶金",
        "",
        "3110",
        "导入的风险点",
        "",
        "危险",
        "灼烫",
        "重大",
        "措施一",
        "",
        "",
        "",
        "是",
    ]
    bad = ["page-bad", "冶金", "", "3110", "错误的", "", "危险", "灼烫", "一般", "", "", "", "", "是"]

    response = admin.post("/risks/catalogue/import/", {"file": _upload([good, bad])})

    assert response.status_code == 302
    assert response["Location"] == "/risks/catalogue/import/?result=1"
    html = admin.get(response["Location"]).content.decode()
    assert 'data-count="created">1<' in html
    assert 'data-count="rejected">1<' in html
    created = re.search(r'data-items="created">(.*?)</ul>', html, re.S)
    assert created
    assert re.findall(r'data-item="([\w-]+)">([^<]+?) <', created.group(1)) == [("page-imp", "导入的风险点")]
    assert 'data-items="updated"' not in html  # nothing updated: no list
    assert 'data-row="3"' in html
    assert "目录条目的最低等级应为重大或较大" in html
    assert RiskCatalogItem.objects.get(code="page-imp").min_level == "MAJOR"
    assert not RiskCatalogItem.objects.filter(code="page-bad").exists()
    errors = admin.get("/risks/catalogue/import/?errors=xlsx")
    assert errors.status_code == 200
    book = load_workbook(io.BytesIO(errors.content))
    assert [r[0] for r in book["错误明细"].iter_rows(min_row=2, values_only=True)] == [3]
    assert AuditEvent.objects.filter(action="risk_catalog.imported").count() == 1


def test_import_page_dry_run_writes_nothing(world: Any) -> None:
    admin = world.client(world.admin)
    assert re.search(r'name="dry_run"[^>]* checked', admin.get("/risks/catalogue/import/").content.decode())
    row = ["page-dry", "冶金", "", "3110", "试运行", "", "危险", "灼烫", "重大", "", "", "", "", "是"]
    response = admin.post("/risks/catalogue/import/", {"file": _upload([row]), "dry_run": "on"})
    html = admin.get(response["Location"]).content.decode()
    assert 'data-count="created">1<' in html
    # The item that would be created is named, and the form is ticked for another dry run.
    assert re.search(r'data-item="page-dry">试运行 <span[^>]*data-code="page-dry"', html)
    assert re.search(r'name="dry_run"[^>]* checked', html)
    assert not RiskCatalogItem.objects.filter(code="page-dry").exists()
    assert AuditEvent.objects.filter(action__startswith="risk_catalog").count() == 0
    assert admin.get("/risks/catalogue/import/?errors=xlsx").status_code == 404  # nothing rejected


def test_import_page_refuses_an_unusable_file(world: Any) -> None:
    response = world.client(world.admin).post(
        "/risks/catalogue/import/", {"file": SimpleUploadedFile("a.csv", b"code,name\n")}
    )
    assert response.status_code == 422
    assert "请上传 .xlsx 或 .json 文件" in response.content.decode()
