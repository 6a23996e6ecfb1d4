"""Writes of the risk catalogue (admins only). A change of what an item asks (level, hazard,
accident types, measures, scope) opens a re-assessment task at each enterprise whose register
links the item (Article 12: a catalogue update), and refreshes the completeness counts of the
enterprises the item can touch, in the background."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from saferisk.core.audit import audit_record, diff, json_safe
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AccidentType, KeySector, User
from saferisk.enterprises.models import Enterprise
from saferisk.risks.choices import ReassessmentTrigger, RiskLevel, RiskStatus
from saferisk.risks.models import Risk, RiskCatalogItem

# Changes of these fields ask enterprises to look at their risks again.
SUBSTANTIVE = ("min_level", "hazard", "accident_types", "measures", "industry_prefixes", "key_sector")


def item_snapshot(item: RiskCatalogItem, accident_types: list[str] | None = None) -> dict[str, Any]:
    """The item as the audit log compares it. The basis is compared in its cleaned form, so an
    item whose stored basis lacks an empty `version` (the starter catalogue) is not "changed" by
    saving the same values again."""
    from saferisk.risks.services import _basis

    if accident_types is None:
        accident_types = list(item.accident_types.values_list("name", flat=True)) if item.pk else []
    return {
        "code": item.code,
        "sector": item.sector,
        "key_sector": item.key_sector_id or "",
        "industry_prefixes": item.industry_prefixes,
        "name": item.name,
        "typical_places": item.typical_places,
        "hazard": item.hazard,
        "accident_types": sorted(accident_types),
        "min_level": item.min_level,
        "measures": list(item.measures or []),
        "basis": json_safe(_basis(item.basis)),
        "source": item.source,
        "confidence": item.confidence,
        "active": item.active,
    }


def _str(data: Mapping[str, Any], name: str, current: str, label: str, limit: int, *, required: bool) -> str:
    value = str(data.get(name, current) or "").strip()
    if required and not value:
        raise DomainError("required", f"{label}不能为空", field=name)
    if len(value) > limit:
        raise DomainError("too_long", f"{label}不能超过{limit}个字符", field=name)
    return value


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    return [str(v).strip()[:500] for v in value or [] if str(v).strip()]


@transaction.atomic
def catalog_item_save(
    *, actor: User, item: RiskCatalogItem | None = None, data: Mapping[str, Any]
) -> RiskCatalogItem:
    """Create or change a catalogue item. Fields not given keep their values. Accident types
    are given by name, alias or code (a list, or one text separated by 、)."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以维护风险目录", code="admin_only")
    creating = item is None
    # Locked, and read afresh: two admins saving the same item one after the other each
    # compare against what the other wrote.
    item = RiskCatalogItem.objects.select_for_update().get(pk=item.pk) if item else RiskCatalogItem()
    before = None if creating else item_snapshot(item)
    code = _str(data, "code", item.code, "编号", 40, required=True)
    if not all((c.isascii() and c.isalnum()) or c in "-_" for c in code):
        raise DomainError("code_invalid", "编号只能包含字母、数字、- 和 _", field="code")
    if RiskCatalogItem.objects.filter(code=code).exclude(pk=item.pk).exists():
        raise DomainError("code_taken", f"编号“{code}”已存在", field="code")
    item.code = code
    item.sector = _str(data, "sector", item.sector, "行业领域", 40, required=True)
    item.name = _str(data, "name", item.name, "风险点名称", 200, required=True)
    item.typical_places = _str(data, "typical_places", item.typical_places, "典型场所", 300, required=False)
    item.hazard = _str(data, "hazard", item.hazard, "危险因素", 2000, required=True)
    item.source = _str(data, "source", item.source, "来源", 300, required=False)
    prefixes = data.get("industry_prefixes", item.industry_prefixes) or ""
    if isinstance(prefixes, list | tuple):
        prefixes = " ".join(str(p) for p in prefixes)
    words = str(prefixes).replace(",", " ").replace("，", " ").replace("、", " ").split()
    if any(not w.isdigit() or not 2 <= len(w) <= 4 for w in words):
        raise DomainError(
            "prefix_invalid", "行业代码前缀应为2至4位数字，以空格分隔", field="industry_prefixes"
        )
    item.industry_prefixes = " ".join(dict.fromkeys(words))
    if "key_sector" in data:
        sector = data["key_sector"] or None
        if sector and not KeySector.objects.filter(pk=sector).exists():
            raise DomainError("key_sector_unknown", "重点行业领域不存在", field="key_sector")
        item.key_sector_id = sector
    level = data.get("min_level", item.min_level)
    if level not in (RiskLevel.MAJOR, RiskLevel.LARGE):
        raise DomainError("level_invalid", "目录条目的最低等级应为重大或较大", field="min_level")
    item.min_level = level
    if "measures" in data or creating:
        item.measures = _lines(data.get("measures"))
    if "basis" in data:
        from saferisk.risks.services import _basis

        basis = data["basis"] or []
        if not isinstance(basis, list | tuple) or not all(isinstance(b, Mapping) for b in basis):
            raise DomainError("basis_invalid", "依据应为若干条{文件, 条款, 版本}", field="basis")
        item.basis = _basis(basis)
    if "confidence" in data:
        confidence = str(data["confidence"] or "").strip().upper()
        if confidence not in ("", "H", "M", "L"):
            raise DomainError("confidence_invalid", "可信度应为 H、M、L 或留空", field="confidence")
        item.confidence = confidence
    if "active" in data:
        item.active = bool(data["active"])
    types = None
    if "accident_types" in data or creating:
        given = data.get("accident_types") or []
        if isinstance(given, str):  # "火灾、灼烫" as written in a cell
            given = given.replace("，", "、").replace(",", "、").split("、")
        wanted = [str(t).strip() for t in given if str(t).strip()]
        found = {t.name: t for t in AccidentType.objects.all()}
        found.update({str(t.code): t for t in list(found.values())})
        found.update({t.alias: t for t in list(found.values()) if t.alias})  # 其他爆炸 for 其它爆炸
        missing = [w for w in wanted if w not in found]
        if missing:
            raise DomainError(
                "accident_type_unknown", f"事故类型“{'、'.join(missing)}”不存在", field="accident_types"
            )
        if not wanted:
            raise DomainError("required", "请至少选择一种事故类型", field="accident_types")
        types = list({found[w].pk: found[w] for w in wanted}.values())
    after = item_snapshot(item, [t.name for t in types] if types is not None else None)
    if before == after:
        return item
    item.save()
    if types is not None:
        item.accident_types.set(types)
    audit_record(
        actor=actor,
        action="risk_catalog_item.created" if creating else "risk_catalog_item.updated",
        obj=item,
        changes=diff(before, after),
    )
    if before is not None and any(before[f] != after[f] for f in SUBSTANTIVE):
        open_catalogue_reassessments(actor=actor, item=item, before=before, after=after)
    transaction.on_commit(lambda: _enqueue_refresh(item.pk))
    return item


