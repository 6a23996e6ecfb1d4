"""Bulletins (通报): the ranking of the regions one level below a region by completion rate in a
campaign, with the change since the previous bulletin, published as a page, an Excel workbook
and a PDF.

The figures of a row (a city, county or town):
- completion rate (完成率) = accepted tasks / tasks;
- filing rate (报告率) = (submitted + accepted) / tasks;
- overdue (逾期未报) = tasks due before the bulletin's date and still not started, being
  prepared or returned.
Rows are ranked by completion rate, then filing rate; rows equal on both share a rank (并列) and
are listed by code. Rates are percentages rounded half up to one decimal, as printed; the change
since the previous bulletin of the same campaign and region is the difference of the printed
rates (percentage points) and of the ranks (positive: moved up).

Lagging (进度滞后), the one rule: a region is lagging when it is in the last `LAGGING_PLACES`
places of the ranking (fewer than that many regions rank below it, so regions tied there all
count) *and* its completion rate is below the whole region's (the bulletin's total). "Last
places" alone would mark three regions even when every region has finished; "below average"
alone would mark half of them. The rule is printed with every bulletin.

Tasks registered at the region itself (an enterprise whose region is the county, not one of its
towns) get their own row, "XX本级", shown but not ranked. Regions without tasks in the campaign
are not listed.

A bulletin is one row per (campaign, region, date): publishing again on the same day replaces
that day's rows (the counts as they are now); the period number (第N期) counts the bulletins of
the campaign and region up to that date. The counts are those of the moment of publishing (the
progress tables hold no history), which the page and the PDF say ("数据截至").
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import RegionLevel, Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.scoping import scoped
from saferisk.enterprises.selectors import NEXT_LEVEL
from saferisk.reporting.choices import CampaignStatus, TaskState
from saferisk.reporting.models import Bulletin, CampaignProgress, ReportingCampaign, ReportTask

LAGGING_PLACES = 3
OVERDUE_STATES = (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)
COUNT_KEYS = ("tasks", "not_started", "draft", "submitted", "returned", "accepted", "filed", "overdue")
LEVEL_WORDS = {RegionLevel.CITY: "市", RegionLevel.COUNTY: "县（市、区）", RegionLevel.TOWN: "乡镇（街道）"}


# --- Figures --------------------------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> float:
    """numerator / denominator as a percentage rounded half up to one decimal (0 without tasks)."""
    if not denominator:
        return 0.0
    value = Decimal(100 * numerator) / Decimal(denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def points(new: float, old: float) -> float:
    """The difference of two printed rates, in percentage points."""
    return float(Decimal(str(new)) - Decimal(str(old)))


def _child_key(code: str) -> str:
    """The code of a region from the prefix the counts are grouped by (3201 → 320100)."""
    return code.ljust(6, "0") if len(code) < 6 else code


def _counts(campaign: ReportingCampaign, region: Region, date: dt.date) -> dict[str, dict[str, int]]:
    """Task counts by state, filed and overdue per child prefix of `region`. States come from
    the pre-aggregated progress rows; overdue is counted from the tasks (due dates differ for
    change reports), through the index on (campaign, state, region code)."""
    child_level = NEXT_LEVEL[RegionLevel(region.level)]
    width = PREFIX_LENGTH[child_level]
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNT_KEYS, 0))
    progress = (
        CampaignProgress.objects.filter(campaign=campaign, region_code__startswith=region.prefix)
        .order_by()
        .annotate(child=Substr("region_code", 1, width))
        .values("child", "state")
        .annotate(n=Sum("tasks"))
    )
    for row in progress:
        counts = out[row["child"]]
        counts[row["state"]] += row["n"] or 0
        counts["tasks"] += row["n"] or 0
    overdue = (
        ReportTask.objects.filter(
            campaign=campaign,
            state__in=OVERDUE_STATES,
            region_code__startswith=region.prefix,
            due_on__lt=date,
        )
        .order_by()
        .annotate(child=Substr("region_code", 1, width))
        .values("child")
        .annotate(n=Count("id"))
    )
    for late in overdue:
        out[late["child"]]["overdue"] += late["n"]
    for counts in out.values():
        counts["filed"] = counts[TaskState.SUBMITTED] + counts[TaskState.ACCEPTED]
    return {key: counts for key, counts in out.items() if counts["tasks"] > 0}


def _completion(row: dict[str, Any]) -> Fraction:
    return Fraction(row["accepted"], row["tasks"]) if row["tasks"] else Fraction(0)


def _filing(row: dict[str, Any]) -> Fraction:
    return Fraction(row["filed"], row["tasks"]) if row["tasks"] else Fraction(0)


def rank_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` ordered by completion rate, filing rate (both exact, descending) and code, each
    with `rank`: rows equal on both rates share the rank of the first of them (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (-_completion(r), -_filing(r), r["code"]))
    previous: tuple[Fraction, Fraction] | None = None
    rank = 0
    for position, row in enumerate(ordered, start=1):
        key = (_completion(row), _filing(row))
        if key != previous:
            rank, previous = position, key
        row["rank"] = rank
    return ordered


def lagging_rule(region_name: str, average: float) -> str:
    return (
        f"排名后{LAGGING_PLACES}位（并列的一并计入）且完成率低于{region_name}平均完成率（{average:.1f}%）"
        "的地区列为进度滞后，在表中以红色底纹标出。"
    )


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def bulletin_title(campaign: ReportingCampaign, region: Region, number: int) -> str:
    return f"{region.name}{campaign.year}年度工业企业安全生产风险报告工作通报（第{number}期）"


def _summary(*, region: Region, date: dt.date, totals: dict[str, Any], ranked: list[dict[str, Any]]) -> str:
    """One paragraph saying where the region stands, for the top of the page and the PDF."""
    text = (
        f"截至{_date_text(date)}，{region.name}应报企业{totals['tasks']}家，已报送{totals['filed']}家"
        f"（其中审核通过{totals['accepted']}家），完成率{totals['rate']:.1f}%"
    )
    change = totals.get("change")
    if change is None:
        text += "。"
    elif change > 0:
        text += f"，较上期提高{change:.1f}个百分点。"
    elif change < 0:
        text += f"，较上期下降{-change:.1f}个百分点。"
    else:
        text += "，与上期持平。"
    if totals["overdue"]:
        text += f"已过截止日期仍未报送{totals['overdue']}家，请依法督促。"
    if len(ranked) >= 2:
        top = [r["name"] for r in ranked if r["rank"] == 1]
        text += f"完成率最高的是{'、'.join(top)}（{ranked[0]['rate']:.1f}%）。"
        lagging = [r["name"] for r in ranked if r["lagging"]]
        if lagging:
            text += f"{'、'.join(lagging)}进度滞后，请加快推进。"
        else:
            text += "没有地区列为进度滞后。"
    return text


def bulletin_rows(
    campaign: ReportingCampaign,
    region: Region,
    date: dt.date,
    previous: Bulletin | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows (ranked, then the unranked 本级 row) and the totals of a bulletin of `region`
    in `campaign` on `date`, compared with `previous`."""
    child_level = NEXT_LEVEL[RegionLevel(region.level)]
    counts = _counts(campaign, region, date)
    children = {r.prefix: r for r in Region.objects.filter(level=child_level, code__startswith=region.prefix)}
    ranked: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []
    for key, figures in counts.items():
        child = children.get(key)
        row: dict[str, Any] = {
            "code": child.code if child else _child_key(key),
            "name": child.name if child else f"{region.name}本级",
            **figures,
            "rate": percent(figures["accepted"], figures["tasks"]),
            "filing_rate": percent(figures["filed"], figures["tasks"]),
            "ranked": child is not None,
            "rank": None,
            "lagging": False,
        }
        (ranked if child is not None else own).append(row)
    ranked = rank_rows(ranked)
    totals: dict[str, Any] = {k: sum(r[k] for r in [*ranked, *own]) for k in COUNT_KEYS}
    totals["rate"] = percent(totals["accepted"], totals["tasks"])
    totals["filing_rate"] = percent(totals["filed"], totals["tasks"])
    average = Fraction(totals["accepted"], totals["tasks"]) if totals["tasks"] else Fraction(0)
    places = len(ranked)
    for row in ranked:
        behind = sum(1 for other in ranked if other["rank"] > row["rank"])
        row["lagging"] = behind < LAGGING_PLACES and _completion(row) < average
    before = {r["code"]: r for r in (previous.rows if previous else [])}
    for row in [*ranked, *own]:
        old = before.get(row["code"])
        row["previous_rate"] = old["rate"] if old else None
        row["change"] = points(row["rate"], old["rate"]) if old else None
        row["previous_rank"] = old.get("rank") if old else None
        row["rank_change"] = (
            row["previous_rank"] - row["rank"]
            if row["rank"] is not None and row["previous_rank"] is not None
            else None
        )
    totals["previous_rate"] = previous.totals.get("rate") if previous else None
    totals["change"] = (
        points(totals["rate"], totals["previous_rate"]) if totals["previous_rate"] is not None else None
    )
    totals["regions"] = places
    totals["lagging"] = sum(1 for r in ranked if r["lagging"])
    totals["lagging_rule"] = lagging_rule(region.name, totals["rate"])
    totals["summary"] = _summary(region=region, date=date, totals=totals, ranked=ranked)
    return [*ranked, *own], totals


