"""A regulator signs in with a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from saferisk.enterprises.models import Enterprise
from saferisk.testing.makers import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and os.environ.get("CI") != "true", reason="chromium not installed"
    ),
]


@pytest.fixture
def browser() -> Any:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_regulator_signs_in_and_sees_home(live_server: Any, browser: Any, viewport: dict[str, int]) -> None:
    from saferisk.conftest import TOWN_A
    from saferisk.testing.makers import make_enterprise, make_user

    for i in range(3):
        make_enterprise(
            region=TOWN_A,
            name=f"浏览器测试企业{i}有限公司",
            above_scale=i == 0,
            latitude=31.9,
            longitude=118.8,
        )
    make_enterprise(region="320506001", name="外地企业有限公司")
    make_user("county_regulator", "regulator", region="320115")
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport=viewport, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("登录")
    page.fill("input[name=username]", "county_regulator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=overview]")
    assert page.inner_text("[data-testid=enterprise-total]") == str(
        Enterprise.objects.filter(region__code__startswith="320115").count()
    )
    assert "您好" in page.inner_text("h2.page-title")
    page.wait_for_selector("#chart-subregions canvas")  # ECharts drew from local static files
    page.wait_for_selector("#enterprise-map canvas")  # Leaflet drew the points
    page.screenshot(path=str(SHOTS / f"regulator-home-{viewport['width']}.png"), full_page=True)

    # The directory's filter form swaps only the results (htmx) and keeps the URL in step.
    page.goto(f"{live_server.url}/enterprises/")
    page.fill("input[name=q]", "浏览器测试企业1")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=*")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert "浏览器测试企业1有限公司" in rows.first.inner_text()
    page.screenshot(path=str(SHOTS / f"regulator-enterprises-{viewport['width']}.png"), full_page=True)
    assert errors == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_login_form_can_show_the_password(live_server: Any, browser: Any) -> None:
    page = browser.new_page(locale="en-US")  # an English browser still gets the Chinese UI
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.title().startswith("登录")
    page.fill("input[name=password]", "secret")
    assert page.get_attribute("input[name=password]", "type") == "password"
    page.check("input[type=checkbox]")  # Alpine.js flips the field's type
    assert page.get_attribute("input[name=password]", "type") == "text"
    page.click("button[name=language]")  # the footer switch: English on request
    assert page.title().startswith("Sign in")
