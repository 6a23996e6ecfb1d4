"""The API: bearer tokens, the error shape, pagination, scoping."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from saferisk.core.services import api_token_create

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> Client:
    _, key = api_token_create(actor=None, user=user)
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_anonymous_gets_the_error_shape(client: Client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "未登录或令牌无效", "details": None}


def test_cli_token_authenticates(world: Any) -> None:
    out = StringIO()
    call_command("token", "create", "county_regulator", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("sr_")
    me = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/me").json()
    assert me["username"] == "county_regulator"
    assert me["level"] == "county"
    assert me["jurisdiction_prefix"] == "320115"
    assert Client(headers={"Authorization": "Bearer sr_wrong"}).get("/api/v1/me").status_code == 401


def test_revoked_token_is_refused(world: Any) -> None:
    token, key = api_token_create(actor=None, user=world.expert)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get("/api/v1/me").status_code == 200
    from saferisk.core.services import api_token_revoke

    api_token_revoke(actor=world.expert, token=token)
    assert client.get("/api/v1/me").status_code == 401


def test_enterprise_list_is_scoped_and_paginated(world: Any) -> None:
    body = bearer(world.county_regulator).get("/api/v1/enterprises", {"page_size": 1}).json()
    assert body["count"] == 2
    assert body["pages"] == 2
    assert body["page"] == 1
    assert len(body["items"]) == 1
    dept = bearer(world.dept_regulator).get("/api/v1/enterprises").json()
    assert [i["name"] for i in dept["items"]] == ["江宁热电有限公司"]
    own = bearer(world.enterprise_filler).get("/api/v1/enterprises").json()
    assert [i["id"] for i in own["items"]] == [world.ent_a.pk]
    province = bearer(world.province_regulator).get("/api/v1/enterprises", {"region": "320506"}).json()
    assert [i["name"] for i in province["items"]] == ["吴中金属结构有限公司"]


def test_cursor_walks_the_whole_list_and_matches_the_pages(world: Any) -> None:
    from saferisk.testing.makers import make_enterprise

    for i in range(5):
        make_enterprise(region="320115001", name=f"江宁游标企业{i}")
    client = bearer(world.county_regulator)
    by_page = [
        item["id"]
        for n in range(1, 4)
        for item in client.get("/api/v1/enterprises", {"page_size": 3, "page": n}).json()["items"]
    ]
    assert len(by_page) == 7
    body = client.get("/api/v1/enterprises", {"page_size": 3}).json()
    by_cursor = [i["id"] for i in body["items"]]
    while body["next"]:
        body = client.get("/api/v1/enterprises", {"page_size": 3, "after": body["next"]}).json()
        by_cursor += [i["id"] for i in body["items"]]
        assert body["count"] == 7
    assert by_cursor == by_page
    # An OFFSET page hands out a cursor too, so a client can switch over mid-way.
    second = client.get("/api/v1/enterprises", {"page_size": 3, "page": 2}).json()
    third = client.get("/api/v1/enterprises", {"page_size": 3, "after": second["next"]}).json()
    assert [i["id"] for i in third["items"]] == by_page[6:]
    assert third["next"] is None
    bad = client.get("/api/v1/enterprises", {"after": "garbage"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


def test_out_of_scope_object_is_not_found(world: Any) -> None:
    response = bearer(world.other_county_regulator).get(f"/api/v1/enterprises/{world.ent_a.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    ok = bearer(world.county_regulator).get(f"/api/v1/enterprises/{world.ent_a.pk}").json()
    assert ok["uscc"] == world.ent_a.uscc
    assert ok["region_id"] == "320115001"


def test_bad_input_is_422_with_code(world: Any) -> None:
    response = bearer(world.county_regulator).get("/api/v1/enterprises", {"page_size": 100000})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_reference_data_endpoints(world: Any) -> None:
    client = bearer(world.enterprise_filler)
    cities = client.get("/api/v1/regions?level=city&page_size=50").json()
    assert cities["count"] == 13
    assert client.get("/api/v1/regions/320115").json()["name"] == "江宁区"
    assert client.get("/api/v1/industries/2614").json()["name"] == "有机化学原料制造"
    assert client.get("/api/v1/accident-types").json()["count"] == 20


def test_openapi_schema_is_served(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "saferisk API"
    assert "/api/v1/enterprises" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200
