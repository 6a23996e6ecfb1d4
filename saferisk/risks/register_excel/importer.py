"""The import service: each row through `risk_save` in its own savepoint, the counts, the audit
event and the error workbook."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError
from saferisk.core.models import User
from saferisk.enterprises import statistics_list as sl
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.tabular import TableError, open_table
from saferisk.risks.choices import AssessmentMethod, RiskStatus
from saferisk.risks.models import Risk
from saferisk.risks.register_excel.columns import (
    BAD_CELL_FILL,
    COLUMN_BY_KEY,
    ERROR_DIR,
    FACTORS,
    HEADER_FILL,
    HEADER_SCAN_ROWS,
    IMPORT_COLUMNS,
    MAX_ROWS,
    Layout,
    find_layout,
    labels,
)
from saferisk.risks.register_excel.reader import (
    Lookups,
    Problem,
    RowReader,
    cell_text,
    match_key,
)
from saferisk.risks.services import require_register_editor, risk_save
from saferisk.risks.summary import deferred_refresh

ERROR_KEEP_DAYS = 30

# Where a `risk_save` error points: its field -> column key.
_FIELD_COLUMN = {
    "inputs": "L",
    "residual": "level",
    "description": "name",
}


@dataclass
class RegisterImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    blank_lines: int = 0
    dry_run: bool = False
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # key -> header in the file
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, value, message
    notes: list[dict[str, Any]] = field(default_factory=list)  # row, message: applied, but look
    error_token: str = ""  # names the error workbook (see error_file_name)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def counts(self) -> dict[str, int]:
        keys = ("rows", "created", "updated", "unchanged", "rejected", "blank_lines")
        return {k: getattr(self, k) for k in keys}


@dataclass
class _Rejected:
    row_no: int
    cells: list[Any]
    problems: list[Problem]


def may_import(user: User, enterprise: Enterprise) -> bool:
    """Only the enterprise's own users (and admins) keep its register; regulators export it."""
    try:
        require_register_editor(user, enterprise)
    except DomainError:
        return False
    return True


def error_file_name(enterprise: Enterprise, token: str) -> str | None:
    """Storage name of an import's error workbook, or None for a malformed token."""
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    return f"{ERROR_DIR}/{enterprise.pk}/{token}.xlsx"


