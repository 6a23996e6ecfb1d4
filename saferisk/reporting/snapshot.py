"""What a report freezes: the enterprise's data and its reportable risks (MAJOR and LARGE) with
their controls and owners, as plain JSON. Pure reads; the services store the result."""

from __future__ import annotations

from typing import Any

from saferisk.core.audit import json_safe
from saferisk.enterprises.models import Enterprise
from saferisk.risks.choices import RiskLevel, RiskStatus
from saferisk.risks.models import Risk
from saferisk.risks.services import LEVEL_ORDER

REPORTABLE = (RiskLevel.MAJOR, RiskLevel.LARGE)

ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "region_id",
    "address",
    "industry_id",
    "above_scale",
    "employees",
    "legal_representative",
    "principal_name",
    "principal_phone",
    "safety_director_name",
    "safety_director_phone",
    "contact_phone",
    "standardisation_grade",
)

# Fields a report cannot be submitted without (the rule's "basic enterprise data").
REQUIRED_ENTERPRISE_FIELDS = {
    "address": "企业地址",
    "principal_name": "主要负责人",
    "principal_phone": "主要负责人电话",
}


def enterprise_data(enterprise: Enterprise) -> dict[str, Any]:
    data = {f: json_safe(getattr(enterprise, f)) for f in ENTERPRISE_FIELDS}
    data["key_sectors"] = sorted(enterprise.key_sectors.values_list("code", flat=True))
    return data


def reportable_risks(enterprise: Enterprise) -> list[dict[str, Any]]:
    """Every active MAJOR or LARGE risk, most severe first, with what a regulator checks."""
    risks = (
        Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE, level__in=REPORTABLE)
        .select_related("catalog_item")
        .prefetch_related("accident_types", "measures")
        .order_by(LEVEL_ORDER, "place", "id")
    )
    return [
        {
            "id": r.pk,
            "version": r.version,
            "name": r.name,
            "place": r.place,
            "part": r.part,
            "activity": r.activity,
            "level": r.level,
            "computed_level": r.computed_level,
            "level_reason": r.level_reason,
            "residual_level": r.residual_level,
            "method": r.method,
            "inputs": r.inputs,
            "score": json_safe(r.score),
            "accident_types": [t.name for t in r.accident_types.all()],
            "measures": [{"kind": m.kind, "text": m.text} for m in r.measures.all()],
            "control_tier": r.control_tier,
            "department": r.department,
            "owner_name": r.owner_name,
            "owner_phone": r.owner_phone,
            "emergency_measures": r.emergency_measures,
            "catalog_item": r.catalog_item.code if r.catalog_item else "",
        }
        for r in risks
    ]


def missing_fields(data: dict[str, Any]) -> list[str]:
    """Labels of the required enterprise fields that are blank."""
    return [label for field, label in REQUIRED_ENTERPRISE_FIELDS.items() if not data.get(field)]


# Fields compared between two snapshots of a risk (the identity fields `id` and `version` are not).
COMPARED_FIELDS = (
    "name",
    "place",
    "part",
    "activity",
    "level",
    "residual_level",
    "accident_types",
    "measures",
    "control_tier",
    "department",
    "owner_name",
    "owner_phone",
    "emergency_measures",
    "catalog_item",
)


def diff(old_risks: list[dict[str, Any]], new_risks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """What changed between two reports' risks, matched by risk id: risks added, risks removed
    (retired, or no longer MAJOR/LARGE) and risks changed with each changed field as
    [old, new]. A change report shows this against the last accepted report."""
    old_by_id = {r["id"]: r for r in old_risks}
    new_by_id = {r["id"]: r for r in new_risks}
    changed = []
    for rid, new in new_by_id.items():
        old = old_by_id.get(rid)
        if old is None:
            continue
        fields = {f: [old.get(f), new.get(f)] for f in COMPARED_FIELDS if old.get(f) != new.get(f)}
        if fields:
            changed.append(
                {"id": rid, "name": new.get("name", ""), "level": new.get("level"), "fields": fields}
            )
    return {
        "added": [r for rid, r in new_by_id.items() if rid not in old_by_id],
        "removed": [r for rid, r in old_by_id.items() if rid not in new_by_id],
        "changed": changed,
    }
