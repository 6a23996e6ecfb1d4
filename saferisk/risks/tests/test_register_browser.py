"""A safety officer keeps the register in a real browser: fills the risk form, watches the level
change as the inputs change, saves, and downloads the dossier (checked with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from saferisk.core.tests.test_browser import SHOTS, browser  # noqa: F401  (the fixture)
from saferisk.testing.makers import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]

NAME = "浏览器风险测试化工有限公司"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_filler_fills_the_form_sees_the_level_live_and_downloads_the_dossier(
    live_server: Any,
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from saferisk.conftest import TOWN_A
    from saferisk.risks.models import Risk
    from saferisk.testing.makers import make_enterprise, make_user

    enterprise = make_enterprise(region=TOWN_A, name=NAME, industry="2614")
    make_user("risk_filler", "enterprise_filler", enterprise=enterprise)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "risk_filler")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/risks/register/")
    page.click("[data-testid=risk-new]")

    page.fill("input[name=name]", "液氯储罐泄漏中毒")
    page.fill("input[name=place]", "液氯库房")
    page.fill("input[name=part]", "1号液氯储罐")
    page.locator("[data-testid=accident-types] input[type=checkbox]").nth(0).check()
    page.select_option("[data-testid=input-lec-L]", "3")
    page.select_option("[data-testid=input-lec-E]", "6")
    page.select_option("[data-testid=input-lec-C]", "15")
    page.wait_for_selector("[data-testid=preview-level][data-level=LARGE]")
    assert page.inner_text("[data-testid=preview-score]") == "270"
    page.select_option("[data-testid=input-lec-L]", "6")  # more likely: 540, 重大
    page.wait_for_selector("[data-testid=preview-level][data-level=MAJOR]")
    assert page.inner_text("[data-testid=preview-score]") == "540"
    page.select_option("[data-testid=input-lec-C]", "7")  # milder consequence: 252, 较大
    page.wait_for_selector("[data-testid=preview-level][data-level=LARGE]")
    page.fill("input[name=owner_name]", "王安全")
    page.fill("input[name=owner_phone]", "13800001111")
    page.locator("input[name=measure_text]").nth(0).fill("液氯储罐设置泄漏检测报警并联锁吸收装置")
    page.screenshot(path=str(SHOTS / "risk-form.png"), full_page=True)
    page.click("[data-testid=risk-save]")
    page.wait_for_selector("[data-testid=risk-edit]")
    risk = Risk.objects.get(enterprise=enterprise)
    assert (risk.level, risk.score) == ("LARGE", 252)

    page.goto(f"{live_server.url}/risks/enterprises/{enterprise.pk}/register/")
    assert "液氯储罐泄漏中毒" in page.inner_text("[data-testid=register-table]")
    page.screenshot(path=str(SHOTS / "risk-register.png"), full_page=True)
    page.click("[data-testid=documents-menu]")
    with page.expect_download() as info:
        page.click("[data-testid=dossier-link]")
    pdf = tmp_path / "dossier.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert NAME in text.replace(" ", "")
    assert "液氯储罐泄漏中毒" in text.replace(" ", "")
    assert errors == []