def _write_errors(enterprise: Enterprise, header: list[Any], rejected: list[_Rejected], width: int) -> str:
    """The rejected rows as they were, behind 原始行号 and 错误说明, with the bad cells tinted, and
    one line per problem on a second sheet. The first sheet keeps the file's header, so it can
    be corrected and uploaded again as it is."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    tint = book.add_format({"bg_color": BAD_CELL_FILL, "text_wrap": True, "valign": "top"})
    reason = book.add_format({"font_color": "#C0392B", "text_wrap": True, "valign": "top"})
    fix = book.add_worksheet("待修正数据")
    fix.write_row(0, 0, ["原始行号", "错误说明", *[sl.as_cell(c) for c in header]], head)
    fix.set_column(0, 0, 9)
    fix.set_column(1, 1, 50)
    fix.set_column(2, width + 1, 16)
    fix.freeze_panes(1, 2)
    for r, rej in enumerate(rejected, start=1):
        bad = {p.index for p in rej.problems if p.index is not None}
        fix.write_number(r, 0, rej.row_no)
        text = "；".join(f"【{p.column}】{p.message}" if p.column else p.message for p in rej.problems)
        fix.write_string(r, 1, text, reason)
        for i, value in enumerate(rej.cells[: max(width, len(rej.cells))]):
            cell = sl.as_cell(value)
            fmt = tint if i in bad else wrap
            if isinstance(cell, str):
                fix.write_string(r, i + 2, cell, fmt)
            elif isinstance(cell, dt.datetime | dt.date):
                fix.write(r, i + 2, str(cell), fmt)
            else:
                fix.write_number(r, i + 2, float(cell), fmt)
        for i in bad:
            if i >= len(rej.cells):
                fix.write_blank(r, i + 2, None, tint)
    detail = book.add_worksheet("错误明细")
    detail.write_row(0, 0, ["原始行号", "列", "值", "错误说明"], head)
    detail.set_column(0, 0, 9)
    detail.set_column(1, 2, 22)
    detail.set_column(3, 3, 80)
    detail.freeze_panes(1, 0)
    r = 1
    for rej in rejected:
        for p in rej.problems:
            detail.write_number(r, 0, rej.row_no)
            detail.write_row(r, 1, [p.column, p.value, p.message], wrap)
            r += 1
    book.close()
    _prune_errors(enterprise)
    token = secrets.token_hex(16)
    name = error_file_name(enterprise, token)
    assert name is not None
    default_storage.save(name, ContentFile(buffer.getvalue()))
    return token


def _prune_errors(enterprise: Enterprise) -> None:
    """Error workbooks are for correcting the upload at hand: those of the enterprise older than
    ERROR_KEEP_DAYS go when a new one is written."""
    folder = f"{ERROR_DIR}/{enterprise.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(days=ERROR_KEEP_DAYS)
    for file in files:
        try:
            if default_storage.get_modified_time(f"{folder}/{file}") < cutoff:
                default_storage.delete(f"{folder}/{file}")
        except (FileNotFoundError, NotImplementedError):
            continue


def _problem_from(exc: DomainError, layout: Layout, cells: Sequence[Any]) -> Problem:
    key = _FIELD_COLUMN.get(exc.field or "", exc.field or "")
    if key in FACTORS and not layout.has(key) and layout.has("params"):
        key = "params"
    if key in COLUMN_BY_KEY:
        index = layout.columns.get(key)
        value = cells[index] if index is not None and index < len(cells) else ""
        return Problem(layout.header(key), cell_text(value), exc.message, index)
    return Problem("", "", exc.message)


def _data_rows(table: Any, head: list[tuple[int, list[Any]]], after: int) -> Iterator[tuple[int, list[Any]]]:
    for row_no, cells in head:
        if row_no > after:
            yield row_no, cells
    yield from table.rows


def register_import(
    *,
    actor: User,
    enterprise: Enterprise,
    path: Path,
    original_name: str | None = None,
    dry_run: bool = False,
) -> RegisterImportResult:
    """Import a register workbook into `enterprise` (see the module docstring). Raises
    DomainError, having written nothing, when the file as a whole cannot be used; otherwise
    returns the counts (created + updated + unchanged + rejected = rows) and the problems.
    A dry run does everything, then rolls it back."""
    require_register_editor(actor, enterprise)
    name = original_name or path.name
    try:
        table = open_table(
            path, name=name, wanted=lambda head: find_layout(head) is not None, scan=HEADER_SCAN_ROWS
        )
    except TableError as exc:
        raise DomainError("file_unreadable", str(exc), field="file") from exc
    head: list[tuple[int, list[Any]]] = []
    for item in table.rows:
        head.append(item)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    layout = find_layout(head)
    if layout is None:
        raise DomainError(
            "header_not_found",
            "未找到表头：表格前30行中应有一行同时包含“风险名称”和“风险点（场所）”列"
            "（“填写示例”页不会被导入，请在“风险清单”页填写）",
            field="file",
        )
    missing = [COLUMN_BY_KEY[c.key].header for c in IMPORT_COLUMNS if c.required and not layout.has(c.key)]
    if missing:
        raise DomainError("columns_missing", f"缺少必需的列：{'、'.join(missing)}", field="file")
    if table.total - layout.header_row > MAX_ROWS:
        raise DomainError("too_many_rows", f"一次最多导入{MAX_ROWS}行风险", field="file")
    header_cells = next(cells for row_no, cells in head if row_no == layout.header_row)
    reader = RowReader(layout, Lookups.load())
    names = labels()
    result = RegisterImportResult(
        dry_run=dry_run,
        sheet=table.sheet_name,
        header_row=layout.header_row,
        columns=dict(layout.headers),
        ignored_columns=layout.ignored,
    )
    rejected: list[_Rejected] = []
    active: dict[tuple[str, str], list[Risk]] = {}
    retired: set[tuple[str, str]] = set()
    for risk in Risk.objects.filter(enterprise=enterprise).select_related("catalog_item"):
        if risk.status == RiskStatus.ACTIVE:
            active.setdefault(match_key(risk.name, risk.place), []).append(risk)
        else:
            retired.add(match_key(risk.name, risk.place))
    seen: dict[tuple[str, str], int] = {}

    def reject(row_no: int, cells: list[Any], problems: list[Problem]) -> None:
        rejected.append(_Rejected(row_no, cells, problems))
        result.rejected += 1

    with transaction.atomic(), deferred_refresh():
        for row_no, cells in _data_rows(table, head, layout.header_row):
            if reader.is_blank(cells):
                result.blank_lines += 1
                continue
            result.rows += 1
            cells = list(cells)
            parsed = reader.read(cells)
            if parsed.problems:
                reject(row_no, cells, parsed.problems)
                continue
            first = seen.get(parsed.key)
            if first is not None:
                message = f"与第{first}行的风险名称和风险点（场所）重复，本行未导入"
                reject(
                    row_no,
                    cells,
                    [Problem(layout.header("name"), parsed.values["name"], message, layout.columns["name"])],
                )
                continue
            seen[parsed.key] = row_no
            matches = active.get(parsed.key, [])
            if parsed.retired:
                if parsed.key in retired:
                    result.unchanged += 1
                    continue
                message = (
                    "导入不能停用风险，请在风险清单页面停用（须写明理由）"
                    if matches
                    else "状态为“已停用”的行不导入；如需新增，请将状态改为“在用”或清空"
                )
                reject(
                    row_no,
                    cells,
                    [
                        Problem(
                            layout.header("status"),
                            names.statuses["retired"],
                            message,
                            layout.columns.get("status"),
                        )
                    ],
                )
                continue
            if len(matches) > 1:
                message = f"本企业有{len(matches)}项风险名称和风险点（场所）都相同的在用风险，无法确定更新哪一项，请在系统中处理"
                reject(
                    row_no,
                    cells,
                    [Problem(layout.header("name"), parsed.values["name"], message, layout.columns["name"])],
                )
                continue
            target = matches[0] if matches else None
            version = target.version if target else 0
            try:
                saved = risk_save(
                    actor=actor, enterprise=enterprise, risk=target, data=parsed.data_for(target)
                )
            except DomainError as exc:
                reject(row_no, cells, [_problem_from(exc, layout, cells)])
                continue
            if target is None:
                result.created += 1
            elif saved.version != version:
                result.updated += 1
            else:
                result.unchanged += 1
            if (
                parsed.method != AssessmentMethod.DIRECT
                and parsed.level
                and not parsed.level_reason
                and parsed.level != saved.level
            ):
                result.notes.append(
                    {
                        "row": row_no,
                        "message": f"风险等级按评估结果定为“{names.levels[saved.level]}”"
                        f"（表中为“{names.levels[parsed.level]}”）；如需调整等级，请填写等级理由",
                    }
                )
        audit_record(
            actor=actor,
            action="risk.register_imported",
            obj=enterprise,
            changes={"after": {"file": name, "dry_run": dry_run, **result.counts}},
        )
        if dry_run:
            transaction.set_rollback(True)
    assert result.created + result.updated + result.unchanged + result.rejected == result.rows, result
    if rejected:
        result.error_token = _write_errors(enterprise, list(header_cells), rejected, len(header_cells))
    result.errors = [
        {"row": r.row_no, "column": p.column, "value": p.value, "message": p.message}
        for r in rejected
        for p in r.problems
    ][:200]
    return result
