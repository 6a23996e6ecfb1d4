"""Writes of the enterprise directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from saferisk.core import uscc as uscc_rules
from saferisk.core.audit import audit_record_many, build_event, diff, snapshot
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise

ENTERPRISE_AUDIT_FIELDS = (
    "uscc",
    "name",
    "region",
    "address",
    "longitude",
    "latitude",
    "industry",
    "above_scale",
    "employees",
    "revenue",
    "key_supervised",
    "legal_representative",
    "principal_name",
    "principal_phone",
    "safety_director_name",
    "safety_director_phone",
    "standardisation_grade",
    "status",
    "contact_phone",
)


@dataclass
class NewEnterprise:
    uscc: str
    name: str
    region_id: str
    industry_id: str
    address: str = ""
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    above_scale: bool = False
    employees: int | None = None
    revenue: Decimal | None = None
    key_supervised: bool = False
    legal_representative: str = ""
    principal_name: str = ""
    principal_phone: str = ""
    safety_director_name: str = ""
    safety_director_phone: str = ""
    standardisation_grade: str = "none"
    standardisation_expires: dt.date | None = None
    contact_phone: str = ""
    key_sectors: Sequence[str] = field(default_factory=tuple)


def enterprise_bulk_create(*, actor: User | None, rows: Iterable[NewEnterprise]) -> list[Enterprise]:
    """Create many enterprises in one transaction, each with its `enterprise.created` event.

    For set-up and small batches (demo data, tests); the statistics-list import of issue 3 moves
    big files through a staging table instead. Any invalid row rejects the whole batch."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("只有系统管理员可以批量创建企业", code="admin_required")
    rows = list(rows)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        problem = uscc_rules.validate(row.uscc)
        if problem:
            raise DomainError("uscc_invalid", f"第{i}条：{problem}", field="uscc")
        if row.uscc in seen:
            raise DomainError("uscc_duplicate", f"第{i}条：统一社会信用代码{row.uscc}重复", field="uscc")
        seen.add(row.uscc)
    if Enterprise.objects.filter(uscc__in=seen).exists():
        raise DomainError("uscc_exists", "部分统一社会信用代码已存在", field="uscc")
    now = timezone.now()
    with transaction.atomic():
        objs = [
            Enterprise(
                **{k: v for k, v in row.__dict__.items() if k != "key_sectors"},
                created_at=now,
                updated_at=now,
            )
            for row in rows
        ]
        created = Enterprise.objects.bulk_create(objs, batch_size=1000)
        if any(e.pk is None for e in created):  # backends without RETURNING on bulk insert
            by_uscc = dict(Enterprise.objects.filter(uscc__in=seen).values_list("uscc", "pk"))
            for e in created:
                e.pk = by_uscc[e.uscc]
        through = Enterprise.key_sectors.through
        through.objects.bulk_create(
            [
                through(enterprise_id=e.pk, keysector_id=code)
                for e, row in zip(created, rows, strict=True)
                for code in row.key_sectors
            ],
            batch_size=2000,
        )
        events = []
        for e, row in zip(created, rows, strict=True):
            after = snapshot(e, ENTERPRISE_AUDIT_FIELDS)
            after["key_sectors"] = sorted(row.key_sectors)
            events.append(
                build_event(actor=actor, action="enterprise.created", obj=e, changes=diff(None, after))
            )
        audit_record_many(events)
    return created
