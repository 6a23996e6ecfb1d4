"""One filter schema for the enterprise list page, its Excel export and the API."""

from __future__ import annotations

from django.db.models import Q
from ninja import Field, FilterSchema


class EnterpriseFilter(FilterSchema):
    q: str | None = Field(None, description="企业名称或统一社会信用代码")
    region: str | None = Field(None, q="region_id__startswith", description="行政区划代码（前缀）")
    industry: str | None = Field(None, q="industry_id__startswith", description="行业代码（前缀）")
    above_scale: bool | None = Field(None, description="是否规模以上")
    key_supervised: bool | None = Field(None, description="是否重点监管")
    key_sector: str | None = Field(None, q="key_sectors__code", description="重点行业领域代码")
    status: str | None = Field(None, description="operating / suspended / closed")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        value = value.strip()
        return Q(name__icontains=value) | Q(uscc__startswith=value.upper())
