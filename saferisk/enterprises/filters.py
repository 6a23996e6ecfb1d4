"""One filter schema for the enterprise list page, its Excel export and the API."""

from __future__ import annotations

from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema


def industry_q(value: str | None) -> Q:
    """A section letter (C) or an industry code prefix (26, 2614); "C2614" as written in some
    lists works too."""
    if not value:
        return Q()
    value = value.strip().upper()
    if value.isalpha():
        return Q(industry__section=value)
    return Q(industry__code__startswith=value.lstrip("ABCDEFGHIJKLMNOPQRST"))


class EnterpriseFilter(FilterSchema):
    q: str | None = Field(None, description="企业名称或统一社会信用代码")
    region: Annotated[str | None, FilterLookup("region__code__startswith")] = Field(
        None, description="行政区划代码（前缀）"
    )
    industry: str | None = Field(None, description="行业门类字母或行业代码（前缀），如 C、26、2614")
    above_scale: bool | None = Field(None, description="是否规模以上")
    key_supervised: bool | None = Field(None, description="是否重点监管")
    key_sector: str | None = Field(None, description="重点行业领域代码")
    status: str | None = Field(None, description="operating / suspended / closed")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        value = value.strip()
        return Q(name__icontains=value) | Q(uscc__startswith=value.upper())

    def filter_industry(self, value: str | None) -> Q:
        return industry_q(value)

    def filter_key_sector(self, value: str | None) -> Q:
        """A subquery, not a join: a join would repeat rows and need DISTINCT over 500,000."""
        if not value:
            return Q()
        from saferisk.enterprises.models import Enterprise

        through = Enterprise.key_sectors.through.objects.filter(keysector_id=value)
        return Q(pk__in=through.values("enterprise_id"))
