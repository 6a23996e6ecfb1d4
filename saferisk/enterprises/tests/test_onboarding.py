"""Enterprise account onboarding: accounts, scoping, handouts, notices, password resets."""

from __future__ import annotations

import io
import json
import subprocess
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent, Notification, Region, User
from saferisk.enterprises.models import Enterprise, ImportJob
from saferisk.enterprises.onboarding import (
    INITIAL_PASSWORD_ITERATIONS,
    enterprise_account_reset_password,
    onboard_enterprises,
)
from saferisk.enterprises.services import NewEnterprise, enterprise_bulk_create
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_a2(world: Any) -> Region:
    """A second town of county A (江宁区)."""
    town = (
        Region.objects.filter(parent_id="320115", level="town").exclude(code=TOWN_A).order_by("code").first()
    )
    assert town is not None
    return town


@pytest.fixture
def more(world: Any, town_a2: Region) -> dict[str, Enterprise]:
    """Two more enterprises in county A: one in TOWN_A with a principal, one in the second town."""
    return {
        "a3": make_enterprise(
            region=TOWN_A, name="东山机械有限公司", principal_name="张三", principal_phone="13700001111"
        ),
        "a4": make_enterprise(region=town_a2.code, name="秣陵纺织有限公司"),
    }


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- Service ---------------------------------------------------------------------------------------


def test_onboarding_creates_one_account_per_enterprise_without_one(world: Any, more: Any) -> None:
    created_before = _events("user.created")
    result = onboard_enterprises(actor=world.county_regulator, region_code="320115")
    by_uscc = {a.uscc: a for a in result.created}
    # ent_a already has accounts (the filler and principal personas); the others get one each.
    assert set(by_uscc) == {world.ent_a_power.uscc, more["a3"].uscc, more["a4"].uscc}
    assert [(s.enterprise_id, s.reason) for s in result.skipped] == [(world.ent_a.pk, "has_account")]
    user = User.objects.get(username=more["a3"].uscc)
    assert (user.role, user.enterprise_id, user.full_name, user.phone, user.must_change_password) == (
        "enterprise_principal",
        more["a3"].pk,
        "张三",
        "13700001111",
        True,
    )
    assert User.objects.get(username=world.ent_a_power.uscc).full_name == "江宁热电有限公司"
    assert user.check_password(by_uscc[user.username].password)
    assert by_uscc[user.username].password not in user.password
    assert _events("user.created") == created_before + 3
    event = AuditEvent.objects.get(action="user.created", object_id=str(user.pk))
    assert (event.actor_id, event.region_code, event.enterprise_id) == (
        world.county_regulator.pk,
        TOWN_A,
        more["a3"].pk,
    )
    summary = AuditEvent.objects.get(action="enterprise.accounts_onboarded")
    assert summary.changes["after"] == {
        "created": 3,
        "skipped_existing": 1,
        "skipped_conflicts": 0,
        "role": "enterprise_principal",
        "region": "320115",
        "import_job": None,
    }
    assert summary.region_code == "320115"


def test_rerun_skips_enterprises_that_have_an_account(world: Any, more: Any) -> None:
    onboard_enterprises(actor=world.county_regulator, region_code="320115")
    users = User.objects.count()
    again = onboard_enterprises(actor=world.county_regulator, region_code="320115")
    assert again.created == []
    assert again.skipped_existing == 4
    assert User.objects.count() == users


def test_username_taken_by_another_account_is_skipped(world: Any, more: Any) -> None:
    from saferisk.testing.makers import make_user

    make_user(more["a4"].uscc, "regulator", region="320115")
    result = onboard_enterprises(actor=world.county_regulator, region_code=more["a4"].region_id)
    assert result.created == []
    assert [(s.uscc, s.reason) for s in result.skipped] == [(more["a4"].uscc, "username_taken")]


def test_first_sign_in_forces_a_password_change(world: Any, more: Any) -> None:
    result = onboard_enterprises(actor=world.county_regulator, region_code=TOWN_A)
    account = next(a for a in result.created if a.uscc == more["a3"].uscc)
    client = Client()
    response = client.post("/accounts/login/", {"username": account.uscc, "password": account.password})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/accounts/password/?first=1"
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": account.password,
            "new_password1": "Fresh#Pass2026",
            "new_password2": "Fresh#Pass2026",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200


