"""The register workbook's columns: what the import reads (and by which headers it knows them),
finding the header row, and the Chinese labels every workbook uses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation

from saferisk.enterprises import statistics_list as sl
from saferisk.risks import assessment
from saferisk.risks.choices import AssessmentMethod, ControlTier, MeasureKind, RiskStatus
from saferisk.risks.schemes import level_styles

HEADER_SCAN_ROWS = 30
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000  # registers are a few thousand rows at most; more is the wrong file
ERROR_DIR = "risks/register_errors"
EXAMPLE_MARKER = "填写示例（本表仅供参考，不会被导入）"
METHOD_NAMES: dict[str, str] = {
    AssessmentMethod.LEC: "LEC",
    AssessmentMethod.LS: "LS",
    AssessmentMethod.DIRECT: "直接判定",
}
FACTORS = ("L", "E", "C", "S")
HEADER_FILL = "#EEF2F7"
BAD_CELL_FILL = "#F8D7DA"


# --- Columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    """One column the import reads: its key, its header in the template, the other headers it
    is recognised by, and whether every row must fill it."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: int = 14
    note: str = ""


IMPORT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(
        "name", "风险名称", ("风险事件", "风险事件名称"), True, 24, "风险的简要名称，如“反应釜超温超压”"
    ),
    ImportColumn(
        "place", "风险点（场所）", ("风险点", "场所", "风险点/场所", "区域/场所"), True, 18, "区域或单元"
    ),
    ImportColumn("part", "部位", ("设备设施", "设备部位", "设备设施/部位"), False, 14, "设备、设施或部位"),
    ImportColumn("activity", "环节", ("作业活动", "作业环节", "作业活动/环节"), False, 14, "作业步骤或活动"),
    ImportColumn(
        "accident_types",
        "可能导致的事故类型",
        ("事故类型", "可能导致的事故", "可能导致事故类型"),
        True,
        20,
        "GB 6441 的事故类型名称，多个用“、”分隔",
    ),
    ImportColumn(
        "hazard_factors",
        "危险有害因素",
        ("危险和有害因素", "危险、有害因素"),
        False,
        24,
        "GB/T 13861 代码或名称，多个用换行或分号分隔",
    ),
    ImportColumn("method", "评估方法", ("评价方法", "风险评估方法"), True, 10, "LEC、LS 或 直接判定"),
    ImportColumn("L", "L", ("L值",), False, 6, "事故发生的可能性（LEC 与 LS 共用此列）"),
    ImportColumn("E", "E", ("E值",), False, 6, "暴露于危险环境的频繁程度（仅 LEC）"),
    ImportColumn("C", "C", ("C值",), False, 6, "发生事故可能造成的后果（仅 LEC）"),
    ImportColumn("S", "S", ("S值",), False, 6, "事故后果严重性（仅 LS）"),
    ImportColumn(
        "level",
        "风险等级",
        ("等级", "风险级别"),
        False,
        10,
        "直接判定时必填；LEC/LS 按计算结果定级，填写等级理由时按此列调整等级",
    ),
    ImportColumn(
        "level_reason", "等级理由", ("等级调整理由", "定级理由"), False, 20, "风险等级与计算结果不同时必填"
    ),
    ImportColumn("control_tier", "管控层级", ("管控级别",), False, 12, "空白时按风险等级取通常层级"),
    ImportColumn("department", "责任部门", ("管控责任部门",), False, 12),
    ImportColumn("owner_name", "责任人", ("管控责任人",), True, 10),
    ImportColumn(
        "owner_phone",
        "联系电话",
        ("责任人电话", "责任人联系电话", "电话"),
        False,
        14,
        "11位手机号或带区号的固定电话",
    ),
    ImportColumn(
        "measures",
        "管控措施",
        ("风险管控措施",),
        True,
        50,
        "每行一条；可在开头写“【类别】”，不写类别的按“管理制度”",
    ),
    ImportColumn("emergency_measures", "应急处置措施", ("应急措施",), False, 36),
    ImportColumn("catalog_item", "风险目录编号", ("目录编号",), False, 18, "较大以上安全风险目录的条目编号"),
    ImportColumn("people_exposed", "接触人数", ("暴露人数",), False, 8, "整数"),
)
# Read when present, not in the template: what the export writes besides the import columns.
EXTRA_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("params", "评估参数", ("评价参数",)),
    ImportColumn("status", "状态"),
)
# Written by the export or the error workbook for people; the import passes over them quietly.
INFORMATIONAL_HEADERS = ("序号", "分值", "剩余风险等级", "依据", "版本", "更新时间", "原始行号", "错误说明")