# --- Publishing -----------------------------------------------------------------------------------


def _require_publisher(actor: User, campaign: ReportingCampaign, region: Region) -> None:
    if actor.is_admin:
        return
    if actor.role != Role.REGULATOR:
        raise Forbidden("通报由监管部门发布", code="regulator_only")
    if actor.department_id:
        raise Forbidden("通报由应急管理部门发布，行业部门可查看", code="department_cannot_publish")
    prefix = actor.jurisdiction_prefix or ""
    if not prefix or not region.prefix.startswith(prefix):
        raise DomainError("region_outside", "只能发布本辖区的通报", field="region")
    if not scoped(actor, ReportingCampaign).filter(pk=campaign.pk).exists():
        raise NotFound()


@transaction.atomic
def bulletin_publish(
    *, actor: User | None, campaign: ReportingCampaign, region: Region, date: dt.date
) -> Bulletin:
    """Publish the bulletin of `region` in `campaign` for `date` (actor None: the daily job).

    Idempotent per (campaign, region, date): publishing again on the same day replaces that
    day's rows with the counts as they are now (and says so in the audit event, `replaced`).
    The change is measured against the latest bulletin of the same campaign and region before
    `date`, so re-running a day never compares a bulletin with itself."""
    if actor is not None:
        _require_publisher(actor, campaign, region)
    if RegionLevel(region.level) not in NEXT_LEVEL:
        raise DomainError(
            "region_level", "乡镇（街道）以下没有可排名的地区，请选择县级以上地区", field="region"
        )
    if not region.prefix.startswith(campaign.region.prefix):
        raise DomainError("region_outside", "通报的地区须在报告活动的范围内", field="region")
    if date > timezone.localdate():
        raise DomainError("date_future", "不能发布未来日期的通报", field="date")
    previous = (
        Bulletin.objects.filter(campaign=campaign, region=region, date__lt=date)
        .order_by("-date", "-id")
        .first()
    )
    rows, totals = bulletin_rows(campaign, region, date, previous)
    if not totals["tasks"]:
        raise DomainError(
            "bulletin_empty", f"{region.name}在本报告活动中没有应报企业，无需通报", field="region"
        )
    number = Bulletin.objects.filter(campaign=campaign, region=region, date__lt=date).count() + 1
    totals.update(
        number=number,
        title=bulletin_title(campaign, region, number),
        campaign_name=campaign.name,
        region_name=region.name,
        child_level=str(LEVEL_WORDS[NEXT_LEVEL[RegionLevel(region.level)]]),
        deadline=campaign.deadline.isoformat(),
        as_of=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        previous_date=previous.date.isoformat() if previous else None,
    )
    bulletin, created = Bulletin.objects.update_or_create(
        campaign=campaign,
        region=region,
        date=date,
        defaults={"rows": rows, "totals": totals, "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="bulletin.published",
        obj=bulletin,
        changes={
            "campaign": campaign.pk,
            "region": region.code,
            "date": date.isoformat(),
            "number": number,
            "replaced": not created,
            "regions": totals["regions"],
            "rate": totals["rate"],
            "lagging": [r["code"] for r in rows if r["lagging"]],
        },
    )
    return bulletin


def publish_regions(campaign: ReportingCampaign) -> list[Region]:
    """The regions the daily job publishes for `campaign`: its own region and every city and
    county below it with tasks (each bulletin ranks the level below; towns rank nothing)."""
    root = campaign.region
    if RegionLevel(root.level) not in NEXT_LEVEL:
        return []
    codes = set(
        CampaignProgress.objects.filter(campaign=campaign, tasks__gt=0).values_list("region_code", flat=True)
    )
    wanted = {root.code}
    for code in codes:
        for level in (RegionLevel.CITY, RegionLevel.COUNTY):
            width = PREFIX_LENGTH[level]
            if len(code) >= width and width > len(root.prefix):
                wanted.add(_child_key(code[:width]))
    regions = Region.objects.filter(
        code__in=wanted, level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    )
    return sorted(regions, key=lambda r: (len(r.prefix), r.code))


def bulletins_publish_all(
    *,
    date: dt.date,
    campaigns: Iterable[ReportingCampaign] | None = None,
    region: Region | None = None,
) -> list[tuple[Bulletin | None, ReportingCampaign, Region, str]]:
    """Publish for the daily job or the command: every open campaign (or those given), for
    `region` or for every region of `publish_regions`. Returns (bulletin or None, campaign,
    region, note) per attempt; a region with nothing to rank is a note, not a failure."""
    if campaigns is None:
        campaigns = ReportingCampaign.objects.filter(status=CampaignStatus.OPEN).select_related("region")
    out: list[tuple[Bulletin | None, ReportingCampaign, Region, str]] = []
    for campaign in campaigns:
        regions = [region] if region is not None else publish_regions(campaign)
        for target in regions:
            existed = Bulletin.objects.filter(campaign=campaign, region=target, date=date).exists()
            try:
                bulletin = bulletin_publish(actor=None, campaign=campaign, region=target, date=date)
            except DomainError as exc:
                out.append((None, campaign, target, exc.message))
            else:
                out.append((bulletin, campaign, target, "已更新" if existed else "已发布"))
    return out


# --- Reads ----------------------------------------------------------------------------------------


def bulletin_list(*, user: User) -> QuerySet[Bulletin]:
    return scoped(user, Bulletin).select_related("campaign", "region")


def can_publish(user: User) -> bool:
    """Whether the page offers 立即生成通报: admins, and regulators (not departments) above town level."""
    if user.is_admin:
        return True
    return (
        user.role == Role.REGULATOR
        and not user.department_id
        and user.level in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)
    )


