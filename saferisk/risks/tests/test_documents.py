"""Risk documents: the dossier (一企一册), the notice cards and the public notice board are
A4 PDFs with an embedded CJK font and page numbers, whose text (read back with pdftotext) holds
what the rules ask for; each download is scoped and audited."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from saferisk.core.models import AuditEvent
from saferisk.risks import documents
from saferisk.risks.models import Risk
from saferisk.risks.services import risk_retire, risk_save
from saferisk.risks.site_plan import risk_area_save, site_plan_upload

pytestmark = pytest.mark.django_db

REACTOR = {
    "name": "反应釜超温超压",
    "place": "合成车间",
    "part": "1号反应釜",
    "activity": "加料升温",
    "method": "lec",
    "inputs": {"L": 6, "E": 6, "C": 15},  # D = 540: 重大
    "accident_types": [18, 17],
    "owner_name": "王工",
    "owner_phone": "13800001111",
    "department": "生产部",
    "emergency_measures": "立即切断进料，开启紧急泄压，撤离无关人员",
    "basis": [{"document": "危险化学品企业安全风险隐患排查治理导则", "clause": "4.2", "version": "2019"}],
    "measures": [
        {"kind": "engineering", "text": "温度压力联锁，超限自动切断进料"},
        {"kind": "monitoring", "text": "温度、压力在线监测并远传中控室"},
        {"kind": "management", "text": "严格执行工艺操作规程"},
    ],
}
DUST = {
    "name": "粉尘爆炸",
    "place": "抛光车间",
    "part": "除尘系统",
    "method": "direct",
    "level": "LARGE",
    "accident_types": [18],
    "owner_name": "李工",
    "owner_phone": "13800002222",
    "department": "设备部",
    "measures": [{"kind": "engineering", "text": "除尘器泄爆、隔爆装置完好"}],
}
LADDER = {
    "name": "登高作业坠落",
    "place": "合成车间",
    "activity": "检修登高",
    "method": "ls",
    "inputs": {"L": 2, "S": 2},
    "accident_types": [9],
    "owner_name": "赵工",
    "measures": [{"kind": "ppe", "text": "系挂安全带"}],
}


def text_of(pdf: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages_of(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[-1])


@pytest.fixture
def register(world: Any) -> dict[str, Risk]:
    filler = world.enterprise_filler
    ent = world.ent_a
    ent.safety_director_name, ent.safety_director_phone = "孙安全", "13912340000"
    ent.address = "南京市江宁区东山街道化工路8号"
    ent.save()
    risks = {
        "reactor": risk_save(actor=filler, enterprise=ent, data=REACTOR),
        "dust": risk_save(actor=filler, enterprise=ent, data=DUST),
        "ladder": risk_save(actor=filler, enterprise=ent, data=LADDER),
        "gone": risk_save(actor=filler, enterprise=ent, data={**LADDER, "name": "已拆除的储罐"}),
    }
    risk_retire(actor=filler, risk=risks["gone"], reason="储罐已拆除")
    return risks


def test_dossier_holds_the_enterprise_its_active_risks_by_level_and_controls(
    world: Any, register: dict[str, Risk], tmp_path: Path
) -> None:
    pdf = documents.dossier_pdf(world.ent_a)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf, tmp_path)
    assert "安全风险管控手册" in text
    assert world.ent_a.name in text
    assert world.ent_a.uscc in text
    for name in ("反应釜超温超压", "粉尘爆炸", "登高作业坠落"):
        assert name in text
    assert "已拆除的储罐" not in text  # retired risks are not in the dossier
    for label in ("重大风险", "较大风险", "一般风险", "低风险"):
        assert label in text
    # Controls grouped by kind, in Chinese; emergency measures, owner and legal basis.
    for words in (
        "工程技术",
        "在线监测",
        "管理制度",
        "个体防护",
        "温度压力联锁",
        "立即切断进料",
        "王工",
        "13800001111",
    ):
        assert words in text
    assert "《危险化学品企业安全风险隐患排查治理导则》4.2（2019）" in text
    assert "本企业在系统中没有登记事故隐患。" in text
    assert "本系统尚未记录重大危险源信息。" in text
    assert "本企业尚未上传厂区平面图" in text
    pages = pages_of(pdf, tmp_path)
    assert f"第1页/共{pages}页" in text.replace(" ", "")  # pdftotext drops spaces between CJK
    # Most severe first in the risk list.
    assert text.index("反应釜超温超压") < text.index("粉尘爆炸") < text.index("登高作业坠落")
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "doc.pdf")], capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in fonts.splitlines() if "CJK" in line)
    assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, unicode map
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4


def test_dossier_prints_the_residual_level_and_the_plan_with_its_legend(
    world: Any, register: dict[str, Risk], tmp_path: Path
) -> None:
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=register["reactor"],
        data={"residual": {"inputs": {"L": 1, "E": 6, "C": 15}}},  # D = 90: 一般
    )
    image = Image.new("RGB", (800, 500), (240, 240, 240))
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
            "risks": [register["reactor"].pk, register["ladder"].pk],
        },
    )
    risk_area_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={"name": "除尘器", "shape": "marker", "points": [[0.7, 0.7]], "risks": [register["dust"].pk]},
    )
    pdf = documents.dossier_pdf(world.ent_a)
    text = text_of(pdf, tmp_path)
    assert "剩余风险等级：一般风险" in text
    assert "本企业尚未上传厂区平面图" not in text
    assert "合成区" in text
    assert "除尘器" in text
    assert "反应釜超温超压、登高作业坠落" in text  # the legend names the risks of area 1
    images = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "doc.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) == 3  # header, rule, the plan


def test_a_rare_character_falls_back_to_the_full_font(world: Any, tmp_path: Path) -> None:
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**DUST, "name": "堃昇仓库粉尘", "place": "堃昇仓库"},  # 堃 is outside GB 2312
    )
    pdf = documents.dossier_pdf(world.ent_a)
    assert "堃昇仓库粉尘" in text_of(pdf, tmp_path)
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "doc.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert sum("CJK" in line for line in fonts.splitlines()) == 2  # the common cut and the full font


def test_no_glyph_is_missing_in_any_document(world: Any, register: dict[str, Risk], caplog: Any) -> None:
    for render in (documents.dossier_pdf, documents.notice_cards_pdf, documents.notice_board_pdf):
        render(world.ent_a)
    assert not [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]


def test_dossier_reads_a_fixed_number_of_queries(
    world: Any, register: dict[str, Risk], django_assert_num_queries: Any
) -> None:
    documents.dossier_data(world.ent_a)  # warm the scheme and the fonts
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        documents.dossier_data(world.ent_a)
    for n in range(6):
        risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data={**DUST, "name": f"粉尘{n}"})
    with django_assert_num_queries(len(few)):
        data = documents.dossier_data(world.ent_a)
    assert len(data.risks) == 9


def test_notice_cards_one_per_place_with_controls_and_phones(
    world: Any, register: dict[str, Risk], tmp_path: Path
) -> None:
    pdf = documents.notice_cards_pdf(world.ent_a)
    text = text_of(pdf, tmp_path)
    assert pages_of(pdf, tmp_path) == 2  # 合成车间 and 抛光车间
    pages = text.split("\x0c")
    first, second = pages[0], pages[1]
    # Most severe card first; its band carries the most severe level of the place.
    assert "岗位安全风险告知卡 · 重大风险" in first
    assert "合成车间" in first
    assert "反应釜超温超压" in first
    assert "登高作业坠落" in first
    assert "粉尘爆炸" not in first
    assert "岗位安全风险告知卡 · 较大风险" in second
    assert "抛光车间" in second
    for words in ("其它爆炸", "容器爆炸", "高处坠落", "温度压力联锁", "系挂安全带", "立即切断进料"):
        assert words in first
    for phone in ("13912340000", "119", "120"):  # the safety director, fire, ambulance
        assert phone in first
    assert "孙安全" in first
    assert "第1页/共2页" in first.replace(" ", "")


def test_notice_board_lists_large_and_major_risks_with_the_supervision_phone(
    world: Any, register: dict[str, Risk], tmp_path: Path, settings: Any
) -> None:
    text = text_of(documents.notice_board_pdf(world.ent_a), tmp_path)
    assert "较大以上安全风险公告" in text
    assert world.ent_a.name in text
    assert "反应釜超温超压" in text
    assert "粉尘爆炸" in text
    assert "登高作业坠落" not in text  # 低风险 is not posted
    assert "重大风险" in text
    assert "较大风险" in text
    assert "安全生产监督举报电话：12350" in text
    assert "第十六条" in text
    assert "13800001111" not in text  # the board is public: no personal phone numbers
    settings.SAFERISK_SUPERVISION_PHONE = "025-52100000"
    text = text_of(documents.notice_board_pdf(world.ent_a), tmp_path, "again.pdf")
    assert "安全生产监督举报电话：025-52100000" in text


def test_documents_without_risks_say_so(world: Any, tmp_path: Path) -> None:
    assert "暂无在册的安全风险" in text_of(documents.dossier_pdf(world.ent_b), tmp_path, "d.pdf")
    assert "暂无在册的安全风险" in text_of(documents.notice_cards_pdf(world.ent_b), tmp_path, "c.pdf")
    assert "本单位目前没有较大及以上等级的安全风险" in text_of(
        documents.notice_board_pdf(world.ent_b), tmp_path, "b.pdf"
    )


# --- Pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("dossier.pdf", "风险管控手册"),
        ("notice-cards.pdf", "岗位风险告知卡"),
        ("notice-board.pdf", "较大以上安全风险公告"),
    ],
)
def test_enterprise_user_downloads_its_own_documents(
    world: Any, register: dict[str, Risk], url: str, title: str, tmp_path: Path
) -> None:
    response = world.client(world.enterprise_filler).get(f"/risks/enterprises/{world.ent_a.pk}/{url}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    from urllib.parse import quote

    expected = quote(f"江宁化工有限公司-{title}.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{expected}"
    assert response["Cache-Control"] == "private, no-store"
    assert "江宁化工有限公司" in text_of(response.content, tmp_path)
    event = AuditEvent.objects.get(action="risk_documents.generated")
    assert event.actor_id == world.enterprise_filler.pk
    assert event.object_type == "enterprises.enterprise"
    assert event.object_id == str(world.ent_a.pk)
    import hashlib

    assert event.changes["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert event.changes["kind"] == {"dossier.pdf": "dossier", "notice-cards.pdf": "notice_cards"}.get(
        url, "notice_board"
    )


def test_regulators_download_the_documents_of_enterprises_they_supervise(
    world: Any, register: dict[str, Risk]
) -> None:
    for who in ("county_regulator", "city_regulator", "admin"):
        response = world.client(getattr(world, who)).get(f"/risks/enterprises/{world.ent_a.pk}/dossier.pdf")
        assert response.status_code == 200, who
    assert AuditEvent.objects.filter(action="risk_documents.generated").count() == 3


@pytest.mark.parametrize(
    "who", ["other_county_regulator", "other_enterprise_filler", "dept_regulator", "expert"]
)
@pytest.mark.parametrize("url", ["dossier.pdf", "notice-cards.pdf", "notice-board.pdf"])
def test_outsiders_get_404_and_nothing_is_recorded(
    world: Any, register: dict[str, Risk], who: str, url: str
) -> None:
    response = world.client(getattr(world, who)).get(f"/risks/enterprises/{world.ent_a.pk}/{url}")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="risk_documents.generated").exists()


def test_the_service_refuses_an_unknown_kind_and_an_outsider(world: Any) -> None:
    from saferisk.core.errors import DomainError, NotFound

    with pytest.raises(DomainError):
        documents.document_generate(actor=world.enterprise_filler, enterprise=world.ent_a, kind="poster")
    with pytest.raises(NotFound):
        documents.document_generate(
            actor=world.other_enterprise_filler, enterprise=world.ent_a, kind="dossier"
        )
    assert not AuditEvent.objects.filter(action="risk_documents.generated").exists()


def test_file_names_drop_characters_windows_refuses(world: Any) -> None:
    world.ent_a.name = 'A/B:C*"甲"'
    assert documents.document_filename(world.ent_a, "dossier") == "A_B_C__甲_-风险管控手册.pdf"


def test_dossier_lists_the_open_hidden_dangers(world: Any, tmp_path: Path) -> None:
    import datetime as dt

    from django.utils import timezone

    from saferisk.hidden_dangers.models import HiddenDanger
    from saferisk.hidden_dangers.tests.factories import make_hd

    make_hd(world, "closed", title="已销号的旧隐患")
    late = make_hd(world, "rectifying", title="消防通道堵塞")
    HiddenDanger.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    text = text_of(documents.dossier_pdf(world.ent_a), tmp_path).replace(" ", "")
    assert "共登记事故隐患2条，未销号1条（其中重大隐患0条，逾期未整改1条）" in text
    assert "消防通道堵塞" in text
    assert "已逾期3天" in text
    assert "已销号的旧隐患" not in text
