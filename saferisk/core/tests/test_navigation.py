"""The menu: a regulator's entries grouped in drop-downs, one entry active, enterprises flat."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import translation

from saferisk.core.context_processors import navigation

pytestmark = pytest.mark.django_db


def _menu(user: Any, path: str) -> list[dict[str, Any]]:
    request = RequestFactory().get(path)
    request.user = user
    with translation.override("en"):
        return [
            {
                **e,
                "label": str(e["label"]),
                "children": [{**c, "label": str(c["label"])} for c in e.get("children", [])],
            }
            for e in navigation(request)["nav_items"]
        ]


def _active(menu: list[dict[str, Any]]) -> list[str]:
    out = []
    for entry in menu:
        if entry.get("children"):
            out += [str(c["label"]) for c in entry["children"] if c["active"]]
        elif entry["active"]:
            out.append(str(entry["label"]))
    return out


def test_regulator_menu_is_grouped_and_lights_one_entry(world: Any) -> None:
    menu = _menu(world.county_regulator, "/reporting/review/")
    groups = {str(e["label"]): e for e in menu if e.get("children")}
    assert set(groups) == {"Enterprise management", "Risk control", "Risk reporting", "Hidden dangers"}
    assert [str(c["label"]) for c in groups["Risk reporting"]["children"]] == [
        "Progress dashboard",
        "Reporting campaigns",
        "Report review",
        "Bulletins",
        "Enforcement lists",
    ]
    assert _active(menu) == ["Report review"]
    assert groups["Risk reporting"]["active"]
    assert not groups["Risk control"]["active"]
    assert _active(_menu(world.county_regulator, "/reporting/reports/5/")) == ["Report review"]
    assert _active(_menu(world.county_regulator, "/reporting/campaigns/3/")) == ["Reporting campaigns"]
    assert _active(_menu(world.county_regulator, "/enterprises/obligations/commitment/")) == [
        "Obligation checks"
    ]
    assert _active(_menu(world.county_regulator, "/")) == ["Home"]


def test_enterprise_menu_groups_only_hidden_dangers(world: Any) -> None:
    menu = _menu(world.enterprise_filler, "/reporting/tasks/1/")
    assert [str(e["label"]) for e in menu if e.get("children")] == ["Hidden dangers"]
    assert _active(menu) == ["Risk reports"]


def test_hidden_danger_pages_light_their_entry(world: Any) -> None:
    assert _active(_menu(world.enterprise_filler, "/hidden-dangers/due/")) == ["Due inspections"]
    assert _active(_menu(world.enterprise_filler, "/hidden-dangers/12/")) == ["Hidden danger ledger"]
    assert _active(_menu(world.enterprise_filler, "/hidden-dangers/inspections/3/")) == ["Inspections"]
    assert _active(_menu(world.county_regulator, "/hidden-dangers/statistics/")) == [
        "Hidden danger statistics"
    ]
    assert _active(_menu(world.county_regulator, "/hidden-dangers/listings/4/")) == ["Listed supervision"]
