"""Import and export of the risk catalogue: JSON and Excel round trips, rejected rows with their
row numbers, dry runs, and re-assessment opened by an imported change."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent
from saferisk.risks import catalogue_io
from saferisk.risks.catalogue_io import catalogue_import
from saferisk.risks.choices import ReassessmentTrigger, TaskStatus
from saferisk.risks.models import ReassessmentTask, RiskCatalogItem
from saferisk.risks.services import risk_adopt

pytestmark = pytest.mark.django_db

HEADER = [h for _f, h in catalogue_io.COLUMNS]


def _state() -> list[dict[str, Any]]:
    """Everything the catalogue holds, to compare before and after."""
    return [catalogue_io.item_record(i) for i in catalogue_io.export_items()]


def _item_events() -> int:
    return AuditEvent.objects.filter(action__startswith="risk_catalog").count()


def _xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row(**values: Any) -> list[Any]:
    base = {
        "编号": "test-01",
        "行业领域": "涉爆粉尘",
        "重点行业领域": "涉爆粉尘",
        "适用行业代码": "",
        "风险点名称": "测试除尘器",
        "典型场所": "除尘间",
        "危险因素": "积尘遇火源爆炸",
        "事故类型": "其它爆炸、火灾",
        "最低等级": "较大",
        "管控措施": "定期清灰\n设置泄爆装置",
        "依据": "工贸企业粉尘防爆安全规定 | 第十四条 | 2021",
        "来源": "测试",
        "可信度": "M",
        "启用": "是",
    }
    base.update(values)
    return [base[h] for h in HEADER]


def test_json_export_then_import_changes_nothing(world: Any) -> None:
    response = world.client(world.admin).get("/risks/catalogue/export/json/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    assert document["format"] == "saferisk-risk-catalogue"
    assert document["version"] == 1
    assert len(document["items"]) == 108
    first = next(i for i in document["items"] if i["code"] == "metallurgy-01")
    assert first["industry_prefixes"] == ["3110"]
    assert first["key_sector"] is None
    assert first["min_level"] == "LARGE"
    assert "灼烫" in first["accident_types"]
    assert set(first["basis"][0]) == {"document", "clause", "version"}
    assert first["confidence"] == "H"
    assert first["active"] is True
    before = _state()

    result = catalogue_import(actor=world.admin, name="风险目录.json", content=response.content)

    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (
        108,
        0,
        0,
        108,
        0,
    )
    assert _state() == before
    assert (
        AuditEvent.objects.filter(
            action__in=["risk_catalog_item.created", "risk_catalog_item.updated"]
        ).count()
        == 0
    )
    event = AuditEvent.objects.get(action="risk_catalog.imported")
    assert event.actor_id == world.admin.pk
    assert event.changes["after"] == {
        "file": "风险目录.json",
        "dry_run": False,
        "rows": 108,
        "created": 0,
        "updated": 0,
        "unchanged": 108,
        "rejected": 0,
        "blank_lines": 0,
    }


def test_xlsx_export_then_import_changes_nothing(world: Any) -> None:
    response = world.client(world.admin).get("/risks/catalogue/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == 109
    # 可信度 is exported as 高/中/低 (stored H/M/L).
    confidence = HEADER.index("可信度")
    exported = {row[0]: row[confidence] for row in sheet.iter_rows(min_row=2, values_only=True)}
    stored = dict(RiskCatalogItem.objects.values_list("code", "confidence"))
    assert exported == {
        code: {"H": "高", "M": "中", "L": "低"}.get(c, c) or None for code, c in stored.items()
    }
    assert set(exported.values()) <= {"高", "中", "低", None}
    before = _state()

    result = catalogue_import(actor=world.admin, name="风险目录.xlsx", content=content)

    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (
        108,
        0,
        0,
        108,
        0,
    )
    assert result.problems == []
    assert _state() == before


def test_filtered_xlsx_export_holds_the_filtered_items(world: Any) -> None:
    response = world.client(world.admin).get("/risks/catalogue/?sector=dust_explosion&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == sorted(
        RiskCatalogItem.objects.filter(sector="dust_explosion").values_list("code", flat=True)
    )
    row = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[1] == "涉爆粉尘"  # the sector's Chinese name
    assert row[2] == "涉爆粉尘"  # the key sector's name
    assert row[8] in ("重大", "较大")
    assert row[13] == "是"


def test_bad_rows_are_rejected_with_their_row_number_and_good_rows_apply(world: Any) -> None:
    existing = RiskCatalogItem.objects.get(code="dust_explosion-01")
    content = _xlsx(
        [
            _row(编号="test-new"),  # row 2: a new item
            _row(编号="test-bad-type", 事故类型="火灾、外星人袭击"),  # row 3
            _row(编号="test-bad-level", 最低等级="一般"),  # row 4
            _row(编号="test-no-name", 风险点名称=""),  # row 5
            ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],  # row 6: blank
            _row(编号="dust_explosion-01", 风险点名称=existing.name, 典型场所="改过的场所"),  # row 7
            _row(编号="test-new"),  # row 8: the same code again
        ]
    )

    result = catalogue_import(actor=world.admin, name="目录.xlsx", content=content)

    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (6, 1, 1, 0, 4)
    assert result.blank_lines == 1
    problems = {p.row: (p.code, p.column, p.reason) for p in result.problems}
    assert problems == {
        3: ("test-bad-type", "事故类型", "事故类型“外星人袭击”不存在"),
        4: ("test-bad-level", "最低等级", "目录条目的最低等级应为重大或较大"),
        5: ("test-no-name", "风险点名称", "风险点名称不能为空"),
        8: ("test-new", "编号", "与第2行的编号重复，本条未导入"),
    }
    new = RiskCatalogItem.objects.get(code="test-new")
    assert new.sector == "dust_explosion"
    assert new.key_sector_id == "dust_explosion"
    assert new.min_level == "LARGE"
    assert sorted(new.accident_types.values_list("name", flat=True)) == ["其它爆炸", "火灾"]
    assert new.measures == ["定期清灰", "设置泄爆装置"]
    assert new.basis == [{"document": "工贸企业粉尘防爆安全规定", "clause": "第十四条", "version": "2021"}]
    assert new.confidence == "M"
    assert not RiskCatalogItem.objects.filter(
        code__in=["test-bad-type", "test-bad-level", "test-no-name"]
    ).exists()
    existing.refresh_from_db()
    assert existing.typical_places == "改过的场所"
    assert AuditEvent.objects.filter(action="risk_catalog_item.created").count() == 1
    assert AuditEvent.objects.filter(action="risk_catalog_item.updated").count() == 1
    imported = AuditEvent.objects.get(action="risk_catalog.imported")
    assert imported.changes["after"]["rejected"] == 4

    # The error workbook lists the problems and holds the rejected rows in the import layout.
    book = load_workbook(io.BytesIO(catalogue_io.error_workbook(result)))
    assert book.sheetnames == ["错误明细", "待修正数据"]
    listed = list(book["错误明细"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in listed] == [3, 4, 5, 8]
    fix = list(book["待修正数据"].iter_rows(values_only=True))
    assert fix[0] == ("原始行号", *HEADER)
    assert [r[0] for r in fix[1:]] == [3, 4, 5, 8]
    assert fix[2][HEADER.index("最低等级") + 1] == "一般"


def test_the_error_sheet_corrected_imports_again(world: Any) -> None:
    content = _xlsx([_row(编号="test-fix", 最低等级="一般")])
    first = catalogue_import(actor=world.admin, name="a.xlsx", content=content)
    assert first.rejected == 1
    book = load_workbook(io.BytesIO(catalogue_io.error_workbook(first)))
    sheet = book["待修正数据"]
    sheet.cell(row=2, column=HEADER.index("最低等级") + 2, value="重大")
    buffer = io.BytesIO()
    book.save(buffer)

    second = catalogue_import(actor=world.admin, name="a-错误明细.xlsx", content=buffer.getvalue())

    assert (second.rows, second.created, second.rejected) == (1, 1, 0)
    assert RiskCatalogItem.objects.get(code="test-fix").min_level == "MAJOR"


def test_json_rows_are_numbered_by_item(world: Any) -> None:
    document = {
        "format": "saferisk-risk-catalogue",
        "version": 1,
        "items": [
            {
                "code": "json-ok",
                "sector": "gas_use",
                "key_sector": "gas_use",
                "industry_prefixes": [],
                "name": "燃气调压站",
                "hazard": "燃气泄漏遇火源爆炸",
                "accident_types": ["其它爆炸"],
                "min_level": "MAJOR",
                "measures": ["设置可燃气体报警"],
            },
            {
                "code": "json-bad",
                "sector": "gas_use",
                "name": "x",
                "hazard": "y",
                "accident_types": "火灾",
                "min_level": "LOW",
            },
            "not an object",
        ],
    }
    result = catalogue_import(actor=world.admin, name="x.json", content=json.dumps(document).encode())
    assert (result.rows, result.created, result.rejected) == (3, 1, 2)
    assert [(p.row, p.reason) for p in result.problems] == [
        (2, "目录条目的最低等级应为重大或较大"),
        (3, "条目应为 JSON 对象"),
    ]
    assert result.row_label == "条目序号"
    ok = RiskCatalogItem.objects.get(code="json-ok")
    assert (ok.key_sector_id, ok.min_level, ok.active) == ("gas_use", "MAJOR", True)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.json", b'{"format": "other", "items": []}', "format_unknown"),
        ("a.json", b'{"format": "saferisk-risk-catalogue", "version": 2, "items": []}', "version_unknown"),
        ("a.json", b"{not json", "file_unreadable"),
        ("a.csv", b"code,name", "file_type"),
        ("a.xlsx", b"", "file_empty"),
    ],
)
def test_unusable_files_change_nothing(world: Any, name: str, content: bytes, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        catalogue_import(actor=world.admin, name=name, content=content)
    assert exc.value.code == code
    assert _item_events() == 0


def test_a_sheet_without_the_headers_is_refused(world: Any) -> None:
    with pytest.raises(DomainError) as exc:
        catalogue_import(actor=world.admin, name="a.xlsx", content=_xlsx([["x"]], header=["名称", "等级"]))
    assert exc.value.code == "header_not_found"
    assert _item_events() == 0


def test_dry_run_changes_nothing(world: Any) -> None:
    before = _state()
    content = _xlsx(
        [
            _row(编号="dry-new"),
            _row(编号="dust_explosion-01", 最低等级="重大"),
            _row(编号="bad", 最低等级="低"),
        ]
    )

    result = catalogue_import(actor=world.admin, name="dry.xlsx", content=content, dry_run=True)

    assert (result.rows, result.created, result.updated, result.rejected, result.dry_run) == (
        3,
        1,
        1,
        1,
        True,
    )
    assert _state() == before
    assert not RiskCatalogItem.objects.filter(code="dry-new").exists()
    assert _item_events() == 0
    assert ReassessmentTask.objects.count() == 0


def test_a_level_raised_by_import_opens_reassessment_where_the_item_is_used(world: Any) -> None:
    item = RiskCatalogItem.objects.filter(min_level="LARGE").order_by("code").first()
    assert item is not None
    risk = risk_adopt(actor=world.enterprise_filler, enterprise=world.ent_a, item=item)
    records = [catalogue_io.item_record(item)]
    records[0]["min_level"] = "MAJOR"
    content = json.dumps({"format": "saferisk-risk-catalogue", "version": 1, "items": records}).encode()

    result = catalogue_import(actor=world.admin, name="raise.json", content=content)

    assert (result.updated, result.unchanged, result.rejected) == (1, 0, 0)
    task = ReassessmentTask.objects.get(enterprise=world.ent_a)
    assert (task.trigger, task.status, task.catalog_item_id) == (
        ReassessmentTrigger.CATALOGUE,
        TaskStatus.OPEN,
        item.pk,
    )
    assert list(task.items.values_list("risk_id", flat=True)) == [risk.pk]
    assert "最低等级" in task.description
    assert ReassessmentTask.objects.exclude(enterprise=world.ent_a).count() == 0


def test_only_admins_import(world: Any) -> None:
    with pytest.raises(Forbidden):
        catalogue_import(actor=world.county_regulator, name="a.xlsx", content=_xlsx([_row()]))
    assert not RiskCatalogItem.objects.filter(code="test-01").exists()
    assert _item_events() == 0


def test_template_has_headers_notes_and_the_example_apart(world: Any) -> None:
    response = world.client(world.county_regulator).get("/risks/catalogue/template/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["风险目录", "填写说明", "填写示例"]
    assert [c.value for c in book["风险目录"][1]] == HEADER
    assert book["风险目录"].max_row == 1
    example = [c.value for c in book["填写示例"][2]]
    assert example[0] == "dust_explosion-99"
    # The template imports as it is: no row, nothing written.
    result = catalogue_import(actor=world.admin, name="模板.xlsx", content=response.content)
    assert (result.rows, result.rejected) == (0, 0)
    # The example row, imported on its own, is a valid item.
    only_example = _xlsx([example])
    assert catalogue_import(actor=world.admin, name="例.xlsx", content=only_example).created == 1


def test_command_line_round_trip(world: Any, tmp_path: Path) -> None:
    before = _state()
    for fmt in ("json", "xlsx"):
        path = tmp_path / f"catalogue.{fmt}"
        call_command("catalogue", "export", "--format", fmt, str(path))
        assert path.stat().st_size > 0
        out = io.StringIO()
        call_command("catalogue", "import", str(path), "--as", "admin", "--json", stdout=out)
        summary = json.loads(out.getvalue())
        assert (summary["rows"], summary["unchanged"], summary["rejected"]) == (108, 108, 0)
    assert _state() == before
    assert (
        AuditEvent.objects.filter(action="risk_catalog.imported", changes__after__dry_run=False).count() == 2
    )


def test_command_line_rejects_and_writes_the_error_workbook(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_xlsx([_row(编号="cli-bad", 最低等级="一般"), _row(编号="cli-ok")]))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("catalogue", "import", str(path), "--as", "admin", "--dry-run", stdout=out)
    assert exc.value.code == 1
    text = out.getvalue()
    assert "试运行" in text
    assert "第2行" in text
    assert (tmp_path / "bad-错误明细.xlsx").exists()
    assert not RiskCatalogItem.objects.filter(code="cli-ok").exists()
    with pytest.raises(CommandError, match="系统管理员"):
        call_command("catalogue", "import", str(path), "--as", "county_regulator")
    assert not RiskCatalogItem.objects.filter(code="cli-ok").exists()


def test_non_admins_export_without_source_and_confidence(world: Any) -> None:
    client = world.client(world.county_regulator)
    document = json.loads(client.get("/risks/catalogue/export/json/").content)
    assert len(document["items"]) == 108
    assert all("source" not in i and "confidence" not in i for i in document["items"])
    response = world.client(world.enterprise_filler).get("/risks/catalogue/?format=xlsx")
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == [h for h in HEADER if h not in ("来源", "可信度")]
    before = _state()

    # Imported by an admin, both keep the source and confidence as they are.
    for name, data in (("r.json", json.dumps(document).encode()), ("f.xlsx", content)):
        result = catalogue_import(actor=world.admin, name=name, content=data)
        assert (result.rows, result.unchanged, result.rejected) == (108, 108, 0)
    assert _state() == before


@pytest.mark.parametrize(
    ("written", "stored"),
    [("高", "H"), ("中", "M"), ("低", "L"), ("H", "H"), ("m", "M"), ("l", "L"), ("", "")],
)
def test_confidence_is_read_as_chinese_or_letters(world: Any, written: str, stored: str) -> None:
    result = catalogue_import(actor=world.admin, name="c.xlsx", content=_xlsx([_row(可信度=written)]))
    assert (result.created, result.rejected) == (1, 0)
    assert RiskCatalogItem.objects.get(code="test-01").confidence == stored


def test_an_unknown_confidence_is_rejected_in_chinese(world: Any) -> None:
    content = json.dumps(
        {"format": "saferisk-risk-catalogue", "version": 1, "items": [{"code": "c-1", "confidence": "很高"}]}
    ).encode()
    result = catalogue_import(actor=world.admin, name="c.json", content=content)
    assert result.rejected == 1
    assert [(p.row, p.column, p.value, p.reason) for p in result.problems] == [
        (1, "可信度", "很高", "可信度应填写高、中、低（或 H、M、L），也可留空")
    ]
    assert not RiskCatalogItem.objects.filter(code="c-1").exists()
    # A rejected JSON item comes back in the fix sheet with 高/中/低.
    assert catalogue_io.record_cells({"code": "x", "confidence": "M"})[HEADER.index("可信度")] == "中"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{\n  "format": "saferisk-risk-catalogue",\n  "items": [\n    {"code": "a" "name": "b"}\n  ]\n}',
            "JSON 文件格式有误：第4行第18列附近缺少逗号。请检查该处，或从本系统重新导出。",
        ),
        (
            b'{"format": "saferisk-risk-catalogue", "version": 1, "items": [],}',
            "JSON 文件格式有误：第1行第64列附近对象末尾多了一个逗号。请检查该处，或从本系统重新导出。",
        ),
        (
            b"{not json",
            "JSON 文件格式有误：第1行第2列附近键名应使用英文双引号，或对象末尾多了一个逗号。请检查该处，或从本系统重新导出。",
        ),
        (
            b"\n\n[1, 2] x",
            "JSON 文件格式有误：第3行第8列附近文件内容结束后还有多余的字符。请检查该处，或从本系统重新导出。",
        ),
        ('{"format": "风险"}'.encode("gb18030"), "JSON 文件不是 UTF-8 编码，请以 UTF-8 编码保存后再上传"),
    ],
)
def test_a_malformed_json_file_says_where_in_chinese(world: Any, content: bytes, message: str) -> None:
    with pytest.raises(DomainError) as exc:
        catalogue_import(actor=world.admin, name="bad.json", content=content)
    assert (exc.value.code, exc.value.message, exc.value.field) == ("file_unreadable", message, "file")
    assert _item_events() == 0
