"""Browsing regions and industries as trees."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_region_tree_drills_down(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    top = client.get("/reference/regions/").content.decode()
    assert "江苏省" in top
    assert "南京市" not in top
    cities = client.get("/reference/regions/", {"parent": "320000"}).content.decode()
    assert "南京市" in cities
    assert "第 1–13 条，共 13 条" in cities
    towns = client.get("/reference/regions/", {"parent": "320115"}).content.decode()
    assert "东山街道" in towns
    assert "江宁区" in towns  # breadcrumb


def test_industry_search_and_export(world: Any) -> None:
    client = world.client(world.county_regulator)
    page = client.get("/reference/industries/", {"q": "2614"}).content.decode()
    assert "有机化学原料制造" in page
    response = client.get("/reference/industries/", {"parent": "26", "format": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("代码", "名称", "级别", "上级代码", "在报告范围内", "行业主管部门")
    assert ("261", "基础化学原料制造", "中类", "26", "是", "应急管理") in rows
    assert len(rows) == 1 + 8  # the eight groups of division 26 (261–268)
