"""Reads of the core app, already scoped to the user (and the names of public reference data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from saferisk.core.models import AuditEvent, Region, User
from saferisk.core.scoping import scoped


def user_list(*, user: User) -> QuerySet[User]:
    return scoped(user, User).select_related("region", "department", "enterprise")


def audit_event_list(*, user: User) -> QuerySet[AuditEvent]:
    return scoped(user, AuditEvent).select_related("actor")


def user_recent_logins(*, user: User, limit: int = 5) -> list[AuditEvent]:
    """The user's own recent sign-ins and failed attempts, newest first."""
    return list(
        AuditEvent.objects.filter(object_type="core.user", object_id=str(user.pk))
        .filter(action__in=["user.logged_in", "user.login_failed", "user.locked"])
        .order_by("-id")[:limit]
    )


def user_counts_by_role(*, user: User) -> dict[str, int]:
    rows = user_list(user=user).order_by().values("role").annotate(n=Count("id"))
    return {r["role"]: r["n"] for r in rows}


def audit_event_counts(*, user: User) -> dict[str, Any]:
    """Events in the user's scope today and in the last 7 days, and the day-by-day series."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=6)
    qs = audit_event_list(user=user).filter(created_at__date__gte=start).order_by()
    per_day = {r["day"]: r["n"] for r in qs.values(day=_local_date("created_at")).annotate(n=Count("id"))}
    days = [start + dt.timedelta(days=i) for i in range(7)]
    series = [per_day.get(d, 0) for d in days]
    return {"today": series[-1], "week": sum(series), "days": [d.isoformat() for d in days], "series": series}


def _local_date(field: str) -> Any:
    from django.db.models.functions import TruncDate

    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the regions `codes` (public reference data: no scoping), one query; for the
    region column of lists and exports, which keep the code on the row."""
    wanted = {c for c in codes if c}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name")) if wanted else {}
