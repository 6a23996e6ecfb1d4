"""The catalogue's filter bar in a real browser at 1366 px (Debian's chromium driven by
Playwright): every control shows its whole label or placeholder, none cut off."""

from __future__ import annotations

from typing import Any

import pytest

from saferisk.core.tests.test_browser import (  # noqa: F401
    SHOTS,
    browser,  # noqa: F401  (the shared browser fixture)
    pytestmark,
)
from saferisk.testing.makers import PASSWORD

# For each control of the filter form: the room inside it (less padding and, for a select, its
# arrow) and the width of the text it shows (its placeholder, or its selected option).
MEASURE = """form => [...form.querySelectorAll('input[name], select[name]')].map(el => {
  const style = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  const text = el.tagName === 'SELECT' ? el.options[el.selectedIndex].text : (el.value || el.placeholder);
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {name: el.name, text, room, needed: ctx.measureText(text).width};
})"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_filter_bar_shows_every_label_at_1366(live_server: Any, browser: Any) -> None:  # noqa: F811
    from saferisk.testing.makers import make_user

    make_user("catalogue_reader", "regulator", region="320115")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/?next=/risks/catalogue/")
    page.fill("input[name=username]", "catalogue_reader")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=catalogue-filters]")

    controls = page.eval_on_selector("[data-testid=catalogue-filters]", MEASURE)

    page.screenshot(path=str(SHOTS / "catalogue-list-1366.png"), full_page=False)
    assert [c["name"] for c in controls] == ["q", "sector", "key_sector", "min_level", "active", "industry"]
    cut = [c for c in controls if c["needed"] > c["room"]]
    assert cut == []
    assert "全部重点行业领域" in [c["text"] for c in controls]
