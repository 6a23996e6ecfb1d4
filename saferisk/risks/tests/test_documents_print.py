"""How the risk documents print: Chinese line breaking (no line starts with closing punctuation,
none ends with an opening bracket), hand-set levels marked and explained, text colour on the
level colours, the plan's area numbers at a readable size, and the regulation's full name."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from saferisk.risks import documents
from saferisk.risks.models import Risk
from saferisk.risks.schemes import level_styles
from saferisk.risks.services import risk_save
from saferisk.risks.site_plan import risk_area_save, site_plan_upload
from saferisk.risks.templatetags.risks import _text_colour
from saferisk.risks.tests.test_documents import DUST, REACTOR, text_of

pytestmark = pytest.mark.django_db

CLOSING = "".join(sorted(documents.NO_LINE_START - {" ", "\u00a0", "\u3000"}))
OPENING = "".join(sorted(documents.NO_LINE_END))


# --- Line breaking ------------------------------------------------------------------------------


def test_the_rule_keeps_punctuation_with_the_character_before_it() -> None:
    assert documents.break_allowed("风", "险")
    assert not documents.break_allowed("构", "）")  # no line starts with a closing bracket
    assert not documents.break_allowed("风", "、")
    assert documents.break_allowed("建", "（")  # a line may start with an opening one
    assert not documents.break_allowed("（", "构")  # but not end with it
    assert not documents.break_allowed("3", "8")  # a phone number is one word
    assert documents.break_allowed("：", "1")
    # 13 characters a line: cut where it overflows, "、再检测" would start a line.
    text = "有限空间作业严格执行先通风、再检测、后作业，专人监护"
    assert text[13] == "、"
    assert documents.wrap_lines(text, 13) == ["有限空间作业严格执行先通", "风、再检测、后作业，专人监", "护"]
    assert documents.wrap_lines("易燃易爆建（构）筑物防雷接地", 7) == ["易燃易爆建", "（构）筑物防雷", "接地"]
    assert documents.carry_over("联系电话13800001111", "2") == 0  # no break within 8: cut as it comes
    assert documents.carry_over("安全管理负责人王工电话1380000", "1") == 7  # the number moves whole


def _lines_of(pdf: bytes, tmp_path: Path) -> list[str]:
    return [line.strip() for line in text_of(pdf, tmp_path, "lines.pdf").splitlines() if line.strip()]


def test_a_text_that_broke_before_a_closing_bracket_now_breaks_before_the_word(tmp_path: Path) -> None:
    """A 10 pt paragraph exactly 9 characters wide: fpdf2's character wrap put "）筑物" at the
    start of line 2 and "、静电" at the start of line 4."""
    text = "易燃易爆场所建（构）筑物应按规定设置防雷装置、接地装置、静电消除装置。"
    assert (text[9], text[27]) == ("）", "、")  # where a plain character wrap breaks
    pdf = documents._new_pdf(title="测试", subject="断行", texts=[text])
    pdf.add_page()
    pdf.set_font("cjk", size=10)
    width = 9 * 10 * 25.4 / 72 + 2 * pdf.c_margin + 0.01  # nine full-width characters
    pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
    lines = _lines_of(bytes(pdf.output()), tmp_path)[1:-1]  # without the running head and foot
    assert "".join(lines) == text
    assert lines == ["易燃易爆场所建", "（构）筑物应按规定", "设置防雷装置、接地", "装置、静电消除装", "置。"]
    assert lines == documents.wrap_lines(text, 9)
    assert all(line[0] not in CLOSING and line[-1] not in OPENING for line in lines)


def test_no_line_of_a_dossier_starts_with_closing_punctuation(world: Any, tmp_path: Path) -> None:
    """Texts full of punctuation, at every offset against the column widths."""
    pad = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"
    for n in range(14):
        risk_save(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            data={
                **DUST,
                "name": f"{pad[:n]}建（构）筑物坍塌",
                "place": f"{pad[: n % 7]}仓库（二）",
                "part": f"{pad[: n % 5]}除尘器",
                "activity": "清灰",
                "department": "设备部（安环科）",
                "emergency_measures": f"{pad[:n]}先通风、再检测、后作业；发现异常立即撤离，报告班组长（电话：8001）。",
                "measures": [
                    {"kind": "engineering", "text": f"{pad[: 13 - n]}定期检查建（构）筑物、设备基础。"}
                ],
            },
        )
    pdf = documents.dossier_pdf(world.ent_a)
    lines = _lines_of(pdf, tmp_path)
    assert len(lines) > 200
    bad = [line for line in lines if line != "—" and (line[0] in CLOSING or line[-1] in OPENING)]
    assert bad == []  # ("—" alone is an empty cell)
    cards = _lines_of(documents.notice_cards_pdf(world.ent_a), tmp_path)
    assert [line for line in cards if line != "—" and (line[0] in CLOSING or line[-1] in OPENING)] == []


# --- Hand-set levels ----------------------------------------------------------------------------

HAND_SET = {
    **REACTOR,
    "name": "粉碎机粉尘积聚",
    "place": "粉碎车间",
    "inputs": {"L": 3, "E": 6, "C": 3},  # D = 54: 低风险
    "level": "LARGE",
    "level_reason": "粉碎车间属涉爆粉尘场所，按较大风险管控",
}


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def test_a_hand_set_level_is_marked_and_explained_in_the_dossier(world: Any, tmp_path: Path) -> None:
    risk = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=HAND_SET)
    assert risk.score is not None
    assert (risk.computed_level, risk.level, str(risk.score.normalize())) == ("LOW", "LARGE", "54")
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=REACTOR)  # graded as computed
    text = text_of(documents.dossier_pdf(world.ent_a), tmp_path)
    flat = _flat(text)
    table = text[text.index("二、安全风险清单") : text.index("注：标")]
    assert "（人工定级）" in table  # under 较大风险 in the risk table's level cell
    assert text.count("人工定级") == 4  # the cell, the note's heading, the band, the grading line
    note = "按作业条件危险性分析法（LEC）计算D=54，为低风险；人工定为较大风险。理由：粉碎车间属涉爆粉尘场所，按较大风险管控"
    assert "注：标“人工定级”的风险，其风险等级由企业人工确定，与评估方法的计算结果不同：" in flat
    assert f"2.粉碎机粉尘积聚：{note}" in flat  # numbered as in the table
    assert "2.粉碎机粉尘积聚（较大风险，人工定级）" in flat
    assert f"风险等级：较大风险（人工定级：{note}）" in flat
    assert "评估方法：作业条件危险性分析法（LEC），D=54" in flat
    assert "1.反应釜超温超压（重大风险）" in flat  # no mark where the level is the computed one


def test_a_hand_set_level_is_marked_and_explained_on_the_notice_card(world: Any, tmp_path: Path) -> None:
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=HAND_SET)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=DUST)
    pages = text_of(documents.notice_cards_pdf(world.ent_a), tmp_path).split("\x0c")
    hand_set = next(p for p in pages if "粉碎车间" in p)
    other = next(p for p in pages if "抛光车间" in p)
    assert "（人工定级）" in hand_set.splitlines()
    assert "1.粉碎机粉尘积聚：按作业条件危险性分析法（LEC）计算D=54，为低风险；人工定为较大风险。" in _flat(
        hand_set
    )
    assert "理由：粉碎车间属涉爆粉尘场所，按较大风险管控" in _flat(hand_set)
    assert "人工定级" not in other


# --- Colours ------------------------------------------------------------------------------------


def test_text_on_a_level_colour_is_chosen_by_its_luminance_as_on_the_pages() -> None:
    styles = level_styles()
    ink = {code: documents._ink(documents._rgb(style["colour"])) for code, style in styles.items()}
    black, white = (0, 0, 0), (255, 255, 255)
    assert ink == {
        "MAJOR": white,
        "LARGE": black,
        "GENERAL": black,
        "LOW": white,
    }  # red, orange, yellow, blue
    for colour in ("#FB8C00", "#FDD835", "#E53935", "#1E88E5", "#9E9E9E", "#000000", "#FFFFFF"):
        expected = black if _text_colour(colour) == "#000" else white
        assert documents._ink(documents._rgb(colour)) == expected, colour


def test_the_orange_band_prints_black_text(world: Any) -> None:
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=DUST)  # 较大: orange
    pdf = documents._new_pdf(title="t", subject="s", texts=["较大风险"])
    pdf.set_compression(False)
    pdf.add_page()
    documents._band(pdf, "较大风险", documents._rgb(level_styles()["LARGE"]["colour"]))
    stream = bytes(pdf.output())
    assert b"\n0.9843 0.549 0 rg\n" in stream  # the orange fill (#FB8C00)
    band = re.search(rb"re f BT [\d.]+ [\d.]+ Td ([\d.]+) g \(", stream)  # the band, then its text
    assert band is not None
    assert band[1] == b"0"  # black, not white ("1 g")


# --- The plan -----------------------------------------------------------------------------------


def test_plan_numbers_print_at_9_pt_over_a_scaled_down_plan(world: Any, tmp_path: Path) -> None:
    reactor = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=REACTOR)
    dust = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=DUST)
    image = Image.new("RGB", (3000, 2000), (240, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    site_plan_upload(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        file=SimpleUploadedFile("plan.png", buffer.getvalue(), content_type="image/png"),
    )
    risk_area_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={
            "name": "合成区",
            "shape": "polygon",
            "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]],
            "risks": [reactor.pk],
        },
    )
    risk_area_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={"name": "除尘器", "shape": "marker", "points": [[0.8, 0.75]], "risks": [dust.pk]},
    )
    data = documents.dossier_data(world.ent_a)
    assert data.plan_png is not None
    with Image.open(io.BytesIO(data.plan_png)) as png:
        assert png.size == (documents.PLAN_PIXELS, 800)
    assert [(a.number, a.point) for a in data.areas] == [(1, pytest.approx((0.3, 0.3))), (2, (0.8, 0.75))]
    path = tmp_path / "plan.pdf"
    path.write_bytes(documents.render_dossier(data))
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "4", "-l", "4", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [
        (m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4]))
        for m in re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
        )
    ]
    mm = 72 / 25.4
    # The plan is 180 mm wide from the left margin (15 mm); the numbers sit on the areas' points.
    for number, fx in (("1", 0.3), ("2", 0.8)):
        x = (15 + fx * 180) * mm
        on_plan = [w for w in words if w[0] == number and abs((w[1] + w[3]) / 2 - x) < 4]
        assert len(on_plan) == 1, (number, on_plan)
        _, _, y_min, _, y_max = on_plan[0]
        assert y_max - y_min >= 8.5  # 9 pt type, not the plan image's 2 mm digits
    plan_top = min(w[2] for w in words if w[0] == "1" and abs((w[1] + w[3]) / 2 - (15 + 54) * mm) < 4)
    assert plan_top > 20 * mm  # under the heading, over the picture


# --- The regulation's name ----------------------------------------------------------------------


def test_the_regulation_is_named_in_full(world: Any, tmp_path: Path) -> None:
    assert documents.LAW == "《江苏省生产经营单位安全风险管理条例》"
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**DUST, "basis": [{"document": "江苏省安全风险管理条例", "clause": "第十六条"}]},
    )
    dossier = _flat(text_of(documents.dossier_pdf(world.ent_a), tmp_path, "d.pdf"))
    assert "依据：《江苏省生产经营单位安全风险管理条例》第十六条" in dossier
    board = _flat(text_of(documents.notice_board_pdf(world.ent_a), tmp_path, "b.pdf"))
    assert "依据《江苏省生产经营单位安全风险管理条例》第十六条公告" in board
    assert Risk.objects.get().basis[0]["document"] == "江苏省安全风险管理条例"  # the data is left as written
