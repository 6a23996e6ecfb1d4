"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from saferisk.core import masking
from saferisk.core.audit import ACTIONS

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value or "")


@register.filter
def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


@register.filter
def yesno_zh(value: Any) -> str:
    from django.utils.translation import gettext

    return gettext("Yes") if value else gettext("No")


@register.simple_tag
def query_with(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination keeps filters)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag
def cell(column: Any, row: Any) -> Any:
    return column.value(row)
