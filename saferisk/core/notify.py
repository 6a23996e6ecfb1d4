"""Sending messages to people: one small backend interface and three backends.

`notify(...)` (one message) and `notify_many(...)` (a batch) pick the backend named by
`settings.SAFERISK_NOTIFY_BACKEND`, hand it each message and always write one `Notification` row
with the outcome:

- ``console``: logs the message (development); status *sent*;
- ``database``: stores the row only, nothing leaves the system; status *stored*;
- ``sms``: HTTP POST ``{"phone", "message"}`` as JSON with ``Authorization: Bearer
  <SAFERISK_SMS_TOKEN>`` to ``SAFERISK_SMS_URL``; a 2xx answer is *sent*, anything else (no URL,
  refused connection, timeout, HTTP error) is *failed* with the error text.

Sending never raises into the caller: a failed delivery is a row with status *failed*.

Secrets (an initial password) travel in the message but never reach the database: the caller
names them in `secrets` and the stored `body` shows them as ``******``. The full text lives only
on the unsaved instance (`outgoing_text`) while the backend sends it.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from saferisk.core.models import Notification, User

logger = logging.getLogger("saferisk.notify")

REDACTED = "******"
SMS_TIMEOUT_SECONDS = 5.0
SMS_PARALLEL_REQUESTS = 8


def text_of(notification: Notification) -> str:
    """The text to deliver: the unredacted message when the caller gave one, else the body."""
    return str(getattr(notification, "outgoing_text", None) or notification.body)


class NotificationBackend(ABC):
    """Delivers one notification and records the outcome on it (`status`, `error`).

    `send` must not raise and must not save the row (the caller saves it, in bulk when it can)."""

    name = "base"
    label: Any = ""  # shown in the notification list
    #: whether deliveries wait on the network, so a batch is worth sending in parallel
    blocking_io = False

    @abstractmethod
    def send(self, notification: Notification) -> None:
        """Deliver `notification` and set its status and error."""


class ConsoleBackend(NotificationBackend):
    """For development: the message goes to the log (the console in `make demo`)."""

    name = "console"
    label = _("Console (development)")

    def send(self, notification: Notification) -> None:
        logger.info("notification %s to %s: %s", notification.kind, notification.phone, text_of(notification))
        notification.status = Notification.Status.SENT
        notification.error = ""


class DatabaseBackend(NotificationBackend):
    """Stores the row only: nothing is delivered (the default; the handout carries the data)."""

    name = "database"
    label = _("Stored only (no sending)")

    def send(self, notification: Notification) -> None:
        notification.status = Notification.Status.STORED
        notification.error = ""


class SmsGatewayBackend(NotificationBackend):
    """An HTTP SMS gateway: POST JSON {"phone", "message"} with a bearer token, 2xx = sent."""

    name = "sms"
    label = _("SMS gateway")
    blocking_io = True

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = settings.SAFERISK_SMS_URL if url is None else url
        self.token = settings.SAFERISK_SMS_TOKEN if token is None else token
        self.timeout = (
            float(getattr(settings, "SAFERISK_SMS_TIMEOUT", SMS_TIMEOUT_SECONDS))
            if timeout is None
            else timeout
        )

    def send(self, notification: Notification) -> None:
        try:
            self._post(notification)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded, never raised
            notification.status = Notification.Status.FAILED
            notification.error = f"{type(exc).__name__}: {exc}"[:300]
            logger.warning("SMS to %s failed: %s", notification.phone, notification.error)
        else:
            notification.status = Notification.Status.SENT
            notification.error = ""

    def _post(self, notification: Notification) -> None:
        if not self.url:
            raise ValueError("SAFERISK_SMS_URL 未配置")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("SAFERISK_SMS_URL 必须以 http:// 或 https:// 开头")
        if not notification.phone:
            raise ValueError("没有手机号码")
        data = json.dumps(
            {"phone": notification.phone, "message": text_of(notification)}, ensure_ascii=False
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
            if not 200 <= response.status < 300:
                raise urllib.error.HTTPError(
                    self.url, response.status, "gateway answered", response.headers, None
                )


BACKENDS: dict[str, type[NotificationBackend]] = {
    ConsoleBackend.name: ConsoleBackend,
    DatabaseBackend.name: DatabaseBackend,
    SmsGatewayBackend.name: SmsGatewayBackend,
}


class _UnknownBackend(NotificationBackend):
    """A misconfigured SAFERISK_NOTIFY_BACKEND: every message is recorded as failed."""

    def __init__(self, name: str) -> None:
        self.name = name[:40]

    def send(self, notification: Notification) -> None:
        notification.status = Notification.Status.FAILED
        notification.error = f"未知的通知后端“{self.name}”（SAFERISK_NOTIFY_BACKEND）"


def backend_label(name: str) -> str:
    """The readable name of a backend, for lists (the raw name when it is unknown)."""
    backend_class = BACKENDS.get(name)
    return str(backend_class.label) if backend_class is not None else name


def get_backend(name: str | None = None) -> NotificationBackend:
    """The configured backend (or the one named)."""
    name = name or settings.SAFERISK_NOTIFY_BACKEND
    backend_class = BACKENDS.get(name)
    return backend_class() if backend_class is not None else _UnknownBackend(name)


def redact(body: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            body = body.replace(secret, REDACTED)
    return body


@dataclass
class Message:
    """One message to send: to an account (optional) at a phone number."""

    phone: str
    kind: str
    body: str
    user: User | None = None
    secrets: Sequence[str] = field(default_factory=tuple)


def _prepare(message: Message, backend: NotificationBackend) -> Notification:
    notification = Notification(
        recipient=message.user,
        phone=message.phone[:20],
        kind=message.kind[:40],
        body=redact(message.body, message.secrets),
        backend=backend.name,
        status=Notification.Status.STORED,
    )
    notification.outgoing_text = message.body  # type: ignore[attr-defined]  # never saved
    return notification


def _send_safely(backend: NotificationBackend, notification: Notification) -> None:
    try:
        backend.send(notification)
    except Exception as exc:  # noqa: BLE001 - a broken backend must not break the caller
        notification.status = Notification.Status.FAILED
        notification.error = f"{type(exc).__name__}: {exc}"[:300]


def notify_many(
    messages: Iterable[Message], *, backend: NotificationBackend | None = None
) -> list[Notification]:
    """Send messages through the backend and store one row per message; never raises.

    Network backends send in parallel (a few requests at a time). Call it after the change that
    the messages announce has committed (`transaction.on_commit`), so nobody is told about an
    account that was rolled back."""
    backend = backend or get_backend()
    notifications = [_prepare(m, backend) for m in messages]
    if not notifications:
        return []
    if backend.blocking_io and len(notifications) > 1:
        with ThreadPoolExecutor(max_workers=SMS_PARALLEL_REQUESTS) as pool:
            list(pool.map(lambda n: _send_safely(backend, n), notifications))
    else:
        for n in notifications:
            _send_safely(backend, n)
    for n in notifications:
        del n.outgoing_text  # type: ignore[attr-defined]
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction usable
            return Notification.objects.bulk_create(notifications, batch_size=1000)
    except Exception:  # the messages went out; losing the record is logged, not raised
        logger.exception("could not store %d notification rows", len(notifications))
        return notifications


def notify(
    *,
    user: User | None = None,
    phone: str = "",
    kind: str,
    body: str,
    secrets: Sequence[str] = (),
    backend: NotificationBackend | None = None,
) -> Notification:
    """Send one message through the configured backend and store its row; never raises."""
    return notify_many(
        [Message(phone=phone, kind=kind, body=body, user=user, secrets=secrets)], backend=backend
    )[0]
