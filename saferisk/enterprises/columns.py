"""Columns of the enterprise list, shared by the page table and the Excel export."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saferisk.core.excel import Column
from saferisk.core.masking import mask_phone

ENTERPRISE_COLUMNS = [
    Column(_("USCC"), lambda e: e.uscc, 22),
    Column(_("Name"), lambda e: e.name, 36),
    Column(_("Region"), lambda e: e.region.name, 14),
    Column(_("Region code"), lambda e: e.region_id, 12),
    Column(_("Industry"), lambda e: f"{e.industry_id} {e.industry.name}", 30),
    Column(_("Above scale"), lambda e: e.above_scale, 8),
    Column(_("Employees"), lambda e: e.employees, 10),
    Column(_("Key supervised"), lambda e: e.key_supervised, 8),
    Column(_("Principal"), lambda e: e.principal_name, 10),
    Column(_("Principal phone"), lambda e: mask_phone(e.principal_phone), 14),
    Column(_("Status"), lambda e: e.get_status_display(), 8),
]
