"""The notification backends, the SMS gateway against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from saferisk.core.models import Notification
from saferisk.core.notify import (
    ConsoleBackend,
    DatabaseBackend,
    Message,
    SmsGatewayBackend,
    notify,
    notify_many,
)

pytestmark = pytest.mark.django_db


class Gateway:
    """A tiny SMS gateway: records every request and answers with `status`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length).decode("utf-8")),
                    }
                )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with Gateway() as g:
        yield g


def test_sms_backend_posts_json_with_bearer_token(gateway: Gateway, settings: Any, world: Any) -> None:
    settings.SAFERISK_NOTIFY_BACKEND = "sms"
    settings.SAFERISK_SMS_URL = gateway.url
    settings.SAFERISK_SMS_TOKEN = "gw-token-1"
    n = notify(
        user=world.enterprise_filler,
        phone="13811112222",
        kind="account_onboarded",
        body="登录名：X；初始密码：Secret#123",
        secrets=("Secret#123",),
    )
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer gw-token-1"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["body"] == {"phone": "13811112222", "message": "登录名：X；初始密码：Secret#123"}
    row = Notification.objects.get(pk=n.pk)
    assert (row.status, row.backend, row.error, row.recipient_id) == (
        "sent",
        "sms",
        "",
        world.enterprise_filler.pk,
    )
    assert row.body == "登录名：X；初始密码：******"  # the secret went out but was never stored


def test_sms_backend_records_gateway_errors_and_never_raises(gateway: Gateway, settings: Any) -> None:
    gateway.status = 500
    n = notify(
        phone="13800000000", kind="test", body="hello", backend=SmsGatewayBackend(url=gateway.url, token="")
    )
    assert len(gateway.requests) == 1
    assert "Authorization" not in gateway.requests[0]["headers"]
    row = Notification.objects.get(pk=n.pk)
    assert row.status == "failed"
    assert row.error.startswith("HTTPError: HTTP Error 500")


def test_sms_backend_failures_without_a_gateway(settings: Any) -> None:
    unreachable = SmsGatewayBackend(url="http://127.0.0.1:9/none", token="t", timeout=2)
    no_url = SmsGatewayBackend(url="", token="t")
    bad_scheme = SmsGatewayBackend(url="file:///etc/passwd", token="t")
    rows = [
        notify(phone="13800000000", kind="test", body="a", backend=unreachable),
        notify(phone="13800000000", kind="test", body="b", backend=no_url),
        notify(phone="13800000000", kind="test", body="c", backend=bad_scheme),
        notify(
            phone="", kind="test", body="d", backend=SmsGatewayBackend(url="http://127.0.0.1:9/", token="")
        ),
    ]
    stored = {n.body: (n.status, n.error) for n in Notification.objects.filter(pk__in=[r.pk for r in rows])}
    assert {body: status for body, (status, _) in stored.items()} == dict.fromkeys("abcd", "failed")
    assert stored["a"][1].startswith("URLError")
    assert stored["b"][1] == "ValueError: SAFERISK_SMS_URL 未配置"
    assert stored["c"][1] == "ValueError: SAFERISK_SMS_URL 必须以 http:// 或 https:// 开头"
    assert stored["d"][1] == "ValueError: 没有手机号码"


def test_sms_backend_sends_a_batch_in_parallel(gateway: Gateway) -> None:
    backend = SmsGatewayBackend(url=gateway.url, token="t")
    messages = [Message(phone=f"138000000{i:02d}", kind="test", body=f"m{i}") for i in range(12)]
    rows = notify_many(messages, backend=backend)
    assert len(rows) == 12
    assert sorted(r["body"]["phone"] for r in gateway.requests) == [f"138000000{i:02d}" for i in range(12)]
    assert Notification.objects.filter(status="sent", backend="sms").count() == 12


def test_console_backend_logs_and_marks_sent(caplog: Any) -> None:
    caplog.set_level("INFO", logger="saferisk.notify")
    n = notify(
        phone="13800000000", kind="test", body="密码 Pw#1", secrets=("Pw#1",), backend=ConsoleBackend()
    )
    assert "密码 Pw#1" in caplog.text
    row = Notification.objects.get(pk=n.pk)
    assert (row.status, row.backend, row.body) == ("sent", "console", "密码 ******")


def test_database_backend_stores_only(settings: Any) -> None:
    settings.SAFERISK_NOTIFY_BACKEND = "database"
    n = notify(phone="13800000000", kind="test", body="hi")
    assert n.backend == "database"
    assert Notification.objects.get(pk=n.pk).status == "stored"
    assert DatabaseBackend.blocking_io is False


def test_unknown_backend_is_recorded_as_failed(settings: Any) -> None:
    settings.SAFERISK_NOTIFY_BACKEND = "pigeon"
    n = notify(phone="13800000000", kind="test", body="hi")
    row = Notification.objects.get(pk=n.pk)
    assert (row.status, row.backend) == ("failed", "pigeon")
    assert "pigeon" in row.error


def test_notification_list_page_is_scoped_and_exports(world: Any) -> None:
    mine = notify(user=world.enterprise_filler, phone="13811112222", kind="account_onboarded", body="A")
    theirs = notify(user=world.other_enterprise_filler, phone="13922223333", kind="password_reset", body="B")
    page = world.client(world.county_regulator).get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="notification-{mine.pk}"' in html
    assert f'id="notification-{theirs.pk}"' not in html
    assert "138****2222" in html
    assert "13811112222" not in html
    other = world.client(world.other_county_regulator).get("/notifications/").content.decode()
    assert f'id="notification-{theirs.pk}"' in other
    assert f'id="notification-{mine.pk}"' not in other
    filtered = world.client(world.admin).get("/notifications/?status=failed").content.decode()
    assert f'id="notification-{mine.pk}"' not in filtered
    export = world.client(world.county_regulator).get("/notifications/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert world.client(world.enterprise_filler).get("/notifications/").status_code == 404
