"""Where a change comes from: the request id and client address of the current request or job.

Set by RequestContextMiddleware for web and API requests and by `cli_context()` for commands,
read by the audit log. A context variable rather than a thread-local so it is right under
granian's threads and in async code alike.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeContext:
    request_id: str
    client_address: str


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar(
    "saferisk_change_context", default=None
)


def current() -> ChangeContext:
    ctx = _current.get()
    return ctx if ctx is not None else ChangeContext(request_id="", client_address="")


@contextmanager
def change_context(*, request_id: str | None = None, client_address: str) -> Iterator[ChangeContext]:
    ctx = ChangeContext(request_id=request_id or str(uuid.uuid4()), client_address=client_address)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def cli_context() -> AbstractContextManager[ChangeContext]:
    """Context for a management command: a fresh request id, client address 'cli'."""
    return change_context(client_address="cli")