def _enqueue_refresh(item_id: int) -> None:
    from saferisk.risks.tasks import refresh_catalogue_summaries

    refresh_catalogue_summaries.enqueue(item_id)


FIELD_NAMES = {
    "min_level": "最低等级",
    "hazard": "危险因素",
    "accident_types": "事故类型",
    "measures": "管控措施",
    "industry_prefixes": "适用行业",
    "key_sector": "重点行业领域",
}


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed in an item, for the enterprise: 最低等级由较大风险改为重大风险；事故类型已修改。"""
    from saferisk.risks.assessment import LEVEL_NAMES

    parts = []
    for field in SUBSTANTIVE:
        if before[field] == after[field]:
            continue
        if field == "min_level":
            parts.append(f"最低等级由{LEVEL_NAMES[before[field]]}改为{LEVEL_NAMES[after[field]]}")
        elif field == "accident_types":
            parts.append(f"事故类型改为{'、'.join(after[field])}")
        else:
            parts.append(f"{FIELD_NAMES[field]}已修改")
    return "；".join(parts)


def open_catalogue_reassessments(
    *, actor: User | None, item: RiskCatalogItem, before: dict[str, Any], after: dict[str, Any]
) -> int:
    """A re-assessment task at every enterprise with active risks linked to `item`. An open
    task of the same item is extended (new risks added, the change appended) instead of a
    second identical task."""
    from saferisk.core.audit import audit_record
    from saferisk.risks.models import ReassessmentItem, ReassessmentTask
    from saferisk.risks.reassessment import reassessment_open

    change = describe_change(before, after)
    description = f"风险目录条目“{item.name}”已更新：{change}。请对照重新评估。"
    risks = Risk.objects.filter(catalog_item=item, status=RiskStatus.ACTIVE).select_related("enterprise")
    by_enterprise: dict[int, list[Risk]] = {}
    for risk in risks:
        by_enterprise.setdefault(risk.enterprise_id, []).append(risk)
    for enterprise_id, linked in by_enterprise.items():
        task = ReassessmentTask.objects.filter(
            enterprise_id=enterprise_id,
            trigger=ReassessmentTrigger.CATALOGUE,
            catalog_item=item,
            status="open",
        ).first()
        if task is None:
            reassessment_open(
                actor=None,
                enterprise=Enterprise.objects.get(pk=enterprise_id),
                trigger=ReassessmentTrigger.CATALOGUE,
                description=description,
                risks=linked,
                catalog_item=item,
            )
            continue
        task.description = f"{task.description}\n{description}"[:2000]
        task.save(update_fields=["description"])
        for risk in linked:  # re-open the risks already re-assessed: the item changed again
            ReassessmentItem.objects.update_or_create(
                task=task, risk=risk, defaults={"done_at": None, "note": ""}
            )
        audit_record(
            actor=actor,
            action="reassessment.opened",
            obj=task,
            changes={"extended": True, "description": description, "risks": sorted(r.pk for r in linked)},
        )
    return len(by_enterprise)
