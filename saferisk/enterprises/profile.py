"""Writes of the enterprise profile, safety commitments and safety-director rules.

- `enterprise_update_profile`: an enterprise keeps its own profile (contacts, principal, safety
  director, coordinates, key sectors, standardisation); the statistics list owns the rest, so
  only admins change those. Regulators in jurisdiction may change the profile fields too.
- `commitment_confirm_online` / `commitment_upload`: the yearly signed safety commitment.
- `safety_director_rule_save`: the obligation rules, admins only.

Every service checks scope through core.scoping, runs in one transaction and records its audit
event in it. Read-only fields sent with their current value are accepted (a client may send
back what it read); a different value is refused with `field_read_only`, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from saferisk.core import uscc as uscc_rules
from saferisk.core.audit import audit_record, diff, snapshot
from saferisk.core.choices import ENTERPRISE_ROLES, RegionLevel
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import Industry, KeySector, Region, User
from saferisk.core.scoping import can, scoped_get
from saferisk.enterprises.choices import CommitmentMethod, EnterpriseStatus, StandardisationGrade
from saferisk.enterprises.models import Enterprise, SafetyCommitment, SafetyDirectorRule
from saferisk.enterprises.services import ENTERPRISE_AUDIT_FIELDS

# Fields the enterprise keeps itself (and regulators in jurisdiction may correct).
PROFILE_FIELDS = (
    "address",
    "longitude",
    "latitude",
    "principal_name",
    "principal_phone",
    "safety_director_name",
    "safety_director_phone",
    "contact_phone",
    "standardisation_grade",
    "standardisation_expires",
    "key_sectors",
)
# Fields owned by the statistics list (the import), read-only for enterprise users and regulators.
STATISTICS_FIELDS = (
    "uscc",
    "name",
    "region",
    "industry",
    "above_scale",
    "employees",
    "revenue",
    "legal_representative",
)
# Supervision fields set by administrators.
ADMIN_FIELDS = (*STATISTICS_FIELDS, "key_supervised", "status")

AUDIT_FIELDS = (*ENTERPRISE_AUDIT_FIELDS, "standardisation_expires")

FIELD_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "region": "所在地区",
    "industry": "行业",
    "above_scale": "规模以上",
    "employees": "从业人员",
    "revenue": "营业收入",
    "legal_representative": "法定代表人",
    "key_supervised": "重点监管",
    "status": "经营状态",
    "address": "地址",
    "longitude": "经度",
    "latitude": "纬度",
    "principal_name": "主要负责人",
    "principal_phone": "主要负责人电话",
    "safety_director_name": "安全总监",
    "safety_director_phone": "安全总监电话",
    "contact_phone": "联系电话",
    "standardisation_grade": "标准化等级",
    "standardisation_expires": "标准化证书有效期",
    "key_sectors": "重点行业领域",
}

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
LONGITUDE_RANGE = (Decimal("73.5"), Decimal("135.1"))
LATITUDE_RANGE = (Decimal("3.8"), Decimal("53.6"))
COORDINATE_PLACES = Decimal("0.000001")

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# extension -> accepted leading bytes (the content decides, not the name alone)
UPLOAD_KINDS = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


def _require_change(actor: User, obj: Any) -> None:
    """Out of scope looks like missing; visible but not changeable is forbidden."""
    if can(actor, "change", obj):
        return
    scoped_get(actor, type(obj), "view", pk=obj.pk)  # NotFound when not even visible
    raise Forbidden()


def _editable_fields(actor: User) -> tuple[str, ...]:
    return (*PROFILE_FIELDS, *ADMIN_FIELDS) if actor.is_admin else PROFILE_FIELDS


def _current(enterprise: Enterprise, name: str) -> Any:
    if name == "key_sectors":
        return sorted(enterprise.key_sectors.values_list("code", flat=True))
    if name in ("region", "industry"):
        return getattr(enterprise, f"{name}_id")
    return getattr(enterprise, name)


def _same(current: Any, value: Any) -> bool:
    if isinstance(value, Region | Industry):
        value = value.pk
    if value is None or value == "":
        return current in (None, "")
    if isinstance(current, Decimal):
        try:
            return current == Decimal(str(value))
        except InvalidOperation:
            return False
    if isinstance(current, list):
        return sorted(str(v) for v in value) == current
    return bool(current == value or str(current) == str(value))


# --- Cleaning (each returns the stored value or raises DomainError naming the field) -------------


def _plain(name: str, value: Any, label: str) -> str:
    """Text without control characters (PostgreSQL cannot store NUL; none belongs in a form)."""
    text = str(value or "").strip()
    if any(ord(c) < 32 for c in text):
        raise DomainError("text_invalid", f"{label}含有不允许的控制字符", field=name)
    return text


def _text(name: str, value: Any) -> str:
    text = _plain(name, value, FIELD_LABELS[name])
    limit = Enterprise._meta.get_field(name).max_length  # type: ignore[union-attr]
    if limit and len(text) > limit:
        raise DomainError("too_long", f"{FIELD_LABELS[name]}不能超过{limit}个字符", field=name)
    return text


def clean_phone(name: str, value: Any) -> str:
    phone = re.sub(r"[\s()（）]", "", str(value or ""))
    if phone and not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise DomainError(
            "phone_invalid",
            f"{FIELD_LABELS.get(name, '电话')}格式不正确：应为11位手机号或带区号的固定电话（如 0512-66886688）",
            field=name,
        )
    return phone


def _coordinate(name: str, value: Any, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError("coordinate_invalid", f"{FIELD_LABELS[name]}应为数字", field=name) from None
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        raise DomainError(
            "coordinate_outside_china",
            f"{FIELD_LABELS[name]}应在{bounds[0]}至{bounds[1]}之间（中国境内）",
            field=name,
        )
    return number.quantize(COORDINATE_PLACES)


def _date(name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError("date_invalid", f"{FIELD_LABELS[name]}格式应为 YYYY-MM-DD", field=name) from None


def _key_sectors(value: Any) -> list[str]:
    codes = sorted({_plain("key_sectors", getattr(v, "pk", v), "重点行业领域代码") for v in (value or [])})
    known = set(KeySector.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DomainError(
            "key_sector_invalid", f"重点行业领域代码无效：{'、'.join(unknown)}", field="key_sectors"
        )
    return codes


def _non_negative(name: str, value: Any, kind: type[int] | type[Decimal], label: str = "") -> Any:
    if value is None or value == "":
        return None
    label = label or FIELD_LABELS[name]
    try:
        number = kind(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("number_invalid", f"{label}应为数字", field=name) from None
    if isinstance(number, Decimal) and not number.is_finite():
        raise DomainError("number_invalid", f"{label}应为数字", field=name)
    if number < 0:
        raise DomainError("number_invalid", f"{label}不能为负数", field=name)
    if number >= (10**12 if isinstance(number, Decimal) else 2**31):
        raise DomainError("number_invalid", f"{label}数值过大", field=name)
    return number.quantize(Decimal("0.01")) if isinstance(number, Decimal) else number


def _clean_admin_field(name: str, value: Any) -> Any:
    if name == "uscc":
        code = _plain(name, value, FIELD_LABELS[name]).upper()
        problem = uscc_rules.validate(code)
        if problem:
            raise DomainError("uscc_invalid", problem, field="uscc")
        return code
    if name == "name":
        text = _text(name, value)
        if not text:
            raise DomainError("name_required", "企业名称不能为空", field="name")
        return text
    if name == "region":
        region = Region.objects.filter(pk=_plain(name, getattr(value, "pk", value), "区划代码")).first()
        if region is None:
            raise DomainError("region_invalid", "所在地区代码无效", field="region")
        return region
    if name == "industry":
        industry = Industry.objects.filter(pk=_plain(name, getattr(value, "pk", value), "行业代码")).first()
        if industry is None:
            raise DomainError("industry_invalid", "行业代码无效", field="industry")
        return industry
    if name in ("above_scale", "key_supervised"):
        if not isinstance(value, bool):
            raise DomainError("boolean_invalid", f"{FIELD_LABELS[name]}应为是或否", field=name)
        return value
    if name == "employees":
        return _non_negative(name, value, int)
    if name == "revenue":
        return _non_negative(name, value, Decimal)
    if name == "status":
        if value not in EnterpriseStatus.values:
            raise DomainError("status_invalid", "经营状态无效", field="status")
        return value
    return _text(name, value)  # legal_representative


def _clean(enterprise: Enterprise, data: Mapping[str, Any]) -> dict[str, Any]:
    """The new values of the given fields, checked together (coordinates, grade and expiry)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("principal_phone", "safety_director_phone", "contact_phone"):
            out[name] = clean_phone(name, value)
        elif name == "longitude":
            out[name] = _coordinate(name, value, LONGITUDE_RANGE)
        elif name == "latitude":
            out[name] = _coordinate(name, value, LATITUDE_RANGE)
        elif name == "standardisation_expires":
            out[name] = _date(name, value)
        elif name == "standardisation_grade":
            grade = value or StandardisationGrade.NONE
            if grade not in StandardisationGrade.values:
                raise DomainError("grade_invalid", "标准化等级无效", field=name)
            out[name] = grade
        elif name == "key_sectors":
            out[name] = _key_sectors(value)
        elif name in ADMIN_FIELDS:
            out[name] = _clean_admin_field(name, value)
        else:
            out[name] = _text(name, value)
    longitude = out.get("longitude", enterprise.longitude)
    latitude = out.get("latitude", enterprise.latitude)
    if (longitude is None) != (latitude is None):
        field = "latitude" if latitude is None else "longitude"
        raise DomainError("coordinates_incomplete", "经度和纬度应同时填写或同时留空", field=field)
    grade = out.get("standardisation_grade", enterprise.standardisation_grade)
    if grade == StandardisationGrade.NONE:
        if "standardisation_grade" in out or enterprise.standardisation_expires is not None:
            out["standardisation_expires"] = None
    elif out.get("standardisation_expires", enterprise.standardisation_expires) is None:
        raise DomainError(
            "certificate_expiry_required",
            "填写了标准化等级时，必须填写证书有效期",
            field="standardisation_expires",
        )
    return out


