"""Keyset pagination walks forwards and backwards over the same rows as OFFSET would."""

from __future__ import annotations

from typing import Any

import pytest

from saferisk.core.keyset import keyset_page
from saferisk.enterprises.models import Enterprise
from saferisk.testing.makers import make_enterprise


@pytest.mark.parametrize("fields", [["region_id", "name", "id"], ["-updated_at", "-id"], ["name", "-id"]])
def test_forward_and_back_cover_every_row_once(db: Any, fields: list[str]) -> None:
    for i in range(23):
        make_enterprise(region="320115001" if i % 3 else "320115", name=f"企业{(i * 7) % 23:02d}")
    everything = list(Enterprise.objects.order_by(*fields).values_list("id", flat=True))
    pages = []
    page = keyset_page(Enterprise.objects.all(), fields=fields, cursor=None, size=5)
    assert (page.is_first, page.prev_cursor, page.count) == (True, None, 23)
    while True:
        pages.append([e.id for e in page.items])
        if page.next_cursor is None:
            break
        page = keyset_page(
            Enterprise.objects.all(), fields=fields, cursor=page.next_cursor, size=5, number=page.number + 1
        )
    assert [i for chunk in pages for i in chunk] == everything
    assert [len(c) for c in pages] == [5, 5, 5, 5, 3]
    assert (page.number, page.start_index, page.end_index) == (5, 21, 23)
    # And back again, page by page, to the top.
    for expected in reversed(pages[:-1]):
        assert page.prev_cursor is not None
        page = keyset_page(
            Enterprise.objects.all(),
            fields=fields,
            cursor=None,
            before=page.prev_cursor,
            size=5,
            number=page.number - 1,
        )
        assert [e.id for e in page.items] == expected
    assert (page.is_first, page.prev_cursor, page.number) == (True, None, 1)
    assert page.next_cursor is not None


def test_damaged_cursor_gives_the_first_page(db: Any) -> None:
    make_enterprise(region="320115001")
    page = keyset_page(
        Enterprise.objects.all(), fields=["name", "id"], cursor="not-base64!", size=5, number=9
    )
    assert (page.is_first, page.number, len(page.items)) == (True, 1, 1)
