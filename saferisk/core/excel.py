"""Excel export shared by every list: the same columns as the page, streamed by openpyxl."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 1_048_575  # Excel's own limit, less the header row


@dataclass(frozen=True)
class Column:
    """One column of a list: its header and how to get the cell value from a row."""

    header: str | Promise
    value: Callable[[Any], Any]
    width: int = 16


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if isinstance(value, int | float | dt.date | str) else str(value)


def xlsx_response(*, filename: str, sheet: str, columns: list[Column], rows: Iterable[Any]) -> FileResponse:
    """A workbook with a bold, frozen, filterable header row, one row per item, at most
    MAX_EXPORT_ROWS rows, streamed from a temporary file."""
    response = FileResponse(xlsx_file(sheet=sheet, columns=columns, rows=rows), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response


def xlsx_file(*, sheet: str, columns: list[Column], rows: Iterable[Any]) -> IO[bytes]:
    """The workbook of `xlsx_response` as an open temporary file at position 0 (for commands:
    closing an HttpResponse outside a request would fire `request_finished` and close the
    database connection)."""
    return _workbook_file([(sheet, columns, rows)])


def xlsx_workbook(
    *, filename: str, sheets: Sequence[tuple[str, list[Column], Iterable[Any]]]
) -> FileResponse:
    """One workbook with a sheet per (title, columns, rows), each as `xlsx_response` makes it
    (the tables of a statistics page in one download)."""
    response = FileResponse(_workbook_file(sheets), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response


def _workbook_file(sheets: Sequence[tuple[str, list[Column], Iterable[Any]]]) -> IO[bytes]:
    wb = Workbook(write_only=True)
    for sheet, columns, rows in sheets:
        _write_sheet(wb, sheet, columns, rows)
    # Write-only rows go to temporary files and the workbook is saved to one, then streamed
    # from disk: a 500,000-row export never sits in memory.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (the caller closes it; FileResponse does after streaming)
    wb.save(spool)
    spool.seek(0)
    return spool


def _write_sheet(wb: Workbook, sheet: str, columns: list[Column], rows: Iterable[Any]) -> None:
    """A sheet with a bold, frozen, filterable header row and at most MAX_EXPORT_ROWS rows."""
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(title=sheet[:31])
    ws.freeze_panes = "A2"
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=str(col.header))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    written = 0
    for row in rows:
        if written >= MAX_EXPORT_ROWS:
            break
        ws.append([_cell(col.value(row)) for col in columns])
        written += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{written + 1}"
