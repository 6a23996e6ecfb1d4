"""The register as Excel: one row per risk in the order of the Article 11 control list, level
cells in their colour."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from saferisk.risks.choices import AssessmentMethod
from saferisk.risks.models import Risk
from saferisk.risks.register_excel.columns import (
    FACTORS,
    HEADER_FILL,
    METHOD_NAMES,
    Labels,
    labels,
    plain,
)

EXPORT_HEADERS: tuple[tuple[str, int], ...] = (
    ("序号", 6),
    ("风险名称", 24),
    ("风险点（场所）", 18),
    ("部位", 14),
    ("环节", 14),
    ("风险等级", 10),
    ("评估方法", 10),
    ("评估参数", 18),
    ("分值", 8),
    ("等级理由", 20),
    ("剩余风险等级", 12),
    ("可能导致的事故类型", 20),
    ("危险有害因素", 28),
    ("接触人数", 8),
    ("管控措施", 50),
    ("管控层级", 14),
    ("责任部门", 12),
    ("责任人", 10),
    ("联系电话", 14),
    ("应急处置措施", 36),
    ("风险目录编号", 18),
    ("依据", 30),
    ("状态", 8),
    ("版本", 6),
    ("更新时间", 17),
)
LEVEL_COLUMNS = {"风险等级", "剩余风险等级"}


def inputs_text(inputs: dict[str, Any] | None) -> str:
    """ "L=3 E=6 C=15": the assessment inputs as the export writes and the import reads them."""
    given = {k.upper(): v for k, v in (inputs or {}).items()}
    order = [*(f for f in FACTORS if f in given), *sorted(set(given) - set(FACTORS))]
    return " ".join(f"{k}={plain(given[k])}" for k in order)


def export_row(risk: Risk, number: int, names: Labels) -> list[Any]:
    """One risk as a row of EXPORT_HEADERS (related rows prefetched)."""
    updated = timezone.localtime(risk.updated_at).replace(tzinfo=None) if risk.updated_at else ""
    return [
        number,
        risk.name,
        risk.place,
        risk.part,
        risk.activity,
        names.levels.get(risk.level, risk.level),
        METHOD_NAMES.get(risk.method, risk.method),
        inputs_text(risk.inputs) if risk.method != AssessmentMethod.DIRECT else "",
        plain(risk.score),
        risk.level_reason,
        names.levels.get(risk.residual_level, "") if risk.residual_level else "",
        "、".join(t.name for t in sorted(risk.accident_types.all(), key=lambda t: t.code)),
        "\n".join(f"{h.code} {h.name}" for h in sorted(risk.hazard_factors.all(), key=lambda h: h.code)),
        risk.people_exposed if risk.people_exposed is not None else "",
        "\n".join(f"【{names.kinds.get(m.kind, m.kind)}】{m.text}" for m in risk.measures.all()),
        names.tiers.get(risk.control_tier, risk.control_tier),
        risk.department,
        risk.owner_name,
        risk.owner_phone,
        risk.emergency_measures,
        risk.catalog_item.code if risk.catalog_item else "",
        "\n".join(
            " ".join(p for p in (b.get("document", ""), b.get("clause", ""), b.get("version", "")) if p)
            for b in risk.basis or []
        ),
        names.statuses.get(risk.status, risk.status),
        risk.version,
        updated,
    ]


def _ink(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (#RRGGBB)."""
    try:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#000000"
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def export_workbook(risks: QuerySet[Risk], *, sheet: str = "风险清单") -> bytes:
    """`risks` (already filtered and sorted, most severe first) as an .xlsx: bold frozen header
    with a filter, fixed widths, wrapped text, level cells filled with the level's colour."""
    names = labels()
    risks = risks.select_related("catalog_item").prefetch_related(
        "accident_types", "hazard_factors", "measures"
    )
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet[:31])
    head = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
    fills = {
        code: book.add_format({"bg_color": colour, "font_color": _ink(colour), "bold": True, "valign": "top"})
        for code, colour in names.colours.items()
    }
    by_label = {label: code for code, label in names.levels.items()}
    for i, (header, width) in enumerate(EXPORT_HEADERS):
        ws.set_column(i, i, width)
        ws.write_string(0, i, header, head)
    ws.freeze_panes(1, 0)
    rows = 0
    for rows, risk in enumerate(risks.iterator(chunk_size=500), start=1):
        for i, value in enumerate(export_row(risk, rows, names)):
            header = EXPORT_HEADERS[i][0]
            if isinstance(value, dt.datetime):
                ws.write_datetime(rows, i, value, when)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(rows, i, value, wrap)
            elif header in LEVEL_COLUMNS and value in by_label:
                ws.write_string(rows, i, value, fills[by_label[value]])
            else:
                ws.write_string(rows, i, str(value), wrap)
    ws.autofilter(0, 0, rows, len(EXPORT_HEADERS) - 1)
    book.close()
    return buffer.getvalue()