@transaction.atomic
def enterprise_update_profile(*, actor: User, enterprise: Enterprise, data: Mapping[str, Any]) -> Enterprise:
    """Change profile fields of `enterprise`; only the fields given change.

    Enterprise users change their own enterprise's profile, regulators those in their
    jurisdiction, admins every field. A read-only field sent with a different value, an
    unknown field or a bad value is refused and nothing changes."""
    _require_change(actor, enterprise)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    allowed = _editable_fields(actor)
    unknown = sorted(set(data) - set(PROFILE_FIELDS) - set(ADMIN_FIELDS))
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{'、'.join(unknown)}", details={"fields": unknown})
    given = {name: value for name, value in data.items() if not _same(_current(enterprise, name), value)}
    read_only = sorted(name for name in given if name not in allowed)
    if read_only:
        labels = "、".join(FIELD_LABELS[n] for n in read_only)
        error = Forbidden(f"以下字段来自统计名录，企业和监管人员不能修改：{labels}", code="field_read_only")
        error.field = read_only[0]
        error.details = {"fields": read_only}
        raise error
    values = _clean(enterprise, given)
    before = snapshot(enterprise, AUDIT_FIELDS)
    before["key_sectors"] = _current(enterprise, "key_sectors")
    sectors = values.pop("key_sectors", None)
    for name, value in values.items():
        setattr(enterprise, name, value)
    if values:
        enterprise.updated_at = timezone.now()
        enterprise.save(update_fields=[*(f"{n}" for n in values), "updated_at"])
    if sectors is not None:
        enterprise.key_sectors.set(sectors)
    after = snapshot(enterprise, AUDIT_FIELDS)
    after["key_sectors"] = sectors if sectors is not None else before["key_sectors"]
    changes = diff(before, after)
    if changes["after"] or changes["before"]:
        audit_record(actor=actor, action="enterprise.updated", obj=enterprise, changes=changes)
    return enterprise


