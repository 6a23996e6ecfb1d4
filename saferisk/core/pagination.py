"""API pagination: every list answers {items, count, page, page_size, pages, next}.

Two ways through a list. `page` (OFFSET) is simple and fine for the first few hundred pages.
`next` is an opaque cursor to the page after this one (keyset, `core/keyset.py`): pass it back
as `after` and each page costs the same however deep it is, which is what a client walking all
500,000 enterprises needs (page 5,000 by OFFSET takes a second; by cursor, as long as page 1).
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from saferisk.core.errors import DomainError
from saferisk.core.keyset import cursor_of, decode, keyset_page, rows_in_order

MAX_PAGE_SIZE = 200


def keyset_fields(queryset: QuerySet[Any]) -> list[str] | None:
    """The queryset's ordering ending in the primary key, if it orders by plain local columns
    (a cursor holds those values); None when it orders by anything else."""
    meta = queryset.model._meta
    ordering = list(queryset.query.order_by or meta.ordering or [])
    names = {f.attname: f for f in meta.concrete_fields} | {f.name: f for f in meta.concrete_fields}
    fields: list[str] = []
    for spec in ordering:
        if not isinstance(spec, str) or spec.lstrip("-") not in names:
            return None
        fields.append(spec.replace(spec.lstrip("-"), names[spec.lstrip("-")].attname))
    pk = meta.pk.attname if meta.pk else "id"
    if not fields or fields[-1].lstrip("-") != pk:
        descending = bool(fields) and fields[-1].startswith("-")
        fields.append(f"-{pk}" if descending else pk)
    return fields


class Pagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000, description="页码，从1开始")
        page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多200")
        after: str | None = Field(
            None, description="游标：上一页响应中的 next；给出时按游标取下一页，忽略 page（深翻页请用它）"
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int
        next: str | None = Field(None, description="下一页的游标（作为 after 传回），没有下一页时为 null")

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest | None = None, **params: Any
    ) -> dict[str, Any]:
        size, number = pagination.page_size, pagination.page
        fields = keyset_fields(queryset)
        if fields is None:  # ordered by something a cursor cannot hold: OFFSET only
            start = (number - 1) * size
            return _out(queryset[start : start + size], self._items_count(queryset), number, size, None)
        if pagination.after:
            if decode(pagination.after, len(fields)) is None:
                raise DomainError("invalid_cursor", "游标无效：请使用上一页响应中的 next 值")
            page = keyset_page(queryset, fields=fields, cursor=pagination.after, size=size, number=number)
            return _out(page.items, page.count, number, size, page.next_cursor)
        # OFFSET to the requested page, and a cursor onwards from its last row.
        start = (number - 1) * size
        keys = list(
            queryset.select_related(None)
            .order_by(*fields)
            .values_list("pk", flat=True)[start : start + size + 1]
        )
        items = rows_in_order(queryset, keys[:size])
        next_cursor = cursor_of(items[-1], fields) if len(keys) > size and items else None
        return _out(items, self._items_count(queryset), number, size, next_cursor)


def _out(items: Any, count: int, number: int, size: int, next_cursor: str | None) -> dict[str, Any]:
    return {
        "items": items,
        "count": count,
        "page": number,
        "page_size": size,
        "pages": max(1, math.ceil(count / size)),
        "next": next_cursor,
    }
