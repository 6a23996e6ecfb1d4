"""The notifications page: what the system sent (or failed to send) to whom, for regulators and admins."""

from __future__ import annotations

from typing import Annotated, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from ninja import Field, FilterLookup, FilterSchema

from saferisk.core.choices import Role
from saferisk.core.excel import Column
from saferisk.core.masking import mask_phone
from saferisk.core.models import Notification
from saferisk.core.notify import backend_label
from saferisk.core.routes import list_route
from saferisk.core.scoping import scoped
from saferisk.core.views import list_response, parse_filters

KIND_LABELS = {
    "account_onboarded": _("Account opened notice"),
    "password_reset": _("Password reset notice"),
    "report_reminder": _("Report reminder"),
}


class NotificationFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["phone__contains", "recipient__username__icontains"])] = Field(
        None, description="手机号或登录名"
    )
    status: str | None = Field(None, description="sent / failed / stored")
    kind: str | None = Field(None, description="通知类型，如 account_onboarded")


NOTIFICATION_COLUMNS = [
    Column(_("Time"), lambda n: n.created_at, 20),
    Column(
        _("Recipient"),
        lambda n: (n.recipient.full_name or n.recipient.username) if n.recipient_id else "",
        22,
    ),
    Column(_("Phone"), lambda n: mask_phone(n.phone), 14),
    Column(_("Kind"), lambda n: str(KIND_LABELS.get(n.kind, n.kind)), 14),
    Column(_("Backend"), lambda n: backend_label(n.backend), 10),
    Column(_("Status"), lambda n: n.get_status_display(), 10),
    Column(_("Error"), lambda n: n.error, 30),
    Column(_("Message"), lambda n: n.body, 60),
]


@login_required
@list_route(Notification)
def notification_list(request: HttpRequest) -> HttpResponseBase:
    user: Any = request.user
    if not (user.is_admin or user.role == Role.REGULATOR):
        raise Http404
    filters, warning = parse_filters(request, NotificationFilter)
    qs = filters.filter(scoped(user, Notification).select_related("recipient"))
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=NOTIFICATION_COLUMNS,
        template="core/notification_list.html",
        title=_("Notifications"),
        extra={"statuses": Notification.Status.choices, "kinds": list(KIND_LABELS.items())},
    )
