"""Every write of the core app: users, sign-in bookkeeping, passwords, API tokens, regions.

Each service takes the acting user first (keyword-only), checks what the actor may do through
core.scoping, changes state in one transaction and writes its audit event in that transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from saferisk.core.audit import audit_record, diff, snapshot
from saferisk.core.choices import ENTERPRISE_ROLES, RegionLevel, Role
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import ApiToken, Department, Region, User
from saferisk.core.models.reference import PREFIX_LENGTH
from saferisk.core.scoping import can, scoped_get

USER_AUDIT_FIELDS = (
    "username",
    "full_name",
    "role",
    "region",
    "department",
    "enterprise",
    "phone",
    "organisation",
    "is_active",
    "must_change_password",
)


# Characters that stay distinct on paper and in any font: no 0/O/o, 1/l/I, no letters whose
# capital looks like the small one (C/c, K/k, O/o, P/p, S/s, U/u, V/v, W/w, X/x, Z/z).
CLEAR_UPPER = "ABDEFGHJLMNQRTY"
CLEAR_LOWER = "abdefghjmnqrty"
CLEAR_DIGITS = "23456789"
CLEAR_SYMBOLS = "#%+@"


def generate_password(length: int = 12) -> str:
    """A random password that satisfies the policy (all four character classes).

    It is read off paper and typed in by hand, so it uses only characters that cannot be
    confused (above), and starts with a letter (a leading "=" or "+" turns into a formula when
    someone edits the handout in Excel)."""
    alphabet = CLEAR_UPPER + CLEAR_LOWER + CLEAR_DIGITS + CLEAR_SYMBOLS
    while True:
        first = secrets.choice(CLEAR_UPPER + CLEAR_LOWER)
        pw = first + "".join(secrets.choice(alphabet) for _ in range(length - 1))
        if (
            any(c in CLEAR_LOWER for c in pw)
            and any(c in CLEAR_UPPER for c in pw)
            and any(c in CLEAR_DIGITS for c in pw)
            and any(c in CLEAR_SYMBOLS for c in pw)
        ):
            return pw


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("password_invalid", "；".join(exc.messages), field="password") from exc


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise Forbidden("只有系统管理员可以执行此操作", code="admin_required")


def _require_change(actor: User | None, obj: Any) -> None:
    """Out of scope looks like missing; in view scope but not change scope is forbidden."""
    if actor is None or can(actor, "change", obj):
        return
    scoped_get(actor, type(obj), "view", pk=obj.pk)  # raises NotFound when not even visible
    raise Forbidden()


# --- Users --------------------------------------------------------------------------------------


@dataclass
class NewUser:
    username: str
    role: str
    full_name: str = ""
    region: Region | None = None
    department: Department | None = None
    enterprise: Any = None
    phone: str = ""
    organisation: str = ""
    password: str | None = None
    must_change_password: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _validate_new_user(new: NewUser) -> None:
    if not new.username or len(new.username) > 150:
        raise DomainError("username_invalid", "用户名不能为空且不超过150个字符", field="username")
    if User.objects.filter(username=new.username).exists():
        raise DomainError("username_taken", f"用户名“{new.username}”已存在", field="username")
    if new.role not in Role.values:
        raise DomainError("role_invalid", "角色无效", field="role")
    if new.role == Role.REGULATOR and new.region is None:
        raise DomainError("region_required", "监管人员必须指定管辖地区", field="region")
    if new.role in ENTERPRISE_ROLES and new.enterprise is None:
        raise DomainError("enterprise_required", "企业用户必须指定所属企业", field="enterprise")
    if new.role not in ENTERPRISE_ROLES and new.enterprise is not None:
        raise DomainError("enterprise_not_allowed", "只有企业用户可以关联企业", field="enterprise")


@transaction.atomic
def user_create(*, actor: User | None, new: NewUser) -> tuple[User, str]:
    """Create a user; returns it and its initial password (generated when none is given).

    `actor=None` is the system itself (demo loader, `createsuperuser`-like CLI set-up)."""
    _require_admin(actor)
    _validate_new_user(new)
    password = new.password or generate_password()
    user = User(
        username=new.username,
        role=new.role,
        full_name=new.full_name,
        region=new.region,
        department=new.department,
        enterprise=new.enterprise,
        phone=new.phone,
        organisation=new.organisation,
        must_change_password=new.must_change_password,
        is_superuser=new.role == Role.ADMIN,
        is_staff=new.role == Role.ADMIN,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor, action="user.created", obj=user, changes=diff(None, snapshot(user, USER_AUDIT_FIELDS))
    )
    return user, password


@transaction.atomic
def user_update(*, actor: User, user: User, data: Mapping[str, Any]) -> User:
    """Change a user's profile fields (admin); only the fields given change."""
    _require_admin(actor)
    allowed = {"full_name", "phone", "organisation", "region", "department"}
    unknown = set(data) - allowed
    if unknown:
        raise DomainError("field_not_editable", f"不可修改的字段：{'、'.join(sorted(unknown))}")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_AUDIT_FIELDS)
    for name, value in data.items():
        setattr(user, name, value)
    if user.role == Role.REGULATOR and user.region_id is None:
        raise DomainError("region_required", "监管人员必须指定管辖地区", field="region")
    user.save()
    changes = diff(before, snapshot(user, USER_AUDIT_FIELDS))
    if changes["after"]:
        audit_record(actor=actor, action="user.updated", obj=user, changes=changes)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    _require_change(actor, user)
    if user.pk == actor.pk:
        raise DomainError("cannot_deactivate_self", "不能停用自己的账户")
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.refresh_from_db()
    audit_record(
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        obj=user,
        changes=diff({"is_active": not active}, {"is_active": active}),
    )
    return user