def publish_choices(user: User) -> tuple[QuerySet[ReportingCampaign], QuerySet[Region]]:
    """The open campaigns and the regions a user may publish a bulletin for."""
    campaigns = scoped(user, ReportingCampaign).filter(status=CampaignStatus.OPEN).select_related("region")
    levels = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    regions = Region.objects.filter(level__in=levels).order_by("code")
    if not user.is_admin:
        regions = regions.filter(code__startswith=user.jurisdiction_prefix or "-")
    return campaigns.order_by("-year", "-id"), regions


# --- Documents ------------------------------------------------------------------------------------

HEADERS = (
    "排名",
    "地区",
    "应报企业",
    "审核通过",
    "待审核",
    "退回修改",
    "未提交",
    "逾期未报",
    "完成率",
    "较上期",
    "报告率",
    "名次变化",
    "备注",
)


def _signed(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:+.1f}{unit}" if value else f"0.0{unit}"
    return f"↑{value}" if value > 0 else f"↓{-value}" if value < 0 else "持平"


def row_cells(row: dict[str, Any]) -> list[str]:
    """A row as printed (Excel and PDF)."""
    unfiled = row["not_started"] + row["draft"]
    return [
        str(row["rank"]) if row.get("rank") is not None else "—",
        row["name"],
        str(row["tasks"]),
        str(row["accepted"]),
        str(row["submitted"]),
        str(row["returned"]),
        str(unfiled),
        str(row["overdue"]),
        f"{row['rate']:.1f}%",
        _signed(row.get("change")),
        f"{row['filing_rate']:.1f}%",
        _signed(row.get("rank_change")) if row.get("rank") is not None else "—",
        "进度滞后" if row.get("lagging") else ("不参与排名" if not row.get("ranked", True) else ""),
    ]


