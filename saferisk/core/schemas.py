"""API schemas of the core app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_id: str | None
    is_statutory: bool
    town_kind: str


class IndustryOut(Schema):
    code: str
    name: str
    level: str
    parent_id: str | None
    section: str
    in_scope: bool
    department_id: str | None


class CodeNameOut(Schema):
    code: str
    name: str


class AccidentTypeOut(Schema):
    code: int
    name: str
    alias: str


class HazardFactorOut(Schema):
    code: str
    name: str
    parent_id: str | None
    level: int
    edition: str
    confidence: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    region_id: str | None
    department_id: str | None
    enterprise_id: int | None
    organisation: str
    is_active: bool


class MeOut(UserOut):
    level: str | None
    jurisdiction_prefix: str | None
    must_change_password: bool


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    region_code: str
    enterprise_id: int | None
    changes: dict[str, Any]
    request_id: str
    client_address: str
    hash: str
    prev_hash: str


class ErrorOut(Schema):
    code: str
    message: str
    details: Any = None


def responses(out: Any, *, not_found: bool = False) -> dict[int, Any]:
    """The documented responses of an operation: its result plus the shared error shape
    (400: a request body that is not JSON at all; 422: input that breaks a rule)."""
    documented: dict[int, Any] = {200: out, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut}
    if not_found:
        documented[404] = ErrorOut
    return documented