# --- Safety commitments ---------------------------------------------------------------------------


def _check_commitment(actor: User, enterprise: Enterprise, year: int, signed_by: str) -> str:
    """Who may sign (the enterprise's own users, or an admin on their behalf), for which year."""
    _require_change(actor, enterprise)
    if not actor.is_admin and actor.role not in ENTERPRISE_ROLES:
        raise Forbidden("安全承诺书由企业自行签署，监管人员只能查看", code="enterprise_only")
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise DomainError("year_invalid", f"只能签署{this_year}年或{this_year + 1}年的承诺书", field="year")
    signer = _plain("signed_by", signed_by, "签署人姓名")
    if not signer:
        raise DomainError("signer_required", "请填写签署人姓名", field="signed_by")
    if len(signer) > 60:
        raise DomainError("too_long", "签署人姓名不能超过60个字符", field="signed_by")
    return signer


def _create_commitment(actor: User, enterprise: Enterprise, year: int, **fields: Any) -> SafetyCommitment:
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one signer at a time
    if SafetyCommitment.objects.filter(enterprise=enterprise, year=year).exists():
        raise DomainError("commitment_exists", f"{year}年度的安全承诺书已签署，不能重复提交", field="year")
    commitment = SafetyCommitment(
        enterprise=enterprise, year=year, confirmed_by=actor, confirmed_at=timezone.now(), **fields
    )
    try:
        with transaction.atomic():
            commitment.save()
    except IntegrityError:
        raise DomainError(
            "commitment_exists", f"{year}年度的安全承诺书已签署，不能重复提交", field="year"
        ) from None
    return commitment


