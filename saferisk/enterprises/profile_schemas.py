"""API schemas and the list filter of the profile, commitments, obligations and rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema, Schema

from saferisk.enterprises.filters import industry_q


class ObligationFilter(FilterSchema):
    """One filter for the obligation lists: page, Excel export and API."""

    q: str | None = Field(None, description="企业名称或统一社会信用代码")
    region: Annotated[str | None, FilterLookup("region__code__startswith")] = Field(
        None, description="行政区划代码（前缀）"
    )
    industry: str | None = Field(None, description="行业门类字母或行业代码（前缀），如 C、26、2614")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        value = value.strip()
        return Q(name__icontains=value) | Q(uscc__startswith=value.upper())

    def filter_industry(self, value: str | None) -> Q:
        return industry_q(value)


class ProfileOut(Schema):
    id: int
    uscc: str
    name: str
    region_id: str
    industry_id: str
    above_scale: bool
    employees: int | None
    revenue: Decimal | None = Field(None, description="营业收入（万元）")
    legal_representative: str
    key_supervised: bool
    status: str
    address: str
    longitude: Decimal | None
    latitude: Decimal | None
    principal_name: str
    principal_phone: str
    safety_director_name: str
    safety_director_phone: str
    contact_phone: str
    standardisation_grade: str = Field(description="none / grade_1 / grade_2 / grade_3")
    standardisation_expires: dt.date | None
    key_sectors: list[str]
    read_only_fields: list[str] = Field(description="调用者不能修改的字段（统计名录字段等）")
    safety_director_required: bool = Field(description="按现行规则是否必须配备安全总监")


PHONE_PATTERN = r"^(|1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$"
Grade = Literal["none", "grade_1", "grade_2", "grade_3"]
Status = Literal["operating", "suspended", "closed"]


class ProfileIn(Schema):
    """Only the fields sent change. Statistics fields (uscc, name, region, industry, above_scale,
    employees, revenue, legal_representative) and key_supervised/status may be changed by admins
    only; sent by anyone else with a different value, the request is refused (403 field_read_only)."""

    address: str | None = Field(None, max_length=200)
    longitude: float | None = Field(None, ge=73.5, le=135.1, description="经度，与纬度同时填写或同时为空")
    latitude: float | None = Field(None, ge=3.8, le=53.6, description="纬度")
    principal_name: str | None = Field(None, max_length=60)
    principal_phone: str | None = Field(
        None, pattern=PHONE_PATTERN, description="11位手机号或带区号的固定电话"
    )
    safety_director_name: str | None = Field(None, max_length=60)
    safety_director_phone: str | None = Field(None, pattern=PHONE_PATTERN)
    contact_phone: str | None = Field(None, pattern=PHONE_PATTERN)
    standardisation_grade: Grade | None = None
    standardisation_expires: dt.date | None = Field(None, description="有等级时必填")
    key_sectors: list[str] | None = Field(None, description="重点行业领域代码，见 /key-sectors")
    uscc: str | None = Field(None, max_length=18)
    name: str | None = Field(None, max_length=200)
    region: str | None = Field(None, description="区划代码")
    industry: str | None = Field(None, description="行业代码")
    above_scale: bool | None = None
    employees: int | None = Field(None, ge=0, le=2_000_000_000)
    revenue: float | None = Field(None, ge=0, lt=1e12, description="营业收入（万元）")
    legal_representative: str | None = Field(None, max_length=60)
    key_supervised: bool | None = None
    status: Status | None = None


class CommitmentOut(Schema):
    id: int
    enterprise_id: int
    year: int
    method: str = Field(description="uploaded / online")
    signed_by: str
    has_file: bool
    confirmed_by_id: int | None
    confirmed_at: dt.datetime

    @staticmethod
    def resolve_has_file(obj: Any) -> bool:
        return bool(obj.file)


class CommitmentIn(Schema):
    year: int = Field(0, ge=0, le=9999, description="年度：本年或下一年；0 或省略为本年")
    signed_by: str = Field("", max_length=60, description="签署人姓名（必填）")


class ObligationOut(Schema):
    id: int
    uscc: str
    name: str
    region_id: str
    industry_id: str
    employees: int | None
    revenue: Decimal | None
    principal_name: str
    safety_director_name: str
    standardisation_grade: str
    standardisation_expires: dt.date | None


class RuleOut(Schema):
    id: int
    name: str
    region_id: str | None = Field(None, description="适用地区（设区市或县级代码），null 表示全省")
    key_sectors: list[str]
    industry_prefixes: str
    min_employees: int | None
    min_revenue: Decimal | None = Field(None, description="万元")
    source: str
    active: bool

    @staticmethod
    def resolve_key_sectors(obj: Any) -> list[str]:
        return [s.code for s in obj.key_sectors.all()]


class RuleIn(Schema):
    """Only the fields sent change; send `min_employees: null` to stop testing headcount."""

    name: str | None = None
    region: str | None = Field(None, description="适用地区：设区市或县级行政区划代码；空字符串表示全省")
    key_sectors: list[str] | None = None
    industry_prefixes: str | None = Field(None, description="以空格分隔的行业代码前缀，如 06 07 08")
    min_employees: int | None = Field(None, ge=0, le=2_000_000_000)
    min_revenue: float | None = Field(None, ge=0, lt=1e12, description="万元")
    source: str | None = Field(None, max_length=200)
    active: bool | None = None
