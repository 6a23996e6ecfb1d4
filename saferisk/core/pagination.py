"""API pagination: every list answers {items, count, page, page_size, pages}."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_PAGE_SIZE = 200


class Pagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000, description="页码，从1开始")
        page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多200")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> dict[str, Any]:
        count = self._items_count(queryset)
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[start : start + pagination.page_size],
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
            "pages": max(1, math.ceil(count / pagination.page_size)),
        }
