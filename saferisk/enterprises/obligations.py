"""Enterprise obligations: safety director, standardisation certificate, yearly safety commitment.

The rules are rows (`SafetyDirectorRule`, edited by admins), not constants. Each list is one
queryset filter, so it runs as a single SQL query over the whole directory (500,000 rows in a
province) and composes with jurisdiction scoping, region filters, pagination and the export:

- `safety_director_required_q(rules)`: enterprises that the active rules oblige to have one;
- `missing_safety_director(qs)`: of those, the ones with no safety director recorded;
- `certificate_expiring(qs, today)`: a standardisation grade whose certificate has expired or
  expires within `days` (60 by default);
- `missing_commitment(qs, year)`: no signed safety commitment (uploaded or online) for `year`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from saferisk.core.scoping import scoped
from saferisk.enterprises.choices import EnterpriseStatus, StandardisationGrade
from saferisk.enterprises.models import Enterprise, SafetyCommitment, SafetyDirectorRule

NOTHING = Q(pk__in=[])
EXPIRY_WARNING_DAYS = 60


class ObligationKind(StrEnum):
    """The three obligation lists (URL path values of the page and the API)."""

    SAFETY_DIRECTOR = "safety-director"
    CERTIFICATE = "certificate"
    COMMITMENT = "commitment"


def active_rules() -> list[SafetyDirectorRule]:
    """The active rules with their key sectors (two small queries)."""
    return list(
        SafetyDirectorRule.objects.filter(active=True)
        .select_related("region")
        .prefetch_related("key_sectors")
    )


def rule_q(rule: SafetyDirectorRule) -> Q:
    """Enterprises one rule covers: in one of its key sectors or industry-code prefixes, at or
    above either threshold it sets (a rule without thresholds covers its whole sector), and in
    its region when it names one."""
    members: list[Q] = []
    sectors = sorted(s.code for s in rule.key_sectors.all())
    if sectors:
        through = Enterprise.key_sectors.through
        members.append(Q(pk__in=through.objects.filter(keysector_id__in=sectors).values("enterprise_id")))
    members.extend(Q(industry__code__startswith=prefix) for prefix in rule.prefixes())
    if not members:
        return NOTHING
    thresholds: list[Q] = []
    if rule.min_employees is not None:
        thresholds.append(Q(employees__gte=rule.min_employees))
    if rule.min_revenue is not None:
        thresholds.append(Q(revenue__gte=rule.min_revenue))
    size = reduce(or_, thresholds) if thresholds else Q()
    place = Q(region__code__startswith=rule.region.prefix) if rule.region is not None else Q()
    return reduce(or_, members) & size & place


def safety_director_required_q(rules: Iterable[SafetyDirectorRule]) -> Q:
    """One filter for every enterprise any of the active `rules` obliges to have a safety director."""
    parts = [rule_q(rule) for rule in rules if rule.active]
    parts = [p for p in parts if p != NOTHING]
    return reduce(or_, parts) if parts else NOTHING


def _open(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return qs.exclude(status=EnterpriseStatus.CLOSED)


def missing_safety_director(
    qs: QuerySet[Enterprise], rules: Iterable[SafetyDirectorRule] | None = None
) -> QuerySet[Enterprise]:
    """Enterprises of `qs` that must have a safety director and have none recorded."""
    q = safety_director_required_q(active_rules() if rules is None else rules)
    if q == NOTHING:
        return qs.none()
    return _open(qs).filter(q).filter(safety_director_name="")


def certificate_expiring(
    qs: QuerySet[Enterprise], today: dt.date, days: int = EXPIRY_WARNING_DAYS
) -> QuerySet[Enterprise]:
    """Enterprises of `qs` with a standardisation grade whose certificate has expired or expires
    within `days` days of `today` (the expiry day itself still counts as valid)."""
    return (
        _open(qs)
        .exclude(standardisation_grade=StandardisationGrade.NONE)
        .filter(
            standardisation_expires__isnull=False,
            standardisation_expires__lte=today + dt.timedelta(days=days),
        )
    )


def missing_commitment(qs: QuerySet[Enterprise], year: int) -> QuerySet[Enterprise]:
    """Enterprises of `qs` without a signed safety commitment for `year` (an anti-join)."""
    signed = SafetyCommitment.objects.filter(enterprise_id=OuterRef("pk"), year=year)
    return _open(qs).filter(~Exists(signed))


def obligation_list(
    *, user: Any, kind: ObligationKind | str, today: dt.date | None = None
) -> QuerySet[Enterprise]:
    """One obligation list of the enterprises `user` may see, ordered for the page and export."""
    today = today or timezone.localdate()
    qs = scoped(user, Enterprise).select_related("region", "industry")
    kind = ObligationKind(kind)
    if kind is ObligationKind.SAFETY_DIRECTOR:
        return missing_safety_director(qs).order_by("region_id", "name", "id")
    if kind is ObligationKind.CERTIFICATE:
        return certificate_expiring(qs, today).order_by("standardisation_expires", "id")
    return missing_commitment(qs, today.year).order_by("region_id", "name", "id")


def safety_director_required(enterprise: Enterprise) -> bool:
    """Whether the active rules oblige this enterprise to have a safety director."""
    q = safety_director_required_q(active_rules())
    return q != NOTHING and Enterprise.objects.filter(pk=enterprise.pk).filter(q).exists()
