"""Enterprise directory pages: list, filters, export, detail."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_list_filters_and_search(world: Any) -> None:
    client = world.client(world.province_regulator)
    page = client.get("/enterprises/", {"region": "320115"}).content.decode()
    assert "江宁化工有限公司" in page
    assert "吴中金属结构有限公司" not in page
    page = client.get("/enterprises/", {"q": world.ent_b.uscc[:10]}).content.decode()
    assert "吴中金属结构有限公司" in page
    assert "江宁化工有限公司" not in page
    page = client.get("/enterprises/", {"industry": "44"}).content.decode()
    assert "江宁热电有限公司" in page
    assert "江宁化工有限公司" not in page
    bad = client.get("/enterprises/", {"above_scale": "maybe"})
    assert bad.status_code == 200
    assert "无法识别" in bad.content.decode()


def test_export_matches_scope_and_masks_phones(world: Any) -> None:
    response = world.client(world.county_regulator).get("/enterprises/", {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("统一社会信用代码", "名称")
    assert sheet.freeze_panes == "A2"  # the header stays in view and filters
    assert sheet.auto_filter.ref == f"A1:{chr(ord('A') + len(rows[0]) - 1)}3"
    assert sorted(r[1] for r in rows[1:]) == ["江宁化工有限公司", "江宁热电有限公司"]
    phones = {r[1]: r[9] for r in rows[1:]}
    assert phones["江宁化工有限公司"] == "138****2222"


def test_detail_in_and_out_of_scope(world: Any) -> None:
    assert world.client(world.enterprise_filler).get(f"/enterprises/{world.ent_a.pk}/").status_code == 200
    assert world.client(world.enterprise_filler).get(f"/enterprises/{world.ent_b.pk}/").status_code == 404
    mine = world.client(world.enterprise_filler).get("/enterprises/mine/")
    assert mine["Location"] == f"/enterprises/{world.ent_a.pk}/"
