"""Writes of the risk register. Every change goes through `risk_save` or `risk_retire`: the
level is computed by the assessment methods, a level set by hand needs a reason, each change
bumps the version, stores a `RiskVersion` and records an audit event."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from saferisk.core.audit import audit_record, diff, json_safe
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AccidentType, HazardFactor, User
from saferisk.core.scoping import can
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.profile import clean_phone
from saferisk.risks import assessment
from saferisk.risks.choices import (
    DEFAULT_TIER,
    AssessmentMethod,
    ControlTier,
    MeasureKind,
    RiskLevel,
    RiskStatus,
)
from saferisk.risks.models import ControlMeasure, Risk, RiskCatalogItem, RiskVersion

# Severity order for ORDER BY (text order of the codes is not severity).
LEVEL_ORDER = Case(
    *(When(level=code, then=Value(i)) for i, code in enumerate(assessment.LEVELS)),
    output_field=IntegerField(),
)

TEXT_FIELDS = {
    "name": ("名称", 200, True),
    "place": ("风险点（场所）", 200, True),
    "part": ("部位", 200, False),
    "activity": ("环节", 200, False),
    "description": ("描述", 2000, False),
    "department": ("责任部门", 100, False),
    "owner_name": ("责任人", 60, True),
    "emergency_measures": ("应急处置措施", 2000, False),
}


def _default_tier(level: str) -> str:
    """The usual tier of `level` in the scheme in force (levels.json convention by default)."""
    from saferisk.risks.schemes import level_styles

    try:
        return level_styles()[level]["tier"]
    except (DomainError, KeyError):
        return DEFAULT_TIER[RiskLevel(level)]


def may_keep_register(actor: User, enterprise: Enterprise) -> bool:
    """Only the enterprise's own users (and admins) keep its register, its plan and its
    re-assessments; pages use this to show or hide editing, the services check it again."""
    return actor.is_admin or (actor.is_enterprise_user and actor.enterprise_id == enterprise.pk)


def require_register_editor(actor: User, enterprise: Enterprise) -> None:
    """`may_keep_register`, or: a regulator who can see the enterprise is refused (403),
    anyone else finds nothing (404)."""
    if may_keep_register(actor, enterprise):
        return
    if can(actor, "view", enterprise):
        raise Forbidden("风险清单由企业自行维护，监管人员只能查看", code="enterprise_only")
    raise NotFound()


def _text(data: Mapping[str, Any], name: str, current: str) -> str:
    label, limit, required = TEXT_FIELDS[name]
    value = str(data.get(name, current) or "").strip()
    if required and not value:
        raise DomainError("required", f"{label}不能为空", field=name)
    if len(value) > limit:
        raise DomainError("too_long", f"{label}不能超过{limit}个字符", field=name)
    return value


def _grade(method: str, inputs: Any, scheme: Any) -> assessment.Assessment:
    from saferisk.risks.schemes import method_config

    try:
        return assessment.assess(
            method_config(scheme, method), **{k.upper(): v for k, v in dict(inputs or {}).items()}
        )
    except assessment.AssessmentError as exc:
        raise DomainError(exc.code, exc.message, field=exc.field or "inputs") from exc


def _assess(
    data: Mapping[str, Any], risk: Risk, catalog_item: RiskCatalogItem | None, *, creating: bool
) -> dict[str, Any]:
    """The inherent assessment. It is made again only when the method, its inputs or the
    catalogue item change: an edit of the owner keeps the assessment (and the scheme version)
    it was made with, even after an admin brings a new scheme into force."""
    from saferisk.risks.schemes import scheme_in_force

    method = data.get("method", risk.method) or ""
    if method not in AssessmentMethod.values:
        raise DomainError("method_unknown", "评估方法应为 LEC、LS 或直接判定", field="method")
    minimum = catalog_item.min_level if catalog_item else None
    if method == AssessmentMethod.DIRECT:
        try:
            computed = assessment.direct(str(data.get("level") or risk.level or ""), minimum=minimum)
        except assessment.AssessmentError as exc:
            raise DomainError(exc.code, exc.message, field=exc.field or "level") from exc
        return {
            "method": method,
            "inputs": {},
            "method_version": "",
            "score": None,
            "computed_level": computed,
        }
    reassess = creating or any(k in data for k in ("method", "inputs", "catalog_item"))
    if not reassess and risk.method_version:
        return {
            "method": risk.method,
            "inputs": risk.inputs,
            "method_version": risk.method_version,
            "score": risk.score,
            "computed_level": risk.computed_level,
        }
    result = _grade(method, data.get("inputs", risk.inputs), scheme_in_force())
    computed = result.level
    if minimum is not None:  # a catalogue item never lets a risk be graded below its minimum
        computed = assessment.more_severe(computed, minimum)
    return {
        "method": method,
        "inputs": result.as_dict()["inputs"],
        "method_version": result.version,
        "score": result.score.quantize(Decimal("0.0001")),  # as stored, so unchanged compares equal
        "computed_level": computed,
    }


def _residual(data: Mapping[str, Any], risk: Risk, values: dict[str, Any]) -> dict[str, Any]:
    """The residual level once controls are in place (`data["residual"]`: `{"inputs": …}` for
    LEC/LS, `{"level": …}` for direct grading, or None to clear it). It is graded by the same
    method and scheme version as the inherent level and can never be more severe than it."""
    from saferisk.risks.schemes import scheme_in_force

    if "residual" not in data:
        keep = risk.residual_level and values["method"] == risk.method
        return {
            "residual_inputs": risk.residual_inputs if keep else {},
            "residual_score": risk.residual_score if keep else None,
            "residual_level": risk.residual_level if keep else "",
        }
    given = data["residual"] or {}
    if not given or not (given.get("inputs") or given.get("level")):
        return {"residual_inputs": {}, "residual_score": None, "residual_level": ""}
    if values["method"] == AssessmentMethod.DIRECT:
        level = str(given.get("level") or "")
        if level not in RiskLevel.values:
            raise DomainError("level_unknown", "剩余风险等级无效", field="residual")
        out: dict[str, Any] = {"residual_inputs": {}, "residual_score": None, "residual_level": level}
    else:
        from saferisk.risks.models import AssessmentScheme

        scheme = (
            AssessmentScheme.objects.filter(version=values["method_version"]).first() or scheme_in_force()
        )
        result = _grade(values["method"], given.get("inputs"), scheme)
        out = {
            "residual_inputs": result.as_dict()["inputs"],
            "residual_score": result.score.quantize(Decimal("0.0001")),
            "residual_level": result.level,
        }
    if assessment.more_severe(out["residual_level"], values["level"]) != values["level"]:
        raise DomainError("residual_above_inherent", "剩余风险等级不能高于固有风险等级", field="residual")
    return out


def _basis(value: Any) -> list[dict[str, str]]:
    out = []
    for item in value or []:
        document = str((item or {}).get("document", "")).strip()[:200]
        if document:
            out.append(
                {
                    "document": document,
                    "clause": str(item.get("clause", "")).strip()[:100],
                    "version": str(item.get("version", "")).strip()[:40],
                }
            )
    return out


def _measures(value: Any) -> list[tuple[str, str]]:
    out = []
    for i, item in enumerate(value or [], start=1):
        kind = str((item or {}).get("kind", ""))
        text = str((item or {}).get("text", "")).strip()
        if kind not in MeasureKind.values:
            raise DomainError("measure_kind", f"第{i}条管控措施的类别无效", field="measures")
        if not text or len(text) > 500:
            raise DomainError("measure_text", f"第{i}条管控措施应为1至500个字符", field="measures")
        out.append((kind, text))
    if not out:
        raise DomainError("measures_required", "请至少填写一条管控措施", field="measures")
    return out


def _related(model: Any, codes: Any, field: str, label: str, *, required: bool) -> list[Any]:
    codes = list(codes or [])
    found = list(model.objects.filter(pk__in=codes))
    if len(found) != len(set(codes)):
        raise DomainError("code_unknown", f"{label}中有不存在的代码", field=field)
    if required and not found:
        raise DomainError("required", f"请至少选择一种{label}", field=field)
    return found


SNAPSHOT_FIELDS = (
    *TEXT_FIELDS,
    "people_exposed",
    "method",
    "inputs",
    "method_version",
    "score",
    "computed_level",
    "level",
    "level_reason",
    "residual_inputs",
    "residual_score",
    "residual_level",
    "control_tier",
    "owner_phone",
    "catalog_item_id",
    "basis",
    "status",
    "status_reason",
)


def snapshot(
    risk: Risk,
    *,
    accident_types: list[int] | None = None,
    hazard_factors: list[str] | None = None,
    measures: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The risk as a version stores it (and as the audit log compares it). The related lists
    may be given, to see what a change would store before anything is written."""
    saved = risk.pk is not None
    if accident_types is None:
        accident_types = list(risk.accident_types.values_list("code", flat=True)) if saved else []
    if hazard_factors is None:
        hazard_factors = list(risk.hazard_factors.values_list("code", flat=True)) if saved else []
    if measures is None:
        measures = [(m.kind, m.text) for m in risk.measures.all()] if saved else []
    data = {f: json_safe(getattr(risk, f)) for f in SNAPSHOT_FIELDS}
    data["accident_types"] = sorted(accident_types)
    data["hazard_factors"] = sorted(hazard_factors)
    data["measures"] = [{"kind": k, "text": t} for k, t in measures]
    return data


