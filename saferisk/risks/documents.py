"""Risk documents as PDF: the enterprise risk dossier (一企一册), the post risk notice cards
(岗位风险告知卡) and the public notice board of 较大以上 risks that Article 16 of the
《江苏省生产经营单位安全风险管理条例》 asks for. A4, page numbers, every word Chinese: they are
printed and posted.

Each document is made in two steps: `*_data(enterprise)` reads everything it shows into plain
dataclasses (a fixed number of queries, whatever the number of risks), `render_*(data)` lays it
out with fpdf2 and touches no database. The batch job and the benchmark use the same two steps.

Fonts. The CJK font comes from `enterprises.handouts.pdf_font()` (Noto Sans CJK SC by default).
Embedding it the plain fpdf2 way costs about 0.5 s per document on a 2-core machine: 0.2 s to
parse the 65,000-glyph collection in `add_font`, then fontTools reads its CFF table again and
runs the glyph programs to subset it when the document is written. So:
- once per process, the parsed font is kept as a template, and each document gets a cheap copy
  with its own subset map and file handle (`_attach`);
- once per machine (about 10 s, under `VAR_DIR/cache/fonts/`), a "common" cut of the font is
  written: ASCII, punctuation and GB 2312 (about 7,900 glyphs), with its outlines redrawn as
  TrueType curves, which fontTools subsets without running glyph programs. Writing a 10-risk
  dossier's font then takes a fifth of the time (docs/benchmarks.md has the figures);
- a document whose text has a character outside the cut (a rare character in a name) also gets
  the full font, as an fpdf2 fallback, so nothing prints as an empty box.

Line breaking. Chinese has no spaces, so text wraps by character (fpdf2's CHAR mode), with the
usual Chinese rule on top (`break_allowed`, after GB/T 15834): no line starts with closing
punctuation (，。、；：？！）》” …), no line ends with an opening bracket or quote (（《“ …), and a
run of ASCII letters and digits (a phone number, "GB 6441") is not cut. fpdf2 has no hook for
this, so a subclass of its MultiLineBreak (`_chinese_line_break_class`) moves each line end its
CHAR mode makes back to the nearest allowed break, and is put in its place in `fpdf.fpdf` the
first time a document is made; fpdf2's WORD mode (the default, used by the other PDFs of the
platform) is untouched.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import AccidentType, User
from saferisk.core.scoping import can
from saferisk.enterprises.handouts import pdf_font
from saferisk.enterprises.models import Enterprise
from saferisk.risks.choices import ControlTier, MeasureKind, RiskStatus
from saferisk.risks.templatetags.risks import _text_colour

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont
    from fpdf import FPDF
    from fpdf.fonts import TTFFont
    from fpdf.line_break import MultiLineBreak, TextLine

log = logging.getLogger(__name__)

PDF = "application/pdf"
LAW = "《江苏省生产经营单位安全风险管理条例》"
LAW_SHORT = "安全风险管理条例"  # a basis naming the regulation by any shorter form prints LAW
METHODS = {"lec": "作业条件危险性分析法（LEC）", "ls": "风险矩阵法（LS）", "direct": "直接判定"}
SCORE_LETTER = {"lec": "D", "ls": "R"}
# The plan is printed at most 180 mm wide: 1,200 pixels are about 170 dpi there. Its area
# numbers are printed over it as text (`_plan_numbers`), 9 pt whatever the image's scale.
PLAN_PIXELS = 1200
PLAN_NUMBER_PT = 9.0
EMERGENCY_NUMBERS = (("火警", "119"), ("医疗急救", "120"))
# The document kinds an enterprise page offers: kind -> title (also the file name's suffix).
TITLES = {
    "dossier": "风险管控手册",
    "notice_cards": "岗位风险告知卡",
    "notice_board": "较大以上安全风险公告",
}

# --- Fonts --------------------------------------------------------------------------------------

COMMON_CUT_VERSION = "2"  # bump when the character set below changes


def _common_codepoints() -> set[int]:
    """ASCII, Latin-1, general punctuation, arrows, shapes, ①…, CJK and full-width punctuation,
    and all of GB 2312 (its symbol rows and its 6,763 hanzi)."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for start, end in ((0x2000, 0x2070), (0x2100, 0x2200), (0x2460, 0x2500), (0x25A0, 0x2600)):
        points |= set(range(start, end))
    points |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def _to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of `font` by quadratic TrueType ones (fontTools' otf2ttf recipe,
    1/1000 em tolerance: no visible change). fontTools subsets TrueType outlines without
    running any glyph program, which makes writing each document about twice as fast."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    font.recalcBBoxes = True  # glyph bounds, maxp counts
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)  # computes each glyph's bounds
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    maxp.maxTwilightPoints = maxp.maxStorage = maxp.maxFunctionDefs = maxp.maxInstructionDefs = 0
    maxp.maxStackElements = maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = max(len(getattr(g, "components", [])) for g in glyf.glyphs.values())
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


def _common_cut(path: str, index: int) -> Path | None:
    """The common cut of the font (built once per machine, about 10 s, reused by every
    process), or None when it cannot be built: documents then embed from the full font."""
    try:
        stat = Path(path).stat()
        key = hashlib.sha256(
            f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}|{COMMON_CUT_VERSION}".encode()
        ).hexdigest()[:16]
        folder = Path(settings.VAR_DIR) / "cache" / "fonts"
        target = folder / f"{Path(path).stem}-{index}-{key}.ttf"
        if target.is_file():
            return target
        from fontTools import subset as ftsubset
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        options = ftsubset.Options(
            notdef_outline=True,
            recommended_glyphs=True,
            layout_features=[],
            hinting=True,  # removing CFF hints would take seconds; the outlines are redrawn anyway
            desubroutinize=False,
            name_IDs=["*"],
            name_languages=["*"],
        )
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "vhea", "vmtx", "VORG", "BASE"]
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=_common_codepoints())
        subsetter.subset(font)
        if "CFF " in font:
            _to_truetype(font)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            font.save(out)
        os.replace(tmp, target)  # atomic: a process reading it never sees half a file
        return target
    except Exception:  # a read-only disk or an odd font: the full font still works
        log.warning("could not build the common cut of %s; embedding from the full font", path, exc_info=True)
        return None


