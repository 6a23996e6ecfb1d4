"""Navigation by role, for the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    # (url name, label, path prefix that marks the item active; "" = the url itself)
    items: list[tuple[str, Any, str]] = [("core:home", _("Home"), "")]
    if user.is_admin or user.role == Role.REGULATOR:
        items.append(("enterprises:enterprise_list", _("Enterprises"), ""))
        items.append(("core:user_list", _("Users"), ""))
    if user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL) and user.enterprise_id:
        items.append(("enterprises:enterprise_mine", _("Our enterprise"), "/enterprises/"))
    items.append(("core:audit_list", _("Audit log"), ""))
    items.append(("core:region_list", _("Reference data"), "/reference/"))
    path = request.path
    nav = []
    for name, label, prefix in items:
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(prefix or url)
        nav.append({"url": url, "label": label, "active": active})
    return {"nav_items": nav}
