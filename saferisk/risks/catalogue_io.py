"""The risk catalogue's exchange formats, and its import.

Two formats carry the same items:

- JSON: `{"format": "saferisk-risk-catalogue", "version": 1, "items": [{code, sector, key_sector,
  industry_prefixes: [..], name, typical_places, hazard, accident_types: [names], min_level,
  measures: [..], basis: [{document, clause, version}], source, confidence, active}]}`;
- Excel: one row per item under Chinese headers (编号, 行业领域 …, see `COLUMNS`), as the list page
  exports it and the template shows it.

`catalogue_import` reads either and matches rows by `code`: a new code creates an item, a known
one is changed through `catalog_item_save` (so a substantive change opens re-assessment tasks).
What a file carries is applied as written (an empty cell in a present column clears an optional
field); what it leaves out (a missing column, a missing JSON key) stays as it is. So exporting
and importing again changes nothing. A row with an error is not applied: it comes back with its
row number and the reason, and every row ends up created, updated, unchanged or rejected.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.excel import Column, xlsx_file
from saferisk.core.models import KeySector, User
from saferisk.enterprises.tabular import SPREADSHEET_SUFFIXES, TableError, open_table
from saferisk.risks.catalogue_services import catalog_item_save, item_snapshot
from saferisk.risks.models import RiskCatalogItem

FORMAT = "saferisk-risk-catalogue"
VERSION = 1
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 30
LISTED_ITEMS = 500  # created and updated items named in a result (the counts stay exact)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The catalogue's sectors as people name them. The stored value is the English code; a sheet
# shows (and may be filled with) the Chinese name, and an unknown value is kept as written.
SECTOR_LABELS = {
    "metallurgy": "冶金",
    "nonferrous": "有色",
    "building_materials": "建材",
    "machinery": "机械",
    "light_industry": "轻工",
    "textile": "纺织",
    "tobacco": "烟草",
    "commerce_warehousing": "商贸仓储",
    "dust_explosion": "涉爆粉尘",
    "ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间",
    "molten_metal": "高温熔融金属",
    "hazardous_chemicals": "危险化学品",
    "gas_use": "工业燃气使用",
    "special_equipment": "特种设备",
    "electrical": "电气",
}
SECTOR_CODES = {label: code for code, label in SECTOR_LABELS.items()}

LEVEL_LABELS = {"MAJOR": "重大", "LARGE": "较大", "GENERAL": "一般", "LOW": "低"}
LEVEL_CODES = {
    **{label: code for code, label in LEVEL_LABELS.items()},
    **{f"{label}风险": code for code, label in LEVEL_LABELS.items()},
    **{code: code for code in LEVEL_LABELS},
    **{code.lower(): code for code in LEVEL_LABELS},
}
# Confidence in an item's wording: stored H/M/L, shown and exported 高/中/低; either is read.
CONFIDENCE_LABELS = {"H": "高", "M": "中", "L": "低"}
CONFIDENCE_CODES = {
    **{label: code for code, label in CONFIDENCE_LABELS.items()},
    **{code: code for code in CONFIDENCE_LABELS},
    **{code.lower(): code for code in CONFIDENCE_LABELS},
}
# Columns and keys for administrators only: the source is a path in the catalogue's research
# notes and the confidence is the editors' own mark, neither meant for enterprises or regulators.
ADMIN_FIELDS = ("source", "confidence")
TRUE_WORDS = {"是", "启用", "true", "1", "y", "yes", "√"}
FALSE_WORDS = {"否", "停用", "false", "0", "n", "no", "×"}

# (field, Excel header), in the order of the sheet.
COLUMNS = [
    ("code", "编号"),
    ("sector", "行业领域"),
    ("key_sector", "重点行业领域"),
    ("industry_prefixes", "适用行业代码"),
    ("name", "风险点名称"),
    ("typical_places", "典型场所"),
    ("hazard", "危险因素"),
    ("accident_types", "事故类型"),
    ("min_level", "最低等级"),
    ("measures", "管控措施"),
    ("basis", "依据"),
    ("source", "来源"),
    ("confidence", "可信度"),
    ("active", "启用"),
]
HEADERS = dict(COLUMNS)
FIELDS_BY_HEADER = {header: name for name, header in COLUMNS}
REQUIRED_HEADERS = ("编号", "风险点名称")


# --- Export ----------------------------------------------------------------------------------


def export_items() -> QuerySet[RiskCatalogItem]:
    """Every item, with what the export reads, in the catalogue's order."""
    return (
        RiskCatalogItem.objects.select_related("key_sector")
        .prefetch_related("accident_types")
        .order_by("sector", "code")
    )