def _commit(
    *,
    actor: User,
    risk: Risk,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    reassessed: bool = False,
    **extra: Any,
) -> None:
    """Store the version `after` and its audit event (the risk itself is already saved), mark
    the risk re-assessed in open re-assessment tasks (`reassessed`), make a change report due
    when what the enterprise reports changed, refresh the summary."""
    from saferisk.reporting.changes import risk_changed
    from saferisk.risks.reassessment import mark_reassessed
    from saferisk.risks.summary import refresh_summary

    RiskVersion.objects.create(risk=risk, version=risk.version, data=after, changed_by=actor)
    audit_record(actor=actor, action=action, obj=risk, changes={**diff(before, after), **extra})
    if reassessed:
        mark_reassessed(actor=actor, risk=risk)
    risk_changed(actor=actor, risk=risk, before=before, after=after)
    refresh_summary(risk.enterprise)


@transaction.atomic
def risk_save(
    *, actor: User, enterprise: Enterprise, risk: Risk | None = None, data: Mapping[str, Any]
) -> Risk:
    """Create (`risk=None`) or change a risk of `enterprise`. Fields not given keep their values.

    `level` may differ from the computed level only with a `level_reason`; a catalogue item sets
    a floor under both."""
    require_register_editor(actor, enterprise)
    creating = risk is None
    if risk is None:
        risk = Risk(enterprise=enterprise)
        before = None
    else:
        if risk.enterprise_id != enterprise.pk:
            raise NotFound()
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        before = snapshot(risk)
    catalog_item = risk.catalog_item
    if "catalog_item" in data:
        code = data["catalog_item"]
        # By id (forms, API) or by the item's code (Excel import: 风险目录编号).
        lookup = {"pk": int(code)} if str(code).isdigit() else {"code": str(code)}
        catalog_item = RiskCatalogItem.objects.filter(**lookup).first() if code else None
        if code and catalog_item is None:
            raise DomainError("catalog_item_unknown", "风险目录条目不存在", field="catalog_item")
    values: dict[str, Any] = {name: _text(data, name, getattr(risk, name)) for name in TEXT_FIELDS}
    values["owner_phone"] = clean_phone("owner_phone", data.get("owner_phone", risk.owner_phone))
    people = data.get("people_exposed", risk.people_exposed)
    if people not in (None, ""):
        try:
            people = int(people)
        except (TypeError, ValueError):
            people = -1
        if not 0 <= people <= 1_000_000:
            raise DomainError("people_invalid", "接触人数应为0至1000000的整数", field="people_exposed")
    values["people_exposed"] = people if people != "" else None
    values.update(_assess(data, risk, catalog_item, creating=creating))
    level = data.get("level") or (
        risk.level if not creating and "method" not in data and "inputs" not in data else None
    )
    level = level or values["computed_level"]
    if level not in RiskLevel.values:
        raise DomainError("level_unknown", "风险等级无效", field="level")
    if catalog_item is not None and assessment.more_severe(level, catalog_item.min_level) != level:
        raise DomainError("below_catalogue_minimum", "风险目录规定的最低等级高于所选等级", field="level")
    reason = str(
        data.get("level_reason", risk.level_reason if level != values["computed_level"] else "") or ""
    ).strip()
    if level != values["computed_level"] and not reason:
        raise DomainError(
            "level_reason_required", "风险等级与评估结果不同时，须写明理由", field="level_reason"
        )
    values["level"] = level
    values["level_reason"] = reason if level != values["computed_level"] else ""
    values.update(_residual(data, risk, values))
    values["basis"] = _basis(data["basis"]) if "basis" in data else risk.basis
    tier = data.get("control_tier") or risk.control_tier or _default_tier(level)
    if tier not in ControlTier.values:
        raise DomainError("tier_unknown", "管控层级无效", field="control_tier")
    values["control_tier"] = tier
    accident_types = (
        _related(AccidentType, data["accident_types"], "accident_types", "事故类型", required=True)
        if "accident_types" in data or creating
        else None
    )
    hazard_factors = (
        _related(HazardFactor, data["hazard_factors"], "hazard_factors", "危险有害因素", required=False)
        if "hazard_factors" in data
        else None
    )
    measures = _measures(data["measures"]) if "measures" in data or creating else None

    for name, value in values.items():
        setattr(risk, name, value)
    risk.catalog_item = catalog_item
    after = snapshot(
        risk,
        accident_types=[t.code for t in accident_types] if accident_types is not None else None,
        hazard_factors=[h.code for h in hazard_factors] if hazard_factors is not None else None,
        measures=measures,
    )
    if before is not None and before == after:
        return risk  # nothing changed: nothing written, no new version
    if not creating:
        risk.version += 1
    risk.save()
    if accident_types is not None:
        risk.accident_types.set(accident_types)
    if hazard_factors is not None:
        risk.hazard_factors.set(hazard_factors)
    if measures is not None:
        risk.measures.all().delete()
        ControlMeasure.objects.bulk_create(
            [ControlMeasure(risk=risk, kind=k, text=t, sort_order=i) for i, (k, t) in enumerate(measures)]
        )
    extra: dict[str, Any] = {}
    if values["level"] != values["computed_level"]:
        extra["level_override"] = {
            "computed": values["computed_level"],
            "level": values["level"],
            "reason": reason,
        }
    _commit(
        actor=actor,
        risk=risk,
        action="risk.created" if creating else "risk.updated",
        reassessed=True,
        before=before,
        after=after,
        **extra,
    )
    return risk


