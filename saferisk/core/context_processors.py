"""Navigation by role, for the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for this user. Exactly one entry is active: the one whose path is the longest
    prefix of the current page (so /enterprises/obligations/ lights "Obligation checks", not
    "Enterprises" as well). A regulator's menu groups its entries in drop-downs (企业, 风险管控,
    风险报告) so it fits a 1366-pixel screen; a group is active when one of its entries is."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    enterprise_group = _("Enterprise management")
    risk_group = _("Risk control")
    reporting_group = _("Risk reporting")
    hidden_group = _("Hidden dangers")
    # (url, label, path prefix that marks the entry active, drop-down group or None)
    items: list[tuple[str, Any, str, Any]] = [(reverse("core:home"), _("Home"), "", None)]
    regulator = user.is_admin or user.role == Role.REGULATOR
    if regulator:
        enterprises = reverse("enterprises:enterprise_list")
        items.append((enterprises, _("Enterprise directory"), enterprises, enterprise_group))
        obligations = reverse("enterprises:obligation_list", args=["safety-director"])
        items.append((obligations, _("Obligation checks"), "/enterprises/obligations/", enterprise_group))
        rules = reverse("enterprises:safety_director_rule_list")
        items.append((obligations, _("Obligation checks"), rules, enterprise_group))  # its rules page
        items.append((reverse("core:user_list"), _("Users"), reverse("core:user_list"), enterprise_group))
        gaps = reverse("risks:gap_overview")
        items.append((gaps, _("Completeness"), gaps, risk_group))
    if user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL) and user.enterprise_id:
        mine = reverse("enterprises:enterprise_mine")
        items.append((mine, _("Our enterprise"), "/enterprises/", None))
        register = reverse("risks:register", args=[user.enterprise_id])
        items.append((register, _("Risk register"), "/risks/", None))
        items.append((reverse("reporting:task_list"), _("Risk reports"), "/reporting/", None))
        items.append(
            (reverse("hidden_dangers:due_list"), _("Due inspections"), "/hidden-dangers/due/", hidden_group)
        )
        checklists = reverse("hidden_dangers:checklist_list")
        items.append((checklists, _("Checklists"), checklists, hidden_group))
        inspections = reverse("hidden_dangers:inspection_list")
        items.append((inspections, _("Inspections"), inspections, hidden_group))
        items.append(
            (reverse("hidden_dangers:hd_list"), _("Hidden danger ledger"), "/hidden-dangers/", hidden_group)
        )
        items.append(
            (
                reverse("hidden_dangers:hd_new"),
                _("Register a hidden danger"),
                reverse("hidden_dangers:hd_new"),
                hidden_group,
            )
        )
        profile = reverse("enterprises:enterprise_profile", args=[user.enterprise_id])
        items.append((profile, _("Enterprise profile"), profile, None))
        commitments = reverse("enterprises:commitment_list", args=[user.enterprise_id])
        items.append((commitments, _("Safety commitment"), commitments, None))
    catalogue = reverse("risks:catalog_list")
    items.append((catalogue, _("Risk catalogue"), catalogue, risk_group if regulator else None))
    if regulator:
        documents = reverse("risks:document_job_list")
        items.append((documents, _("Dossier batches"), documents, risk_group))
        dashboard = reverse("reporting:dashboard")
        items.append((dashboard, _("Progress dashboard"), "/reporting/", reporting_group))
        campaigns = reverse("reporting:campaign_list")
        items.append((campaigns, _("Reporting campaigns"), campaigns, reporting_group))
        review = reverse("reporting:review_queue")
        items.append((review, _("Report review"), review, reporting_group))
        items.append((review, _("Report review"), "/reporting/reports/", reporting_group))
        bulletins = reverse("reporting:bulletin_list")
        items.append((bulletins, _("Bulletins"), bulletins, reporting_group))
        enforcement = reverse("reporting:enforcement_list")
        items.append((enforcement, _("Enforcement lists"), enforcement, reporting_group))
        statistics = reverse("hidden_dangers:statistics")
        items.append((statistics, _("Hidden danger statistics"), statistics, hidden_group))
        items.append(
            (reverse("hidden_dangers:hd_list"), _("Hidden danger ledger"), "/hidden-dangers/", hidden_group)
        )
        overdue = reverse("hidden_dangers:overdue_list")
        items.append((overdue, _("Overdue hidden dangers"), overdue, hidden_group))
        major = reverse("hidden_dangers:major_list")
        items.append((major, _("Major hidden dangers"), major, hidden_group))
        listings = reverse("hidden_dangers:listing_list")
        items.append((listings, _("Listed supervision"), listings, hidden_group))
        inspections = reverse("hidden_dangers:inspection_list")
        items.append((inspections, _("Inspections"), inspections, hidden_group))
    items.append((reverse("core:audit_list"), _("Audit log"), reverse("core:audit_list"), None))
    items.append((reverse("core:region_list"), _("Reference data"), "/reference/", None))
    path = request.path
    matches = [prefix for _url, _label, prefix, _group in items if prefix and path.startswith(prefix)]
    best = max(matches, key=len) if matches else ("" if path == "/" else None)
    nav: list[dict[str, Any]] = []
    groups: dict[Any, dict[str, Any]] = {}
    for url, label, prefix, group in items:
        if group is None:
            entries = nav
        else:
            if group not in groups:
                groups[group] = {"label": group, "url": url, "active": False, "children": []}
                nav.append(groups[group])
            entries = groups[group]["children"]
        if entries and entries[-1]["label"] == label:  # an entry listed twice (two prefixes) shows once
            entries[-1]["active"] = entries[-1]["active"] or prefix == best
        else:
            entries.append({"url": url, "label": label, "active": prefix == best})
    for entry in groups.values():
        entry["active"] = any(child["active"] for child in entry["children"])
    return {"nav_items": nav}