def sector_label(code: str) -> str:
    return SECTOR_LABELS.get(code, code)


def basis_lines(basis: Any) -> str:
    """One line per basis, "document | clause | version" (trailing empty parts left off)."""
    from saferisk.risks.services import _basis

    lines = []
    for b in _basis(basis):
        parts = [b["document"], b["clause"], b["version"]]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def item_record(item: RiskCatalogItem) -> dict[str, Any]:
    """An item in the JSON exchange format."""
    from saferisk.risks.services import _basis

    return {
        "code": item.code,
        "sector": item.sector,
        "key_sector": item.key_sector_id or None,
        "industry_prefixes": item.prefixes(),
        "name": item.name,
        "typical_places": item.typical_places,
        "hazard": item.hazard,
        "accident_types": [t.name for t in item.accident_types.all()],
        "min_level": item.min_level,
        "measures": list(item.measures or []),
        "basis": _basis(item.basis),
        "source": item.source,
        "confidence": item.confidence,
        "active": item.active,
    }


def export_document(items: Iterable[RiskCatalogItem], *, internal: bool = True) -> dict[str, Any]:
    """The exchange document; without `internal` the administrators' fields are left out (an
    import then keeps them as they are)."""
    records = [item_record(i) for i in items]
    if not internal:
        records = [{k: v for k, v in r.items() if k not in ADMIN_FIELDS} for r in records]
    return {"format": FORMAT, "version": VERSION, "items": records}


def export_json_bytes(items: Iterable[RiskCatalogItem], *, internal: bool = True) -> bytes:
    document = export_document(items, internal=internal)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def confidence_label(code: str) -> str:
    return CONFIDENCE_LABELS.get(code, code)


# The sheet's columns, shared by the list page's export and the command line.
EXCEL_COLUMNS = [
    Column("编号", lambda i: i.code, 22),
    Column("行业领域", lambda i: sector_label(i.sector), 12),
    Column("重点行业领域", lambda i: i.key_sector.name if i.key_sector_id else "", 14),
    Column("适用行业代码", lambda i: i.industry_prefixes, 14),
    Column("风险点名称", lambda i: i.name, 36),
    Column("典型场所", lambda i: i.typical_places, 24),
    Column("危险因素", lambda i: i.hazard, 50),
    Column("事故类型", lambda i: "、".join(t.name for t in i.accident_types.all()), 24),
    Column("最低等级", lambda i: LEVEL_LABELS.get(i.min_level, i.min_level), 8),
    Column("管控措施", lambda i: "\n".join(i.measures or []), 50),
    Column("依据", lambda i: basis_lines(i.basis), 50),
    Column("来源", lambda i: i.source, 30),
    Column("可信度", lambda i: confidence_label(i.confidence), 8),
    Column("启用", lambda i: i.active, 6),
]
ADMIN_HEADERS = {HEADERS[f] for f in ADMIN_FIELDS}


def excel_columns(*, internal: bool) -> list[Column]:
    """The sheet's columns; without `internal` the administrators' columns are left out (an
    import of that sheet keeps them as they are: a missing column changes nothing)."""
    return EXCEL_COLUMNS if internal else [c for c in EXCEL_COLUMNS if c.header not in ADMIN_HEADERS]