@transaction.atomic
def commitment_confirm_online(
    *, actor: User, enterprise: Enterprise, year: int, signed_by: str
) -> SafetyCommitment:
    """The enterprise confirms this year's safety commitment online, under the signer's name."""
    signer = _check_commitment(actor, enterprise, year, signed_by)
    commitment = _create_commitment(actor, enterprise, year, method=CommitmentMethod.ONLINE, signed_by=signer)
    audit_record(
        actor=actor,
        action="safety_commitment.confirmed",
        obj=commitment,
        changes=diff(None, {"year": year, "method": commitment.method, "signed_by": signer}),
    )
    return commitment


def check_upload(file: Any) -> str:
    """The file's kind (pdf, jpg, png) after checking its size, name and first bytes."""
    size = getattr(file, "size", None)
    if size is None or size <= 0:
        raise DomainError("file_empty", "请选择要上传的文件", field="file")
    if size > UPLOAD_MAX_BYTES:
        raise DomainError("file_too_large", "文件不能超过10MB", field="file")
    name = str(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in UPLOAD_KINDS:
        raise DomainError("file_type_invalid", "只能上传PDF、JPG或PNG文件", field="file")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(magic) for magic in UPLOAD_KINDS[extension]):
        raise DomainError(
            "file_type_invalid", "文件内容与扩展名不符：只能上传PDF、JPG或PNG文件", field="file"
        )
    return "jpg" if extension == "jpeg" else extension


@transaction.atomic
def commitment_upload(
    *, actor: User, enterprise: Enterprise, year: int, signed_by: str, file: Any
) -> SafetyCommitment:
    """The enterprise uploads the scan of its signed commitment (PDF, JPG or PNG, at most 10 MB).

    The file goes to the default (private) storage; it is served only through a scoped view."""
    signer = _check_commitment(actor, enterprise, year, signed_by)
    kind = check_upload(file)
    commitment = _create_commitment(
        actor, enterprise, year, method=CommitmentMethod.UPLOADED, signed_by=signer
    )
    commitment.file.save(f"{enterprise.uscc}-{year}.{kind}", File(file), save=True)
    audit_record(
        actor=actor,
        action="safety_commitment.uploaded",
        obj=commitment,
        changes=diff(
            None,
            {"year": year, "method": commitment.method, "signed_by": signer, "file": commitment.file.name},
        ),
    )
    return commitment


# --- Safety-director rules ---------------------------------------------------------------------

