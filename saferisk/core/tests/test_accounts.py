"""Sign-in, lock-out, forced and voluntary password changes, tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from saferisk.core.models import ApiToken, AuditEvent, User
from saferisk.testing.makers import make_user

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client: Client) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "账户登录" in text
    assert "用户名" in text
    assert "密码" in text
    assert client.get("/").status_code == 302


def test_successful_login_is_audited(world: Any, password: str) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    response = client.post("/accounts/login/", {"username": "county_regulator", "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"
    event = AuditEvent.objects.filter(action="user.logged_in").get()
    assert event.actor_id == world.county_regulator.pk
    assert event.client_address == "10.1.2.3"
    assert len(event.request_id) == 36


@override_settings(SAFERISK_LOCKOUT_THRESHOLD=3, SAFERISK_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_the_account(world: Any, password: str) -> None:
    client = Client()
    for _ in range(2):
        page = client.post("/accounts/login/", {"username": "county_regulator", "password": "wrong"})
        assert page.status_code == 200
    page = client.post("/accounts/login/", {"username": "county_regulator", "password": "wrong"})
    assert "账户已锁定" in page.content.decode()
    # Even the right password is refused while locked.
    page = client.post("/accounts/login/", {"username": "county_regulator", "password": password})
    assert page.status_code == 200
    assert "已被锁定" in page.content.decode()
    user = User.objects.get(username="county_regulator")
    assert user.locked_until is not None
    assert AuditEvent.objects.filter(action="user.login_failed", object_id=str(user.pk)).count() == 3
    assert AuditEvent.objects.filter(action="user.locked").count() == 1
    # An admin unlocks; then the right password works.
    admin = world.client(world.admin)
    assert admin.post(f"/users/{user.pk}/unlock/").status_code == 302
    assert (
        client.post("/accounts/login/", {"username": "county_regulator", "password": password}).status_code
        == 302
    )


def test_forwarded_address_is_trusted_only_behind_a_proxy(world: Any, password: str, settings: Any) -> None:
    login = {"username": "county_regulator", "password": password}
    Client(REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="1.2.3.4").post("/accounts/login/", login)
    settings.SAFERISK_TRUST_PROXY = True
    Client(REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="1.2.3.4").post("/accounts/login/", login)
    addresses = list(
        AuditEvent.objects.filter(action="user.logged_in")
        .order_by("id")
        .values_list("client_address", flat=True)
    )
    assert addresses == ["10.9.9.9", "1.2.3.4"]


def test_unknown_username_is_audited_without_locking(db: Any) -> None:
    Client().post("/accounts/login/", {"username": "nobody", "password": "x"})
    event = AuditEvent.objects.get(action="user.login_failed")
    assert event.actor_label == "nobody"
    assert event.object_id == ""


def test_first_login_forces_password_change(db: Any, password: str) -> None:
    make_user("newcomer", "expert", region="320100", must_change_password=True)
    client = Client()
    client.post("/accounts/login/", {"username": "newcomer", "password": password})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")
    page = client.get("/accounts/password/?first=1")
    assert "请先设置您自己的密码" in page.content.decode()
    weak = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert weak.status_code == 422
    assert User.objects.get(username="newcomer").must_change_password is True
    ok = client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "Nw#Pass2027", "new_password2": "Nw#Pass2027"},
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(username="newcomer").must_change_password is False
    assert AuditEvent.objects.filter(action="user.password_changed").count() == 1


def test_wrong_old_password_changes_nothing(world: Any) -> None:
    client = world.client(world.expert)
    before = User.objects.get(pk=world.expert.pk).password
    page = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "Nw#Pass2027", "new_password2": "Nw#Pass2027"},
    )
    assert page.status_code == 422
    assert "原密码不正确" in page.content.decode()
    assert User.objects.get(pk=world.expert.pk).password == before
    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_logout_is_post_and_audited(world: Any) -> None:
    client = world.client(world.expert)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(action="user.logged_out", actor=world.expert).count() == 1
    assert client.get("/").status_code == 302


def test_regulator_resets_enterprise_password_in_jurisdiction_only(world: Any) -> None:
    target = world.enterprise_filler
    other = world.client(world.other_county_regulator)
    assert other.post(f"/users/{target.pk}/reset-password/").status_code == 404
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()
    own = world.client(world.county_regulator)
    response = own.post(f"/users/{target.pk}/reset-password/", follow=True)
    assert "新密码" in response.content.decode()
    assert User.objects.get(pk=target.pk).must_change_password is True
    assert AuditEvent.objects.filter(action="user.password_reset", object_id=str(target.pk)).count() == 1
    # A regulator may not reset another regulator's password, even in the same jurisdiction.
    peer = world.client(world.county_regulator).post(
        f"/users/{world.dept_regulator.pk}/reset-password/", follow=True
    )
    assert "没有执行此操作的权限" in peer.content.decode()


def test_admin_creates_user_with_generated_password(world: Any) -> None:
    client = world.client(world.admin)
    response = client.post(
        "/users/new/",
        {
            "username": "zhang",
            "full_name": "张三",
            "role": "regulator",
            "region": "320100",
            "department": "",
            "enterprise_uscc": "",
            "phone": "",
            "organisation": "南京市应急管理局",
        },
        follow=True,
    )
    assert "初始密码" in response.content.decode()
    user = User.objects.get(username="zhang")
    assert user.region_id == "320100"
    assert user.must_change_password
    missing_region = client.post("/users/new/", {"username": "li", "full_name": "李四", "role": "regulator"})
    assert missing_region.status_code == 422
    assert "必须指定管辖地区" in missing_region.content.decode()
    assert not User.objects.filter(username="li").exists()


def test_token_page_creates_and_revokes(world: Any) -> None:
    client = world.client(world.county_regulator)
    page = client.post("/accounts/tokens/", {"name": "报表系统"})
    assert page.status_code == 200
    assert "sr_" in page.content.decode()
    token = ApiToken.objects.get(user=world.county_regulator)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