def export_xlsx_bytes(items: QuerySet[RiskCatalogItem]) -> bytes:
    """The same workbook the list page exports (for the command line)."""
    with xlsx_file(sheet="风险目录", columns=EXCEL_COLUMNS, rows=items.iterator(chunk_size=2000)) as spool:
        return spool.read()


# --- Reading rows ----------------------------------------------------------------------------


class RowProblem(Exception):
    """One cell that cannot be used; the message is for the user (Chinese)."""

    def __init__(self, column: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value
        self.reason = reason


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed into Excel (3110 → 3110.0) back to their digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_basis(text: str) -> list[dict[str, str]]:
    """Lines of "document | clause | version" (half- or full-width bars)."""
    out = []
    for line in str(text or "").splitlines():
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if parts and parts[0]:
            parts += [""] * (3 - len(parts))
            out.append({"document": parts[0], "clause": parts[1], "version": "|".join(parts[2:]).strip("|")})
    return out


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[、，,;；\n]", text) if p.strip()]


def _key_sectors() -> dict[str, str]:
    """Key sectors by code and by name."""
    out: dict[str, str] = {}
    for code, name in KeySector.objects.values_list("code", "name"):
        out[code] = code
        out[name] = code
    return out


def _key_sector(value: Any, sectors: Mapping[str, str]) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    if text not in sectors:
        raise RowProblem(HEADERS["key_sector"], text, f"重点行业领域“{text}”不存在")
    return sectors[text]


def _active(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if not text:
        return None
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise RowProblem(HEADERS["active"], text, "“启用”应填写“是”或“否”")


def _confidence(value: Any) -> str:
    """高/中/低 or H/M/L (any case) to the stored letter; empty stays empty."""
    text = cell_text(value)
    if not text:
        return ""
    if text not in CONFIDENCE_CODES:
        raise RowProblem(HEADERS["confidence"], text, "可信度应填写高、中、低（或 H、M、L），也可留空")
    return CONFIDENCE_CODES[text]


def cells_to_data(cells: Mapping[str, Any], sectors: Mapping[str, str]) -> dict[str, Any]:
    """A sheet row (field → cell) as the service's `data`. Raises RowProblem."""
    data: dict[str, Any] = {}
    for name, value in cells.items():
        text = cell_text(value)
        if name == "sector":
            data[name] = SECTOR_CODES.get(text, text)
        elif name == "key_sector":
            data[name] = _key_sector(value, sectors)
        elif name == "industry_prefixes":
            data[name] = " ".join(_split(text.replace(" ", "、")))
        elif name == "accident_types":
            data[name] = _split(text)
        elif name == "min_level":
            data[name] = LEVEL_CODES.get(text, text)
        elif name == "measures":
            data[name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif name == "basis":
            data[name] = parse_basis(text)
        elif name == "confidence":
            data[name] = _confidence(value)
        elif name == "active":
            active = _active(value)
            if active is not None:  # left empty: kept (a new item is active)
                data[name] = active
        else:
            data[name] = text
    return data


def _list_of_text(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return _split(value) if name != "measures" else [v for v in value.splitlines() if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    raise RowProblem(
        HEADERS[name], cell_text(json.dumps(value, ensure_ascii=False)), f"{HEADERS[name]}应为文字列表"
    )


def record_to_data(record: Any, sectors: Mapping[str, str]) -> dict[str, Any]:
    """A JSON item as the service's `data`. Raises RowProblem."""
    if not isinstance(record, dict):
        raise RowProblem("", cell_text(json.dumps(record, ensure_ascii=False))[:200], "条目应为 JSON 对象")
    data: dict[str, Any] = {}
    for name, value in record.items():
        if name not in HEADERS:
            continue  # unknown keys (a later version's additions) are ignored
        if name in ("industry_prefixes", "accident_types", "measures"):
            values = _list_of_text(name, value)
            data[name] = " ".join(values) if name == "industry_prefixes" else values
        elif name == "key_sector":
            data[name] = _key_sector(value, sectors)
        elif name == "min_level":
            data[name] = LEVEL_CODES.get(cell_text(value), cell_text(value))
        elif name == "basis":
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(b, dict) for b in value):
                raise RowProblem(
                    HEADERS["basis"], cell_text(value), "依据应为 [{document, clause, version}] 列表"
                )
            data[name] = value
        elif name == "active":
            active = value if isinstance(value, bool) else _active(value)
            if active is not None:
                data[name] = active
        elif name == "confidence":
            data[name] = _confidence(value)
        else:
            data[name] = cell_text(value)
    return data


def record_cells(record: Any) -> list[str]:
    """A JSON item as a row of the sheet (to correct a rejected item in Excel)."""
    if not isinstance(record, dict):
        return [""] * len(COLUMNS)
    out = []
    for name, _header in COLUMNS:
        value = record.get(name)
        if name == "sector":
            out.append(sector_label(cell_text(value)))
        elif name == "min_level":
            out.append(LEVEL_LABELS.get(cell_text(value), cell_text(value)))
        elif name == "confidence":
            out.append(confidence_label(cell_text(value)))
        elif name == "basis" and isinstance(value, list):
            out.append(basis_lines([b for b in value if isinstance(b, dict)]))
        elif isinstance(value, list):
            joiner = "\n" if name == "measures" else " " if name == "industry_prefixes" else "、"
            out.append(joiner.join(cell_text(v) for v in value))
        elif name == "active" and value is None:
            out.append("")
        else:
            out.append(cell_text(value))
    return out


def normalise_header(value: Any) -> str:
    """A header cell as written by people: "最低等级（重大/较大）*" → "最低等级"."""
    text = re.sub(r"[\s*＊]", "", cell_text(value))
    return re.split(r"[（(]", text, maxsplit=1)[0]


def find_header(head: list[tuple[int, list[Any]]]) -> tuple[int, dict[int, str]] | None:
    """The first row naming both 编号 and 风险点名称: its number and {column index: field}."""
    for row_no, cells in head:
        names = [normalise_header(c) for c in cells]
        if all(h in names for h in REQUIRED_HEADERS):
            columns: dict[int, str] = {}
            for i, header in enumerate(names):
                field_name = FIELDS_BY_HEADER.get(header)
                if field_name and field_name not in columns.values():
                    columns[i] = field_name
            return row_no, columns
    return None


# --- Import ----------------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    code: str
    column: str
    value: str
    reason: str


@dataclass
class CatalogueImportResult:
    name: str
    kind: str  # "xlsx" or "json"
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    blank_lines: int = 0
    problems: list[Problem] = field(default_factory=list)
    fix_header: list[str] = field(default_factory=list)  # the rejected rows' sheet, to correct
    fix_rows: list[list[Any]] = field(default_factory=list)  # [row number, *cells]
    # Which items were created and updated, as [code, name] (the first LISTED_ITEMS of each).
    created_items: list[list[str]] = field(default_factory=list)
    updated_items: list[list[str]] = field(default_factory=list)

    @property
    def row_label(self) -> str:
        return "原始行号" if self.kind == "xlsx" else "条目序号"

    def counts(self) -> dict[str, int]:
        keys = ("rows", "created", "updated", "unchanged", "rejected", "blank_lines")
        return {k: getattr(self, k) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatalogueImportResult:
        values = dict(data)
        values["problems"] = [Problem(**p) for p in values.get("problems", [])]
        return cls(**values)


@dataclass
class _Row:
    number: int
    cells: list[Any]  # as the fix sheet shows them
    data: dict[str, Any] | None  # None when a cell could not be read
    problems: list[Problem]


def _sheet_rows(path: Path, name: str) -> tuple[list[str], Iterator[_Row], list[int]]:
    """(headers present, rows, [blank line count]) of the sheet whose header names 编号 and
    风险点名称."""
    try:
        table = open_table(path, name=name, wanted=lambda head: find_header(head) is not None)
    except TableError as exc:
        message = str(exc)
        if message.startswith("无法读取表格文件"):  # the reader's own (English) reason follows
            message = "无法读取表格文件：文件已损坏或不是 Excel 格式，请在 Excel 中另存为 .xlsx 后再上传"
        raise DomainError("file_unreadable", message, field="file") from exc
    head = []
    for item in table.rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    found = find_header(head)
    if found is None:
        raise DomainError(
            "header_not_found",
            "未找到表头：表格前30行中应有一行同时包含“编号”和“风险点名称”列",
            field="file",
        )
    header_row, columns = found
    present = [HEADERS[f] for f in columns.values()]
    sectors = _key_sectors()
    blank = [0]

    def rows() -> Iterator[_Row]:
        def all_rows() -> Iterator[tuple[int, list[Any]]]:
            yield from head
            yield from table.rows

        for number, raw in all_rows():
            if number <= header_row:
                continue
            cells = {f: raw[i] if i < len(raw) else "" for i, f in columns.items()}
            if not any(cell_text(v) for v in cells.values()):
                blank[0] += 1
                continue
            shown = [cell_text(v) for v in cells.values()]
            code = cell_text(cells.get("code"))
            try:
                yield _Row(number, shown, cells_to_data(cells, sectors), [])
            except RowProblem as exc:
                yield _Row(
                    number, shown, None, [Problem(number, code, exc.column, cell_text(exc.value), exc.reason)]
                )

    return present, rows(), blank


# What Python's JSON parser says (its messages are English), as people fixing the file read it.
JSON_PROBLEMS = {
    "Expecting value": "缺少值，或多了一个逗号",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号，或对象末尾多了一个逗号",
    "Illegal trailing comma before end of object": "对象末尾多了一个逗号",
    "Illegal trailing comma before end of array": "列表末尾多了一个逗号",
    "Unterminated string starting at": "字符串缺少结束的英文双引号",
    "Extra data": "文件内容结束后还有多余的字符",
    "Invalid control character at": "字符串中有不允许的控制字符（如未转义的换行）",
    "Invalid \\escape": "反斜杠转义不正确",
    "Invalid \\uXXXX escape": "\\u 转义不正确",
}


def json_error_message(exc: json.JSONDecodeError) -> str:
    """A JSON syntax error in Chinese, with where it is (line and column, 1-based)."""
    what = JSON_PROBLEMS.get(exc.msg, "格式不正确")
    return f"JSON 文件格式有误：第{exc.lineno}行第{exc.colno}列附近{what}。请检查该处，或从本系统重新导出。"


def _json_rows(content: bytes) -> Iterator[_Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            "file_unreadable", "JSON 文件不是 UTF-8 编码，请以 UTF-8 编码保存后再上传", field="file"
        ) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError("file_unreadable", json_error_message(exc), field="file") from exc
    except (ValueError, RecursionError) as exc:  # numbers too long, nesting too deep
        raise DomainError("file_unreadable", "无法读取 JSON 文件：内容不是有效的 JSON", field="file") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DomainError("format_unknown", f"不是风险目录交换文件（format 应为“{FORMAT}”）", field="file")
    if document.get("version") != VERSION:
        raise DomainError(
            "version_unknown",
            f"不支持的交换格式版本“{document.get('version')}”（应为 {VERSION}）",
            field="file",
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise DomainError("format_unknown", "交换文件中缺少 items 列表", field="file")
    sectors = _key_sectors()
    for number, record in enumerate(items, start=1):
        code = cell_text(record.get("code")) if isinstance(record, dict) else ""
        try:
            yield _Row(number, record_cells(record), record_to_data(record, sectors), [])
        except RowProblem as exc:
            problem = Problem(number, code, exc.column, cell_text(exc.value)[:200], exc.reason)
            yield _Row(number, record_cells(record), None, [problem])


def _open(name: str, content: bytes) -> tuple[str, list[str], Iterator[_Row], list[int]]:
    """(kind, headers of the fix sheet, rows, [blank lines]) of an uploaded file."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return "json", [h for _f, h in COLUMNS], _json_rows(content), [0]
    if suffix in SPREADSHEET_SUFFIXES:
        with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
            tmp.write(content)
            path = Path(tmp.name)
        try:
            present, rows, blank = _sheet_rows(path, name)
            # Read now: the temporary file goes away below, and a catalogue is small.
            return "xlsx", present, iter(list(rows)), blank
        finally:
            path.unlink(missing_ok=True)
    raise DomainError("file_type", "请上传 .xlsx 或 .json 文件", field="file")


def catalogue_import(
    *, actor: User, name: str, content: bytes, dry_run: bool = False
) -> CatalogueImportResult:
    """Import a catalogue file (see the module docstring). Raises DomainError, writing nothing,
    when the file as a whole cannot be used; rows are rejected one by one otherwise. One
    `risk_catalog.imported` event records the counts (per-item events come from the service);
    a dry run rolls everything back, that event included."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以导入风险目录", code="admin_only")
    if not content:
        raise DomainError("file_empty", "文件为空", field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", "文件超过20MB", field="file")
    kind, header, rows, blank = _open(name, content)
    result = CatalogueImportResult(name=Path(name).name, kind=kind, dry_run=dry_run)
    result.fix_header = [result.row_label, *header]

    def reject(row: _Row, problems: list[Problem]) -> None:
        result.rejected += 1
        result.problems.extend(problems)
        result.fix_rows.append([row.number, *row.cells])

    with transaction.atomic():
        existing = {i.code: i for i in RiskCatalogItem.objects.all()}
        seen: dict[str, int] = {}
        for row in rows:
            result.rows += 1
            if row.data is None:
                reject(row, row.problems)
                continue
            code = str(row.data.get("code") or "")
            if not code:
                reject(row, [Problem(row.number, "", HEADERS["code"], "", "编号不能为空")])
                continue
            if code in seen:
                reason = f"与第{seen[code]}{'行' if kind == 'xlsx' else '条'}的编号重复，本条未导入"
                reject(row, [Problem(row.number, code, HEADERS["code"], code, reason)])
                continue
            seen[code] = row.number
            item = existing.get(code)
            before = item_snapshot(item) if item else None
            try:
                with transaction.atomic():
                    saved = catalog_item_save(actor=actor, item=item, data=row.data)
            except DomainError as exc:
                column = HEADERS.get(exc.field or "", exc.field or "")
                value = row.data.get(exc.field or "", "")
                shown = "、".join(map(str, value)) if isinstance(value, list) else cell_text(value)
                reject(row, [Problem(row.number, code, column, shown[:200], exc.message)])
                continue
            if item is None:
                result.created += 1
                existing[saved.code] = saved
                if len(result.created_items) < LISTED_ITEMS:
                    result.created_items.append([saved.code, saved.name])
            elif item_snapshot(saved) == before:
                result.unchanged += 1
            else:
                result.updated += 1
                if len(result.updated_items) < LISTED_ITEMS:
                    result.updated_items.append([saved.code, saved.name])
        result.blank_lines = blank[0]
        audit_record(
            actor=actor,
            action="risk_catalog.imported",
            object_repr=result.name,
            changes={"after": {"file": result.name, "dry_run": dry_run, **result.counts()}},
        )
        if dry_run:
            transaction.set_rollback(True)
    assert result.created + result.updated + result.unchanged + result.rejected == result.rows, result
    return result


# --- Workbooks -------------------------------------------------------------------------------


def error_workbook(result: CatalogueImportResult) -> bytes:
    """What was rejected and why, and the rejected rows in the import layout: corrected, that
    sheet can be imported again as it is."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    text = book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("错误明细")
    sheet.write_row(0, 0, [result.row_label, "编号", "列", "值", "原因"], bold)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 3, 24)
    sheet.set_column(4, 4, 60)
    sheet.freeze_panes(1, 0)
    for r, p in enumerate(result.problems, start=1):
        sheet.write_number(r, 0, p.row)
        for c, value in enumerate((p.code, p.column, p.value, p.reason), start=1):
            sheet.write_string(r, c, str(value))
    fix = book.add_worksheet("待修正数据")
    fix.write_row(0, 0, result.fix_header, bold)
    fix.set_column(0, 0, 10)
    fix.set_column(1, max(1, len(result.fix_header) - 1), 20, text)
    fix.freeze_panes(1, 0)
    for r, row in enumerate(result.fix_rows, start=1):
        fix.write_number(r, 0, row[0])
        for c, value in enumerate(row[1:], start=1):
            fix.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


TEMPLATE_NOTES = [
    "1. 每行一个风险目录条目，按“编号”匹配：新编号新增条目，已有编号更新该条目。",
    "2. 编号：字母、数字、- 和 _，如 dust_explosion-09。",
    "3. 行业领域：如 涉爆粉尘、冶金、危险化学品（也可填英文代码，如 dust_explosion）。",
    "4. 重点行业领域：填写系统中的重点行业领域名称（如 涉爆粉尘），可留空。",
    "5. 适用行业代码：GB/T 4754 行业代码或其前2至4位，多个以空格分隔，如 3110 3120；请将该列设为文本格式。"
    "适用行业代码和重点行业领域都为空的条目只供企业选用，不计入应报尽报缺项。",
    "6. 事故类型：GB 6441 事故类别名称，多个以“、”分隔，如 火灾、其他爆炸。",
    "7. 最低等级：重大 或 较大（风险目录只收录较大以上风险）。",
    "8. 管控措施：每行一条（单元格内按 Alt+Enter 换行）。",
    "9. 依据：每行一条，格式为“文件名称 | 条款 | 版本”，条款和版本可省略。",
    "10. 可信度：高、中、低（也可填 H、M、L）或留空；启用：是 或 否，留空时保持不变（新条目默认启用）。",
    "11. 表中出现的列按所填内容写入（空单元格清空该项）；表中没有的列保持不变。"
    "最低等级、危险因素、事故类型、管控措施、适用范围的变更会通知引用该条目的企业重新评估。",
    "12. 有错误的行不会导入，导入结果中可下载错误明细，修改“待修正数据”表后可直接再次导入。",
]

TEMPLATE_EXAMPLE = [
    "dust_explosion-99",
    "涉爆粉尘",
    "涉爆粉尘",
    "",
    "示例：木粉干式除尘系统",
    "砂光、锯切工段",
    "除尘器内积尘遇点火源（火花、静电）可引发粉尘爆炸",
    "其他爆炸、火灾",
    "较大",
    "除尘系统按规定设置泄爆、隔爆装置\n每班清扫积尘并记录\n进入除尘器前的管道设火花探测与熄灭装置",
    "工贸企业粉尘防爆安全规定 | 第十四条 | 应急管理部令第6号",
    "示例来源",
    "中",
    "是",
]


def template_workbook() -> bytes:
    """Headers the import reads, notes, and an example row on its own sheet (so a template
    filled in below the headers never imports a made-up item)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    text = book.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    headers = [h for _f, h in COLUMNS]
    widths = {c.header: c.width for c in EXCEL_COLUMNS}
    for title, rows in (("风险目录", []), ("填写示例", [TEMPLATE_EXAMPLE])):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, headers, bold)
        for i, h in enumerate(headers):
            sheet.set_column(i, i, widths.get(h, 16), text)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value, text)
        if title == "风险目录":
            notes = book.add_worksheet("填写说明")
            for r, line in enumerate(TEMPLATE_NOTES):
                notes.write(r, 0, line)
            notes.set_column(0, 0, 120)
    book.close()
    return buffer.getvalue()


def stamped(name: str, suffix: str) -> str:
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}{suffix}"