@lru_cache(maxsize=4)
def _template(path: str, index: int) -> TTFFont:
    """The font parsed once per process (cmap, widths, glyph ids, descriptor): documents copy it."""
    from fpdf import FPDF

    holder = FPDF()
    holder.add_font("template", fname=path, collection_font_number=index)
    font = holder.fonts["template"]
    assert not isinstance(font, str)
    return font  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _fonts() -> tuple[tuple[str, int], tuple[str, int] | None]:
    """(base font, fallback font or None) as (path, face index)."""
    full = pdf_font()
    cut = _common_cut(*full)
    return ((str(cut), 0), full) if cut else (full, None)


def warm_fonts() -> None:
    """Build the common cut and parse the fonts now (e.g. when a worker starts), not on the
    first download."""
    base, fallback = _fonts()
    _template(*base)
    if fallback:
        _template(*fallback)


def _attach(pdf: FPDF, family: str, path: str, index: int, *, name_suffix: str = "") -> None:
    """Register the process's parsed font in `pdf` under `family`, with a fresh fontTools handle
    (the subsetter changes it in place when the document is written) and its own subset map."""
    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap, TTFFont

    template = _template(path, index)
    if template.color_font is not None:  # bound to the template's document: add it the plain way
        pdf.add_font(family, fname=path, collection_font_number=index)
        return
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(template, slot):
            setattr(font, slot, getattr(template, slot))
    # No bounding-box recomputation on save: it runs every glyph program of the subset (half of
    # the time of writing a document), and the full font's box is a valid box for any subset.
    font.ttfont = TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    font.fontkey = family
    font.i = len(pdf.fonts) + 1
    font.name = template.name + name_suffix  # two subsets of one font need two PDF names
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a document's data (dataclasses, lists, tuples, dicts)."""
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _texts(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _texts(v)


def _needs_fallback(path: str, index: int, texts: Iterable[str]) -> bool:
    cmap = _template(path, index).cmap
    return any(ord(c) not in cmap for text in texts for c in text if c not in "\n\r\t")


# --- Line breaking ------------------------------------------------------------------------------

# Characters no line may start with: closing punctuation, brackets and quotes, and marks that
# belong to the character before them (GB/T 15834 4.x; the usual 避头 set).
NO_LINE_START = frozenset(
    "，。、；：？！）》」』】〕〉］｝〗〙”’…—～·．％‰℃°"  # full-width and CJK
    ",.;:?!)]}%/"  # their ASCII forms, and the slash of "车间 / 部位"
    " \u00a0\u3000"  # a break goes after a space, not before it
)
# Characters no line may end with: opening brackets and quotes (the usual 避尾 set).
NO_LINE_END = frozenset("（《「『【〔〈［｛〖〘“‘([{")
# A run of these is one word (a phone number, "GB 6441", "4.2"): it breaks only if it must.
WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_")
# How far a break may move back (characters) to obey the rule, at most half the line; past
# that the line breaks where it overflows.
MAX_CARRY = 8


def break_allowed(before: str, after: str) -> bool:
    """Whether a line may end after `before` and the next start with `after`."""
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return not (before in WORD_CHARS and after in WORD_CHARS)


def carry_over(line: str, following: str) -> int:
    """How many characters at the end of `line` go to the next line so that the break before
    `following` obeys `break_allowed`: 0 when it already does, or when no allowed break lies
    within MAX_CARRY characters and half the line (the line then breaks where it overflows)."""
    if not line or not following:
        return 0
    limit = min(MAX_CARRY, len(line) // 2)
    nxt = following
    for carried in range(limit + 1):
        before = line[len(line) - 1 - carried]
        if break_allowed(before, nxt):
            return carried
        nxt = before
    return 0


def wrap_lines(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` characters by the same rule (the PDFs measure
    widths instead; this is the rule on its own, for tests and plain-text output)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        rest = paragraph
        while len(rest) > width:
            line = rest[:width]
            carried = carry_over(line, rest[width])
            lines.append(line[: width - carried].rstrip(" "))
            rest = rest[width - carried :].lstrip(" ")
        lines.append(rest)
    return lines


def _chinese_line_break_class() -> type[MultiLineBreak]:
    """fpdf2's MultiLineBreak with `carry_over` applied to each line its CHAR mode breaks."""
    from fpdf.enums import WrapMode
    from fpdf.line_break import SOFT_HYPHEN
    from fpdf.line_break import MultiLineBreak as FpdfLineBreak

    class ChineseLineBreak(FpdfLineBreak):
        def get_line(self) -> TextLine | None:
            start = (self.fragment_index, self.character_index)
            line = super().get_line()
            if line is None or self.wrapmode != WrapMode.CHAR or line.trailing_nl or line.trailing_form_feed:
                return line
            try:
                return self._obey_rule(start, line)
            except (IndexError, AttributeError):  # an fpdf2 we do not know: its own break
                log.debug("line break rule not applied", exc_info=True)
                return line

        def _positions(self, start: tuple[int, int]) -> list[tuple[int, int]]:
            """The source positions of the characters from `start` to where the next line
            starts (what this line took, including a space fpdf2 dropped or trimmed)."""
            out = []
            fi, ci = start
            while (fi, ci) < (self.fragment_index, self.character_index) and fi < len(self.fragments):
                if ci >= len(self.fragments[fi].characters):
                    fi, ci = fi + 1, 0
                    continue
                out.append((fi, ci))
                ci += 1
            return out

        def _following(self) -> str | None:
            fi, ci = self.fragment_index, self.character_index
            while fi < len(self.fragments) and ci >= len(self.fragments[fi].characters):
                fi, ci = fi + 1, 0
            return self.fragments[fi].characters[ci] if fi < len(self.fragments) else None

        def _obey_rule(self, start: tuple[int, int], line: TextLine) -> TextLine:
            following = self._following()
            if following is None:  # the end of the text
                return line
            taken = self._positions(start)
            source = "".join(self.fragments[fi].characters[ci] for fi, ci in taken)
            if SOFT_HYPHEN in source:
                return line
            carried = carry_over(source, following)
            if not carried:
                return line
            self.fragment_index, self.character_index = taken[len(taken) - carried]
            # The line as printed holds the source characters (a no-break space printed as a
            # space) up to any trailing spaces fpdf2 trimmed: keep the first len - carried,
            # without trailing spaces.
            keep = len(source) - carried
            fragments = list(line.fragments)
            printed = [c for f in fragments for c in f.characters]
            while printed and (len(printed) > keep or printed[-1] == " "):
                while not fragments[-1].characters:
                    fragments.pop()
                printed.pop()
                fragments[-1].trim(len(fragments[-1].characters) - 1)
            while fragments and not fragments[-1].characters:
                fragments.pop()
            return line._replace(
                fragments=fragments,
                text_width=sum(f.get_width(initial_cs=i > 0) for i, f in enumerate(fragments)),
                number_of_spaces=printed.count(" "),
            )

    return ChineseLineBreak


@lru_cache(maxsize=1)
def _install_line_breaking() -> None:
    """Put `ChineseLineBreak` where fpdf2's multi_cell (and so its tables) looks it up."""
    import fpdf.fpdf

    fpdf.fpdf.MultiLineBreak = _chinese_line_break_class()  # type: ignore[misc]


# --- Page frame ---------------------------------------------------------------------------------


def _new_pdf(
    *, title: str, subject: str, texts: Iterable[str], landscape: bool = False, cover: bool = False
) -> FPDF:
    """An A4 document with the CJK font as "cjk", a running head (from page 2, or from page 1
    without a cover) and "第 N 页 / 共 M 页" at the foot of every page."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    _install_line_breaking()

    class Document(FPDF):
        def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
            """Chinese text wraps by character (with the line-breaking rule) by default."""
            kwargs.setdefault("wrapmode", WrapMode.CHAR)
            return super().multi_cell(*args, **kwargs)

        def header(self) -> None:
            if cover and self.page_no() == 1:
                return
            self.set_font("cjk", size=8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{subject} · {title}", align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(200, 200, 200)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(3)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
            self.set_text_color(0, 0, 0)

    pdf = Document(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
    (base_path, base_index), fallback = _fonts()
    _attach(pdf, "cjk", base_path, base_index)
    if fallback and _needs_fallback(base_path, base_index, [title, subject, *texts]):
        _attach(pdf, "cjkfull", *fallback, name_suffix="-Full")
        pdf.set_fallback_fonts(["cjkfull"])
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 12, 15)
    pdf.set_title(f"{subject} {title}")
    pdf.set_subject(title)
    pdf.set_creator("saferisk")
    pdf.set_lang("zh-CN")
    return pdf


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except (ValueError, IndexError):
        return 158, 158, 158


def _ink(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black on light fills (yellow, orange), white on dark ones (red, blue): the same choice,
    by luminance, as the level badges of the pages."""
    return (0, 0, 0) if _text_colour("#{:02X}{:02X}{:02X}".format(*fill)) == "#000" else (255, 255, 255)


def _heading(pdf: FPDF, text: str, *, size: float = 14) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("cjk", size=size)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9.5)


def _band(
    pdf: FPDF,
    text: str,
    colour: tuple[int, int, int],
    *,
    height: float = 12,
    size: float = 16,
    align: str = "C",
) -> None:
    """A full-width colour band with its text."""
    pdf.set_fill_color(*colour)
    pdf.set_text_color(*_ink(colour))
    pdf.set_font("cjk", size=size)
    pdf.cell(0, height, text, align=align, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _legend(pdf: FPDF, levels: list[Level]) -> None:
    """A line of colour swatches with the level labels."""
    pdf.set_font("cjk", size=9)
    x = pdf.l_margin
    for level in levels:
        pdf.set_fill_color(*level.colour)
        pdf.rect(x, pdf.get_y() + 1.5, 4, 4, style="F")
        pdf.set_x(x + 5)
        pdf.cell(30, 7, level.label)
        x += 36
    pdf.ln(9)
    pdf.set_font("cjk", size=9.5)


def _table(pdf: FPDF, **options: Any) -> Any:
    """`pdf.table(...)` on a white ground: fpdf2 takes the table's default cell fill from the
    document's current fill colour, which may still be a level colour."""
    pdf.set_fill_color(255, 255, 255)
    pdf.set_text_color(0, 0, 0)
    options.setdefault("text_align", "LEFT")
    options.setdefault("line_height", 5.5)
    from fpdf.enums import WrapMode

    options.setdefault("wrapmode", WrapMode.CHAR)  # Chinese has no spaces: break anywhere, not at "1. "
    return pdf.table(**options)


def _face(fill: tuple[int, int, int] | None = None) -> Any:
    from fpdf.fonts import FontFace

    if fill is None:
        return FontFace(emphasis=None, fill_color=(232, 238, 247))
    return FontFace(emphasis=None, fill_color=fill, color=_ink(fill))


# --- Data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    colour: tuple[int, int, int]


@dataclass
class RiskRow:
    """One active risk as the documents print it."""

    name: str
    place: str
    part: str
    activity: str
    level: Level
    residual: Level | None
    method: str
    score: str
    accident_types: list[str]
    measures: list[tuple[str, list[str]]]  # (kind label, texts), in MeasureKind order
    tier: str
    department: str
    owner_name: str
    owner_phone: str
    emergency: str
    basis: list[str]
    # Set only when the level in force was set by hand: what the method gave, and why it differs.
    computed: Level | None = None
    level_reason: str = ""

    @property
    def hand_set(self) -> bool:
        return self.computed is not None

    @property
    def hand_set_note(self) -> str:
        """The note on a hand-set level, e.g. 按作业条件危险性分析法（LEC）计算 D = 54，为低风险；
        人工定为较大风险。理由：…"""
        if self.computed is None:
            return ""
        score = f" {self.score}" if self.score else ""
        return (
            f"按{self.method}计算{score}，为{self.computed.label}；人工定为{self.level.label}。"
            f"理由：{self.level_reason or '未填写'}"
        )

    @property
    def location(self) -> str:
        """ "车间 / 部位 / 环节"; the space before each slash does not break (a line may end with
        "/", never start with it)."""
        return "\u00a0/ ".join(p for p in (self.place, self.part, self.activity) if p)

    @property
    def measures_text(self) -> str:
        return "\n".join(f"{kind}：{'；'.join(texts)}" for kind, texts in self.measures)


@dataclass
class EnterpriseInfo:
    name: str
    uscc: str
    region: str
    address: str
    industry: str
    legal_representative: str
    principal: str
    principal_phone: str
    safety_director: str
    safety_director_phone: str
    contact_phone: str
    employees: str
    key_sectors: list[str]

    @property
    def safety_contact(self) -> tuple[str, str]:
        """Who to call inside the enterprise: the safety director, else the principal, else the
        enterprise's contact phone."""
        if self.safety_director and self.safety_director_phone:
            return f"安全管理负责人 {self.safety_director}", self.safety_director_phone
        if self.principal and self.principal_phone:
            return f"主要负责人 {self.principal}", self.principal_phone
        return "企业联系电话", self.contact_phone


@dataclass
class Area:
    number: int
    name: str
    level: Level | None
    risks: list[str]
    point: tuple[float, float] = (0.5, 0.5)  # where its number is on the plan (fractions)


@dataclass
class Section:
    title: str
    lines: list[str]


@dataclass
class DossierData:
    enterprise: EnterpriseInfo
    date: str
    levels: list[Level]  # most severe first
    counts: dict[str, int]
    risks: list[RiskRow]
    plan_png: bytes | None
    areas: list[Area]
    others: list[Section] = field(default_factory=list)


@dataclass
class Card:
    place: str
    level: Level
    risks: list[RiskRow]


@dataclass
class NoticeCardsData:
    enterprise: EnterpriseInfo
    date: str
    cards: list[Card]


@dataclass
class NoticeBoardData:
    enterprise: EnterpriseInfo
    date: str
    levels: list[Level]
    risks: list[RiskRow]
    supervision_phone: str


def _levels() -> dict[str, Level]:
    from saferisk.risks.schemes import level_styles

    styles = level_styles()
    return {code: Level(code, row["label"], _rgb(row["colour"])) for code, row in styles.items()}


def _date() -> str:
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


def _enterprise_info(enterprise: Enterprise) -> EnterpriseInfo:
    e = (
        Enterprise.objects.select_related("region__parent__parent__parent", "industry")
        .prefetch_related("key_sectors")
        .get(pk=enterprise.pk)
    )
    names: list[str] = []
    region: Any = e.region
    while region is not None:
        names.insert(0, region.name)
        region = region.parent
    return EnterpriseInfo(
        name=e.name,
        uscc=e.uscc,
        region=" ".join(names),
        address=e.address,
        industry=f"{e.industry.name}（{e.industry_id}）",
        legal_representative=e.legal_representative,
        principal=e.principal_name,
        principal_phone=e.principal_phone,
        safety_director=e.safety_director_name,
        safety_director_phone=e.safety_director_phone,
        contact_phone=e.contact_phone,
        employees=str(e.employees) if e.employees is not None else "",
        key_sectors=[k.name for k in e.key_sectors.all()],
    )


def _basis(item: dict[str, Any]) -> str:
    document = str(item.get("document", "")).strip()
    if LAW_SHORT in document:  # the regulation by its full name, however the basis spells it
        document = LAW
    if document and not document.startswith("《"):
        document = f"《{document}》"
    text = document + str(item.get("clause", ""))
    return text + (f"（{item['version']}）" if item.get("version") else "")


def _risk_rows(
    enterprise: Enterprise, levels: dict[str, Level], only: Iterable[str] | None = None
) -> list[RiskRow]:
    """The enterprise's active risks, most severe first (then by place), in three queries."""
    from saferisk.risks.models import Risk
    from saferisk.risks.services import LEVEL_ORDER

    qs = Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE)
    if only is not None:
        qs = qs.filter(level__in=list(only))
    qs = qs.annotate(severity=LEVEL_ORDER).order_by("severity", "place", "id")
    qs = qs.prefetch_related(
        Prefetch("accident_types", queryset=AccidentType.objects.order_by("code")), "measures"
    )
    kind_order = {k: i for i, k in enumerate(MeasureKind.values)}
    with translation.override("zh-hans"):
        kind_labels = {k: str(label) for k, label in MeasureKind.choices}
        tier_labels = {k: str(label) for k, label in ControlTier.choices}
    rows = []
    for risk in qs:
        grouped: OrderedDict[str, list[str]] = OrderedDict()
        for measure in sorted(
            risk.measures.all(), key=lambda m: (kind_order.get(m.kind, 99), m.sort_order, m.pk)
        ):
            grouped.setdefault(kind_labels.get(measure.kind, measure.kind), []).append(measure.text)
        score = ""
        if risk.score is not None and risk.method in SCORE_LETTER:
            score = f"{SCORE_LETTER[risk.method]} = {risk.score.normalize():f}"
        rows.append(
            RiskRow(
                name=risk.name,
                place=risk.place,
                part=risk.part,
                activity=risk.activity,
                level=levels[risk.level],
                residual=levels.get(risk.residual_level) if risk.residual_level else None,
                method=METHODS.get(risk.method, risk.method),
                score=score,
                accident_types=[t.name for t in risk.accident_types.all()],
                measures=list(grouped.items()),
                tier=tier_labels.get(risk.control_tier, risk.control_tier),
                department=risk.department,
                owner_name=risk.owner_name,
                owner_phone=risk.owner_phone,
                emergency=risk.emergency_measures,
                basis=[_basis(b) for b in risk.basis or [] if isinstance(b, dict)],
                computed=levels.get(risk.computed_level) if risk.computed_level != risk.level else None,
                level_reason=risk.level_reason if risk.computed_level != risk.level else "",
            )
        )
    return rows


def _hidden_danger_lines(enterprise: Enterprise) -> list[str]:
    """The enterprise's hidden dangers for the dossier: totals, then every one not yet closed
    (the nearest deadline first, at most 40), each with its grade, state and deadline."""
    from django.utils import timezone

    from saferisk.hidden_dangers.models import OPEN, HiddenDanger
    from saferisk.hidden_dangers.services import days_overdue

    rows = HiddenDanger.objects.filter(enterprise=enterprise)
    total = rows.count()
    if not total:
        return ["本企业在系统中没有登记事故隐患。"]
    today = timezone.localdate()
    open_rows = list(rows.filter(state__in=OPEN).order_by("deadline", "id")[:40])
    open_count = rows.filter(state__in=OPEN).count()
    major = rows.filter(state__in=OPEN, grade="major").count()
    overdue = sum(1 for h in open_rows if days_overdue(h, today))
    lines = [
        f"截至{today.year}年{today.month}月{today.day}日，本企业共登记事故隐患{total}条，"
        f"未销号{open_count}条（其中重大隐患{major}条，逾期未整改{overdue}条）。"
    ]
    for h in open_rows:
        late = days_overdue(h, today)
        deadline = f"整改期限{h.deadline.isoformat()}" if h.deadline else "待评估"
        lines.append(
            f"· {h.title}（{h.place or '—'}；{h.get_grade_display()}；{h.get_state_display()}；{deadline}"
            + (f"，已逾期{late}天" if late else "")
            + "）"
        )
    if open_count > len(open_rows):
        lines.append(f"……另有{open_count - len(open_rows)}条未销号隐患，请在系统的隐患台账中查看。")
    return lines


def _other_registers(enterprise: Enterprise) -> list[Section]:
    """Open hidden dangers from their ledger; major hazards from their app, which has no
    register yet, so the dossier says so in one line rather than print an empty table."""
    out = [Section("五、事故隐患", _hidden_danger_lines(enterprise))]
    has_models = bool(list(apps.get_app_config("major_hazards").get_models()))
    line = (
        "本系统尚未记录重大危险源信息。"
        if not has_models
        else "该模块已建立，但其数据尚未汇入本手册，请在系统中查看。"
    )
    out.append(Section("六、重大危险源", [line]))
    return out


def dossier_data(enterprise: Enterprise) -> DossierData:
    """Everything the dossier prints, read at once."""
    from saferisk.risks.site_plan import areas_with_colours, label_point, render_plan_png

    levels = _levels()
    risks = _risk_rows(enterprise, levels)
    counts = dict.fromkeys(levels, 0)
    for risk in risks:
        counts[risk.level.code] += 1
    plan = render_plan_png(enterprise, max_width=PLAN_PIXELS)
    areas = []
    if plan is not None:
        for number, area in enumerate(areas_with_colours(enterprise), start=1):
            level = levels.get(area["level"]) if area["level"] else None
            point = label_point(area["shape"], area["points"]) if area["points"] else (0.5, 0.5)
            areas.append(Area(number, area["name"], level, list(area["risk_names"]), point))
    return DossierData(
        enterprise=_enterprise_info(enterprise),
        date=_date(),
        levels=list(levels.values()),
        counts=counts,
        risks=risks,
        plan_png=plan,
        areas=areas,
        others=_other_registers(enterprise),
    )


def notice_cards_data(enterprise: Enterprise) -> NoticeCardsData:
    """One card per place (风险点), its risks most severe first; cards most severe first."""
    levels = _levels()
    by_place: OrderedDict[str, list[RiskRow]] = OrderedDict()
    for risk in _risk_rows(enterprise, levels):
        by_place.setdefault(risk.place, []).append(risk)
    order = list(levels)
    cards = [
        Card(place, min((r.level for r in risks), key=lambda lv: order.index(lv.code)), risks)
        for place, risks in by_place.items()
    ]
    cards.sort(key=lambda c: (order.index(c.level.code), c.place))
    return NoticeCardsData(enterprise=_enterprise_info(enterprise), date=_date(), cards=cards)


def notice_board_data(enterprise: Enterprise) -> NoticeBoardData:
    """The 较大以上 (MAJOR and LARGE) risks and the supervision phone."""
    levels = _levels()
    return NoticeBoardData(
        enterprise=_enterprise_info(enterprise),
        date=_date(),
        levels=[levels["MAJOR"], levels["LARGE"]],
        risks=_risk_rows(enterprise, levels, only=("MAJOR", "LARGE")),
        supervision_phone=str(getattr(settings, "SAFERISK_SUPERVISION_PHONE", "12350")),
    )


# --- Rendering ----------------------------------------------------------------------------------


HAND_SET = "（人工定级）"


def _level_text(risk: RiskRow, *, residual: bool = True) -> str:
    """The level for a table cell: "较大风险", then "（人工定级）" when set by hand (the note under
    the table says why) and the residual level."""
    lines = [risk.level.label]
    if risk.hand_set:
        lines.append(HAND_SET)
    if residual and risk.residual is not None:
        lines.append(f"（剩余：{risk.residual.label}）")
    return "\n".join(lines)


def _hand_set_notes(pdf: FPDF, numbered: Iterable[tuple[int, RiskRow]]) -> None:
    """Under a risk table: why each risk marked 人工定级 has a level other than its method's."""
    notes = [f"{n}. {risk.name}：{risk.hand_set_note}" for n, risk in numbered if risk.hand_set]
    if not notes:
        return
    pdf.ln(1.5)
    pdf.set_font("cjk", size=8.5)
    pdf.multi_cell(
        0,
        4.8,
        "注：标“人工定级”的风险，其风险等级由企业人工确定，与评估方法的计算结果不同：\n" + "\n".join(notes),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("cjk", size=9.5)


def _plan_numbers(
    pdf: FPDF, areas: list[Area], *, x: float, y: float, w: float, h: float, pixels: int
) -> None:
    """Each area's number printed over the plan image as a 9 pt badge in its level's colour, so
    it reads the same however far the image is scaled down. The badge covers the number
    `site_plan.render_plan_png` paints into the image (max(12, width/80) pixels, on a marker disc
    of max(8, width/80) pixels), so it is sized from that too."""
    scale = w / max(pixels, 1)  # mm per image pixel
    painted = max(12, pixels // 80) * scale
    marker = max(8, pixels // 80) * scale
    pdf.set_font("cjk", size=PLAN_NUMBER_PT)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.25)
    for area in areas:
        digits = len(str(area.number))
        radius = max(
            2.0 + 0.6 * digits,  # the printed number
            0.5 * math.hypot(0.62 * digits * painted, 0.75 * painted) + 0.3,  # the painted one
            marker + 0.3,
        )
        fill = area.level.colour if area.level else (255, 255, 255)
        cx, cy = x + area.point[0] * w, y + area.point[1] * h
        pdf.set_fill_color(*fill)
        pdf.circle(x=cx, y=cy, radius=radius, style="FD")
        pdf.set_text_color(*_ink(fill))
        pdf.set_xy(cx - radius, cy - radius)
        pdf.cell(2 * radius, 2 * radius, str(area.number), align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_font("cjk", size=9.5)


def render_dossier(data: DossierData) -> bytes:
    """The dossier: cover, enterprise data, risk list, controls per risk, the four-colour plan,
    hidden dangers and major hazards."""
    e = data.enterprise
    pdf = _new_pdf(title="安全风险管控手册", subject=e.name, texts=_texts(data), cover=True)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Cover
    pdf.add_page()
    pdf.ln(40)
    pdf.set_font("cjk", size=28)
    pdf.cell(0, 16, "安全风险管控手册", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 10, "（一企一册）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, e.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=11)
    for line in (f"统一社会信用代码：{e.uscc}", f"所在地区：{e.region}", f"编制日期：{data.date}"):
        pdf.cell(0, 8, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    box = 36.0
    x0 = pdf.l_margin + (width - box * len(data.levels)) / 2
    y0 = pdf.get_y()
    for i, level in enumerate(data.levels):
        pdf.set_fill_color(*level.colour)
        pdf.set_text_color(*_ink(level.colour))
        pdf.set_xy(x0 + i * box, y0)
        pdf.set_font("cjk", size=11)
        pdf.cell(box, 9, level.label, align="C", fill=True, border=1)
        pdf.set_xy(x0 + i * box, y0 + 9)
        pdf.set_font("cjk", size=18)
        pdf.cell(box, 14, f"{data.counts.get(level.code, 0)} 项", align="C", fill=True, border=1)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y0 + 28)
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"在册安全风险共 {len(data.risks)} 项", align="C", new_x="LMARGIN", new_y="NEXT")

    # 1. Enterprise data
    pdf.add_page()
    _heading(pdf, "一、企业基本情况")
    director = " ".join(p for p in (e.safety_director, e.safety_director_phone) if p)
    principal = " ".join(p for p in (e.principal, e.principal_phone) if p)
    info = (
        ("企业名称", e.name),
        ("统一社会信用代码", e.uscc),
        ("所在地区", e.region),
        ("地址", e.address),
        ("所属行业", e.industry),
        ("法定代表人", e.legal_representative),
        ("主要负责人及电话", principal),
        ("安全管理负责人及电话", director),
        ("企业联系电话", e.contact_phone),
        ("从业人员", f"{e.employees} 人" if e.employees else ""),
        ("重点行业领域", "、".join(e.key_sectors) or "无"),
    )
    with _table(
        pdf, col_widths=(45, width - 45), first_row_as_headings=False, text_align="LEFT", line_height=6.5
    ) as table:
        for label, value in info:
            row = table.row()
            row.cell(label, style=_face())
            row.cell(value or "—")

    # 2. Risk list
    _heading(pdf, "二、安全风险清单")
    if not data.risks:
        pdf.multi_cell(0, 7, "本企业风险清单中暂无在册的安全风险。", new_x="LMARGIN", new_y="NEXT")
    else:
        summary = "；".join(f"{lv.label} {data.counts.get(lv.code, 0)} 项" for lv in data.levels)
        pdf.multi_cell(0, 6, f"在册安全风险共 {len(data.risks)} 项：{summary}。按风险等级由高到低排列。")
        pdf.ln(2)
        widths = (9, 33, 35, 23, 27, 26, width - 153)
        with _table(
            pdf,
            col_widths=widths,
            text_align="LEFT",
            headings_style=_face(),
            line_height=5.5,
            repeat_headings=1,
        ) as table:
            table.row(
                (
                    "序号",
                    "风险名称",
                    "风险点/部位/环节",
                    "风险等级",
                    "可能导致的事故类型",
                    "管控层级",
                    "责任部门/责任人",
                )
            )
            for n, risk in enumerate(data.risks, start=1):
                row = table.row()
                row.cell(str(n))
                row.cell(risk.name)
                row.cell(risk.location)
                row.cell(_level_text(risk), style=_face(risk.level.colour), align="C")
                row.cell("、".join(risk.accident_types))
                row.cell(risk.tier)
                row.cell("\n".join(p for p in (risk.department, risk.owner_name) if p))
        _hand_set_notes(pdf, enumerate(data.risks, start=1))

    from fpdf.enums import WrapMode

    # 3. Controls per risk: a colour band, then the fields as one block of text. (Not a table:
    # fpdf2 lays out every table cell twice, and this section is most of the document.)
    if data.risks:
        _heading(pdf, "三、风险管控措施")
        for n, risk in enumerate(data.risks, start=1):
            if pdf.get_y() > pdf.h - 40:
                pdf.add_page()
            _band(
                pdf,
                f"{n}. {risk.name}（{risk.level.label}{'，人工定级' if risk.hand_set else ''}）",
                risk.level.colour,
                height=7,
                size=10.5,
                align="L",
            )
            grading = risk.level.label
            if risk.hand_set:
                grading += f"（人工定级：{risk.hand_set_note}）"
            if risk.residual:
                grading += f"；剩余风险等级：{risk.residual.label}"
            lines: list[tuple[str, str]] = [
                ("风险点", risk.place),
                ("部位", risk.part),
                ("环节", risk.activity),
                ("风险等级", grading),
                ("评估方法", risk.method + (f"，{risk.score}" if risk.score else "")),
                ("可能导致的事故类型", "、".join(risk.accident_types)),
                *(
                    (f"管控措施（{kind}）", "；".join(f"{i}. {t}" for i, t in enumerate(texts, start=1)))
                    for kind, texts in risk.measures
                ),
                ("管控层级", risk.tier),
                ("责任部门", risk.department),
                ("责任人", " ".join(p for p in (risk.owner_name, risk.owner_phone) if p)),
                ("应急处置措施", risk.emergency),
                ("依据", "；".join(risk.basis)),
            ]
            pdf.set_font("cjk", size=9.5)
            pdf.multi_cell(
                0,
                5.5,
                "\n".join(f"{label}：{value}" for label, value in lines if value),
                border="LRB",
                padding=(1, 2),
                wrapmode=WrapMode.CHAR,
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.ln(3)

    # 4. Four-colour plan
    pdf.add_page()
    _heading(pdf, "四、安全风险四色分布图")
    if data.plan_png is None:
        pdf.multi_cell(0, 7, "本企业尚未上传厂区平面图，未绘制四色分布图。", new_x="LMARGIN", new_y="NEXT")
    else:
        from PIL import Image

        with Image.open(io.BytesIO(data.plan_png)) as image:
            pixels, ratio = image.width, image.height / image.width
        img_w = width
        img_h = img_w * ratio
        room = pdf.h - pdf.get_y() - 80
        if img_h > room:
            img_h, img_w = room, room / ratio
        img_x, img_y = pdf.l_margin + (width - img_w) / 2, pdf.get_y()
        pdf.image(io.BytesIO(data.plan_png), x=img_x, y=img_y, w=img_w, h=img_h)
        _plan_numbers(pdf, data.areas, x=img_x, y=img_y, w=img_w, h=img_h, pixels=pixels)
        pdf.set_xy(pdf.l_margin, img_y + img_h)
        pdf.ln(3)
        _legend(pdf, data.levels)
        if data.areas:
            with _table(
                pdf,
                col_widths=(14, 50, 26, width - 90),
                text_align="LEFT",
                headings_style=_face(),
                line_height=5.5,
            ) as table:
                table.row(("编号", "区域", "风险等级", "区域内的安全风险"))
                for area in data.areas:
                    row = table.row()
                    row.cell(str(area.number), align="C")
                    row.cell(area.name)
                    if area.level:
                        row.cell(area.level.label, style=_face(area.level.colour), align="C")
                    else:
                        row.cell("无在册风险", align="C")
                    row.cell("、".join(area.risks) or "—")

    # 5, 6. Hidden dangers, major hazards
    for section in data.others:
        _heading(pdf, section.title)
        for line in section.lines:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render_notice_cards(data: NoticeCardsData) -> bytes:
    """One card (page) per place: a colour band of its most severe level, its risks with their
    accident types, controls and emergency measures, and who to call."""
    e = data.enterprise
    pdf = _new_pdf(title="岗位风险告知卡", subject=e.name, texts=_texts(data))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    contact, contact_phone = e.safety_contact
    if not data.cards:
        pdf.add_page()
        _heading(pdf, "岗位风险告知卡")
        pdf.multi_cell(
            0, 7, "本企业风险清单中暂无在册的安全风险，无需制作告知卡。", new_x="LMARGIN", new_y="NEXT"
        )
    for card in data.cards:
        pdf.add_page()
        _band(pdf, f"岗位安全风险告知卡 · {card.level.label}", card.level.colour, height=14, size=18)
        pdf.ln(2)
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(0, 8, f"风险点（岗位/场所）：{card.place}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9.5)
        pdf.cell(0, 6, f"{e.name} · {data.date}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        with _table(
            pdf,
            col_widths=(10, 46, 40, 25, width - 121),
            text_align="LEFT",
            headings_style=_face(),
            line_height=5.5,
        ) as table:
            table.row(("序号", "风险名称", "部位/环节", "风险等级", "可能导致的事故类型"))
            for n, risk in enumerate(card.risks, start=1):
                row = table.row()
                row.cell(str(n))
                row.cell(risk.name)
                row.cell("\u00a0/ ".join(p for p in (risk.part, risk.activity) if p) or "—")
                row.cell(_level_text(risk, residual=False), style=_face(risk.level.colour), align="C")
                row.cell("、".join(risk.accident_types))
        _hand_set_notes(pdf, enumerate(card.risks, start=1))
        _heading(pdf, "管控措施", size=12)
        with _table(
            pdf, col_widths=(32, width - 32), first_row_as_headings=False, text_align="LEFT", line_height=5.5
        ) as table:
            for n, risk in enumerate(card.risks, start=1):
                row = table.row()
                row.cell(f"{n}. {risk.name}", colspan=2, style=_face(risk.level.colour))
                for kind, texts in risk.measures:
                    row = table.row()
                    row.cell(kind, style=_face())
                    row.cell("；".join(texts))
                owner = " ".join(p for p in (risk.department, risk.owner_name, risk.owner_phone) if p)
                row = table.row()
                row.cell("责任人", style=_face())
                row.cell(owner)
        _heading(pdf, "应急处置措施", size=12)
        emergencies = [(r.name, r.emergency) for r in card.risks if r.emergency]
        if emergencies:
            for name, text in emergencies:
                pdf.multi_cell(0, 6, f"{name}：{text}", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(
                0,
                6,
                "立即停止作业，撤离至安全地点，并报告班组长和安全管理人员。",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        _heading(pdf, "应急电话", size=12)
        phones = [(contact, contact_phone), *EMERGENCY_NUMBERS]
        with _table(
            pdf,
            col_widths=[width / len(phones)] * len(phones),
            first_row_as_headings=False,
            text_align="CENTER",
            line_height=7,
        ) as table:
            row = table.row()
            for label, _ in phones:
                row.cell(label, style=_face())
            row = table.row()
            for _, number in phones:
                row.cell(number or "—")
    return bytes(pdf.output())


def render_notice_board(data: NoticeBoardData) -> bytes:
    """The public board: 较大以上 risks with their place, level, accident types, main controls
    and the responsible person, and the supervision / tip-off phone (Article 16)."""
    e = data.enterprise
    pdf = _new_pdf(title="较大以上安全风险公告", subject=e.name, texts=_texts(data), landscape=True)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 12, "较大以上安全风险公告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 7, f"{e.name}　　公告日期：{data.date}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if not data.risks:
        pdf.set_font("cjk", size=14)
        pdf.multi_cell(
            0, 10, "本单位目前没有较大及以上等级的安全风险。", align="C", new_x="LMARGIN", new_y="NEXT"
        )
    else:
        with _table(
            pdf,
            col_widths=(10, 40, 40, 22, 34, width - 196, 50),
            text_align="LEFT",
            headings_style=_face(),
            line_height=5.5,
            repeat_headings=1,
        ) as table:
            table.row(
                (
                    "序号",
                    "风险名称",
                    "风险点（位置）",
                    "风险等级",
                    "主要事故类型",
                    "主要管控措施",
                    "责任部门/责任人",
                )
            )
            for n, risk in enumerate(data.risks, start=1):
                row = table.row()
                row.cell(str(n))
                row.cell(risk.name)
                row.cell(risk.location)
                row.cell(risk.level.label, style=_face(risk.level.colour), align="C")
                row.cell("、".join(risk.accident_types))
                row.cell(risk.measures_text)
                row.cell("\n".join(p for p in (risk.department, risk.owner_name) if p))
    pdf.ln(4)
    _legend(pdf, data.levels)
    _band(pdf, f"安全生产监督举报电话：{data.supervision_phone}", (198, 40, 40), height=12, size=16)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(
        0,
        6,
        f"依据{LAW}第十六条公告。发现安全风险管控不到位或事故隐患，请拨打上述电话举报。",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def dossier_pdf(enterprise: Enterprise) -> bytes:
    """The enterprise risk dossier (一企一册) of `enterprise`."""
    return render_dossier(dossier_data(enterprise))


def notice_cards_pdf(enterprise: Enterprise) -> bytes:
    """The post risk notice cards (岗位风险告知卡) of `enterprise`, one per place."""
    return render_notice_cards(notice_cards_data(enterprise))


def notice_board_pdf(enterprise: Enterprise) -> bytes:
    """The public notice board of `enterprise`'s 较大以上 risks (Article 16)."""
    return render_notice_board(notice_board_data(enterprise))


RENDERERS = {"dossier": dossier_pdf, "notice_cards": notice_cards_pdf, "notice_board": notice_board_pdf}


def document_filename(enterprise: Enterprise, kind: str) -> str:
    """ "<企业名>-风险管控手册.pdf"; characters a file system refuses are replaced."""
    safe = (
        "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in enterprise.name).strip()
        or enterprise.uscc
    )
    return f"{safe}-{TITLES[kind]}.pdf"


def document_generate(*, actor: User, enterprise: Enterprise, kind: str) -> tuple[str, bytes]:
    """Make one document of `enterprise` for `actor` (who must be able to see it) and record
    that it was made, with a digest of the bytes handed out. Returns (file name, PDF)."""
    if kind not in RENDERERS:
        raise DomainError("document_kind", "文书类型无效", field="kind")
    if not can(actor, "view", enterprise):
        raise NotFound()
    content = RENDERERS[kind](enterprise)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="risk_documents.generated",
            obj=enterprise,
            changes={
                "kind": kind,
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        )
    return document_filename(enterprise, kind), content
