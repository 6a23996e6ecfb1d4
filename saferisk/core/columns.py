"""Columns of the core lists, shared by the page tables and the Excel exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saferisk.core.audit import ACTIONS
from saferisk.core.excel import Column
from saferisk.core.masking import mask_phone

USER_COLUMNS = [
    Column(_("Username"), lambda u: u.username, 20),
    Column(_("Full name"), lambda u: u.full_name, 12),
    Column(_("Role"), lambda u: u.get_role_display(), 14),
    Column(_("Region"), lambda u: u.region.name if u.region_id else "", 14),
    Column(_("Department"), lambda u: u.department.name if u.department_id else "", 14),
    Column(_("Enterprise"), lambda u: u.enterprise.name if u.enterprise_id else "", 30),
    Column(_("Phone"), lambda u: mask_phone(u.phone), 14),
    Column(_("Active"), lambda u: u.is_active, 8),
    Column(_("Last sign-in"), lambda u: u.last_login, 20),
]

AUDIT_EVENT_COLUMNS = [
    Column(_("Time"), lambda e: e.created_at, 20),
    Column(_("Actor"), lambda e: e.actor_label, 16),
    Column(_("Action"), lambda e: str(ACTIONS.get(e.action, e.action)), 16),
    Column(_("Action code"), lambda e: e.action, 22),
    Column(_("Object"), lambda e: e.object_repr, 30),
    Column(_("Region code"), lambda e: e.region_code, 12),
    Column(_("Client address"), lambda e: e.client_address, 16),
    Column(_("Request id"), lambda e: e.request_id, 38),
]

REGION_COLUMNS = [
    Column(_("Code"), lambda r: r.code, 12),
    Column(_("Name"), lambda r: r.name, 24),
    Column(_("Level"), lambda r: r.get_level_display(), 10),
    Column(_("Parent code"), lambda r: r.parent_id or "", 12),
    Column(_("Town kind"), lambda r: r.town_kind, 14),
    Column(_("Source"), lambda r: r.source, 28),
]

INDUSTRY_COLUMNS = [
    Column(_("Code"), lambda i: i.code, 8),
    Column(_("Name"), lambda i: i.name, 40),
    Column(_("Level"), lambda i: i.get_level_display(), 8),
    Column(_("Parent code"), lambda i: i.parent_id or "", 10),
    Column(_("In reporting scope"), lambda i: i.in_scope, 10),
    Column(_("Supervising department"), lambda i: i.department.name if i.department_id else "", 16),
]
