"""Enterprise account onboarding: one account per enterprise, created in bulk by a regulator.

`onboard_enterprises` creates, for every enterprise of a region or an import batch inside the
actor's jurisdiction that has no account yet, an enterprise account whose login is the USCC,
with a random initial password that must be changed at first sign-in. It returns the plain
passwords once, for the handout (`enterprises/handouts.py`) or the API response; the database
holds only their hashes. A login notice goes to the principal's phone after the transaction
commits (`core/notify.py`; the stored notification has the password masked).

Initial passwords are hashed with the configured PBKDF2 hasher at a low iteration count
(`INITIAL_PASSWORD_ITERATIONS`): they are random (12 characters from 41 unambiguous symbols, ~64 bits), so
slow hashing adds nothing against guessing, while the full count (≈0.5 s per hash) would keep a
request busy for minutes on a few thousand accounts. Django re-hashes with the full count at the
first successful sign-in (`must_update`), which is also when the user must replace the password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from saferisk.core.audit import audit_record_many, build_event, diff, snapshot
from saferisk.core.choices import ENTERPRISE_ROLES, RegionLevel, Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import Region, User
from saferisk.core.notify import Message, notify_many
from saferisk.core.scoping import can, scoped
from saferisk.core.services import USER_AUDIT_FIELDS, generate_password, user_reset_password
from saferisk.enterprises.choices import EnterpriseStatus
from saferisk.enterprises.models import Enterprise, ImportJob

INITIAL_PASSWORD_ITERATIONS = 20_000
BATCH_SIZE = 1000
NOTICE_KIND = "account_onboarded"
RESET_NOTICE_KIND = "password_reset"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000/"


@dataclass
class OnboardedAccount:
    """A created account with its initial password (in memory only, for the handout)."""

    user_id: int
    enterprise_id: int
    uscc: str
    enterprise_name: str
    town_code: str
    town_name: str
    username: str
    password: str
    contact: str
    phone: str


@dataclass
class SkippedEnterprise:
    enterprise_id: int
    uscc: str
    enterprise_name: str
    reason: str  # "has_account" | "username_taken"


@dataclass
class OnboardingResult:
    created: list[OnboardedAccount] = field(default_factory=list)
    skipped: list[SkippedEnterprise] = field(default_factory=list)
    notices: int = 0  # login notices handed to the notification backend after commit
    region: Region | None = None
    import_job: ImportJob | None = None

    @property
    def skipped_existing(self) -> int:
        return sum(1 for s in self.skipped if s.reason == "has_account")

    @property
    def skipped_conflicts(self) -> int:
        return sum(1 for s in self.skipped if s.reason == "username_taken")

    def towns(self) -> list[tuple[str, str, list[OnboardedAccount]]]:
        """(town code, town name, accounts) in code order, accounts by enterprise name."""
        groups: dict[str, list[OnboardedAccount]] = {}
        for account in self.created:
            groups.setdefault(account.town_code, []).append(account)
        return [
            (code, accounts[0].town_name, sorted(accounts, key=lambda a: (a.enterprise_name, a.uscc)))
            for code, accounts in sorted(groups.items())
        ]


# --- Reads ---------------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not (getattr(actor, "is_admin", False) or getattr(actor, "role", None) == Role.REGULATOR):
        raise Forbidden("只有监管人员或系统管理员可以开通企业账号", code="regulator_required")


def onboarding_region(*, user: User, region_code: str) -> Region:
    """A region the user may onboard: inside their jurisdiction (admins: any); else NotFound."""
    region = Region.objects.filter(code=region_code).first()
    prefix = user.jurisdiction_prefix or ""
    if region is None or (not user.is_admin and not (prefix and region.prefix.startswith(prefix))):
        raise NotFound("地区不存在或不在您的管辖范围内")
    return region


def onboarding_regions(*, user: User) -> QuerySet[Region]:
    """Regions to choose from: counties and towns of the jurisdiction (cities and counties for a
    province-level user or an admin, whose towns would be too many for one list)."""
    prefix = user.jurisdiction_prefix or ""
    level = user.level if not user.is_admin else None
    levels = [RegionLevel.COUNTY, RegionLevel.TOWN]
    if level in (None, RegionLevel.PROVINCE):
        levels = [RegionLevel.CITY, RegionLevel.COUNTY]
    return Region.objects.filter(code__startswith=prefix, level__in=levels).order_by("code")


def onboarding_import_jobs(*, user: User, limit: int = 50) -> QuerySet[ImportJob]:
    return scoped(user, ImportJob).filter(dry_run=False).order_by("-created_at", "-id")[:limit]


def onboarding_candidates(
    *, user: User, region: Region | None = None, import_job: ImportJob | None = None
) -> QuerySet[Enterprise]:
    """The enterprises of the selection in the user's scope (closed ones excluded), each
    annotated with `has_account`."""
    qs = scoped(user, Enterprise).exclude(status=EnterpriseStatus.CLOSED)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    if import_job is not None:
        qs = qs.filter(source_job=import_job)
    return qs.annotate(has_account=Exists(User.objects.filter(enterprise_id=OuterRef("pk"))))


def onboarding_preview(
    *, user: User, region: Region | None = None, import_job: ImportJob | None = None, sample: int = 20
) -> dict[str, Any]:
    """How many enterprises the selection has, how many lack an account, and a first few rows
    (those without an account first)."""
    qs = onboarding_candidates(user=user, region=region, import_job=import_job)
    total = qs.count()
    without = qs.filter(Q(has_account=False)).count()
    rows = list(
        qs.select_related("region").order_by(F("has_account").asc(), "region_id", "name", "id")[:sample]
    )
    return {"total": total, "without_account": without, "with_account": total - without, "rows": rows}


# --- Writes --------------------------------------------------------------------------------------


def initial_password_hash(password: str) -> str:
    """The hash stored for a generated initial password (see the module docstring)."""
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=INITIAL_PASSWORD_ITERATIONS)
    return make_password(password)


def public_url() -> str:
    return str(getattr(settings, "SAFERISK_PUBLIC_URL", "") or DEFAULT_PUBLIC_URL)


def login_notice(*, enterprise_name: str, username: str, password: str) -> str:
    """The text of the login notice sent to an onboarded enterprise."""
    return (
        f"【安全风险平台】{enterprise_name}：贵单位的安全风险分级管控和隐患排查治理平台账号已开通。"
        f"平台地址：{public_url()}；登录名：{username}（统一社会信用代码）；初始密码：{password}。"
        "首次登录须修改密码，请妥善保管，勿转告他人。"
    )


def _town(enterprise: Enterprise) -> tuple[str, str]:
    region = enterprise.region
    return region.code, region.name


def _after_commit(callback: Callable[[], Any]) -> None:
    transaction.on_commit(callback)


def onboard_enterprises(
    *,
    actor: User,
    region_code: str | None = None,
    import_job: ImportJob | None = None,
    role: str = Role.ENTERPRISE_PRINCIPAL,
    notify: bool = True,
) -> OnboardingResult:
    """Create an account for every enterprise of the selection that has none.

    The selection is the actor's jurisdiction narrowed by `region_code` and/or `import_job`;
    enterprises outside it are never touched. Each account: username = USCC, `role`, full name =
    principal (else the enterprise name), phone = principal's phone, a random password, change
    forced at first sign-in. Each gets its `user.created` event, and the run one
    `enterprise.accounts_onboarded` event with the counts, all in one transaction. Enterprises
    that already have an account are skipped and counted, as are those whose USCC is already
    some other account's username. Login notices go out after commit when `notify` is on and a
    phone is known."""
    _require_staff(actor)
    if role not in ENTERPRISE_ROLES:
        raise DomainError("role_invalid", "只能开通企业填报员或企业主要负责人账号", field="role")
    region = onboarding_region(user=actor, region_code=region_code) if region_code else None
    if import_job is not None and not can(actor, "view", import_job):
        raise NotFound("导入批次不存在或不在您的管辖范围内")
    result = OnboardingResult(region=region, import_job=import_job)
    messages: list[Message] = []
    with transaction.atomic():
        qs = onboarding_candidates(user=actor, region=region, import_job=import_job)
        candidates = list(qs.select_related("region").order_by("region_id", "name", "id"))
        for start in range(0, len(candidates), BATCH_SIZE):
            _onboard_batch(actor, candidates[start : start + BATCH_SIZE], role, result)
        region_scope = region.code if region else import_job.region_id if import_job else ""
        audit_record_many(
            [
                build_event(
                    actor=actor,
                    action="enterprise.accounts_onboarded",
                    obj=import_job if import_job is not None and region is None else None,
                    object_repr=region.name if region else str(import_job) if import_job else "全部管辖范围",
                    region_code=region_scope or (actor.jurisdiction_prefix or ""),
                    changes={
                        "before": {},
                        "after": {
                            "created": len(result.created),
                            "skipped_existing": result.skipped_existing,
                            "skipped_conflicts": result.skipped_conflicts,
                            "role": role,
                            "region": region.code if region else "",
                            "import_job": import_job.pk if import_job else None,
                        },
                    },
                )
            ]
        )
        if notify:
            for account in result.created:
                if account.phone:
                    messages.append(
                        Message(
                            phone=account.phone,
                            kind=NOTICE_KIND,
                            body=login_notice(
                                enterprise_name=account.enterprise_name,
                                username=account.username,
                                password=account.password,
                            ),
                            user=User(pk=account.user_id),
                            secrets=(account.password,),
                        )
                    )
            result.notices = len(messages)
            if messages:
                _after_commit(lambda: notify_many(messages))
    return result


def _onboard_batch(actor: User, enterprises: list[Enterprise], role: str, result: OnboardingResult) -> None:
    pending: list[Enterprise] = []
    for e in enterprises:
        if e.has_account:  # type: ignore[attr-defined]
            result.skipped.append(SkippedEnterprise(e.pk, e.uscc, e.name, "has_account"))
        else:
            pending.append(e)
    taken = set(
        User.objects.filter(username__in=[e.uscc for e in pending]).values_list("username", flat=True)
    )
    users: list[User] = []
    passwords: dict[str, str] = {}
    for e in pending:
        if e.uscc in taken:
            result.skipped.append(SkippedEnterprise(e.pk, e.uscc, e.name, "username_taken"))
            continue
        password = generate_password()
        passwords[e.uscc] = password
        users.append(
            User(
                username=e.uscc,
                role=role,
                full_name=(e.principal_name or e.name)[:60],
                enterprise=e,
                phone=e.principal_phone[:20],
                must_change_password=True,
                password=initial_password_hash(password),
            )
        )
    if not users:
        return
    # Conditional insert: a concurrent run that took a username first wins; ours is skipped.
    User.objects.bulk_create(users, batch_size=BATCH_SIZE, ignore_conflicts=True)
    stored = {
        username: (pk, hashed)
        for username, pk, hashed in User.objects.filter(username__in=[u.username for u in users]).values_list(
            "username", "pk", "password"
        )
    }
    events = []
    for user in users:
        pk, hashed = stored.get(user.username, (None, ""))
        ent = user.enterprise
        assert ent is not None
        if pk is None or hashed != user.password:
            result.skipped.append(SkippedEnterprise(ent.pk, ent.uscc, ent.name, "username_taken"))
            continue
        user.pk = pk
        user._state.adding = False
        events.append(
            build_event(
                actor=actor,
                action="user.created",
                obj=user,
                changes=diff(None, snapshot(user, USER_AUDIT_FIELDS)),
            )
        )
        town_code, town_name = _town(ent)
        result.created.append(
            OnboardedAccount(
                user_id=pk,
                enterprise_id=ent.pk,
                uscc=ent.uscc,
                enterprise_name=ent.name,
                town_code=town_code,
                town_name=town_name,
                username=user.username,
                password=passwords[user.username],
                contact=ent.principal_name,
                phone=ent.principal_phone,
            )
        )
    audit_record_many(events)


def enterprise_account_reset_password(*, actor: User, user: User, notify: bool = False) -> str:
    """A regulator (or admin) gives an enterprise account a new random password, to be changed at
    next sign-in; audited as `user.password_reset`. With `notify`, the new password is sent to the
    account's phone after commit. Returns the password (shown once)."""
    _require_staff(actor)
    if user.role not in ENTERPRISE_ROLES:
        if not can(actor, "view", user):
            raise NotFound()
        raise DomainError("not_enterprise_account", "只能为企业账号重置密码")
    with transaction.atomic():
        password = user_reset_password(actor=actor, user=user)
        if notify and user.phone:
            message = Message(
                phone=user.phone,
                kind=RESET_NOTICE_KIND,
                body=(
                    f"【安全风险平台】您的平台账号（登录名：{user.username}）密码已由监管部门重置。"
                    f"新密码：{password}。平台地址：{public_url()}。登录后须立即修改密码。"
                ),
                user=user,
                secrets=(password,),
            )
            _after_commit(lambda: notify_many([message]))
    return password