@transaction.atomic
def risk_retire(*, actor: User, risk: Risk, reason: str) -> Risk:
    """Take a risk out of the register (the place or process is gone); it stays in the history."""
    if not str(reason or "").strip():
        raise DomainError("reason_required", "请写明停用理由", field="reason")
    require_register_editor(actor, risk.enterprise)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.status == RiskStatus.RETIRED:
        return risk
    before = snapshot(risk)
    risk.status = RiskStatus.RETIRED
    risk.status_reason = reason.strip()[:2000]
    risk.version += 1
    risk.save(update_fields=["status", "status_reason", "version", "updated_at"])
    _commit(
        actor=actor,
        risk=risk,
        action="risk.retired",
        before=before,
        after=snapshot(risk),
        reason=reason.strip(),
    )
    return risk


@transaction.atomic
def risk_restore(*, actor: User, risk: Risk, reason: str) -> Risk:
    """Bring a retired risk back into the register (retired by mistake, or the place is back)."""
    if not str(reason or "").strip():
        raise DomainError("reason_required", "请写明恢复理由", field="reason")
    require_register_editor(actor, risk.enterprise)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.status == RiskStatus.ACTIVE:
        return risk
    before = snapshot(risk)
    risk.status = RiskStatus.ACTIVE
    risk.status_reason = reason.strip()[:2000]
    risk.version += 1
    risk.save(update_fields=["status", "status_reason", "version", "updated_at"])
    _commit(
        actor=actor,
        risk=risk,
        action="risk.restored",
        before=before,
        after=snapshot(risk),
        reason=reason.strip(),
    )
    return risk


