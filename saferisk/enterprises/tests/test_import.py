"""The statistics-list import: a messy real-world workbook, re-imports, dry runs, jurisdiction,
the error workbook, the CLI and the background job."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from saferisk.core import uscc
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent
from saferisk.enterprises.importer import import_statistics_list
from saferisk.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
)
HEADER = [
    "序号",
    "统一社会信用代码",
    "单位详细名称",
    "行政区划代码",
    "行业代码",
    "是否规上",
    "从业人员期末人数",
    "营业收入（万元）",
    "经度",
    "纬度",
    "联系电话",
    "备注",
]


def code(n: int, region: str = "320115") -> str:
    return uscc.make(region, f"8{n:08d}")  # the makers use 0-prefixed bodies


def bad_check(n: int) -> str:
    good = code(n)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


def messy_rows() -> list[tuple[list[Any], str]]:
    """(cells, expected outcome) in file order, starting at row 4."""
    return [
        (
            [
                1,
                code(1).translate(FULL_WIDTH),
                "  江宁一号化工有限公司　",
                "３２０１１５００１",
                "2614",
                "是",
                120,
                3500,
                118.8,
                31.9,
                "13800000001",
                "x",
            ],
            "created",
        ),
        (
            [
                2,
                code(2).lower(),
                "江宁二号机械有限公司",
                320115001,
                "C3311",
                "否",
                "1,200",
                "３５００",
                "",
                "",
                "025-52100000",
                "",
            ],
            "created",
        ),
        ([3, bad_check(3), "校验位错误公司", "320115001", "2614", "是", 10, 1, "", "", "", ""], "校验位错误"),
        ([4, code(4), "未知乡镇公司", "320115999", "2614", "是", 10, 1, "", "", "", ""], "不存在"),
        (
            [5, code(5, "320506"), "吴中越界公司", "320506001", "2614", "是", 10, 1, "", "", "", ""],
            "不在您的管辖范围内",
        ),
        ([6, code(1), "重复的一号公司", "320115001", "2614", "是", 10, 1, "", "", "", ""], "与第4行"),
        ([None, None, None, None, None, None, None, None, None, None, None, None], "blank"),
        (
            [7, code(7), "电话错误公司", "320115001", "2614", "是", 10, 1, "", "", "12345", ""],
            "电话号码格式不正确",
        ),
        (
            [8, code(8), "坐标境外公司", "320115001", "2614", "是", 10, 1, 10.5, 31.9, "", ""],
            "坐标不在中国境内",
        ),
        ([9, code(9), "江宁稻谷种植合作社", "320115001", "0111", "否", 5, 10, "", "", "", ""], "created"),
        ([10, code(10), "只到区县的企业", "320115", "2614", "否", 5, 10, "", "", "", ""], "created"),
        ([11, code(11), "十二位代码企业", "320115001000", "2614", "否", 5, 10, "", "", "", ""], "created"),
        (
            [12, code(12), "未知行业企业", "320115001", "9999", "否", 5, 10, "", "", "", ""],
            "不在《国民经济行业分类》",
        ),
    ]


def write_messy(path: Path, rows: list[tuple[list[Any], str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名录"
    sheet["A1"] = "2025年江宁区规模以上工业企业名录"
    sheet.merge_cells("A1:L1")
    sheet.append([])  # a blank line under the title
    sheet.append(HEADER)
    for cells, _ in rows or messy_rows():
        sheet.append(cells)
    book.save(path)
    return path


def test_messy_workbook_every_row_accounted_for(world: Any, tmp_path: Path) -> None:
    path = write_messy(tmp_path / "名录.xlsx")
    result = import_statistics_list(actor=world.county_regulator, path=path)
    expected = messy_rows()
    data = [(i, outcome) for i, (_, outcome) in enumerate(expected, start=4) if outcome != "blank"]
    assert result.rows == len(data) == 12
    assert result.blank_lines == 1
    assert result.created == sum(1 for _, o in data if o == "created") == 5
    assert result.rejected == 7
    assert result.updated == result.unchanged == 0
    assert result.created + result.updated + result.unchanged + result.rejected == result.rows
    assert result.flagged == 1  # 0111 稻谷种植 is outside the supervised industries, imported anyway
    assert result.ignored_columns == ["序号", "备注"]

    # The error workbook names each rejected row, its column and the reason.
    assert result.error_file is not None
    book = openpyxl.load_workbook(default_storage.path(result.error_file))
    detail = [tuple(r) for r in book["错误明细"].iter_rows(min_row=2, values_only=True)]
    rejected_reasons = {row: reason for row, action, _col, _val, reason in detail if action == "未导入"}
    for row_no, outcome in data:
        if outcome == "created":
            assert row_no not in rejected_reasons
        else:
            assert outcome in rejected_reasons[row_no], (row_no, rejected_reasons.get(row_no))
    assert any(action == "已导入（提示）" and row == 13 for row, action, *_ in detail)
    columns = {row: col for row, action, col, _v, _r in detail if action == "未导入"}
    assert columns[11] == "联系电话"
    assert columns[7] == "行政区划代码"
    assert columns[6] == "统一社会信用代码"
    # The rows to fix are copied verbatim under the original header, ready to correct and re-import.
    fix = list(book["待修正数据"].iter_rows(values_only=True))
    assert fix[0][1:] == tuple(HEADER)
    assert [r[0] for r in fix[1:]] == [6, 7, 8, 9, 11, 12, 16]
    assert fix[1][2] == bad_check(3)

    one = Enterprise.objects.get(uscc=code(1))
    assert one.name == "江宁一号化工有限公司"  # ideographic spaces trimmed
    assert one.region_id == "320115001"
    assert one.above_scale
    assert one.employees == 120
    assert one.longitude == Decimal("118.800000")
    assert one.contact_phone == "13800000001"
    two = Enterprise.objects.get(uscc=code(2))  # lower case, number-typed region, "C" section prefix
    assert two.industry_id == "3311"
    assert two.employees == 1200
    assert two.revenue == Decimal("3500.00")
    assert two.contact_phone == "025-52100000"
    assert Enterprise.objects.get(uscc=code(10)).region_id == "320115"
    assert Enterprise.objects.get(uscc=code(11)).region_id == "320115001"
    assert not Enterprise.objects.filter(uscc__in=[code(3), code(4), code(5, "320506"), code(7)]).exists()
    assert Enterprise.objects.get(uscc=code(9)).source_job is None  # no job when called directly
    event = AuditEvent.objects.get(action="enterprise.imported")
    assert event.actor == world.county_regulator
    assert event.changes["after"]["created"] == 5
    # Imported timestamps are stored as the ORM stores them: "recently updated" pages through
    # imported and hand-made enterprises alike.
    from saferisk.core.keyset import keyset_page

    seen: list[int] = []
    page = keyset_page(Enterprise.objects.all(), fields=["-updated_at", "-id"], cursor=None, size=2)
    while True:
        seen += [e.pk for e in page.items]
        if page.next_cursor is None:
            break
        page = keyset_page(
            Enterprise.objects.all(), fields=["-updated_at", "-id"], cursor=page.next_cursor, size=2
        )
    assert sorted(seen) == sorted(Enterprise.objects.values_list("pk", flat=True))
    # Uploading the error workbook itself finds the rows to fix on its second sheet.
    again = import_statistics_list(
        actor=world.county_regulator, path=Path(default_storage.path(result.error_file))
    )
    assert again.rows == 7
    assert again.rejected == 6, again.errors  # the in-file duplicate now stands alone
    assert again.ignored_columns == ["原始行号", "序号", "备注"]


def test_reimport_same_file_is_unchanged_and_changes_are_counted_and_audited(
    world: Any, tmp_path: Path
) -> None:
    path = write_messy(tmp_path / "名录.xlsx")
    first = import_statistics_list(actor=world.county_regulator, path=path)
    again = import_statistics_list(actor=world.county_regulator, path=path)
    assert again.unchanged == again.rows - again.rejected == 5
    assert again.created == again.updated == 0

    # Refine the county-only enterprise to its town by hand; the file (county only) must keep it.
    Enterprise.objects.filter(uscc=code(10)).update(region_id="320115001")
    rows = messy_rows()
    rows[0][0][6] = 130  # headcount of row 4
    rows[1][0][2] = "江宁二号精密机械有限公司"  # name of row 5
    rows[1][0][6] = 1300
    rows[9][0][7] = 20  # revenue of row 13
    changed = write_messy(tmp_path / "名录-修改.xlsx", rows)
    before = AuditEvent.objects.filter(action="enterprise.updated").count()
    result = import_statistics_list(actor=world.county_regulator, path=changed)
    assert (result.updated, result.unchanged, result.created, result.rejected) == (3, 2, 0, first.rejected)
    events = AuditEvent.objects.filter(action="enterprise.updated").order_by("id")[before:]
    by_uscc = {Enterprise.objects.get(pk=e.enterprise_id or 0).uscc: e.changes for e in events}
    assert by_uscc[code(1)]["before"] == {"employees": 120}
    assert by_uscc[code(1)]["after"] == {"employees": 130}
    assert by_uscc[code(2)]["after"] == {"name": "江宁二号精密机械有限公司", "employees": 1300}
    assert set(by_uscc[code(9)]["after"]) == {"revenue"}
    assert Enterprise.objects.get(uscc=code(10)).region_id == "320115001"


def test_blank_cells_never_erase_and_contacts_stay_the_enterprises(world: Any, tmp_path: Path) -> None:
    path = write_messy(tmp_path / "a.xlsx")
    import_statistics_list(actor=world.county_regulator, path=path)
    Enterprise.objects.filter(uscc=code(1)).update(contact_phone="13900000009")
    rows = messy_rows()
    rows[0][0][6] = ""  # headcount left blank this time
    rows[0][0][10] = "13800000002"  # a different phone in the file
    result = import_statistics_list(actor=world.county_regulator, path=write_messy(tmp_path / "b.xlsx", rows))
    assert result.updated == 0
    one = Enterprise.objects.get(uscc=code(1))
    assert one.employees == 120
    assert one.contact_phone == "13900000009"


def test_dry_run_reports_exact_counts_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    path = write_messy(tmp_path / "名录.xlsx")
    enterprises, events = Enterprise.objects.count(), AuditEvent.objects.count()
    result = import_statistics_list(actor=world.county_regulator, path=path, dry_run=True)
    assert (result.created, result.rejected, result.dry_run) == (5, 7, True)
    assert Enterprise.objects.count() == enterprises
    assert AuditEvent.objects.count() == events


def test_other_county_and_enterprise_users(world: Any, tmp_path: Path) -> None:
    path = write_messy(tmp_path / "名录.xlsx")
    result = import_statistics_list(actor=world.other_county_regulator, path=path)
    # Everything in 江宁 lies outside 吴中's jurisdiction; only the 吴中 row is theirs.
    assert result.created == 1
    assert Enterprise.objects.filter(uscc=code(5, "320506")).exists()
    with pytest.raises(Forbidden):
        import_statistics_list(actor=world.enterprise_filler, path=path)


def test_province_admin_and_whole_file_problems(world: Any, tmp_path: Path) -> None:
    no_header = tmp_path / "x.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["名称", "地址"])
    book.save(no_header)
    with pytest.raises(DomainError) as exc:
        import_statistics_list(actor=world.admin, path=no_header)
    assert exc.value.code == "header_not_found"
    missing = tmp_path / "y.csv"
    missing.write_text("统一社会信用代码,企业名称\n", encoding="utf-8")
    with pytest.raises(DomainError) as exc:
        import_statistics_list(actor=world.admin, path=missing)
    assert "行业代码" in exc.value.message


def test_csv_in_gb18030_with_town_names_and_thousand_yuan(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "名录.csv"
    lines = [
        "所在区县,所在乡镇,统一社会信用代码,企业名称,行业代码,规模,营业收入(千元),从业人数",
        f"江宁区,东山街道,{code(21)},东山甲公司,2614,规上,25000,88",
        f"江宁区,不存在街道,{code(22)},东山乙公司,2614,规下,100,3",
    ]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    result = import_statistics_list(actor=world.county_regulator, path=path)
    assert (result.created, result.rejected) == (1, 1)
    made = Enterprise.objects.get(uscc=code(21))
    assert made.region_id == "320115001"
    assert made.revenue == Decimal("2500.00")
    assert made.above_scale
    assert "不存在街道" in result.errors[0]["reason"]


def test_cli_json_summary(world: Any, tmp_path: Path) -> None:
    path = write_messy(tmp_path / "名录.xlsx")
    out = io.StringIO()
    call_command("import", "enterprises", str(path), "--json", "--as", "county_regulator", stdout=out)
    summary = json.loads(out.getvalue())
    assert {k: summary[k] for k in ("rows", "created", "updated", "unchanged", "rejected")} == {
        "rows": 12,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 7,
    }
    assert Path(summary["error_file"]).exists()
    assert Enterprise.objects.get(uscc=code(1)).source_job_id == summary["job"]
    out = io.StringIO()
    call_command("import", "enterprises", str(path), "--json", "--dry-run", stdout=out)
    again = json.loads(out.getvalue())
    assert again["unchanged"] == 5
    assert again["dry_run"] is True


def test_import_page_upload_runs_job_and_offers_error_workbook(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from saferisk.enterprises.models import ImportJob

    path = write_messy(tmp_path / "名录.xlsx")
    client = world.client(world.county_regulator)
    template = client.get("/enterprises/imports/template/")
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    data_rows = list(book["企业名录"].iter_rows(values_only=True))
    assert data_rows[0][:3] == ("统一社会信用代码", "企业名称", "行政区划代码")
    assert len(data_rows) == 1  # headers only: the example lives on its own sheet
    example = list(book["填写示例"].iter_rows(values_only=True))[1]
    from saferisk.core import uscc

    assert uscc.validate(example[0]) is None
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as fh:
        response = client.post("/enterprises/imports/", {"file": fh, "scale": ""})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/imports/{job.pk}/"
    assert (job.status, job.rows, job.created, job.rejected) == ("succeeded", 12, 5, 7)
    page = client.get(f"/enterprises/imports/{job.pk}/").content.decode()
    assert 'data-count="created">5<' in page
    assert f"/enterprises/imports/{job.pk}/errors/" in page
    errors = client.get(f"/enterprises/imports/{job.pk}/errors/")
    assert errors.status_code == 200
    assert "错误明细" in openpyxl.load_workbook(io.BytesIO(b"".join(errors.streaming_content))).sheetnames
    # Another county's regulator cannot see the job or its errors.
    other = world.client(world.other_county_regulator)
    assert other.get(f"/enterprises/imports/{job.pk}/").status_code == 404
    assert other.get(f"/enterprises/imports/{job.pk}/errors/").status_code == 404
    # An enterprise user cannot upload.
    with path.open("rb") as fh:
        page = world.client(world.enterprise_filler).post("/enterprises/imports/", {"file": fh})
    assert ImportJob.objects.count() == 1
    assert page.status_code == 200


def test_api_upload_and_poll(world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    from saferisk.core.services import api_token_create

    _, key = api_token_create(actor=None, user=world.county_regulator, name="t")
    headers = {"Authorization": f"Bearer {key}"}
    path = write_messy(tmp_path / "名录.xlsx")
    client = world.client(world.county_regulator)
    client.logout()
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as fh:
        response = client.post(
            "/api/v1/enterprises/imports", {"file": fh, "dry_run": "true"}, headers=headers
        )
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/enterprises/imports/{response.json()['id']}", headers=headers).json()
    assert (job["status"], job["created"], job["rejected"], job["dry_run"]) == ("succeeded", 5, 7, True)
    assert job["has_error_file"] is True
    assert not Enterprise.objects.filter(uscc=code(1)).exists()
    _, other_key = api_token_create(actor=None, user=world.other_county_regulator, name="t")
    other = client.get(
        f"/api/v1/enterprises/imports/{job['id']}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert other.status_code == 404
    assert other.json()["code"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_workers_give_the_same_outcome(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """Big files on PostgreSQL are checked by forked workers; duplicates that land in different
    workers are still caught, with the first row kept."""
    from django.db import connection

    from saferisk.enterprises import importer

    if connection.vendor != "postgresql":
        pytest.skip("the parallel path is PostgreSQL only")
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 0)
    rows = messy_rows()
    rows.insert(
        3, ([99, code(2), "与第5行重复的公司", "320115001", "2614", "是", 1, 1, "", "", "", ""], "dup")
    )
    path = write_messy(tmp_path / "名录.xlsx", rows)
    result = import_statistics_list(actor=world.county_regulator, path=path)
    assert (result.rows, result.created, result.rejected, result.blank_lines) == (13, 5, 8, 1)
    assert result.flagged == 1
    reasons = {e["row"]: e["reason"] for e in result.errors}
    assert "与第5行" in reasons[7]
    assert "与第4行" in reasons[10]
    assert Enterprise.objects.get(uscc=code(2)).name == "江宁二号机械有限公司"
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'enterprise_import_staging%%'")
        assert cur.fetchone()[0] == 0  # the shared staging table is dropped
