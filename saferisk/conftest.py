"""Shared fixtures: a small world of two counties with enterprises and named personas.

County A is 南京市江宁区 (320115), county B is 苏州市吴中区 (320506). `ent_a` (chemicals,
supervised by 应急管理) and `ent_a_power` (power, supervised by 发展改革) are in A; `ent_b` is in B.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from saferisk.core.choices import Role
from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise
from saferisk.testing.makers import PASSWORD, make_enterprise, make_user

TOWN_A = "320115001"  # 东山街道, 江宁区
TOWN_B = "320506001"  # 长桥街道, 吴中区


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Close PostgreSQL connection pools before the test database is dropped (an open pooled
    connection would make DROP DATABASE fail and leave test databases behind)."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all(initialized_only=True):
            if conn.vendor == "postgresql":
                # The live server's thread may still hold a pooled connection.
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
            if hasattr(conn, "close_pool"):
                conn.close_pool()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class World:
    ent_a: Enterprise
    ent_a_power: Enterprise
    ent_b: Enterprise
    admin: User
    province_regulator: User
    city_regulator: User
    county_regulator: User
    other_county_regulator: User
    dept_regulator: User
    enterprise_filler: User
    enterprise_principal: User
    other_enterprise_filler: User
    expert: User

    def client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c


@pytest.fixture
def world(db: Any) -> World:
    ent_a = make_enterprise(
        region=TOWN_A, industry="2614", name="江宁化工有限公司", principal_phone="13811112222"
    )
    ent_a_power = make_enterprise(region=TOWN_A, industry="4411", name="江宁热电有限公司")
    ent_b = make_enterprise(region=TOWN_B, industry="3311", name="吴中金属结构有限公司")
    return World(
        ent_a=ent_a,
        ent_a_power=ent_a_power,
        ent_b=ent_b,
        admin=make_user("admin", Role.ADMIN),
        province_regulator=make_user("province_regulator", Role.REGULATOR, region="320000"),
        city_regulator=make_user("city_regulator", Role.REGULATOR, region="320100"),
        county_regulator=make_user("county_regulator", Role.REGULATOR, region="320115"),
        other_county_regulator=make_user("other_county_regulator", Role.REGULATOR, region="320506"),
        dept_regulator=make_user(
            "dept_regulator", Role.REGULATOR, region="320115", department="development_reform"
        ),
        enterprise_filler=make_user("enterprise_filler", Role.ENTERPRISE_FILLER, enterprise=ent_a),
        enterprise_principal=make_user("enterprise_principal", Role.ENTERPRISE_PRINCIPAL, enterprise=ent_a),
        other_enterprise_filler=make_user(
            "other_enterprise_filler", Role.ENTERPRISE_FILLER, enterprise=ent_b
        ),
        expert=make_user("expert", Role.EXPERT, region="320100"),
    )


@pytest.fixture
def password() -> str:
    return PASSWORD