def test_initial_hash_is_cheap_and_upgraded_at_first_sign_in(world: Any, more: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    result = onboard_enterprises(actor=world.county_regulator, region_code=more["a4"].region_id)
    account = result.created[0]
    user = User.objects.get(pk=account.user_id)
    assert user.password.split("$")[:2] == ["pbkdf2_sha256", str(INITIAL_PASSWORD_ITERATIONS)]
    assert (
        Client()
        .post("/accounts/login/", {"username": account.uscc, "password": account.password})
        .status_code
        == 302
    )
    user.refresh_from_db()
    assert user.password.split("$")[1] == str(PBKDF2PasswordHasher.iterations)


def test_other_county_regulator_never_creates_accounts_in_county_a(world: Any, more: Any) -> None:
    users = User.objects.count()
    events = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        onboard_enterprises(actor=world.other_county_regulator, region_code="320115")
    with pytest.raises(NotFound):
        onboard_enterprises(actor=world.other_county_regulator, region_code=TOWN_A)
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)
    ent_b2 = make_enterprise(region=TOWN_B, name="长桥电子有限公司")
    result = onboard_enterprises(actor=world.other_county_regulator)  # the whole jurisdiction
    assert [a.uscc for a in result.created] == [ent_b2.uscc]
    assert [s.enterprise_id for s in result.skipped] == [world.ent_b.pk]
    county_a = [e.uscc for e in more.values()] + [world.ent_a_power.uscc]
    assert not User.objects.filter(username__in=county_a).exists()


def test_department_regulator_onboards_only_supervised_industries(world: Any, more: Any) -> None:
    result = onboard_enterprises(actor=world.dept_regulator, region_code="320115")
    assert [a.uscc for a in result.created] == [world.ent_a_power.uscc]


def test_only_regulators_and_admins_onboard(world: Any, more: Any) -> None:
    users = User.objects.count()
    for actor in (world.enterprise_principal, world.expert):
        with pytest.raises(Forbidden):
            onboard_enterprises(actor=actor)
    with pytest.raises(DomainError) as exc:
        onboard_enterprises(actor=world.county_regulator, role="regulator")
    assert exc.value.code == "role_invalid"
    assert User.objects.count() == users
    assert _events("enterprise.accounts_onboarded") == 0


def _import_job(region: str, user: User) -> ImportJob:
    return ImportJob.objects.create(
        created_by=user, region_id=region, file="imports/x.xlsx", original_name="名录.xlsx", sha256="0" * 64
    )


def test_onboarding_by_import_batch(world: Any, more: Any) -> None:
    job = _import_job("320115", world.county_regulator)
    Enterprise.objects.filter(pk__in=[more["a3"].pk, world.ent_a.pk]).update(source_job=job)
    result = onboard_enterprises(actor=world.county_regulator, import_job=job, role="enterprise_filler")
    assert [a.uscc for a in result.created] == [more["a3"].uscc]
    assert result.skipped_existing == 1
    assert User.objects.get(username=more["a3"].uscc).role == "enterprise_filler"
    summary = AuditEvent.objects.get(action="enterprise.accounts_onboarded")
    assert (summary.object_type, summary.object_id, summary.changes["after"]["import_job"]) == (
        "enterprises.importjob",
        str(job.pk),
        job.pk,
    )
    other_job = _import_job("320506", world.other_county_regulator)
    with pytest.raises(NotFound):
        onboard_enterprises(actor=world.county_regulator, import_job=other_job)


