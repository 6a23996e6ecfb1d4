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
    assert errors == []
