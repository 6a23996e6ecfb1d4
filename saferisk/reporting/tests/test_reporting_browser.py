"""The whole reporting path in a real browser (Debian's chromium driven by Playwright): a county
regulator opens a campaign through the form; the enterprise's filler prepares the report and
explains the catalogue items it has not registered; the principal declares and submits; the
regulator returns it with a reason on a risk; the enterprise sees the reason and resubmits; the
regulator accepts. The county's completion and filing rates on the dashboard move at each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from saferisk.core.tests.test_browser import SHOTS, browser  # noqa: F401  (the shared fixture)
from saferisk.core.tests.test_browser import pytestmark as browser_marks
from saferisk.testing.makers import PASSWORD

pytestmark = browser_marks

VIEWPORT = {"width": 1366, "height": 900}


def _sign_in(browser: Any, base: str, username: str, errors: list[str]) -> Any:  # noqa: F811
    """A fresh browser context (its own cookies) signed in as `username`."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' "are you sure?" questions
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _rates(page: Any, base: str, campaign_pk: int) -> tuple[str, str]:
    page.goto(f"{base}/reporting/dashboard/?campaign={campaign_pk}")
    return (
        page.inner_text("[data-testid=completion-rate]").strip(),
        page.inner_text("[data-testid=filing-rate]").strip(),
    )


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"reporting-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_open_prepare_submit_return_resubmit_accept(live_server: Any, browser: Any) -> None:  # noqa: F811, PLR0915
    from django.utils import timezone

    from saferisk.conftest import TOWN_A
    from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
    from saferisk.risks.services import completeness_gap, risk_save
    from saferisk.testing.makers import make_enterprise, make_user

    enterprise = make_enterprise(
        region=TOWN_A,
        industry="2614",
        name="浏览器报告化工有限公司",
        address="江宁区科学园1号",
        principal_name="赵总",
        principal_phone="13811112222",
    )
    make_enterprise(region=TOWN_A, industry="2614", name="浏览器报告邻居有限公司")
    make_enterprise(region="320506001", industry="2614", name="外县企业有限公司")  # not covered
    make_user("county_regulator", "regulator", region="320115")
    filler = make_user("report_filler", "enterprise_filler", enterprise=enterprise)
    make_user("report_principal", "enterprise_principal", enterprise=enterprise)
    risk = risk_save(
        actor=filler,
        enterprise=enterprise,
        data={
            "name": "液氯储罐泄漏中毒",
            "place": "液氯库",
            "method": "lec",
            "inputs": {"L": 3, "E": 6, "C": 15},  # D = 270: 较大
            "accident_types": [18],
            "owner_name": "王工",
            "owner_phone": "13800001111",
            "measures": [{"kind": "monitoring", "text": "氯气浓度在线监测"}],
        },
    )
    gap = completeness_gap(enterprise)
    assert gap, "the starter catalogue should leave some items of a chemicals works unregistered"
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    errors: list[str] = []
    deadline = (timezone.localdate() + dt.timedelta(days=20)).isoformat()

    # 1. The county regulator opens a campaign through the form; the preview counts 2 enterprises.
    regulator = _sign_in(browser, base, "county_regulator", errors)
    regulator.goto(f"{base}/reporting/campaigns/")
    regulator.click("[data-testid=campaign-new]")
    regulator.fill("#id_name", "江宁区浏览器首次报告")
    regulator.fill("#id_deadline", deadline)
    regulator.dispatch_event("#id_deadline", "change")
    regulator.wait_for_selector("[data-testid=coverage-count]")
    assert regulator.inner_text("[data-testid=coverage-count]") == "2"
    _shot(regulator, "1-campaign-form")
    regulator.click("[data-testid=campaign-open]")
    regulator.wait_for_selector("[data-testid=campaign-counts]")
    campaign = ReportingCampaign.objects.get(name="江宁区浏览器首次报告")
    assert ReportTask.objects.filter(campaign=campaign).count() == 2
    assert regulator.inner_text("[data-count=total]") == "2"
    assert regulator.locator("[data-testid=task-table] tbody tr").count() == 2
    assert regulator.get_attribute("[data-testid=dashboard-link]", "href") == (
        f"/reporting/dashboard/?campaign={campaign.pk}"
    )
    _shot(regulator, "2-campaign-detail")
    assert _rates(regulator, base, campaign.pk) == ("0.0%", "0.0%")

    # 2. The filler finds the task, sees the preview, explains each gap item and saves a draft.
    task = ReportTask.objects.get(campaign=campaign, enterprise=enterprise)
    filler_page = _sign_in(browser, base, "report_filler", errors)
    filler_page.goto(f"{base}/reporting/tasks/")
    filler_page.click(f"[data-task='{task.pk}'] a >> nth=0")
    filler_page.wait_for_selector("[data-testid=preview-risks]")
    assert filler_page.locator(f"[data-risk='{risk.pk}'] [data-level=LARGE]").count() == 1
    assert filler_page.locator("[data-testid=principal-must-submit]").is_visible()
    assert filler_page.locator("[data-testid=submit-report]").count() == 0
    for item in gap:
        filler_page.fill(f"[data-testid='explain-{item.code}']", "本企业不使用该工艺")
    _shot(filler_page, "3-task-filler")
    filler_page.click("[data-testid=save-draft]")
    filler_page.wait_for_selector("[data-testid=draft-info]")
    assert RiskReport.objects.get(task=task).state == "draft"

    # 3. The principal declares and submits.
    principal = _sign_in(browser, base, "report_principal", errors)
    principal.goto(f"{base}/reporting/tasks/{task.pk}/")
    assert principal.input_value(f"[data-testid='explain-{gap[0].code}']") == "本企业不使用该工艺"
    principal.check("[data-testid=declared]")
    principal.click("[data-testid=submit-report]")
    principal.wait_for_selector("[data-testid=waiting-notice]")
    _shot(principal, "4-submitted")
    assert _rates(regulator, base, campaign.pk) == ("0.0%", "50.0%")

    # 4. The regulator returns it from the queue with a reason on the risk.
    regulator.goto(f"{base}/reporting/review/")
    assert regulator.locator("[data-testid=queue-table] tbody tr").count() == 1
    _shot(regulator, "5-queue")
    regulator.click("[data-testid=review-first]")
    regulator.wait_for_selector("[data-testid=review-decision]")
    regulator.check("[data-testid=decision-return]")
    regulator.fill(f"[data-testid='reason-{risk.pk}']", "请补充液氯库的联锁切断措施")
    regulator.fill("[data-testid=review-comment-input]", "管控措施不完整")
    _shot(regulator, "5-review")
    regulator.click("[data-testid=review-submit]")
    regulator.wait_for_url(f"{base}/reporting/review/")
    assert _rates(regulator, base, campaign.pk) == ("0.0%", "0.0%")

    # 5. The enterprise sees the reason beside the risk; the principal resubmits.
    principal.goto(f"{base}/reporting/tasks/{task.pk}/")
    principal.wait_for_selector("[data-testid=return-notice]")
    assert "管控措施不完整" in principal.inner_text("[data-testid=return-notice]")
    assert "请补充液氯库的联锁切断措施" in principal.inner_text(f"[data-testid='risk-reason-{risk.pk}']")
    _shot(principal, "6-returned")
    risk_save(
        actor=filler,
        enterprise=enterprise,
        risk=risk,
        data={
            "measures": [
                {"kind": "monitoring", "text": "氯气浓度在线监测"},
                {"kind": "automation", "text": "液氯储罐压力高高联锁切断"},
            ]
        },
    )
    principal.reload()
    principal.check("[data-testid=declared]")
    principal.click("[data-testid=submit-report]")
    principal.wait_for_selector("[data-testid=waiting-notice]")
    assert principal.locator("[data-testid=report-history] [data-report]").count() == 2
    assert _rates(regulator, base, campaign.pk) == ("0.0%", "50.0%")

    # 6. The regulator accepts the second report; the county's completion rate moves.
    regulator.goto(f"{base}/reporting/review/")
    regulator.click("[data-testid=review-first]")
    regulator.wait_for_selector("[data-testid=review-decision]")
    assert "管控措施不完整" in regulator.inner_text("[data-testid=report-history]")  # the earlier review
    regulator.check("[data-testid=decision-accept]")
    regulator.click("[data-testid=review-submit]")
    regulator.wait_for_url(f"{base}/reporting/review/")
    assert _rates(regulator, base, campaign.pk) == ("50.0%", "50.0%")
    _shot(regulator, "7-dashboard")
    regulator.goto(f"{base}/reporting/campaigns/")
    assert regulator.inner_text(f"[data-campaign='{campaign.pk}'] [data-col=accepted]") == "1"
    _shot(regulator, "7-campaigns")
    principal.goto(f"{base}/reporting/tasks/{task.pk}/")
    principal.wait_for_selector("[data-testid=accepted-notice]")
    reports = list(RiskReport.objects.filter(task=task).order_by("number").values_list("state", flat=True))
    assert reports == ["returned", "accepted"]

    # The accepted report prints as a document: no menu, no buttons, the declaration on it.
    accepted = RiskReport.objects.get(task=task, number=2)
    principal.goto(f"{base}/reporting/reports/{accepted.pk}/")
    principal.emulate_media(media="print")
    assert not principal.locator("header.navbar").is_visible()
    assert not principal.locator("[data-print]").is_visible()
    assert principal.locator("[data-testid=report-declaration]").is_visible()
    assert "液氯储罐压力高高联锁切断" in principal.inner_text("[data-testid=report-risks]")
    _shot(principal, "8-report-print")
    assert errors == []
