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