def completeness_gap(enterprise: Enterprise) -> list[RiskCatalogItem]:
    """应报尽报: the catalogue items that apply to `enterprise` with no active risk of its
    register linked to them, most severe first."""
    from saferisk.risks.catalogue import applicable_items

    covered = Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE, catalog_item__isnull=False)
    return list(applicable_items(enterprise).exclude(pk__in=covered.values("catalog_item_id")))


@transaction.atomic
def risk_adopt(*, actor: User, enterprise: Enterprise, item: RiskCatalogItem) -> Risk:
    """Add a catalogue item to the register in one step, pre-filled from the item: graded
    directly at the item's minimum level, its accident types, its suggested measures (as
    management measures, to be sorted by kind when the enterprise reviews them), and the
    enterprise's safety director (else principal, else the adopting user) as the owner."""
    require_register_editor(actor, enterprise)
    if Risk.objects.filter(enterprise=enterprise, catalog_item=item, status=RiskStatus.ACTIVE).exists():
        raise DomainError("already_adopted", "该风险目录条目已在本企业风险清单中", field="catalog_item")
    # The safety director, else the principal, else whoever adopts it: a real person to correct.
    if enterprise.safety_director_name:
        owner, phone = enterprise.safety_director_name, enterprise.safety_director_phone
    elif enterprise.principal_name:
        owner, phone = enterprise.principal_name, enterprise.principal_phone
    else:
        owner, phone = actor.full_name or actor.username, getattr(actor, "phone", "") or ""
    data = {
        "name": item.name[:200],
        "place": item.name[:200],
        "description": item.hazard,
        "method": AssessmentMethod.DIRECT,
        "level": item.min_level,
        "catalog_item": item.pk,
        "accident_types": list(item.accident_types.values_list("code", flat=True)),
        "measures": [{"kind": MeasureKind.MANAGEMENT, "text": str(m)[:500]} for m in item.measures]
        or [{"kind": MeasureKind.MANAGEMENT, "text": "按风险目录要求制定管控措施"}],
        "owner_name": owner,
        "owner_phone": phone,
        "basis": item.basis,
    }
    return risk_save(actor=actor, enterprise=enterprise, data=data)