# --- Sign-in -------------------------------------------------------------------------------------


def user_login_locked_until(*, username: str) -> dt.datetime | None:
    """When the account behind `username` is locked, until when; else None."""
    until = User.objects.filter(username=username).values_list("locked_until", flat=True).first()
    return until if until and until > timezone.now() else None


@transaction.atomic
def user_login_succeeded(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None, last_login=timezone.now())
    audit_record(actor=user, action="user.logged_in", obj=user)


@transaction.atomic
def user_login_failed(*, username: str) -> dt.datetime | None:
    """Count a failed sign-in; lock the account after the configured number in a row.

    Returns the lock expiry when this failure locked the account. Unknown usernames are audited
    too (a guessing attack shows in the log) but lock nothing."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        audit_record(
            actor=None, action="user.login_failed", actor_label=username[:150], object_repr=username[:200]
        )
        return None
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    audit_record(actor=None, action="user.login_failed", obj=user, actor_label=username[:150])
    if user.failed_login_count >= settings.SAFERISK_LOCKOUT_THRESHOLD:
        until = timezone.now() + dt.timedelta(minutes=settings.SAFERISK_LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_login_count=0)
        audit_record(
            actor=None,
            action="user.locked",
            obj=user,
            actor_label="system",
            changes={"after": {"locked_until": until.isoformat()}, "before": {}},
        )
        return until
    return None


@transaction.atomic
def user_logged_out(*, user: User) -> None:
    audit_record(actor=user, action="user.logged_out", obj=user)


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    _require_change(actor, user)
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_login_count=0)
    user.refresh_from_db()
    audit_record(actor=actor, action="user.unlocked", obj=user)
    return user


# --- Passwords -----------------------------------------------------------------------------------


@transaction.atomic
def user_change_password(*, actor: User, old_password: str, new_password: str) -> User:
    """A user changes their own password (also the forced change at first sign-in)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(old_password):
        raise DomainError("old_password_wrong", "原密码不正确", field="old_password")
    if old_password == new_password:
        raise DomainError("password_unchanged", "新密码不能与原密码相同", field="new_password")
    _check_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action="user.password_changed", obj=user)
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give a user a new random password that must be changed at next sign-in; returns it."""
    _require_change(actor, user)
    password = generate_password()
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.locked_until = None
    user.failed_login_count = 0
    user.save(update_fields=["password", "must_change_password", "locked_until", "failed_login_count"])
    audit_record(actor=actor, action="user.password_reset", obj=user)
    return password


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "sr_"  # noqa: S105 (a marker, not a secret)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for `user` (by the user or an admin); the key is returned only here."""
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    if not user.is_active:
        raise DomainError("user_inactive", "该用户已停用，不能创建令牌")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:60], key_prefix=key[:8], key_hash=_hash_key(key))
    audit_record(
        actor=actor, action="api_token.created", obj=token, object_repr=f"{token.key_prefix}… {user.username}"
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id:
        _require_admin(actor)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=token, object_repr=f"{token.key_prefix}…")
    return token