def total_cells(totals: dict[str, Any]) -> list[str]:
    return [
        "",
        "合计",
        str(totals["tasks"]),
        str(totals["accepted"]),
        str(totals["submitted"]),
        str(totals["returned"]),
        str(totals["not_started"] + totals["draft"]),
        str(totals["overdue"]),
        f"{totals['rate']:.1f}%",
        _signed(totals.get("change")),
        f"{totals['filing_rate']:.1f}%",
        "",
        "",
    ]


def bulletin_filename(bulletin: Bulletin, extension: str) -> str:
    name = f"{bulletin.totals.get('title') or '通报'}-{bulletin.date.isoformat()}"
    return "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in name) + f".{extension}"


def _notes(bulletin: Bulletin) -> list[str]:
    totals = bulletin.totals
    return [
        "说明：完成率＝审核通过企业数÷应报企业数；报告率＝（待审核＋审核通过）÷应报企业数；未提交＝未开始＋填报中；"
        "逾期未报为截止日期已过仍未报送（含未开始、填报中、退回未重新报送）的企业；"
        "较上期为完成率变化（百分点），名次变化↑为上升。",
        str(totals.get("lagging_rule", "")),
        f"数据截至{totals.get('as_of', '')}。",
    ]


LAGGING_FILL = "FDE2E2"