BULK_FIELDS = ("owner_name", "owner_phone", "department", "control_tier")


@transaction.atomic
def risk_bulk_update(
    *, actor: User, enterprise: Enterprise, risk_ids: list[int], data: Mapping[str, Any]
) -> int:
    """Set owner, phone, department or control tier on several risks at once. Blank fields are
    left alone; each risk that changes gets its own version and audit event. All or nothing:
    an error on one risk changes none. Returns how many risks changed."""
    require_register_editor(actor, enterprise)
    values = {k: str(data.get(k) or "").strip() for k in BULK_FIELDS if str(data.get(k) or "").strip()}
    if not values:
        raise DomainError("nothing_to_change", "请填写要批量修改的内容", field="owner_name")
    risks = list(Risk.objects.filter(enterprise=enterprise, pk__in=risk_ids, status=RiskStatus.ACTIVE))
    if not risks:
        raise DomainError("nothing_selected", "请先勾选要修改的风险", field="risks")
    from saferisk.risks.summary import deferred_refresh

    changed = 0
    with deferred_refresh():
        for risk in risks:
            before = risk.version
            try:
                saved = risk_save(actor=actor, enterprise=enterprise, risk=risk, data=values)
            except DomainError as exc:
                raise DomainError(exc.code, f"“{risk.name}”：{exc.message}", field=exc.field) from exc
            changed += saved.version != before
    return changed
