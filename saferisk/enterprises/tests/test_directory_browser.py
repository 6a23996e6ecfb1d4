"""The directory in a real browser, as a county regulator: filter, page, export; never another
county's enterprise (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from saferisk.core.tests.test_browser import (  # noqa: F401
    SHOTS,
    browser,  # noqa: F401  (the shared browser fixture)
    pytestmark,
)
from saferisk.testing.makers import PASSWORD

PAGE = 50


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_county_regulator_filters_pages_and_exports_only_their_county(
    live_server: Any,
    browser: Any,  # noqa: F811
) -> None:
    from saferisk.testing.makers import make_enterprise, make_user

    for i in range(PAGE + 5):  # more than a page, so the keyset "next" link appears
        make_enterprise(region="320115001", name=f"江宁目录企业{i:03d}有限公司", above_scale=i % 2 == 0)
    make_enterprise(region="320115", industry="3311", name="江宁只到区县的金属企业")
    for i in range(3):
        make_enterprise(region="320506001", name=f"吴中目录企业{i}有限公司")
    make_user("county_regulator", "regulator", region="320115")

    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "county_regulator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=overview]")

    page.goto(f"{live_server.url}/enterprises/")
    body = page.inner_text("#results")
    assert "吴中" not in body
    assert f"共 {PAGE + 6} 条" in page.inner_text(".card-footer") or str(PAGE + 6) in page.inner_text(
        ".card-footer"
    )
    first_rows = page.inner_text("#results tbody")
    # Keyset paging: the next page continues where the first stopped and still never shows 吴中.
    page.click("a[rel=next]")
    page.wait_for_url("**after=*")
    second = page.inner_text("#results")
    assert "吴中" not in second
    assert "江宁目录企业054有限公司" in second or "江宁只到区县的金属企业" in second
    page.click("a[rel=prev]")
    page.wait_for_url("**before=*")
    assert page.inner_text("#results tbody") == first_rows  # the same first page again
    assert page.locator("a[rel=prev]").count() == 0  # back on the first page

    # Filter by industry division through the tree select: htmx swaps the results, the URL follows.
    page.goto(f"{live_server.url}/enterprises/")
    page.select_option("select[name=industry]", "33")
    page.click("[data-testid=directory-filters] button")
    page.wait_for_url("**industry=33*")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    assert "江宁只到区县的金属企业" in rows.first.inner_text()

    # Search by name fragment and scale; then export exactly the filtered set.
    page.goto(f"{live_server.url}/enterprises/?above_scale=true")
    page.fill("input[name=q]", "目录企业00")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=*")
    assert page.locator("#results tbody tr").count() == 5  # 000, 002, 004, 006, 008
    # Searching again replaces the query string rather than piling parameters onto it.
    page.press("input[name=q]", "Enter")
    page.wait_for_timeout(300)
    assert page.url.count("q=") == 1, page.url
    with page.expect_download() as info:
        page.click("text=导出Excel")
    data = open(info.value.path(), "rb").read()  # noqa: PTH123, SIM115
    rows_x = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    names = sorted(r[1] for r in rows_x[1:])
    assert names == [f"江宁目录企业{i:03d}有限公司" for i in (0, 2, 4, 6, 8)]
    page.screenshot(path=str(SHOTS / "county-directory.png"), full_page=True)

    # Another county's enterprise page is not found, even by its id.
    from saferisk.enterprises.models import Enterprise

    other = Enterprise.objects.filter(region_id="320506001").first()
    assert other is not None
    response = page.goto(f"{live_server.url}/enterprises/{other.pk}/")
    assert response is not None
    assert response.status == 404
    assert errors == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opening_accounts_asks_first_then_shows_the_new_state(
    live_server: Any,
    browser: Any,  # noqa: F811
) -> None:
    """The POST answers with the handout download, so the page itself must say what happened."""
    from saferisk.testing.makers import make_enterprise, make_user

    for i in range(3):
        make_enterprise(region="320115001", name=f"江宁开户企业{i}有限公司")
    make_user("county_regulator", "regulator", region="320115")
    page = browser.new_page(locale="zh-CN", accept_downloads=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "county_regulator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=overview]")
    page.goto(f"{live_server.url}/enterprises/onboarding/")
    assert page.inner_text("[data-testid=without-account]").strip() == "3"
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.click("[data-testid=onboard-form] button[type=submit]")  # dismissed: nothing happens
    page.wait_for_timeout(300)
    assert "3" in questions[0]
    from saferisk.core.models import User

    assert not User.objects.filter(enterprise__isnull=False).exists()
    with page.expect_download() as info:
        page.click("[data-testid=onboard-form] button[type=submit]")
    assert info.value.suggested_filename.endswith(".xlsx")
    page.wait_for_selector("[data-done-note]")
    page.wait_for_function(
        "document.querySelector('[data-testid=without-account]').textContent.trim() === '0'"
    )
    assert User.objects.filter(enterprise__isnull=False).count() == 3
