"""An enterprise's monthly summary of hidden-danger work (隐患排查治理月报) as a printable PDF.

Two steps like the risk documents (risks/documents.py, whose A4 layout and CJK font setup this
reuses): `monthly_data(enterprise, month=…)` reads everything into plain dataclasses with a fixed
number of queries, `render_monthly(data)` lays it out with fpdf2 and touches no database.

What a month shows (all of the enterprise's hidden dangers, the caller has checked that the
reader may see the enterprise):
- found: found in the month (found_on); rectified: reported rectified in the month
  (rectified_on; a refused acceptance clears it); closed: closed (销号) in the month;
- on-time rate: of those rectified in the month, the share rectified by their deadline;
- open at month end: found by then and not closed by then, by deadline (for the current month,
  "month end" is today);
- overdue at month end: of those, not rectified by then and past their deadline;
- inspections: the inspections (排查, 执法检查) dated in the month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers.choices import InspectionKind, InspectionState
from saferisk.hidden_dangers.models import HiddenDanger, Inspection
from saferisk.hidden_dangers.workflow import STATE_LABELS

GRADES = {"general": "一般", "major": "重大"}
SOURCES = {
    "self_check": "自查",
    "inspection": "监管检查",
    "verification": "核查",
    "tip_off": "举报",
    "other": "其他",
}
KINDS = {InspectionKind.SELF_CHECK: "企业自查", InspectionKind.REGULATOR: "执法检查"}
INSPECTION_STATES = {InspectionState.OPEN: "进行中", InspectionState.FINISHED: "已完成"}
MAX_ROWS = 500  # rows per table; a longer list is cut with a note (the list page has all of them)


def parse_month(value: str | None, *, today: dt.date) -> dt.date:
    """The first day of `YYYY-MM`; last month when missing, malformed or in the future."""
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    try:
        year, month = (value or "").split("-")
        chosen = dt.date(int(year), int(month), 1)
    except ValueError:
        return last
    return chosen if dt.date(2000, 1, 1) <= chosen <= today.replace(day=1) else last


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class HdRow:
    pk: int
    title: str
    place: str
    grade: str
    source: str
    state: str
    found_on: dt.date
    deadline: dt.date | None
    owner: str
    days_overdue: int = 0


@dataclass(frozen=True)
class InspectionRow:
    inspected_on: dt.date
    kind: str
    title: str
    inspector: str
    items: int
    failed: int
    state: str
    hidden_dangers: int


@dataclass
class MonthlyData:
    enterprise_name: str
    uscc: str
    region: str
    month: dt.date
    cutoff: dt.date
    made_on: dt.date
    found: int = 0
    found_major: int = 0
    rectified: int = 0
    rectified_on_time: int = 0
    closed: int = 0
    found_rows: list[HdRow] = field(default_factory=list)
    open_rows: list[HdRow] = field(default_factory=list)
    open_count: int = 0
    overdue_rows: list[HdRow] = field(default_factory=list)
    inspections: list[InspectionRow] = field(default_factory=list)

    @property
    def on_time_rate(self) -> str:
        if not self.rectified:
            return "—"
        return f"{100.0 * self.rectified_on_time / self.rectified:.1f}%"

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"


def _row(hd: HiddenDanger, *, cutoff: dt.date | None = None) -> HdRow:
    late = 0
    if cutoff is not None and hd.deadline is not None and hd.deadline < cutoff:
        late = (cutoff - hd.deadline).days
    return HdRow(
        pk=hd.pk,
        title=hd.title,
        place=hd.place,
        grade=GRADES.get(hd.grade, hd.grade),
        source=SOURCES.get(hd.source, hd.source),
        state=STATE_LABELS.get(hd.state, hd.state),
        found_on=hd.found_on,
        deadline=hd.deadline,
        owner=hd.owner_name,
        days_overdue=late,
    )


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def monthly_data(enterprise: Enterprise, *, month: dt.date, today: dt.date | None = None) -> MonthlyData:
    """Everything the summary of `month` shows (seven queries)."""
    today = today or timezone.localdate()
    start, end = month, next_month(month)
    cutoff = min(end - dt.timedelta(days=1), today)  # the last day the month is looked at
    after = cutoff + dt.timedelta(days=1)
    hds = HiddenDanger.objects.filter(enterprise=enterprise)
    region = enterprise.region
    data = MonthlyData(
        enterprise_name=enterprise.name,
        uscc=enterprise.uscc,
        region=region.name if region is not None else "",
        month=month,
        cutoff=cutoff,
        made_on=today,
    )
    found = hds.filter(found_on__gte=start, found_on__lt=end)
    data.found = found.count()
    data.found_major = found.filter(grade="major").count()
    data.found_rows = [_row(h) for h in found.order_by("found_on", "id")[:MAX_ROWS]]
    rectified = hds.filter(rectified_on__gte=start, rectified_on__lt=end)
    data.rectified = rectified.count()
    data.rectified_on_time = rectified.filter(on_time=True).count()
    data.closed = hds.filter(closed_at__gte=_local_start(start), closed_at__lt=_local_start(end)).count()
    # Open at the cutoff: found by then, not closed by then.
    still_open = hds.filter(found_on__lte=cutoff).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=_local_start(after))
    )
    data.open_count = still_open.count()
    rows = list(still_open.order_by("deadline", "id")[:MAX_ROWS])
    rows.sort(key=lambda h: (h.deadline is None, h.deadline or dt.date.max, h.pk))  # no deadline yet: last
    data.open_rows = [_row(h) for h in rows]
    # Overdue at the cutoff: open, past the deadline and not rectified by then.
    overdue = [
        h
        for h in rows
        if h.deadline is not None
        and h.deadline < cutoff
        and (h.rectified_on is None or h.rectified_on > cutoff)
    ]
    data.overdue_rows = [_row(h, cutoff=cutoff) for h in overdue]
    inspections = (
        Inspection.objects.filter(enterprise=enterprise, inspected_on__gte=start, inspected_on__lt=end)
        .select_related("inspector")
        .order_by("inspected_on", "id")[:MAX_ROWS]
    )
    found_by_inspection: dict[int, int] = {}
    for inspection_id in found.filter(inspection__isnull=False).values_list("inspection_id", flat=True):
        found_by_inspection[inspection_id] = found_by_inspection.get(inspection_id, 0) + 1
    data.inspections = [
        InspectionRow(
            inspected_on=i.inspected_on,
            kind=KINDS.get(i.kind, i.kind),  # type: ignore[call-overload]
            title=i.title,
            inspector=" ".join(p for p in (i.authority, str(i.inspector)) if p),
            items=i.items,
            failed=i.failed,
            state=INSPECTION_STATES.get(i.state, i.state),  # type: ignore[call-overload]
            hidden_dangers=found_by_inspection.get(i.pk, 0),
        )
        for i in inspections
    ]
    return data


def monthly_filename(enterprise: Enterprise, month: dt.date) -> str:
    """ "隐患排查治理月报-<企业>-2026-10.pdf"; characters a file system refuses are replaced."""
    safe = (
        "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in enterprise.name).strip()
        or enterprise.uscc
    )
    return f"隐患排查治理月报-{safe}-{month:%Y-%m}.pdf"


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else "—"


def render_monthly(data: MonthlyData) -> bytes:
    """The summary as an A4 PDF."""
    from saferisk.risks.documents import _face, _heading, _new_pdf, _table

    title = "隐患排查治理月报"
    texts = [data.enterprise_name, data.region]
    for rows in (data.found_rows, data.open_rows):
        texts += [f"{r.title} {r.place} {r.owner}" for r in rows]
    texts += [f"{i.title} {i.inspector}" for i in data.inspections]
    pdf = _new_pdf(title=title, subject=data.enterprise_name, texts=texts)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 11, f"{title}（{data.label}）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0,
        6,
        f"{data.enterprise_name}　统一社会信用代码 {data.uscc}　{data.region}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(110, 110, 110)
    pdf.cell(
        0,
        6,
        f"统计期间 {data.month.isoformat()} 至 {data.cutoff.isoformat()}　生成日期 {data.made_on.isoformat()}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)

    _heading(pdf, "一、本月概况")
    with _table(pdf, col_widths=(1, 1, 1, 1, 1, 1), text_align="CENTER", headings_style=_face()) as table:
        table.row(["本月发现", "其中重大", "本月整改完成", "按期整改率", "本月销号", "月末未销号"])
        table.row(
            [
                str(data.found),
                str(data.found_major),
                str(data.rectified),
                data.on_time_rate,
                str(data.closed),
                str(data.open_count),
            ]
        )
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(
        0,
        5,
        f"月末逾期未整改 {len(data.overdue_rows)} 项；本月开展排查（检查）{len(data.inspections)} 次。"
        "按期整改率 = 本月整改完成中在整改期限内完成的比例。",
        new_x="LMARGIN",
        new_y="NEXT",
    )

    def hd_table(rows: list[HdRow], *, overdue: bool = False) -> None:
        if not rows:
            pdf.set_font("cjk", size=9.5)
            pdf.cell(0, 7, "无", new_x="LMARGIN", new_y="NEXT")
            return
        pdf.set_font("cjk", size=8.5)
        if overdue:
            head = ["序号", "隐患", "等级", "发现日期", "整改期限", "逾期天数", "责任人", "状态"]
            widths: tuple[int, ...] = (8, 52, 10, 20, 20, 14, 18, 20)
        else:
            head = ["序号", "隐患", "等级", "来源", "发现日期", "整改期限", "责任人", "状态"]
            widths = (8, 52, 10, 14, 20, 20, 18, 20)
        with _table(pdf, col_widths=widths, headings_style=_face()) as table:
            table.row(head)
            for n, r in enumerate(rows, start=1):
                name = f"{r.title}（{r.place}）" if r.place else r.title
                if overdue:
                    cells = [
                        str(n),
                        name,
                        r.grade,
                        _date(r.found_on),
                        _date(r.deadline),
                        str(r.days_overdue),
                        r.owner,
                        r.state,
                    ]
                else:
                    cells = [
                        str(n),
                        name,
                        r.grade,
                        r.source,
                        _date(r.found_on),
                        _date(r.deadline),
                        r.owner,
                        r.state,
                    ]
                table.row(cells)
        if len(rows) >= MAX_ROWS:
            pdf.set_font("cjk", size=8.5)
            pdf.cell(0, 6, f"仅列出前 {MAX_ROWS} 项，完整清单请在系统中查看。", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, f"二、本月发现的隐患（{data.found} 项）")
    hd_table(data.found_rows)
    _heading(pdf, f"三、月末未销号的隐患（{data.open_count} 项，按整改期限）")
    hd_table(data.open_rows)
    _heading(pdf, f"四、逾期未整改的隐患（{len(data.overdue_rows)} 项）")
    hd_table(data.overdue_rows, overdue=True)
    _heading(pdf, f"五、本月排查（检查）情况（{len(data.inspections)} 次）")
    if not data.inspections:
        pdf.set_font("cjk", size=9.5)
        pdf.cell(0, 7, "无", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_font("cjk", size=8.5)
        with _table(pdf, col_widths=(20, 18, 50, 36, 12, 12, 14, 18), headings_style=_face()) as table:
            table.row(["日期", "类型", "名称", "检查人", "检查项", "不合格", "发现隐患", "状态"])
            for i in data.inspections:
                table.row(
                    [
                        _date(i.inspected_on),
                        i.kind,
                        i.title,
                        i.inspector,
                        str(i.items),
                        str(i.failed),
                        str(i.hidden_dangers),
                        i.state,
                    ]
                )
    pdf.ln(8)
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0, 7, "主要负责人（签字）：                    安全管理人员（签字）：", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 7, "日期：      年    月    日", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
