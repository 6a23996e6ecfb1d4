"""Reading tables out of the spreadsheets people actually send: .xlsx/.xls/.ods through calamine
(fast, Rust) and .csv in UTF-8 or GB18030. Pure module, no Django.

Rows come out as (row number as the user sees it in Excel, list of cell values), so every
message can point at the original line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


class TableError(Exception):
    """The file cannot be read as a table; the message is for the user (Chinese)."""


@dataclass
class Table:
    """An open table: `total` rows in the sheet and an iterator of (row number, cells);
    `restart()` gives a fresh iterator from the top (the parallel import reads once per worker)."""

    total: int
    rows: Iterator[tuple[int, list[Any]]]
    restart: Callable[[], Iterator[tuple[int, list[Any]]]]
    sheet_name: str = ""


def decode_text(raw: bytes) -> str:
    """CSV files from Chinese offices come as UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码（应为 UTF-8 或 GB18030）")


HeadCheck = Callable[[list[tuple[int, list[Any]]]], bool]


def _spreadsheet(path: Path, wanted: HeadCheck | None, scan: int) -> Table:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise TableError(f"无法读取表格文件：{exc}") from exc
    sheets = [s for s in (book.get_sheet_by_name(n) for n in book.sheet_names) if s.height > 0]
    if not sheets:
        raise TableError("表格文件中没有数据")
    sheet = sheets[0]
    if wanted is not None:
        # The first sheet whose top rows hold what the caller looks for (a header row), so a
        # workbook with a notes sheet first, or our own error workbook, still imports.
        for candidate in sheets:
            top = candidate.start[0] if candidate.start else 0
            first = islice(candidate.iter_rows(), scan)
            head = [(top + i + 1, cells) for i, cells in enumerate(first)]
            if wanted(head):
                sheet = candidate
                break
    # The data range starts at the first used cell; rows above it are empty and not returned.
    first_row, first_col = sheet.start or (0, 0)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for offset, cells in enumerate(sheet.iter_rows()):
            yield first_row + offset + 1, ([""] * first_col + cells) if first_col else cells

    return Table(total=sheet.height, rows=rows(), restart=rows, sheet_name=sheet.name)


def _csv(path: Path) -> Table:
    text = decode_text(path.read_bytes())
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel

    def rows() -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        start = 1
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1

    return Table(total=total, rows=rows(), restart=rows)


def open_table(
    path: Path, *, name: str | None = None, wanted: HeadCheck | None = None, scan: int = 30
) -> Table:
    """Open a CSV file, or the sheet of a spreadsheet whose first `scan` rows satisfy `wanted`
    (else the first non-empty sheet); `name` is the file name as uploaded (the stored file may
    be renamed)."""
    suffix = Path(name or path.name).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _spreadsheet(path, wanted, scan)
    if suffix in CSV_SUFFIXES:
        return _csv(path)
    raise TableError(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .xlsx、.xls 或 .csv 文件")
