"""Columns of the obligation lists, shared by the page tables and the Excel exports."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.excel import Column
from saferisk.core.masking import mask_phone
from saferisk.enterprises.columns import ENTERPRISE_COLUMNS
from saferisk.enterprises.obligations import ObligationKind


def _days_left(e: Any) -> int | None:
    if e.standardisation_expires is None:
        return None
    return (e.standardisation_expires - timezone.localdate()).days


# Who the enterprise is: the directory's own first columns (USCC, name, region, code, industry).
_HEAD = ENTERPRISE_COLUMNS[:5]

OBLIGATION_COLUMNS: dict[ObligationKind, list[Column]] = {
    ObligationKind.SAFETY_DIRECTOR: [
        *_HEAD,
        Column(_("Employees"), lambda e: e.employees, 10),
        Column(_("Revenue (10k yuan)"), lambda e: e.revenue, 14),
        Column(_("Principal"), lambda e: e.principal_name, 10),
        Column(_("Principal phone"), lambda e: mask_phone(e.principal_phone), 14),
    ],
    ObligationKind.CERTIFICATE: [
        *_HEAD,
        Column(_("Standardisation grade"), lambda e: e.get_standardisation_grade_display(), 10),
        Column(_("Certificate expires"), lambda e: e.standardisation_expires, 12),
        Column(_("Days left"), _days_left, 10),
        Column(_("Principal"), lambda e: e.principal_name, 10),
        Column(_("Principal phone"), lambda e: mask_phone(e.principal_phone), 14),
    ],
    ObligationKind.COMMITMENT: [
        *_HEAD,
        Column(_("Principal"), lambda e: e.principal_name, 10),
        Column(_("Principal phone"), lambda e: mask_phone(e.principal_phone), 14),
        Column(_("Contact phone"), lambda e: mask_phone(e.contact_phone), 14),
    ],
}

OBLIGATION_TITLES = {
    ObligationKind.SAFETY_DIRECTOR: _("Missing safety director"),
    ObligationKind.CERTIFICATE: _("Standardisation certificate expired or expiring"),
    ObligationKind.COMMITMENT: _("No safety commitment this year"),
}
