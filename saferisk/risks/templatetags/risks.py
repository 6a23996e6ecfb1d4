"""Template tags of the risk pages: level badges in the scheme's colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


def _text_colour(hex_colour: str) -> str:
    """Black on light colours (yellow), white on dark ones (red, blue)."""
    try:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#000"
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#fff"


@register.simple_tag
def level_badge(level: str, styles: dict[str, dict[str, str]], suffix: str = "") -> str:
    """A badge with the level's label on its colour; empty for no level."""
    if not level:
        return ""
    style = styles.get(level) or {"label": level, "colour": "#9E9E9E"}
    return format_html(
        '<span class="badge level-badge" data-level="{}" style="background:{};color:{}">{}{}</span>',
        level,
        style["colour"],
        _text_colour(style["colour"]),
        style["label"],
        suffix,
    )


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def level_colour(level: str, styles: dict[str, dict[str, str]]) -> str:
    return (styles.get(level) or {}).get("colour", "#9E9E9E")
