"""Navigation by role, for the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for this user. Exactly one item is active: the one whose path is the longest
    prefix of the current page (so /enterprises/obligations/ lights "Obligation checks", not
    "Enterprises" as well)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # (url, label, path prefix that marks the item active)
    items: list[tuple[str, Any, str]] = [(reverse("core:home"), _("Home"), "")]
    if user.is_admin or user.role == Role.REGULATOR:
        enterprises = reverse("enterprises:enterprise_list")
        items.append((enterprises, _("Enterprises"), enterprises))
        obligations = reverse("enterprises:obligation_list", args=["safety-director"])
        items.append((obligations, _("Obligation checks"), "/enterprises/obligations/"))
        rules = reverse("enterprises:safety_director_rule_list")
        items.append((obligations, _("Obligation checks"), rules))  # the rules page belongs to it
        gaps = reverse("risks:gap_overview")
        items.append((gaps, _("Completeness"), gaps))
        # Risk reporting: the dashboard leads to campaigns and bulletins; review and enforcement
        # are daily work of their own.
        items.append((reverse("reporting:dashboard"), _("Risk reporting"), "/reporting/"))
        review = reverse("reporting:review_queue")
        items.append((review, _("Report review"), review))
        items.append((review, _("Report review"), "/reporting/reports/"))
        enforcement = reverse("reporting:enforcement_list")
        items.append((enforcement, _("Enforcement lists"), enforcement))
        items.append((reverse("core:user_list"), _("Users"), reverse("core:user_list")))
    if user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL) and user.enterprise_id:
        mine = reverse("enterprises:enterprise_mine")
        items.append((mine, _("Our enterprise"), "/enterprises/"))
        register = reverse("risks:register", args=[user.enterprise_id])
        items.append((register, _("Risk register"), "/risks/"))
        items.append((reverse("reporting:task_list"), _("Risk reports"), "/reporting/"))
        profile = reverse("enterprises:enterprise_profile", args=[user.enterprise_id])
        items.append((profile, _("Enterprise profile"), profile))
        commitments = reverse("enterprises:commitment_list", args=[user.enterprise_id])
        items.append((commitments, _("Safety commitment"), commitments))
    catalogue = reverse("risks:catalog_list")
    items.append((catalogue, _("Risk catalogue"), catalogue))
    if user.is_admin or user.role == Role.REGULATOR:
        documents = reverse("risks:document_job_list")
        items.append((documents, _("Dossier batches"), documents))
    items.append((reverse("core:audit_list"), _("Audit log"), reverse("core:audit_list")))
    items.append((reverse("core:region_list"), _("Reference data"), "/reference/"))
    path = request.path
    matches = [prefix for _url, _label, prefix in items if prefix and path.startswith(prefix)]
    best = max(matches, key=len) if matches else ("" if path == "/" else None)
    nav: list[dict[str, Any]] = []
    for url, label, prefix in items:  # an item listed twice (two prefixes) shows once
        if nav and nav[-1]["label"] == label:
            nav[-1]["active"] = nav[-1]["active"] or prefix == best
        else:
            nav.append({"url": url, "label": label, "active": prefix == best})
    return {"nav_items": nav}
