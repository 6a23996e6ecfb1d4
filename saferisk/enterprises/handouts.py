"""Credential handouts for onboarded enterprise accounts: an Excel workbook or a PDF, per town.

Made in memory from an `OnboardingResult` and returned as the download of the same request that
created the accounts; nothing is written to disk or to the database, so the handout is the only
place the initial passwords ever appear. The text is Chinese on purpose: it is an official notice
handed to enterprises, like the SMS login notice.

The PDF embeds a CJK font (Noto Sans CJK SC from Debian's `fonts-noto-cjk`, a TrueType/OpenType
collection that fpdf2 reads by face index; `SAFERISK_PDF_FONT` may name another .ttf/.otf/.ttc).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import xlsxwriter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils import timezone

if TYPE_CHECKING:
    from saferisk.enterprises.onboarding import OnboardedAccount, OnboardingResult

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
FORMATS = ("xlsx", "pdf")

TITLE = "企业账号开通通知单"
HEADERS = ("乡镇", "统一社会信用代码", "企业名称", "登录名", "初始密码", "联系人", "电话")
WIDTHS = (14, 22, 36, 22, 16, 10, 14)

# Font files tried in order, with the face to use inside a collection (.ttc).
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing CN"),
)


def _rows(accounts: Iterable[OnboardedAccount], town: str) -> list[list[str]]:
    return [[town, a.uscc, a.enterprise_name, a.username, a.password, a.contact, a.phone] for a in accounts]


def _sheet_name(name: str, code: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "", name).strip()[:31] or code
    candidate = base
    if candidate in used:
        candidate = f"{base[: 31 - len(code) - 1]}-{code}"
    used.add(candidate)
    return candidate


def handout_xlsx(result: OnboardingResult) -> bytes:
    """One sheet per town, print-ready: A4 landscape, header row repeated, fitted to the width."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "border": 1, "bg_color": "#E8EEF7", "text_wrap": True})
    cell = book.add_format({"border": 1, "num_format": "@"})
    secret = book.add_format({"border": 1, "num_format": "@", "font_name": "Consolas", "bold": True})
    used: set[str] = set()
    towns = result.towns()
    if not towns:
        sheet = book.add_worksheet("无新开通账号")
        sheet.write(0, 0, "本次没有新开通的企业账号。")
    for code, name, accounts in towns:
        sheet = book.add_worksheet(_sheet_name(name, code, used))
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        sheet.repeat_rows(1)  # the header row (row 2) on every printed page
        sheet.set_header(f"&C{TITLE} — {name}")
        sheet.set_footer("&C第 &P 页，共 &N 页")
        sheet.write(0, 0, f"{TITLE} — {name}（{len(accounts)} 家）", title)
        for col, (text, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
            sheet.set_column(col, col, width)
            sheet.write(1, col, text, header)
        for r, row in enumerate(_rows(accounts, name), start=2):
            for col, value in enumerate(row):
                sheet.write_string(r, col, value, secret if col == 4 else cell)
        sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


@lru_cache(maxsize=1)
def pdf_font() -> tuple[str, int]:
    """(font file, face index) of the CJK font for PDFs."""
    configured = getattr(settings, "SAFERISK_PDF_FONT", "")
    candidates = [(configured, "")] if configured else list(FONT_CANDIDATES)
    for path, family in candidates:
        if not Path(path).is_file():
            continue
        if path.lower().endswith((".ttc", ".otc")):
            from fontTools.ttLib import TTCollection

            collection = TTCollection(path, lazy=True)
            for index, font in enumerate(collection.fonts):
                if not family or font["name"].getDebugName(1) == family:
                    return path, index
            continue
        return path, 0
    raise ImproperlyConfigured(
        "没有找到中文字体：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）或设置 SAFERISK_PDF_FONT"
    )


def handout_pdf(result: OnboardingResult) -> bytes:
    """One section per town (title and table), then a cut-out slip per enterprise."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    path, index = pdf_font()
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_title(TITLE)
    pdf.set_creator("saferisk")
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    towns = result.towns()
    if not towns:
        pdf.add_page()
        pdf.set_font("cjk", size=16)
        pdf.cell(text=TITLE)
        pdf.ln(12)
        pdf.set_font("cjk", size=11)
        pdf.cell(text="本次没有新开通的企业账号。")
    widths = (26, 42, 70, 42, 30, 22, 30)
    for _code, name, accounts in towns:
        pdf.add_page()
        pdf.set_font("cjk", size=16)
        pdf.cell(w=0, h=10, text=f"{TITLE} — {name}", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        pdf.cell(
            w=0,
            h=6,
            text=f"共 {len(accounts)} 家企业 · 平台地址：{_public_url()} · 生成时间：{generated} · 初始密码首次登录须修改",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            headings_style=FontFace(emphasis=None, fill_color=(232, 238, 247)),
            line_height=6,
            repeat_headings=1,
        ) as table:
            table.row(HEADERS)
            for row in _rows(accounts, name):
                table.row(row)
        # Cut-out slips: one per enterprise, handed over separately.
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        pdf.cell(w=0, h=8, text=f"{TITLE} — {name}（裁剪联）", align="C", new_x="LMARGIN", new_y="NEXT")
        for account in accounts:
            _slip(pdf, account)
    return bytes(pdf.output())


SLIP_HEIGHT = 36


def _slip(pdf: object, account: OnboardedAccount) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    if pdf.get_y() + SLIP_HEIGHT > pdf.h - pdf.b_margin:
        pdf.add_page()
    x, y = pdf.l_margin, pdf.get_y() + 2
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.rect(x, y, width, SLIP_HEIGHT - 4)
    pdf.set_dash_pattern()
    pdf.set_xy(x + 4, y + 3)
    pdf.set_font("cjk", size=11)
    pdf.cell(text=f"{account.enterprise_name}（{account.town_name}）", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    lines = (
        f"平台地址：{_public_url()}",
        f"登录名：{account.username}        初始密码：{account.password}",
        "首次登录须修改密码；请妥善保管，勿转告他人。",
    )
    for line in lines:
        pdf.set_x(x + 4)
        pdf.cell(h=6, text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(y + SLIP_HEIGHT - 2)


def _public_url() -> str:
    from saferisk.enterprises.onboarding import public_url

    return public_url()


def handout_filename(result: OnboardingResult, fmt: str) -> str:
    where = (
        result.region.name if result.region else result.import_job.original_name if result.import_job else ""
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{TITLE}-{where + '-' if where else ''}{stamp}.{fmt}"


def handout_response(result: OnboardingResult, fmt: str) -> HttpResponse:
    """The handout as a download that no cache keeps (it holds passwords)."""
    if fmt == "pdf":
        response = HttpResponse(handout_pdf(result), content_type=PDF)
    else:
        response = HttpResponse(handout_xlsx(result), content_type=XLSX)
        fmt = "xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(handout_filename(result, fmt))}"
    response["Cache-Control"] = "no-store"
    return response
