"""What each role's home page shows: real figures from the database, scoped to the user."""

from __future__ import annotations

from typing import Any

from saferisk.core import selectors
from saferisk.core.choices import ENTERPRISE_ROLES, Role
from saferisk.core.models import User


def home_context(user: User) -> dict[str, Any]:
    from saferisk.enterprises import selectors as enterprise_selectors

    context: dict[str, Any] = {
        "recent_logins": selectors.user_recent_logins(user=user),
        "audit_counts": selectors.audit_event_counts(user=user),
    }
    if user.is_admin or user.role == Role.REGULATOR:
        context["overview"] = enterprise_selectors.enterprise_overview(user=user)
        subregions = enterprise_selectors.enterprise_counts_by_subregion(user=user)
        context["subregions"] = subregions
        context["chart_subregions"] = {
            "names": [r["name"] for r in subregions],
            "total": [r["total"] for r in subregions],
            "above_scale": [r["above_scale"] for r in subregions],
        }
        divisions = enterprise_selectors.enterprise_counts_by_division(user=user)
        context["chart_divisions"] = {
            "names": [f"{r['code']} {r['name']}" for r in divisions],
            "total": [r["total"] for r in divisions],
        }
        context["key_sectors"] = enterprise_selectors.enterprise_counts_by_key_sector(user=user)
        context["map_points"] = enterprise_selectors.enterprise_map_points(user=user)
    if user.is_admin:
        context["users_by_role"] = [
            (label, selectors.user_counts_by_role(user=user).get(value, 0)) for value, label in Role.choices
        ]
        context["locked_users"] = selectors.user_list(user=user).filter(locked_until__isnull=False).count()
    if user.role in ENTERPRISE_ROLES and user.enterprise_id:
        enterprise = user.enterprise
        assert enterprise is not None
        context["enterprise"] = enterprise
        context["profile_gaps"] = enterprise_profile_gaps(enterprise)
        context["colleagues"] = selectors.user_list(user=user).filter(enterprise_id=user.enterprise_id)
    return context


def enterprise_profile_gaps(enterprise: Any) -> list[str]:
    """Profile fields an enterprise has still to fill in (labels)."""
    required = [
        "address",
        "legal_representative",
        "principal_name",
        "principal_phone",
        "safety_director_name",
        "safety_director_phone",
        "contact_phone",
        "employees",
        "longitude",
    ]
    gaps = []
    for name in required:
        if getattr(enterprise, name) in (None, ""):
            gaps.append(str(enterprise._meta.get_field(name).verbose_name))
    return gaps
