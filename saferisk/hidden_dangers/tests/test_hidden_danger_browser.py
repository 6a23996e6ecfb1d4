"""The closed loop on a phone, in a real browser (Debian's chromium driven by Playwright, a
375 × 812 viewport): the safety officer starts a due inspection, passes one item, fails the
other with a photo from the camera input, finishes; the failed item's hidden danger is
assessed, planned and reported rectified by the officer; the principal (a second user) accepts
it and closes it (销号). Every step is checked on the page and in the database."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from saferisk.core.tests.test_browser import SHOTS, browser  # noqa: F401  (the shared fixture)
from saferisk.core.tests.test_browser import pytestmark as browser_marks
from saferisk.testing.makers import PASSWORD

pytestmark = browser_marks

PHONE = {"width": 375, "height": 812}


def _sign_in(browser: Any, base: str, username: str, errors: list[str]) -> Any:  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"hidden-danger-{name}.png"), full_page=True)


def _camera_photo(tmp_path: Path) -> Path:
    path = tmp_path / "现场照片.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (180, 60, 40)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inspection_on_a_phone_to_closing(live_server: Any, browser: Any, tmp_path: Path) -> None:  # noqa: F811, PLR0915
    from django.utils import timezone

    from saferisk.conftest import TOWN_A
    from saferisk.core.choices import Role
    from saferisk.hidden_dangers.models import HiddenDanger, Photo
    from saferisk.risks.services import risk_save
    from saferisk.testing.makers import make_enterprise, make_user

    enterprise = make_enterprise(region=TOWN_A, industry="2614", name="江宁化工有限公司")
    officer = make_user("officer", Role.ENTERPRISE_FILLER, enterprise=enterprise)
    make_user("principal", Role.ENTERPRISE_PRINCIPAL, enterprise=enterprise)
    risk_save(
        actor=officer,
        enterprise=enterprise,
        data={
            "name": "储罐区火灾爆炸",
            "place": "储罐区",
            "method": "ls",
            "inputs": {"L": 3, "S": 4},
            "accident_types": [1],
            "owner_name": "王工",
            "control_tier": "post",
            "measures": [
                {"kind": "management", "text": "每班巡检储罐液位"},
                {"kind": "engineering", "text": "可燃气体报警器完好"},
            ],
        },
    )
    base = live_server.url
    errors: list[str] = []

    # The officer builds the checklists from the controls and starts the due inspection.
    page = _sign_in(browser, base, "officer", errors)
    page.goto(f"{base}/hidden-dangers/checklists/")
    page.click("[data-testid=checklist-generate]")
    page.goto(f"{base}/hidden-dangers/due/")
    _no_horizontal_scroll(page)
    page.click("[data-testid=due-start]")
    page.wait_for_selector("[data-result]")
    _no_horizontal_scroll(page)
    cards = page.locator("[data-result]")
    assert cards.count() == 2

    # Item 1 passes; item 2 fails with a note and a photo from the camera input.
    first, second = cards.nth(0), cards.nth(1)
    first.locator("label[for$='-pass']").click()
    first.locator("button[type=submit]").click()
    page.wait_for_selector("[data-result][data-outcome=pass]")
    second = page.locator("[data-result]").nth(1)
    second.locator("label[for$='-fail']").click()
    second.locator("textarea[name=note]").fill("可燃气体报警器显示故障")
    assert second.locator("input[type=file][capture=environment]").count() == 1
    second.locator("input[type=file]").set_input_files(str(_camera_photo(tmp_path)))
    second.locator("button[type=submit]").click()
    page.wait_for_selector("[data-hidden-danger]")
    _shot(page, "inspection")
    hd = HiddenDanger.objects.get()
    assert hd.title == "可燃气体报警器显示故障"
    assert hd.place == "储罐区"
    assert hd.risk is not None
    photo = Photo.objects.get(hidden_danger=hd)
    assert max(photo.width, photo.height) == 1600  # shrunk from the 3000-pixel camera picture
    page.click("[data-testid=inspection-finish]")
    page.wait_for_selector("[data-finding]")

    # The hidden danger: assess, plan (five in place), report rectified.
    page.click(f"[data-finding='{hd.pk}'] a")
    page.wait_for_selector("[data-testid=hd-actions]")
    _no_horizontal_scroll(page)
    assert page.locator("[data-testid=hd-photos] img").count() == 1
    deadline = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    form = page.locator("details[data-action=assess] form")
    form.locator("input[name=deadline]").fill(deadline)
    form.get_by_role("button", name="评估定级").click()
    page.wait_for_selector("[data-testid=hd-state][data-state=assessed]")
    form = page.locator("details[data-action=plan] form")
    form.locator("textarea[name=measures]").fill("更换故障报警器，送检合格后投用")
    form.locator("input[name=owner_name]").fill("王工")
    form.locator("input[name=funds]").fill("3500")
    form.locator("textarea[name=safeguards]").fill("更换前每两小时人工检测一次")
    form.get_by_role("button", name="制定整改方案").click()
    page.wait_for_selector("[data-testid=hd-state][data-state=rectifying]")
    form = page.locator("details[data-action=report_rectified] form")
    form.locator("textarea[name=note]").fill("已更换报警器并检定合格")
    form.get_by_role("button", name="整改完成").click()
    page.wait_for_selector("[data-testid=hd-state][data-state=rectified]")
    # The officer who rectified is not offered the acceptance.
    assert page.locator("details[data-action=accept]").count() == 0
    _shot(page, "rectified")

    # The principal, a second person, accepts and closes.
    boss = _sign_in(browser, base, "principal", errors)
    boss.goto(f"{base}/hidden-dangers/{hd.pk}/")
    form = boss.locator("details[data-action=accept] form")
    form.locator("textarea[name=note]").fill("现场复核，报警器工作正常")
    form.get_by_role("button", name="验收通过").click()
    boss.wait_for_selector("[data-testid=hd-state][data-state=accepted]")
    boss.locator("details[data-action=close] form").get_by_role("button", name="销号").click()
    boss.wait_for_selector("[data-testid=hd-state][data-state=closed]")
    _no_horizontal_scroll(boss)
    timeline = boss.inner_text("[data-testid=hd-timeline]")
    for step in ("登记隐患", "评估定级", "制定整改方案", "整改完成", "验收通过", "销号"):
        assert step in timeline
    _shot(boss, "closed")
    hd.refresh_from_db()
    assert hd.state == "closed"
    assert hd.accepted_by is not None
    assert hd.accepted_by.username == "principal"
    assert hd.rectified_by == officer
    assert errors == []
