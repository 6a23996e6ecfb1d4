"""Coded domain errors. Services raise them; the page shows `message`, the API returns
`{"code", "message", "details"}` with the HTTP status given here."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422

    def __init__(self, code: str, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.details = details


class NotFound(DomainError):
    """Missing, or outside the user's jurisdiction: the two look the same from outside."""

    status = 404

    def __init__(self, message: str = "对象不存在或不在您的管辖范围内", *, code: str = "not_found") -> None:
        super().__init__(code, message)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "您没有执行此操作的权限", *, code: str = "forbidden") -> None:
        super().__init__(code, message)


class Conflict(DomainError):
    """The object changed since the caller read it (optimistic locking): reload and retry."""

    status = 409

    def __init__(self, message: str = "该记录已被他人修改，请刷新页面后重试", *, code: str = "stale") -> None:
        super().__init__(code, message)
