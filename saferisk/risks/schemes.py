"""Assessment schemes: the LEC and LS configurations, level labels, colours and control tiers in
force on a date. The pure methods live in `assessment.py`; this module picks the configuration
from the database and lets an admin add a new scheme (with an audit event)."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import User
from saferisk.risks import assessment
from saferisk.risks.assessment import DATA, AssessmentError, MethodConfig
from saferisk.risks.choices import AssessmentMethod, ControlTier
from saferisk.risks.models import AssessmentScheme

DEFAULT_VERSION = "default-2026"


def default_levels() -> dict[str, dict[str, str]]:
    """Labels, colours and usual tiers of the four levels, from `levels.json`."""
    data = json.loads((DATA / "levels.json").read_text(encoding="utf-8"))
    return {
        row["code"]: {"label": row["name_zh"], "colour": row["hex"], "tier": row["control_tier"].lower()}
        for row in data["levels"]
    }


def default_scheme_data() -> dict[str, Any]:
    """The shipped scheme: published LEC scales and bands, the 5×5 LS matrix, levels.json."""
    return {
        "version": DEFAULT_VERSION,
        "name": "默认评估方案（LEC / LS 5×5）",
        "effective_from": dt.date(2024, 11, 1),
        "lec": assessment.config_to_dict(assessment.default_lec()),
        "ls": assessment.config_to_dict(assessment.default_ls()),
        "levels": default_levels(),
        "note": "LEC 取值为作业条件危险性评价法（格雷厄姆—金尼法）的通用取值；LS 为 5×5 风险矩阵。",
    }


def scheme_in_force(on: dt.date | None = None) -> AssessmentScheme:
    """The scheme with the latest `effective_from` not after `on` (today by default)."""
    on = on or timezone.localdate()
    scheme = (
        AssessmentScheme.objects.filter(effective_from__lte=on).order_by("-effective_from", "-id").first()
    )
    if scheme is None:  # only before the data migration, or with every scheme in the future
        scheme = AssessmentScheme.objects.order_by("effective_from", "id").first()
    if scheme is None:
        raise DomainError("no_scheme", "尚未配置风险评估方案，请联系系统管理员")
    return scheme


@lru_cache(maxsize=32)
def _config(version: str, method: str, payload: str) -> MethodConfig:
    return assessment.config_from_dict(method.upper(), version, json.loads(payload))


def method_config(scheme: AssessmentScheme, method: str) -> MethodConfig:
    """The `assessment.MethodConfig` of `method` ('lec' or 'ls') in `scheme`."""
    data = scheme.lec if method == AssessmentMethod.LEC else scheme.ls
    return _config(scheme.version, method, json.dumps(data, sort_keys=True))


def level_styles(scheme: AssessmentScheme | None = None) -> dict[str, dict[str, str]]:
    """{level: {label, colour, tier}} of the scheme in force (for pages, PDFs and the plan)."""
    scheme = scheme or scheme_in_force()
    return {**default_levels(), **(scheme.levels or {})}


def _clean_levels(levels: Any) -> dict[str, dict[str, str]]:
    if not isinstance(levels, dict) or set(levels) != set(assessment.LEVELS):
        raise DomainError("levels_invalid", "等级设置应包含 MAJOR、LARGE、GENERAL、LOW 四级", field="levels")
    out = {}
    for code, row in levels.items():
        label = str((row or {}).get("label", "")).strip()
        colour = str((row or {}).get("colour", "")).strip()
        tier = str((row or {}).get("tier", "")).strip()
        if not label or len(label) > 20:
            raise DomainError("levels_invalid", f"{code} 的名称应为1至20个字符", field="levels")
        if len(colour) != 7 or not colour.startswith("#"):
            raise DomainError("levels_invalid", f"{code} 的颜色应为 #RRGGBB 形式", field="levels")
        try:
            int(colour[1:], 16)
        except ValueError:
            raise DomainError("levels_invalid", f"{code} 的颜色应为 #RRGGBB 形式", field="levels") from None
        if tier not in ControlTier.values:
            raise DomainError("levels_invalid", f"{code} 的管控层级无效", field="levels")
        out[code] = {"label": label, "colour": colour.upper(), "tier": tier}
    return out


@transaction.atomic
def scheme_create(*, actor: User, data: dict[str, Any]) -> AssessmentScheme:
    """Add a scheme (admins only). Schemes are never edited in place: assessments name the
    version they were made with, so a change of thresholds is a new version from a date."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以配置评估方案", code="admin_only")
    version = str(data.get("version") or "").strip()
    name = str(data.get("name") or "").strip()
    if not version or len(version) > 40 or not all(c.isalnum() or c in "-_" for c in version):
        raise DomainError("version_invalid", "版本号应为1至40个字母、数字、- 或 _", field="version")
    if AssessmentScheme.objects.filter(version=version).exists():
        raise DomainError("version_taken", f"版本号“{version}”已存在", field="version")
    if not name or len(name) > 100:
        raise DomainError("required", "请填写方案名称（不超过100字）", field="name")
    effective = data.get("effective_from")
    if isinstance(effective, str):
        try:
            effective = dt.date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, dt.date):
        raise DomainError("date_invalid", "请填写生效日期（YYYY-MM-DD）", field="effective_from")
    if effective < timezone.localdate():
        raise DomainError(
            "date_in_past", "生效日期不能早于今天：已做的评估不会按新方案改动", field="effective_from"
        )
    if AssessmentScheme.objects.filter(effective_from=effective).exists():
        raise DomainError(
            "date_taken", f"已有方案自{effective.isoformat()}起生效，请换一个日期", field="effective_from"
        )
    configs = {}
    for method in ("lec", "ls"):
        try:
            config = assessment.config_from_dict(method.upper(), version, data.get(method))
        except AssessmentError as exc:
            raise DomainError(exc.code, exc.message, field=method) from exc
        configs[method] = assessment.config_to_dict(config)
    scheme = AssessmentScheme.objects.create(
        version=version,
        name=name,
        effective_from=effective,
        lec=configs["lec"],
        ls=configs["ls"],
        levels=_clean_levels(data.get("levels")),
        note=str(data.get("note") or "").strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="assessment_scheme.created",
        obj=scheme,
        changes={
            "version": version,
            "effective_from": effective.isoformat(),
            "lec": configs["lec"],
            "ls": configs["ls"],
        },
    )
    return scheme