PAREN = re.compile(r"[(（][^)）]*[)）]")


def _header_key(text: Any) -> str:
    return sl.header_key(text).casefold()


_ALIAS_INDEX: dict[str, str] = {}
for _column in (*IMPORT_COLUMNS, *EXTRA_COLUMNS):
    for _alias in (_column.header, *_column.aliases):
        _ALIAS_INDEX.setdefault(_header_key(_alias), _column.key)
_INFORMATIONAL = {_header_key(h) for h in INFORMATIONAL_HEADERS}
COLUMN_BY_KEY = {c.key: c for c in (*IMPORT_COLUMNS, *EXTRA_COLUMNS)}


def match_header(text: Any) -> str | None:
    """The column key of a header cell (full-width or half-width brackets, spaces, a trailing
    "*" and a bracketed remark all allowed), or None."""
    key = _header_key(text)
    if not key:
        return None
    for candidate in (key, PAREN.sub("", key)):
        if candidate in _ALIAS_INDEX:
            return _ALIAS_INDEX[candidate]
    return None


@dataclass
class Layout:
    """Where the header row is and which column holds which field."""

    header_row: int
    columns: dict[str, int]  # key -> 0-based column index
    headers: dict[str, str]  # key -> header as written in the file
    ignored: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.columns

    def header(self, key: str) -> str:
        return self.headers.get(key) or COLUMN_BY_KEY[key].header


def find_layout(candidates: Sequence[tuple[int, Sequence[Any]]]) -> Layout | None:
    """The header row among the first rows: the one naming the most columns, which must include
    the risk name and the risk point. A sheet carrying the example marker never matches."""
    best: Layout | None = None
    for row_no, cells in candidates[:HEADER_SCAN_ROWS]:
        if any(isinstance(c, str) and EXAMPLE_MARKER in c for c in cells):
            return None
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            key = match_header(cell)
            written = str(cell or "").strip()
            if key is None or key in columns:
                if written and _header_key(cell) not in _INFORMATIONAL:
                    ignored.append(written)
                continue
            columns[key] = index
            headers[key] = written
        if "name" in columns and "place" in columns and (best is None or len(columns) > len(best.columns)):
            best = Layout(row_no, columns, headers, ignored)
    return best


# --- Labels (always Chinese: the workbook is a document, whatever the page language) -------------


@dataclass(frozen=True)
class Labels:
    levels: dict[str, str]  # code -> label of the scheme in force
    colours: dict[str, str]
    tiers: dict[str, str]
    kinds: dict[str, str]
    statuses: dict[str, str]


def labels() -> Labels:
    styles = level_styles()
    with translation.override("zh-hans"):
        return Labels(
            levels={code: styles[code]["label"] for code in assessment.LEVELS},
            colours={code: styles[code]["colour"] for code in assessment.LEVELS},
            tiers={str(v): str(label) for v, label in ControlTier.choices},
            kinds={str(v): str(label) for v, label in MeasureKind.choices},
            statuses={str(v): str(label) for v, label in RiskStatus.choices},
        )


def plain(value: Any) -> int | float | str:
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return int(number) if number == number.to_integral_value() else float(number)