RULE_FIELDS = ("name", "region", "industry_prefixes", "min_employees", "min_revenue", "source", "active")
RULE_LABELS = {
    "name": "名称",
    "region": "适用地区",
    "industry_prefixes": "行业代码前缀",
    "min_employees": "从业人员下限",
    "min_revenue": "营业收入下限",
    "source": "依据",
    "active": "启用",
    "key_sectors": "重点行业领域",
}


def _clean_rule(rule: SafetyDirectorRule, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(RULE_FIELDS) - {"key_sectors"})
    if unknown:
        raise DomainError("field_unknown", f"未知字段：{'、'.join(unknown)}", details={"fields": unknown})
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name == "key_sectors":
            out[name] = _key_sectors(value)
        elif name == "industry_prefixes":
            tokens = str(value or "").replace(",", " ").replace("，", " ").split()
            bad = [t for t in tokens if not t.isdigit() or len(t) > 4]
            if bad:
                raise DomainError(
                    "prefix_invalid", f"行业代码前缀应为1至4位数字：{'、'.join(bad)}", field=name
                )
            out[name] = " ".join(dict.fromkeys(tokens))
        elif name in ("min_employees", "min_revenue"):
            kind = int if name == "min_employees" else Decimal
            out[name] = _non_negative(name, value, kind, RULE_LABELS[name])
        elif name == "region":
            out[name] = _rule_region(value)
        elif name == "active":
            if not isinstance(value, bool):
                raise DomainError("boolean_invalid", "启用应为是或否", field=name)
            out[name] = value
        else:
            limit = SafetyDirectorRule._meta.get_field(name).max_length  # type: ignore[union-attr]
            text = _plain(name, value, RULE_LABELS[name])
            if limit and len(text) > limit:
                raise DomainError("too_long", f"{RULE_LABELS[name]}不能超过{limit}个字符", field=name)
            out[name] = text
    if not out.get("name", rule.name):
        raise DomainError("name_required", "规则名称不能为空", field="name")
    sectors = out.get("key_sectors")
    if sectors is None:
        sectors = [s.code for s in rule.key_sectors.all()] if rule.pk else []
    if not sectors and not out.get("industry_prefixes", rule.industry_prefixes).strip():
        raise DomainError(
            "rule_scope_required", "请至少选择一个重点行业领域或填写一个行业代码前缀", field="key_sectors"
        )
    return out


def _rule_region(value: Any) -> Region | None:
    """A rule applies province-wide (blank) or in one city or county."""
    code = str(value or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise DomainError("region_unknown", f"行政区划代码“{code}”不存在", field="region")
    if region.level not in (RegionLevel.CITY, RegionLevel.COUNTY):
        raise DomainError("region_level", "适用地区应为设区市或县（市、区），全省适用请留空", field="region")
    return region


def _rule_snapshot(rule: SafetyDirectorRule) -> dict[str, Any]:
    out = snapshot(rule, RULE_FIELDS)
    out["key_sectors"] = sorted(rule.key_sectors.values_list("code", flat=True)) if rule.pk else []
    return out


@transaction.atomic
def safety_director_rule_save(
    *, actor: User, rule: SafetyDirectorRule | None, data: Mapping[str, Any]
) -> SafetyDirectorRule:
    """Create (`rule=None`) or change a safety-director rule; admins only. Only given fields change."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以修改安全总监配备规则", code="admin_required")
    creating = rule is None or rule.pk is None
    if creating:
        rule = SafetyDirectorRule()
        before: dict[str, Any] | None = None
    else:
        assert rule is not None
        rule = SafetyDirectorRule.objects.select_for_update().get(pk=rule.pk)
        before = _rule_snapshot(rule)
    values = _clean_rule(rule, data)
    sectors = values.pop("key_sectors", None)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    if sectors is not None:
        rule.key_sectors.set(sectors)
    changes = diff(before, _rule_snapshot(rule))
    if creating or changes["after"]:
        audit_record(
            actor=actor,
            action="safety_director_rule.created" if creating else "safety_director_rule.updated",
            obj=rule,
            changes=changes,
        )
    return rule
