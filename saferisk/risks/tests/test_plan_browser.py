"""Drawing on the four-colour plan in a real browser (Debian's chromium driven by Playwright):
the enterprise user clicks the corners of an area on the site plan, double-clicks to close it,
names it, ticks a risk and saves; then places a marker."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from saferisk.core.tests.test_browser import (  # noqa: F401
    SHOTS,
    browser,  # noqa: F401  (the shared browser fixture)
    pytestmark,
)
from saferisk.testing.makers import PASSWORD

CORNERS = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.7), (0.2, 0.7)]


@pytest.fixture
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("_media")
def test_enterprise_user_draws_an_area_and_a_marker(
    live_server: Any,
    browser: Any,  # noqa: F811
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from saferisk.risks.models import RiskArea
    from saferisk.risks.services import risk_save
    from saferisk.risks.site_plan import site_plan_upload
    from saferisk.testing.makers import make_enterprise, make_user

    enterprise = make_enterprise(region="320115001", industry="2614", name="江宁画图化工有限公司")
    user = make_user("plan_filler", "enterprise_filler", enterprise=enterprise)
    risk = risk_save(
        actor=user,
        enterprise=enterprise,
        data={
            "name": "液氨泄漏",
            "place": "制冷机房",
            "method": "lec",
            "inputs": {"L": 6, "E": 6, "C": 15},  # D = 540: 重大
            "accident_types": [18],
            "owner_name": "王工",
            "measures": [{"kind": "monitoring", "text": "氨气浓度在线监测并联锁报警"}],
        },
    )
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (245, 245, 245)).save(out, format="PNG")
    site_plan_upload(
        actor=user, enterprise=enterprise, file=SimpleUploadedFile("plan.png", out.getvalue(), "image/png")
    )

    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "plan_filler")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/risks/enterprises/{enterprise.pk}/plan/")
    page.wait_for_selector("#plan-tools:not([hidden])")

    def at(fx: float, fy: float) -> tuple[float, float]:
        box = page.locator("svg.plan-overlay").bounding_box()
        assert box is not None
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    page.click("[data-plan-mode=polygon]")
    for fx, fy in CORNERS[:-1]:
        page.mouse.click(*at(fx, fy))
    assert page.locator("#plan-draft .plan-draft-corner").count() == 3
    page.mouse.dblclick(*at(*CORNERS[-1]))  # the last corner closes the area
    assert page.locator("#plan-draft polygon").count() == 1
    assert page.locator("#plan-draft .plan-draft-corner").count() == 4
    assert "4" in page.inner_text("#plan-shape-state")
    page.fill("#id_name", "制冷机房")
    page.check(f"input[name=risks][value='{risk.pk}']")
    page.click("#area-save")
    page.wait_for_url("**#area-*")

    area = RiskArea.objects.get(enterprise=enterprise)
    assert (area.name, area.shape, list(area.risks.all())) == ("制冷机房", "polygon", [risk])
    assert len(area.points) == 4
    for (x, y), (fx, fy) in zip(area.points, CORNERS, strict=True):
        assert abs(x - fx) < 0.01
        assert abs(y - fy) < 0.01
    polygon = page.locator("svg.plan-overlay a.plan-area polygon")
    assert polygon.count() == 1
    assert polygon.get_attribute("fill") == "#E53935"  # 重大: red
    assert "液氨泄漏" in page.inner_text("[data-testid=plan-legend]")

    page.click("[data-plan-mode=marker]")
    page.mouse.click(*at(0.85, 0.5))
    page.fill("#id_name", "液氨阀门")
    page.click("#area-save")
    page.wait_for_selector("svg.plan-overlay a.plan-area circle")
    marker = RiskArea.objects.get(enterprise=enterprise, shape="marker")
    assert abs(marker.points[0][0] - 0.85) < 0.01
    assert abs(marker.points[0][1] - 0.5) < 0.01
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "site-plan-drawn.png"), full_page=True)

    # Outside drawing, a click on an area opens it in the form; its shape shows as the draft.
    page.click("svg.plan-overlay a.plan-area polygon")
    page.wait_for_url("**?area=*")
    assert page.input_value("#id_name") == "制冷机房"
    assert page.locator("#plan-draft polygon").count() == 1
    assert page.is_checked(f"input[name=risks][value='{risk.pk}']")
    page.screenshot(path=str(SHOTS / "site-plan-editing.png"), full_page=True)
    page.fill("#id_name", "1号制冷机房")
    page.click("#area-save")
    page.wait_for_url(lambda url: "?area=" not in url)
    area.refresh_from_db()
    assert (area.name, len(area.points), list(area.risks.all())) == ("1号制冷机房", 4, [risk])
    assert errors == []
