"""Filter schemas of core lists: one schema serves the page, the API and the Excel export."""

from __future__ import annotations

import datetime as dt

from ninja import Field, FilterSchema


class RegionFilter(FilterSchema):
    q: str | None = Field(None, q=["name__icontains", "code__startswith"], description="名称或代码")
    level: str | None = Field(None, description="province / city / county / town")
    parent: str | None = Field(None, q="parent_id", description="上级区划代码")


class IndustryFilter(FilterSchema):
    q: str | None = Field(None, q=["name__icontains", "code__startswith"], description="名称或代码")
    level: str | None = Field(None, description="section / division / group / class")
    parent: str | None = Field(None, q="parent_id", description="上级行业代码")
    in_scope: bool | None = Field(None, description="是否在工业企业风险报告范围内")


class UserFilter(FilterSchema):
    q: str | None = Field(None, q=["username__icontains", "full_name__icontains", "organisation__icontains"])
    role: str | None = None
    region: str | None = Field(None, q="region_id__startswith")
    is_active: bool | None = None


class AuditEventFilter(FilterSchema):
    q: str | None = Field(None, q=["object_repr__icontains", "actor_label__icontains"], description="对象或操作人")
    action: str | None = Field(None, description="操作代码，如 user.logged_in")
    object_type: str | None = None
    object_id: str | None = None
    region: str | None = Field(None, q="region_code__startswith", description="地区代码前缀")
    since: dt.date | None = Field(None, q="created_at__date__gte", description="起始日期")
    until: dt.date | None = Field(None, q="created_at__date__lte", description="截止日期")
