"""How a report reads on a page: the frozen enterprise data as labelled rows, the frozen risks
with the names of their tiers, measure kinds and methods and the regulator's reason beside each,
the gap explanations with the catalogue items' names, and a change report's difference from
the last accepted report in words. Pure presentation of the JSON the services stored."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from saferisk.core.models import Industry, KeySector, Region
from saferisk.enterprises.choices import StandardisationGrade
from saferisk.risks.choices import AssessmentMethod, ControlTier, MeasureKind, RiskLevel
from saferisk.risks.models import RiskCatalogItem


def _choice(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def enterprise_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, value) of the frozen enterprise data, in the order a form would show them."""
    region = Region.objects.filter(code=data.get("region_id") or "").first()
    industry = Industry.objects.filter(code=data.get("industry_id") or "").first()
    sectors = dict(
        KeySector.objects.filter(code__in=data.get("key_sectors") or []).values_list("code", "name")
    )
    above = data.get("above_scale")
    return [
        (_("Name"), data.get("name", "")),
        (_("USCC"), data.get("uscc", "")),
        (_("Region"), f"{region.name}（{region.code}）" if region else data.get("region_id", "")),
        (_("Address"), data.get("address", "")),
        (_("Industry"), str(industry) if industry else data.get("industry_id", "")),
        (_("Above scale"), _("Yes") if above else _("No")),
        (_("Employees"), data.get("employees") if data.get("employees") is not None else ""),
        (_("Key sectors"), "、".join(sectors.get(c, c) for c in data.get("key_sectors") or [])),
        (_("Legal representative"), data.get("legal_representative", "")),
        (_("Principal"), data.get("principal_name", "")),
        (_("Principal phone"), data.get("principal_phone", "")),
        (_("Safety director"), data.get("safety_director_name", "")),
        (_("Safety director phone"), data.get("safety_director_phone", "")),
        (_("Contact phone"), data.get("contact_phone", "")),
        (_("Standardisation grade"), _choice(StandardisationGrade, data.get("standardisation_grade"))),
    ]


def risk_rows(risks: list[dict[str, Any]], reasons: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The frozen risks with display names and the regulator's reason (if any) beside each."""
    reasons = reasons or {}
    rows = []
    for r in risks:
        rows.append(
            {
                **r,
                "tier_label": _choice(ControlTier, r.get("control_tier")),
                "method_label": _choice(AssessmentMethod, r.get("method")),
                "measure_rows": [
                    (_choice(MeasureKind, m.get("kind")), m.get("text", "")) for m in r.get("measures") or []
                ],
                "accident_text": "、".join(r.get("accident_types") or []),
                "reason": reasons.get(str(r.get("id")), ""),
                "place_text": " · ".join(p for p in (r.get("place"), r.get("part"), r.get("activity")) if p),
            }
        )
    return rows


def gap_rows(explanations: dict[str, str]) -> list[dict[str, str]]:
    """The gap items a report explained, with their catalogue names."""
    names = dict(RiskCatalogItem.objects.filter(code__in=list(explanations)).values_list("code", "name"))
    return [
        {"code": code, "name": names.get(code, code), "text": text} for code, text in explanations.items()
    ]


# Field names of a risk in the difference of two reports.
DIFF_LABELS = {
    "name": gettext_noop("Name"),
    "place": gettext_noop("Location"),
    "part": gettext_noop("Part"),
    "activity": gettext_noop("Activity or equipment"),
    "level": gettext_noop("Level"),
    "residual_level": gettext_noop("Residual level"),
    "accident_types": gettext_noop("Accident types"),
    "measures": gettext_noop("Control measures"),
    "control_tier": gettext_noop("Control tier"),
    "department": gettext_noop("Department"),
    "owner_name": gettext_noop("Responsible"),
    "owner_phone": gettext_noop("Responsible phone"),
    "emergency_measures": gettext_noop("Emergency measures"),
    "catalog_item": gettext_noop("Catalogue item"),
}


def _value_text(field: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if field in ("level", "residual_level"):
        return _choice(RiskLevel, value)
    if field == "control_tier":
        return _choice(ControlTier, value)
    if field == "accident_types":
        return "、".join(value)
    if field == "measures":
        return "；".join(f"{_choice(MeasureKind, m.get('kind'))}：{m.get('text', '')}" for m in value)
    return str(value)


def diff_rows(diff: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """`snapshot.diff`'s result in words: added and removed risks, and per changed risk its
    fields as (label, old, new)."""
    changed = []
    for c in diff.get("changed", []):
        changed.append(
            {
                "id": c.get("id"),
                "name": c.get("name", ""),
                "level": c.get("level", ""),
                "fields": [
                    (_(DIFF_LABELS.get(f, f)), _value_text(f, old), _value_text(f, new))
                    for f, (old, new) in c.get("fields", {}).items()
                ],
            }
        )
    added = diff.get("added", [])
    removed = diff.get("removed", [])
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "empty": not (added or removed or changed),
    }