def test_login_notices_are_sent_after_commit_without_storing_the_password(
    world: Any, more: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = onboard_enterprises(actor=world.county_regulator, region_code="320115")
    assert result.notices == 1  # only a3 has a principal phone (ent_a already had accounts)
    account = next(a for a in result.created if a.uscc == more["a3"].uscc)
    n = Notification.objects.get()
    assert (n.recipient_id, n.phone, n.kind, n.backend, n.status) == (
        account.user_id,
        "13700001111",
        "account_onboarded",
        "database",
        "stored",
    )
    assert f"登录名：{account.uscc}" in n.body
    assert "初始密码：******" in n.body
    assert "首次登录须修改密码" in n.body
    assert "http://127.0.0.1:8000/" in n.body
    # No initial password is stored in clear anywhere: not in notifications, not in the audit log.
    for a in result.created:
        assert not Notification.objects.filter(body__contains=a.password).exists()
        assert not any(
            a.password in json.dumps(e.changes, ensure_ascii=False) for e in AuditEvent.objects.all()
        )


def test_no_notices_when_disabled_or_rolled_back(
    world: Any, more: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        onboard_enterprises(actor=world.county_regulator, region_code="320115", notify=False)
    assert Notification.objects.count() == 0


def test_thousands_are_created_with_a_bounded_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    from saferisk.core import uscc

    rows = [
        NewEnterprise(
            uscc=uscc.make("320115", f"8{i:08d}"),
            name=f"批量企业{i:04d}",
            region_id=TOWN_A,
            industry_id="2614",
        )
        for i in range(1200)
    ]
    enterprise_bulk_create(actor=None, rows=rows)
    before = _events("user.created")
    with django_assert_max_num_queries(40):
        result = onboard_enterprises(actor=world.county_regulator, region_code=TOWN_A)
    assert len(result.created) == 1201  # the batch and ent_a_power
    assert _events("user.created") == before + 1201


# --- Page and handouts ---------------------------------------------------------------------------


def test_page_shows_the_preview_in_jurisdiction(world: Any, more: Any) -> None:
    client = world.client(world.county_regulator)
    listing = client.get("/enterprises/").content.decode()
    assert 'href="/enterprises/onboarding/"' in listing
    page = client.get("/enterprises/onboarding/?region=320115")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="without-account">3<' in html
    assert f'href="/enterprises/{world.ent_a.pk}/"' in html
    other = (
        world.client(world.other_county_regulator)
        .get("/enterprises/onboarding/?region=320115")
        .content.decode()
    )
    assert f'href="/enterprises/{world.ent_a.pk}/"' not in other
    assert 'data-testid="without-account">0<' in other  # the region outside is ignored; ent_b has accounts
    assert world.client(world.enterprise_filler).get("/enterprises/onboarding/").status_code == 404
    assert (
        'href="/enterprises/onboarding/"'
        not in world.client(world.enterprise_filler).get("/enterprises/").content.decode()
    )


def test_excel_handout_has_one_sheet_per_town(world: Any, more: Any, town_a2: Region) -> None:
    client = world.client(world.county_regulator)
    response = client.post(
        "/enterprises/onboarding/",
        {"source": "region", "region": "320115", "role": "enterprise_principal", "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    town_a = Region.objects.get(code=TOWN_A)
    assert book.sheetnames == [town_a.name, town_a2.name]
    sheet = book[town_a.name]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[0] == ["乡镇", "统一社会信用代码", "企业名称", "登录名", "初始密码", "联系人", "电话"]
    body = sorted(rows[1:], key=lambda r: r[2])
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in body] == [
        (town_a.name, more["a3"].uscc, "东山机械有限公司", more["a3"].uscc, "张三", "13700001111"),
        (town_a.name, world.ent_a_power.uscc, "江宁热电有限公司", world.ent_a_power.uscc, "", ""),
    ]
    for r in body:  # the handout's password is the account's password
        assert User.objects.get(username=r[3]).check_password(r[4])
    assert [r[2] for r in book[town_a2.name].iter_rows(min_row=3, values_only=True)] == ["秣陵纺织有限公司"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert AuditEvent.objects.get(action="enterprise.accounts_onboarded").changes["after"]["created"] == 3


def test_pdf_handout_is_a_pdf_with_the_town_and_an_embedded_cjk_font(
    world: Any, more: Any, tmp_path: Any
) -> None:
    client = world.client(world.county_regulator)
    response = client.post(
        "/enterprises/onboarding/",
        {"source": "region", "region": TOWN_A, "role": "enterprise_principal", "format": "pdf"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    path = tmp_path / "handout.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    town = Region.objects.get(code=TOWN_A).name
    assert f"企业账号开通通知单 — {town}" in text
    assert more["a3"].uscc in text
    assert "东山机械有限公司" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    line = next(line for line in fonts.splitlines() if "CJK" in line)
    assert line.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, unicode map


def test_page_when_everyone_already_has_an_account(world: Any) -> None:
    client = world.client(world.county_regulator)
    Enterprise.objects.filter(pk=world.ent_a_power.pk).update(status="closed")
    response = client.post(
        "/enterprises/onboarding/",
        {"source": "region", "region": TOWN_A, "role": "enterprise_principal", "format": "pdf"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert User.objects.filter(username=world.ent_a_power.uscc).count() == 0


def test_page_rejects_a_region_outside_the_jurisdiction(world: Any) -> None:
    client = world.client(world.other_county_regulator)
    response = client.post(
        "/enterprises/onboarding/",
        {"source": "region", "region": TOWN_A, "role": "enterprise_principal", "format": "xlsx"},
    )
    assert response.status_code == 422
    assert not User.objects.filter(username=world.ent_a_power.uscc).exists()
    assert _events("enterprise.accounts_onboarded") == 0


# --- API -----------------------------------------------------------------------------------------


def test_api_onboards_and_returns_the_credentials_once(world: Any, more: Any) -> None:
    client = world.client(world.county_regulator)
    response = client.post(
        "/api/v1/onboarding/accounts",
        {"region_code": TOWN_A, "notify": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["skipped_existing"], body["skipped_conflicts"], body["notices"]) == (
        2,
        1,
        0,
        0,
    )
    items = {i["id"]: i for i in body["items"]}
    assert items[world.ent_a.pk]["status"] == "has_account"
    assert items[world.ent_a.pk]["password"] is None
    created = items[more["a3"].pk]
    assert (created["status"], created["username"]) == ("created", more["a3"].uscc)
    assert User.objects.get(pk=created["user_id"]).check_password(created["password"])


def test_api_onboarding_errors(world: Any) -> None:
    outside = world.client(world.other_county_regulator).post(
        "/api/v1/onboarding/accounts", {"region_code": TOWN_A}, content_type="application/json"
    )
    assert outside.status_code == 404
    assert outside.json()["code"] == "not_found"
    job = _import_job("320115", world.county_regulator)
    hidden_job = world.client(world.other_county_regulator).post(
        "/api/v1/onboarding/accounts", {"import_job_id": job.pk}, content_type="application/json"
    )
    assert hidden_job.status_code == 404
    forbidden = world.client(world.enterprise_filler).post(
        "/api/v1/onboarding/accounts", {}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "code": "regulator_required",
        "message": "只有监管人员或系统管理员可以开通企业账号",
        "details": None,
    }
    assert not User.objects.filter(username=world.ent_a_power.uscc).exists()


# --- Password reset ------------------------------------------------------------------------------


def test_regulator_resets_an_enterprise_password_through_the_api(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    target = world.enterprise_filler
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client(world.county_regulator).post(
            f"/api/v1/onboarding/accounts/{target.pk}/reset-password",
            {"notify": True},
            content_type="application/json",
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["user_id"], body["username"], body["notified"]) == (target.pk, "enterprise_filler", True)
    target.refresh_from_db()
    assert target.check_password(body["password"])
    assert target.must_change_password is True
    event = AuditEvent.objects.filter(action="user.password_reset").get()
    assert (event.actor_id, event.object_id) == (world.county_regulator.pk, str(target.pk))
    notice = Notification.objects.get()
    assert notice.kind == "password_reset"
    assert body["password"] not in notice.body


def test_other_county_regulator_cannot_reset(world: Any) -> None:
    target = world.enterprise_filler
    before = target.password
    response = world.client(world.other_county_regulator).post(
        f"/api/v1/onboarding/accounts/{target.pk}/reset-password", {}, content_type="application/json"
    )
    assert response.status_code == 404
    with pytest.raises(NotFound):
        enterprise_account_reset_password(actor=world.other_county_regulator, user=target)
    page = world.client(world.other_county_regulator).post(f"/users/{target.pk}/reset-password/")
    assert page.status_code == 404
    target.refresh_from_db()
    assert target.password == before
    assert _events("user.password_reset") == 0


def test_reset_is_for_enterprise_accounts_only(world: Any) -> None:
    response = world.client(world.admin).post(
        f"/api/v1/onboarding/accounts/{world.county_regulator.pk}/reset-password",
        {},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_enterprise_account"
    assert (
        world.client(world.province_regulator)
        .post(
            f"/api/v1/onboarding/accounts/{world.county_regulator.pk}/reset-password",
            {},
            content_type="application/json",
        )
        .status_code
        == 422
    )
    assert _events("user.password_reset") == 0


def test_regulator_resets_through_the_user_page(world: Any) -> None:
    response = world.client(world.county_regulator).post(
        f"/users/{world.enterprise_principal.pk}/reset-password/"
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.password_reset", actor=world.county_regulator).count() == 1
