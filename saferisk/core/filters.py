"""Filter schemas of core lists: one schema serves the page, the API and the Excel export."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from ninja import Field, FilterLookup, FilterSchema
from pydantic import BeforeValidator, WithJsonSchema

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: object) -> object:
    """Accept YYYY-MM-DD only (pydantic's lax mode would read "0" as 1970-01-01)."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        return value
    raise ValueError("日期格式应为 YYYY-MM-DD")


IsoDate = Annotated[
    dt.date | None,
    BeforeValidator(_iso_date_only),
    WithJsonSchema({"type": "string", "format": "date", "nullable": True}),
]


class RegionFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "code__startswith"])] = Field(
        None, description="名称或代码"
    )
    level: str | None = Field(None, description="province / city / county / town")
    parent: Annotated[str | None, FilterLookup("parent_id")] = Field(None, description="上级区划代码")


class IndustryFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "code__startswith"])] = Field(
        None, description="名称或代码"
    )
    level: str | None = Field(None, description="section / division / group / class")
    parent: Annotated[str | None, FilterLookup("parent_id")] = Field(None, description="上级行业代码")
    in_scope: bool | None = Field(None, description="是否在工业企业风险报告范围内")


class UserFilter(FilterSchema):
    q: Annotated[
        str | None, FilterLookup(["username__icontains", "full_name__icontains", "organisation__icontains"])
    ] = Field(None, description="用户名、姓名或单位")
    role: str | None = Field(None, description="角色")
    region: Annotated[str | None, FilterLookup("region__code__startswith")] = Field(
        None, description="地区代码前缀"
    )
    is_active: bool | None = Field(None, description="是否启用")


class AuditEventFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["object_repr__icontains", "actor_label__icontains"])] = Field(
        None, description="对象或操作人"
    )
    action: str | None = Field(None, description="操作代码，如 user.logged_in")
    object_type: str | None = Field(None, description="对象类型，如 enterprises.enterprise")
    object_id: str | None = Field(None, description="对象编号")
    region: Annotated[str | None, FilterLookup("region_code__startswith")] = Field(
        None, description="地区代码前缀"
    )
    since: Annotated[IsoDate, FilterLookup("created_at__date__gte")] = Field(None, description="起始日期")
    until: Annotated[IsoDate, FilterLookup("created_at__date__lte")] = Field(None, description="截止日期")