def _numbers(cells: list[Any]) -> None:
    """Printed figures as numbers in the workbook, so they sum and sort: counts and ranks as
    integers, rates as percentages, changes in points as signed decimals."""
    for cell in cells:
        text = cell.value
        if not isinstance(text, str) or not text:
            continue
        try:
            if text.endswith("%"):
                cell.value = float(text[:-1]) / 100
                cell.number_format = "0.0%"
            elif text.isdigit():
                cell.value = int(text)
            elif text[0] in "+-" and text[1:].replace(".", "", 1).isdigit():
                cell.value = float(text)
                cell.number_format = "+0.0;-0.0;0.0"
        except ValueError:
            continue


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    """The bulletin as a workbook: title, date, summary, the ranking with lagging rows shaded
    red, the total row and the notes. Rendered from the stored rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    totals = bulletin.totals
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "通报"
    last = get_column_letter(len(HEADERS))
    ws.append([totals.get("title", "")])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"{_date_text(bulletin.date)}　报告活动：{totals.get('campaign_name', '')}"])
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.append([totals.get("summary", "")])
    ws.merge_cells(f"A3:{last}3")
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 48
    ws.append([])
    ws.append(list(HEADERS))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", start_color=LAGGING_FILL, end_color=LAGGING_FILL)
    for row in bulletin.rows:
        ws.append(row_cells(row))
        _numbers(list(ws[ws.max_row]))
        if row.get("lagging"):
            for cell in ws[ws.max_row]:
                cell.fill = fill
    ws.append(total_cells(totals))
    _numbers(list(ws[ws.max_row]))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([])
    for note in _notes(bulletin):
        ws.append([note])
        ws.merge_cells(f"A{ws.max_row}:{last}{ws.max_row}")
        ws[f"A{ws.max_row}"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 30
    widths = (6, 24, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 12)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bulletin_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 landscape PDF: title, date, the summary, the ranking (lagging rows
    shaded red), the total row, the notes and page numbers. Rendered from the stored rows."""
    from saferisk.risks.documents import _face, _new_pdf, _table

    totals = bulletin.totals
    title = str(totals.get("title", "通报"))
    cells = [row_cells(r) for r in bulletin.rows]
    notes = _notes(bulletin)
    texts = [str(totals.get("summary", "")), str(totals.get("campaign_name", "")), *notes, *HEADERS]
    texts += [c for row in cells for c in row]
    pdf = _new_pdf(title=title, subject=str(totals.get("region_name", "")), texts=texts, landscape=True)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 9, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0,
        7,
        f"{_date_text(bulletin.date)}　　报告活动：{totals.get('campaign_name', '')}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(0, 6.5, str(totals.get("summary", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    fixed = (12, 20, 18, 18, 18, 18, 18, 18, 18, 18, 18, 20)
    col_widths = (fixed[0], width - sum(fixed), *fixed[1:])
    lagging = _face((253, 226, 226))
    total_face = _face((235, 235, 235))
    pdf.set_font("cjk", size=9.5)
    with _table(
        pdf,
        col_widths=col_widths,
        text_align=("CENTER", "LEFT", *["RIGHT"] * 10, "CENTER"),
        headings_style=_face(),
        line_height=6,
        repeat_headings=1,
    ) as table:
        table.row(HEADERS)
        for row, printed in zip(bulletin.rows, cells, strict=True):
            style = lagging if row.get("lagging") else None
            line = table.row()
            for value in printed:
                line.cell(value, style=style)
        line = table.row()
        for value in total_cells(totals):
            line.cell(value, style=total_face)
    pdf.ln(3)
    pdf.set_font("cjk", size=9)
    for note in notes:
        pdf.multi_cell(0, 5.5, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