def api_token_user(key: str) -> User | None:
    """The active user behind a bearer key, or None (read-only: used by the API's auth)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=_hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token else None


# --- Regions -------------------------------------------------------------------------------------


@dataclass
class RegionImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


REGION_AUDIT_FIELDS = ("name", "level", "parent", "is_statutory", "town_kind", "source")


def _town_kind(code: str) -> str:
    n = int(code[6:9])
    if n < 100:
        return "街道"
    if n < 200:
        return "镇"
    if n < 400:
        return "乡"
    return "类似乡级单位"


def region_import_towns(
    *, actor: User | None, rows: Iterable[Mapping[str, str]], source: str = "", dry_run: bool = False
) -> RegionImportResult:
    """Import town-level regions from rows with `code` (9 or 12 digits) and `name`.

    The parent county must exist; codes are cut to 9 digits (the 12-digit statistics codes add a
    village part that we do not keep). All rows are checked before anything is written, and a
    file with any bad row writes nothing."""
    _require_admin(actor)
    result = RegionImportResult()
    parsed: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(rows, start=2):
        result.rows += 1
        code = (row.get("code") or "").strip()
        name = (row.get("name") or row.get("name_zh") or "").strip().replace("\u3000", "")
        problem = None
        if not code.isdigit() or len(code) not in (9, 12):
            problem = ("code", code, "乡镇代码应为9位或12位数字")
        elif len(code) == 12 and code[9:] != "000":
            problem = ("code", code, "12位代码的后3位应为000（村级代码不导入）")
        elif not name:
            problem = ("name", name, "名称不能为空")
        elif code[:9] in seen:
            problem = ("code", code, f"与第{seen[code[:9]]}行重复")
        if problem is None and not Region.objects.filter(code=code[:6], level=RegionLevel.COUNTY).exists():
            problem = ("code", code, f"所属县级区划{code[:6]}不存在")
        if problem is not None:
            result.rejected += 1
            result.errors.append(
                {"row": lineno, "column": problem[0], "value": problem[1], "reason": problem[2]}
            )
            continue
        seen[code[:9]] = lineno
        parsed.append((lineno, code[:9], name))
    if result.errors or dry_run:
        if not result.errors:
            existing = dict(
                Region.objects.filter(code__in=[c for _, c, _ in parsed]).values_list("code", "name")
            )
            for _, code, name in parsed:
                if code not in existing:
                    result.created += 1
                elif existing[code] != name:
                    result.updated += 1
                else:
                    result.unchanged += 1
        return result
    with transaction.atomic():
        for _, code, name in parsed:
            region = Region.objects.select_for_update().filter(code=code).first()
            if region is None:
                region = Region.objects.create(
                    code=code,
                    name=name,
                    level=RegionLevel.TOWN,
                    parent_id=code[: PREFIX_LENGTH[RegionLevel.COUNTY]],
                    is_statutory=int(code[6:9]) < 400,
                    town_kind=_town_kind(code),
                    source=source[:120],
                )
                audit_record(
                    actor=actor,
                    action="region.imported",
                    obj=region,
                    region_code=code,
                    changes=diff(None, snapshot(region, REGION_AUDIT_FIELDS)),
                )
                result.created += 1
            elif region.name != name:
                before = snapshot(region, REGION_AUDIT_FIELDS)
                region.name = name
                region.source = source[:120] or region.source
                region.save(update_fields=["name", "source"])
                audit_record(
                    actor=actor,
                    action="region.updated",
                    obj=region,
                    region_code=code,
                    changes=diff(before, snapshot(region, REGION_AUDIT_FIELDS)),
                )
                result.updated += 1
            else:
                result.unchanged += 1
    return result
