"""Makers of test objects, all through the services (so audit rows are real)."""

from __future__ import annotations

import itertools
from typing import Any

from saferisk.core import uscc
from saferisk.core.models import Department, Region, User
from saferisk.core.services import NewUser, user_create
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.services import NewEnterprise, enterprise_bulk_create

PASSWORD = "Test#Pass2026"
_seq = itertools.count(1)


def make_enterprise(
    *, region: str, industry: str = "2614", name: str | None = None, **fields: Any
) -> Enterprise:
    """One enterprise in `region` (a town or county code) with a valid, unique USCC."""
    n = next(_seq)
    code = uscc.make(region[:6], f"{n:09d}")
    row = NewEnterprise(
        uscc=code, name=name or f"测试企业{n}有限公司", region_id=region, industry_id=industry, **fields
    )
    return enterprise_bulk_create(actor=None, rows=[row])[0]


def make_user(
    username: str,
    role: str,
    *,
    region: str | None = None,
    department: str | None = None,
    enterprise: Enterprise | None = None,
    must_change_password: bool = False,
    password: str = PASSWORD,
) -> User:
    user, _ = user_create(
        actor=None,
        new=NewUser(
            username=username,
            role=role,
            full_name=username,
            region=Region.objects.get(code=region) if region else None,
            department=Department.objects.get(code=department) if department else None,
            enterprise=enterprise,
            password=password,
            must_change_password=must_change_password,
            phone="13912345678",
        ),
    )
    return user
