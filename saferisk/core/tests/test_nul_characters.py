"""Input with NUL characters is refused with 400 before it reaches the database (PostgreSQL
cannot store NUL in text: it used to end as a 500)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_api_query_with_nul_is_a_400_in_the_error_shape(world: Any) -> None:
    c = world.client(world.county_regulator)
    r = c.get("/api/v1/enterprises", {"q": "a\x00b"})
    assert r.status_code == 400
    assert r.json()["code"] == "nul_character"
    assert c.get("/api/v1/risk-summary", {"region": "u\x00"}).status_code == 400


def test_json_body_and_page_query_with_nul(world: Any) -> None:
    c = world.client(world.enterprise_filler)
    r = c.post(
        f"/api/v1/enterprises/{world.ent_a.pk}/risks",
        data='{"name": "a\\u0000b"}',
        content_type="application/json",
    )
    assert r.status_code == 400
    assert world.client(world.county_regulator).get("/enterprises/", {"q": "x\x00"}).status_code == 400


def test_a_bad_region_code_on_the_summary_is_refused(world: Any) -> None:
    r = world.client(world.county_regulator).get("/api/v1/risk-summary", {"region": "abc"})
    assert r.status_code == 422
    assert r.json()["code"] == "region_invalid"
