"""One filter schema for the enterprise list page, its Excel export and the API."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema


class EnterpriseFilter(FilterSchema):
    q: str | None = Field(None, description="企业名称或统一社会信用代码")
    region: Annotated[str | None, FilterLookup("region__code__startswith")] = Field(
        None, description="行政区划代码（前缀）"
    )
    industry: Annotated[str | None, FilterLookup("industry__code__startswith")] = Field(
        None, description="行业代码（前缀）"
    )
    above_scale: bool | None = Field(None, description="是否规模以上")
    key_supervised: bool | None = Field(None, description="是否重点监管")
    key_sector: Annotated[str | None, FilterLookup("key_sectors__code")] = Field(
        None, description="重点行业领域代码"
    )
    status: str | None = Field(None, description="operating / suspended / closed")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        value = value.strip()
        return Q(name__icontains=value) | Q(uscc__startswith=value.upper())
