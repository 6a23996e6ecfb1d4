"""Excel exchange of the risk register: the export (columns, values, level colours), the template
(its data sheet is what imports, never its example), and the import (levels computed, bad rows
rejected with their row and column while good rows apply, counts that add up, an error workbook
that re-imports as it is, an exported register that re-imports unchanged, dry runs, who may)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from saferisk.core.models import AuditEvent
from saferisk.risks.models import Risk, RiskCatalogItem, RiskVersion
from saferisk.risks.register_excel import (
    EXPORT_HEADERS,
    IMPORT_COLUMNS,
    find_layout,
    register_import,
)
from saferisk.risks.services import risk_retire, risk_save

pytestmark = pytest.mark.django_db

HEADERS = [f"{c.header}*" if c.required else c.header for c in IMPORT_COLUMNS]

LEC_RISK = {
    "name": "反应釜超温超压",
    "place": "合成车间",
    "part": "1号反应釜",
    "activity": "加料升温",
    "method": "lec",
    "inputs": {"L": 3, "E": 6, "C": 15},
    "accident_types": [18, 7],  # 其它爆炸, 灼烫
    "hazard_factors": ["2203"],
    "owner_name": "王工",
    "owner_phone": "13800001111",
    "department": "生产部",
    "people_exposed": 6,
    "emergency_measures": "立即停止进料\n开启冷却",
    "measures": [
        {"kind": "engineering", "text": "温度压力联锁，超限自动切断进料"},
        {"kind": "monitoring", "text": "温度、压力在线监测并远传中控室"},
    ],
}
LS_RISK = {
    "name": "叉车撞人",
    "place": "成品仓库",
    "method": "ls",
    "inputs": {"L": 3, "S": 4},
    "accident_types": [2],  # 车辆伤害
    "owner_name": "李班长",
    "measures": [{"kind": "management", "text": "叉车司机持证上岗"}],
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def row(**values: Any) -> list[Any]:
    """A template row from import-column keys."""
    return [values.get(c.key, "") for c in IMPORT_COLUMNS]


GOOD_LEC = row(
    name="储罐区泄漏爆炸",
    place="罐区",
    part="甲醇储罐",
    accident_types="火灾、其它爆炸",
    hazard_factors="2203 易燃液体",
    method="LEC",
    L=3,
    E=6,
    C=40,
    owner_name="张工",
    owner_phone="13900002222",
    measures="【工程技术】设置可燃气体报警并与切断阀联锁\n每班巡检罐区",
    people_exposed=4,
)
GOOD_LS = row(
    name="登高检修坠落",
    place="成品仓库",
    activity="货架检修",
    accident_types="高处坠落",
    method="LS",
    L=3,
    S=4,
    owner_name="李班长",
    measures="【个体防护】系挂安全带\n【管理制度】执行高处作业审批",
)


def workbook(rows: list[list[Any]], headers: list[str] | None = None, *, title: str = "") -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "风险清单"
    if title:
        ws.append([title])
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def save(tmp_path: Path, content: bytes, name: str = "清单.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def upload(
    client: Any, enterprise_pk: int, content: bytes, *, dry_run: bool = False, name: str = "清单.xlsx"
) -> Any:
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(f"/risks/enterprises/{enterprise_pk}/register/import/", data)


def sheet_rows(content: bytes, sheet: str | None = None) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


# --- Export ------------------------------------------------------------------------------------


def _register(world: Any) -> tuple[Risk, Risk, Risk]:
    actor, ent = world.enterprise_filler, world.ent_a
    lec = risk_save(actor=actor, enterprise=ent, data=LEC_RISK)
    ls = risk_save(actor=actor, enterprise=ent, data=LS_RISK)
    old = risk_save(
        actor=actor, enterprise=ent, data={**LS_RISK, "name": "旧叉车通道", "inputs": {"L": 5, "S": 5}}
    )
    risk_retire(actor=actor, risk=old, reason="通道已封闭")
    return lec, ls, old


def test_export_has_the_article_11_columns_values_and_level_colours(world: Any) -> None:
    lec, ls, _old = _register(world)
    response = world.client(world.enterprise_filler).get(f"/risks/enterprises/{world.ent_a.pk}/register.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    ws = book.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == [h for h, _w in EXPORT_HEADERS]
    assert rows[0][:6] == ["序号", "风险名称", "风险点（场所）", "部位", "环节", "风险等级"]
    assert len(rows) == 3  # the retired risk is left out by default
    head = rows[0]
    first = dict(zip(head, rows[1], strict=True))
    second = dict(zip(head, rows[2], strict=True))
    # Most severe first: 较大 (LEC 270) before 一般 (LS 12).
    assert (first["序号"], first["风险名称"], first["风险等级"]) == (1, "反应釜超温超压", "较大风险")
    assert (first["评估方法"], first["评估参数"], first["分值"]) == ("LEC", "L=3 E=6 C=15", 270)
    assert first["可能导致的事故类型"] == "灼烫、其它爆炸"
    assert first["危险有害因素"] == "2203 易燃液体"
    assert (
        first["管控措施"]
        == "【工程技术】温度压力联锁，超限自动切断进料\n【在线监测】温度、压力在线监测并远传中控室"
    )
    assert (first["管控层级"], first["责任部门"], first["责任人"], first["联系电话"]) == (
        "部门（车间）级",
        "生产部",
        "王工",
        "13800001111",
    )
    assert (first["接触人数"], first["应急处置措施"], first["状态"], first["版本"]) == (
        6,
        "立即停止进料\n开启冷却",
        "在用",
        1,
    )
    assert (second["风险等级"], second["评估参数"], second["分值"], second["管控层级"]) == (
        "一般风险",
        "L=3 S=4",
        12,
        "班组级",
    )
    level_col = head.index("风险等级") + 1
    assert ws.cell(row=2, column=level_col).fill.fgColor.rgb == "FFFB8C00"  # 较大: orange
    assert ws.cell(row=3, column=level_col).fill.fgColor.rgb == "FFFDD835"  # 一般: yellow
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:Y3"
    assert ws.column_dimensions["B"].width > 20

    everything = world.client(world.county_regulator).get(
        f"/risks/enterprises/{world.ent_a.pk}/register.xlsx?status=all"
    )
    assert everything.status_code == 200
    names = [r[1] for r in sheet_rows(everything.content)[1:]]
    assert names == ["旧叉车通道", "反应釜超温超压", "叉车撞人"]  # 重大 (retired) first
    assert sheet_rows(everything.content)[1][head.index("状态")] == "已停用"
    general = world.client(world.admin).get(
        f"/risks/enterprises/{world.ent_a.pk}/register.xlsx?level=GENERAL"
    )
    assert [r[1] for r in sheet_rows(general.content)[1:]] == ["叉车撞人"]


def test_export_is_not_for_outsiders(world: Any) -> None:
    _register(world)
    url = f"/risks/enterprises/{world.ent_a.pk}/register.xlsx"
    assert world.client(world.other_county_regulator).get(url).status_code == 404
    assert world.client(world.other_enterprise_filler).get(url).status_code == 404


# --- Template ----------------------------------------------------------------------------------


def test_template_has_the_import_columns_instructions_and_an_example_that_never_imports(
    world: Any, tmp_path: Path
) -> None:
    response = world.client(world.enterprise_filler).get("/risks/register-template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["风险清单", "填写说明", "填写示例"]
    data = [list(r) for r in book["风险清单"].iter_rows(values_only=True)]
    assert data[0] == HEADERS
    assert data[0][:5] == ["风险名称*", "风险点（场所）*", "部位", "环节", "可能导致的事故类型*"]
    notes = "\n".join(str(c) for r in book["填写说明"].iter_rows(values_only=True) for c in r if c)
    assert "L：10＝完全可以预料；6＝相当可能；3＝可能，但不经常" in notes
    assert "S：" in notes
    assert "D > 320：重大风险" in notes
    assert "物体打击、车辆伤害、机械伤害" in notes
    assert "管理制度、工程技术、在线监测" in notes
    assert "公司（厂）级、部门（车间）级、班组级、岗位级" in notes
    example = [list(r) for r in book["填写示例"].iter_rows(values_only=True)]
    assert example[1] == HEADERS
    assert len(example) == 5

    # The untouched template: the data sheet is read (no rows), never the example.
    result = register_import(
        actor=world.enterprise_filler, enterprise=world.ent_a, path=save(tmp_path, response.content)
    )
    assert (result.sheet, result.rows, result.created) == ("风险清单", 0, 0)
    assert not Risk.objects.exists()

    # Filled in: the data sheet's rows import with the levels the methods give.
    ws = book["风险清单"]
    ws.append(GOOD_LEC)
    ws.append(GOOD_LS)
    filled = io.BytesIO()
    book.save(filled)
    result = register_import(
        actor=world.enterprise_filler, enterprise=world.ent_a, path=save(tmp_path, filled.getvalue())
    )
    assert (result.rows, result.created, result.rejected) == (2, 2, 0)
    tank = Risk.objects.get(name="储罐区泄漏爆炸")
    assert (tank.score, tank.computed_level, tank.level, tank.control_tier) == (
        720,
        "MAJOR",
        "MAJOR",
        "company",
    )
    assert tank.inputs == {"L": 3, "E": 6, "C": 40}
    assert sorted(tank.accident_types.values_list("name", flat=True)) == ["其它爆炸", "火灾"]
    assert list(tank.hazard_factors.values_list("code", flat=True)) == ["2203"]
    assert [(m.kind, m.text) for m in tank.measures.all()] == [
        ("engineering", "设置可燃气体报警并与切断阀联锁"),
        ("management", "每班巡检罐区"),
    ]
    assert (tank.owner_phone, tank.people_exposed, tank.part) == ("13900002222", 4, "甲醇储罐")
    ladder = Risk.objects.get(name="登高检修坠落")
    assert (ladder.score, ladder.level, ladder.control_tier) == (12, "GENERAL", "team")
    assert not Risk.objects.filter(name__in=["叉车撞人", "受限空间作业中毒窒息"]).exists()


def test_example_sheet_alone_is_refused() -> None:
    head = [(1, ["填写示例（本表仅供参考，不会被导入）"]), (2, HEADERS)]
    assert find_layout(head) is None
    assert find_layout([(1, ["标题"]), (2, HEADERS)]) is not None


def test_template_example_rows_are_valid_when_copied(world: Any, tmp_path: Path) -> None:
    content = world.client(world.enterprise_filler).get("/risks/register-template.xlsx").content
    book = load_workbook(io.BytesIO(content))
    example = [list(r) for r in book["填写示例"].iter_rows(values_only=True)][2:]
    ws = book["风险清单"]
    for r in example:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    result = register_import(
        actor=world.enterprise_filler, enterprise=world.ent_a, path=save(tmp_path, out.getvalue())
    )
    assert (result.created, result.rejected) == (3, 0), result.errors
    assert dict(Risk.objects.values_list("name", "level")) == {
        "反应釜超温超压": "LARGE",
        "叉车撞人": "GENERAL",
        "受限空间作业中毒窒息": "LARGE",
    }


# --- Import ------------------------------------------------------------------------------------


def test_bad_rows_are_rejected_with_row_column_and_reason_while_good_rows_apply(
    world: Any, tmp_path: Path
) -> None:
    unknown_type = row(
        **{
            **dict(zip([c.key for c in IMPORT_COLUMNS], GOOD_LS, strict=True)),
            "name": "甲",
            "accident_types": "车辆伤害、天灾",
        }
    )
    off_scale = row(
        **{**dict(zip([c.key for c in IMPORT_COLUMNS], GOOD_LEC, strict=True)), "name": "乙", "L": 4}
    )
    no_owner = row(
        **{**dict(zip([c.key for c in IMPORT_COLUMNS], GOOD_LS, strict=True)), "name": "丙", "owner_name": ""}
    )
    duplicate = list(GOOD_LEC)
    content = workbook(
        [GOOD_LEC, unknown_type, [], off_scale, no_owner, GOOD_LS, duplicate, ["", " "]],
        title="某公司风险清单",
    )
    result = register_import(
        actor=world.enterprise_filler, enterprise=world.ent_a, path=save(tmp_path, content)
    )
    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (6, 2, 0, 0, 4)
    assert result.blank_lines == 2
    assert result.created + result.updated + result.unchanged + result.rejected == result.rows
    assert sorted(Risk.objects.values_list("name", flat=True)) == ["储罐区泄漏爆炸", "登高检修坠落"]
    by_row = {e["row"]: e for e in result.errors}
    assert sorted(by_row) == [4, 6, 7, 9]  # title in row 1, header in row 2
    assert by_row[4]["column"] == "可能导致的事故类型*"
    assert by_row[4]["message"].startswith("事故类型“天灾”不在 GB 6441 的分类中，应为：物体打击、车辆伤害")
    assert by_row[6]["column"] == "L"
    assert by_row[6]["value"] == "4"
    assert by_row[6]["message"] == "L 的取值“4”不在标准取值中，应为：10、6、3、1、0.5、0.2、0.1"
    assert (by_row[7]["column"], by_row[7]["message"]) == ("责任人*", "责任人不能为空")
    assert by_row[9]["message"] == "与第3行的风险名称和风险点（场所）重复，本行未导入"
    event = AuditEvent.objects.get(action="risk.register_imported")
    assert event.changes["after"]["created"] == 2
    assert event.changes["after"]["rejected"] == 4
    assert event.enterprise_id == world.ent_a.pk
    assert AuditEvent.objects.filter(action="risk.created").count() == 2


def test_error_workbook_explains_and_reimports_once_corrected(world: Any, tmp_path: Path) -> None:
    off_scale = list(GOOD_LEC)
    off_scale[[c.key for c in IMPORT_COLUMNS].index("L")] = 4
    client = world.client(world.enterprise_filler)
    response = upload(client, world.ent_a.pk, workbook([GOOD_LS, off_scale]))
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.rejected) == (1, 1)
    page = response.content.decode()
    assert 'data-count="rejected">1<' in page
    assert "不在标准取值中" in page
    errors_url = f"/risks/enterprises/{world.ent_a.pk}/register/import/errors/{result.error_token}/"
    assert errors_url in page
    download = client.get(errors_url)
    assert download.status_code == 200
    raw = _bytes(download)
    rows = sheet_rows(raw)
    assert rows[0][:2] == ["原始行号", "错误说明"]
    assert rows[0][2:] == HEADERS
    assert rows[1][0] == 3
    assert "【L】L 的取值“4”不在标准取值中" in rows[1][1]
    assert rows[1][2] == "储罐区泄漏爆炸"
    # Corrected in place and uploaded again as it is.
    book = load_workbook(io.BytesIO(raw))
    ws = book["待修正数据"]
    ws.cell(row=2, column=2 + [c.key for c in IMPORT_COLUMNS].index("L") + 1, value=3)
    out = io.BytesIO()
    book.save(out)
    again = upload(client, world.ent_a.pk, out.getvalue(), name="错误明细.xlsx")
    assert again.status_code == 200
    second = again.context["result"]
    assert (second.rows, second.created, second.rejected) == (1, 1, 0)
    assert Risk.objects.get(name="储罐区泄漏爆炸").level == "MAJOR"
    # Another enterprise's user cannot fetch it; an unknown token goes back to the import page.
    assert world.client(world.other_enterprise_filler).get(errors_url).status_code == 404
    gone = client.get(f"/risks/enterprises/{world.ent_a.pk}/register/import/errors/{'0' * 32}/")
    assert gone.status_code == 302


def _bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_exported_register_reimports_unchanged_and_edits_update_by_name_and_place(
    world: Any, tmp_path: Path
) -> None:
    actor, ent = world.enterprise_filler, world.ent_a
    _register(world)
    item = RiskCatalogItem.objects.filter(min_level="LARGE").first()
    assert item is not None
    risk_save(
        actor=actor,
        enterprise=ent,
        data={
            **LS_RISK,
            "name": "粉尘爆炸",
            "place": "打磨车间",
            "method": "direct",
            "inputs": {},
            "level": "LARGE",
            "catalog_item": item.pk,
            "basis": [{"document": "工贸企业粉尘防爆安全规定", "clause": "第十条", "version": "2021"}],
        },
    )
    risk_save(
        actor=actor,
        enterprise=ent,
        data={
            **LEC_RISK,
            "name": "配电室  触电",  # an inner double space survives the round trip
            "place": "配电室",
            "emergency_measures": "断电\r\n施救",
            "level": "MAJOR",
            "level_reason": "高压",
        },
    )
    versions = RiskVersion.objects.count()
    exported = world.client(actor).get(f"/risks/enterprises/{ent.pk}/register.xlsx?status=all").content
    result = register_import(actor=actor, enterprise=ent, path=save(tmp_path, exported))
    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (
        5,
        0,
        0,
        5,
        0,
    ), result.errors
    assert result.notes == []
    assert result.ignored_columns == []  # every export column is either read or known
    assert RiskVersion.objects.count() == versions
    assert Risk.objects.count() == 5

    # Edit two cells of the export: the risk with that name and place changes, nothing is added.
    book = load_workbook(io.BytesIO(exported))
    ws = book.worksheets[0]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=2).value == "叉车撞人":
            ws.cell(row=r, column=head.index("责任人") + 1, value="周班长")
            ws.cell(row=r, column=head.index("评估参数") + 1, value="L=4 S=4")
            ws.cell(row=r, column=head.index("部位") + 1, value=None)  # blank keeps
    out = io.BytesIO()
    book.save(out)
    response = upload(world.client(actor), ent.pk, out.getvalue())
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    forklift = Risk.objects.get(name="叉车撞人", status="active")
    assert (forklift.owner_name, forklift.inputs, forklift.score, forklift.level, forklift.version) == (
        "周班长",
        {"L": 4, "S": 4},
        16,
        "LARGE",
        2,
    )
    # The old level (一般) was still in the 风险等级 cell: the computed level wins, and says so.
    assert result.notes == [
        {
            "row": 6,  # the forklift is the last of the five (一般)
            "message": "风险等级按评估结果定为“较大风险”（表中为“一般风险”）；如需调整等级，请填写等级理由",
        }
    ]


def test_blank_optional_cells_keep_values_and_retired_rows_are_not_revived(
    world: Any, tmp_path: Path
) -> None:
    actor, ent = world.enterprise_filler, world.ent_a
    risk = risk_save(actor=actor, enterprise=ent, data=LEC_RISK)
    values = dict(zip([c.key for c in IMPORT_COLUMNS], GOOD_LEC, strict=True))
    values.update(name=LEC_RISK["name"], place=LEC_RISK["place"], part="", owner_phone="", C=15)
    result = register_import(actor=actor, enterprise=ent, path=save(tmp_path, workbook([row(**values)])))
    assert result.updated == 1
    risk.refresh_from_db()
    assert (risk.part, risk.owner_phone, risk.owner_name, risk.level) == (
        "1号反应釜",
        "13800001111",
        "张工",
        "LARGE",
    )

    headers = [*HEADERS, "状态"]
    retired_row = [*row(**{**values, "name": "早已拆除的风险"}), "已停用"]
    result = register_import(
        actor=actor, enterprise=ent, path=save(tmp_path, workbook([retired_row], headers))
    )
    assert (result.rows, result.rejected, result.created) == (1, 1, 0)
    assert result.errors[0]["column"] == "状态"
    assert "不导入" in result.errors[0]["message"]


def test_direct_grading_needs_a_level_and_a_hand_set_level_needs_a_reason(world: Any, tmp_path: Path) -> None:
    keys = [c.key for c in IMPORT_COLUMNS]
    base = dict(zip(keys, GOOD_LS, strict=True))
    direct_no_level = row(**{**base, "name": "甲", "method": "直接判定", "L": "", "S": ""})
    direct = row(**{**base, "name": "乙", "method": "直接判定", "L": "", "S": "", "level": "重大"})
    override = row(**{**base, "name": "丙", "level": "较大风险", "level_reason": "周边有学校"})
    reason_only = row(**{**base, "name": "丁", "level_reason": "理由"})
    content = workbook([direct_no_level, direct, override, reason_only])
    result = register_import(
        actor=world.enterprise_filler, enterprise=world.ent_a, path=save(tmp_path, content)
    )
    assert (result.created, result.rejected) == (2, 2)
    messages = {e["row"]: e["message"] for e in result.errors}
    assert messages == {
        2: "评估方法为直接判定时，须填写风险等级",
        5: "填写了等级理由时，须同时填写调整后的风险等级",
    }
    assert Risk.objects.get(name="乙").level == "MAJOR"
    third = Risk.objects.get(name="丙")
    assert (third.computed_level, third.level, third.level_reason) == ("GENERAL", "LARGE", "周边有学校")


def test_dry_run_counts_and_changes_nothing(world: Any, tmp_path: Path) -> None:
    existing = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=LEC_RISK)
    events = AuditEvent.objects.count()
    changed = dict(zip([c.key for c in IMPORT_COLUMNS], GOOD_LEC, strict=True))
    changed.update(name=LEC_RISK["name"], place=LEC_RISK["place"], owner_name="新责任人")
    bad = row(**{**changed, "name": "坏行", "method": "HAZOP"})
    response = upload(
        world.client(world.enterprise_filler),
        world.ent_a.pk,
        workbook([GOOD_LS, row(**changed), bad]),
        dry_run=True,
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.dry_run, result.created, result.updated, result.rejected) == (True, 1, 1, 1)
    assert result.errors[0]["message"] == "评估方法“HAZOP”无效，应为：LEC、LS 或 直接判定"
    assert 'data-testid="dry-run"' in response.content.decode()
    assert list(Risk.objects.values_list("pk", flat=True)) == [existing.pk]
    existing.refresh_from_db()
    assert (existing.owner_name, existing.version) == ("王工", 1)
    assert AuditEvent.objects.count() == events


def test_only_the_enterprise_imports(world: Any) -> None:
    url = f"/risks/enterprises/{world.ent_a.pk}/register/import/"
    regulator = world.client(world.county_regulator)
    page = regulator.get(url)
    assert page.status_code == 200
    assert 'data-testid="import-not-allowed"' in page.content.decode()
    assert 'data-testid="register-import-form"' not in page.content.decode()
    assert upload(regulator, world.ent_a.pk, workbook([GOOD_LS])).status_code == 403
    assert (
        upload(world.client(world.other_county_regulator), world.ent_a.pk, workbook([GOOD_LS])).status_code
        == 404
    )
    assert world.client(world.other_county_regulator).get(url).status_code == 404
    assert (
        upload(world.client(world.other_enterprise_filler), world.ent_a.pk, workbook([GOOD_LS])).status_code
        == 404
    )
    assert not Risk.objects.exists()
    assert not AuditEvent.objects.filter(action="risk.register_imported").exists()
    mine = world.client(world.enterprise_filler).get(url)
    assert 'data-testid="register-import-form"' in mine.content.decode()
    admin = upload(world.client(world.admin), world.ent_a.pk, workbook([GOOD_LS]))
    assert admin.context["result"].created == 1


def test_a_file_without_the_register_header_is_refused_whole(world: Any) -> None:
    response = upload(
        world.client(world.enterprise_filler), world.ent_a.pk, workbook([["x"]], ["名称", "地址"])
    )
    assert response.status_code == 422
    assert "未找到表头" in response.content.decode()
    missing = [h for h in HEADERS if not h.startswith("责任人")]
    response = upload(world.client(world.enterprise_filler), world.ent_a.pk, workbook([], missing))
    assert response.status_code == 422
    assert "缺少必需的列：责任人" in response.content.decode()
    assert not AuditEvent.objects.filter(action="risk.register_imported").exists()


def test_csv_in_gb18030_imports_too(world: Any, tmp_path: Path) -> None:
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerow(GOOD_LS)
    path = tmp_path / "清单.csv"
    path.write_bytes(text.getvalue().encode("gb18030"))
    result = register_import(actor=world.enterprise_filler, enterprise=world.ent_a, path=path)
    assert (result.rows, result.created, result.rejected) == (1, 1, 0), result.errors
    risk = Risk.objects.get()
    assert (risk.name, risk.level, [m.kind for m in risk.measures.all()]) == (
        "登高检修坠落",
        "GENERAL",
        ["ppe", "management"],
    )


def test_export_queries_do_not_grow_with_the_register(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = world.client(world.enterprise_filler)
    url = f"/risks/enterprises/{world.ent_a.pk}/register.xlsx"
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=LEC_RISK)
    client.get(url)  # warm caches (scheme, session)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(5):
        risk_save(
            actor=world.enterprise_filler, enterprise=world.ent_a, data={**LEC_RISK, "name": f"风险{i}"}
        )
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert len(sheet_rows(response.content)) == 7
    assert len(six) == len(one)


def test_the_upload_page_says_how_rows_match(world: Any) -> None:
    page = world.client(world.enterprise_filler).get(f"/risks/enterprises/{world.ent_a.pk}/register/import/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="update-rule"' in html
    assert "风险名称" in html  # the column reference lists the import columns
    assert 'href="/risks/register-template.xlsx"' in html


def test_old_error_workbooks_are_pruned(world: Any, tmp_path: Path) -> None:
    import os
    import time

    from django.core.files.storage import default_storage

    off_scale = list(GOOD_LEC)
    off_scale[[c.key for c in IMPORT_COLUMNS].index("L")] = 4
    path = save(tmp_path, workbook([off_scale]))
    first = register_import(actor=world.enterprise_filler, enterprise=world.ent_a, path=path)
    old = default_storage.path(f"risks/register_errors/{world.ent_a.pk}/{first.error_token}.xlsx")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    second = register_import(actor=world.enterprise_filler, enterprise=world.ent_a, path=path)
    _dirs, files = default_storage.listdir(f"risks/register_errors/{world.ent_a.pk}")
    assert files == [f"{second.error_token}.xlsx"]
