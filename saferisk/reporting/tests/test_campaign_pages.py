"""The campaign pages as regulators meet them: opening a campaign from the form (with the
number of enterprises it covers shown first) makes the tasks; the annual report in one step;
a campaign's page lists its tasks with filters, the derived overdue state and an Excel export;
closing a campaign; other jurisdictions find nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from saferisk.core.models import AuditEvent
from saferisk.reporting.models import ReportingCampaign, ReportTask
from saferisk.reporting.services import campaign_open, report_prepare

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + dt.timedelta(days=30)


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "first",
        "year": str(TODAY.year),
        "name": "",
        "region": "320115",
        "scale": "all",
        "industry_prefixes": "",
        "opens_on": TODAY.isoformat(),
        "deadline": DEADLINE.isoformat(),
        **changes,
    }


def _campaign(world: Any, **data: Any) -> ReportingCampaign:
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )


def _zh(msgid: str) -> str:
    """A message as the pages show it (zh-hans; the English msgid until it is translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(ws.iter_rows(values_only=True))


def test_opening_a_campaign_from_the_form_creates_the_tasks(world: Any) -> None:
    c = world.client(world.county_regulator)
    page = c.get("/reporting/campaigns/new/").content.decode()
    assert 'name="deadline"' in page
    assert "江宁区（320115）" in page  # the county, then its towns
    # The preview counts the enterprises before anything is opened.
    preview = c.get("/reporting/campaigns/new/preview/", _form()).content.decode()
    assert 'data-testid="coverage-count">2<' in preview
    preview = c.get("/reporting/campaigns/new/preview/", _form(industry_prefixes="26")).content.decode()
    assert 'data-testid="coverage-count">1<' in preview
    assert not ReportingCampaign.objects.exists()

    r = c.post("/reporting/campaigns/new/", _form(name="江宁区首次报告"))
    campaign = ReportingCampaign.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/reporting/campaigns/{campaign.pk}/"
    assert (campaign.name, campaign.kind, campaign.deadline, campaign.opened_by) == (
        "江宁区首次报告",
        "first",
        DEADLINE,
        world.county_regulator,
    )
    tasks = ReportTask.objects.filter(campaign=campaign)
    assert set(tasks.values_list("enterprise_id", flat=True)) == {world.ent_a.pk, world.ent_a_power.pk}
    assert {t.due_on for t in tasks} == {DEADLINE}

    detail = c.get(r["Location"]).content.decode()
    assert "江宁化工有限公司" in detail
    assert "江宁热电有限公司" in detail
    assert 'data-count="total">2<' in detail
    assert 'data-count="not_started">2<' in detail
    listing = c.get("/reporting/campaigns/").content.decode()
    assert f'data-campaign="{campaign.pk}"' in listing
    # The same scope again is refused: those enterprises already have a first report open.
    preview = c.get("/reporting/campaigns/new/preview/", _form()).content.decode()
    assert 'data-testid="coverage-overlap"' in preview
    r = c.post("/reporting/campaigns/new/", _form())
    assert r.status_code == 422
    assert "不能重复发起" in r.content.decode()
    assert ReportingCampaign.objects.count() == 1


def test_bad_input_is_shown_and_opens_nothing(world: Any) -> None:
    c = world.client(world.county_regulator)
    r = c.post("/reporting/campaigns/new/", _form(deadline=(TODAY - dt.timedelta(days=1)).isoformat()))
    assert r.status_code == 422
    assert "截止日期不能早于开始日期" in r.content.decode()
    r = c.post("/reporting/campaigns/new/", _form(industry_prefixes="2x"))
    assert r.status_code == 422
    assert "行业代码前缀应为2至4位数字" in r.content.decode()
    r = c.post("/reporting/campaigns/new/", _form(region="320506"))  # not offered: another county
    assert r.status_code == 422
    assert not ReportingCampaign.objects.exists()
    assert not AuditEvent.objects.filter(action="reporting_campaign.opened").exists()
    # A department's regulators follow progress; the bureau opens campaigns.
    d = world.client(world.dept_regulator)
    r = d.post("/reporting/campaigns/new/", _form())
    assert r.status_code == 302
    assert not ReportingCampaign.objects.exists()
    assert "campaign-new" not in d.get("/reporting/campaigns/").content.decode()


def test_the_annual_report_in_one_step(world: Any) -> None:
    c = world.client(world.county_regulator)
    assert 'data-testid="annual-open"' in c.get("/reporting/campaigns/").content.decode()
    r = c.post("/reporting/campaigns/annual/", {"year": str(TODAY.year + 1)})
    campaign = ReportingCampaign.objects.get()
    assert r["Location"] == f"/reporting/campaigns/{campaign.pk}/"
    assert (campaign.kind, campaign.year, campaign.region_id, campaign.deadline) == (
        "annual",
        TODAY.year + 1,
        "320115",
        dt.date(TODAY.year + 1, 3, 31),
    )
    assert campaign.enterprises == 2
    r = c.post("/reporting/campaigns/annual/", {"year": str(TODAY.year + 1)}, follow=True)
    assert "不能重复发起" in r.content.decode()
    assert ReportingCampaign.objects.count() == 1


def test_the_campaign_page_filters_its_tasks_and_exports_them(world: Any) -> None:
    # Opened 40 days ago, due 10 days ago: every task not filed is overdue.
    campaign = _campaign(
        world,
        opens_on=(TODAY - dt.timedelta(days=40)).isoformat(),
        deadline=(TODAY - dt.timedelta(days=10)).isoformat(),
    )
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    task_a = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    report_prepare(actor=world.enterprise_filler, task=task_a)
    c = world.client(world.county_regulator)
    page = c.get(f"/reporting/campaigns/{campaign.pk}/").content.decode()
    assert 'data-count="overdue">2<' in page
    assert "10 天" in page or "10 day" in page

    def rows(**params: Any) -> set[int]:
        r = c.get(f"/reporting/campaigns/{campaign.pk}/", params)
        return {t.enterprise_id for t in r.context["page"].items}

    assert rows(state="draft") == {world.ent_a.pk}
    assert rows(state="not_started") == {world.ent_a_power.pk}
    assert rows(state="overdue") == {world.ent_a.pk, world.ent_a_power.pk}
    assert rows(state="accepted") == set()
    assert rows(q="热电") == {world.ent_a_power.pk}
    assert rows(q=world.ent_a.uscc.lower()) == {world.ent_a.pk}
    assert rows(region="320115001") == {world.ent_a.pk, world.ent_a_power.pk}
    assert rows(region="320115002") == set()

    sheet = _sheet(c.get(f"/reporting/campaigns/{campaign.pk}/", {"state": "draft", "format": "xlsx"}))
    assert sheet[0][:2] == ("统一社会信用代码", "企业")
    assert [row[:2] for row in sheet[1:]] == [(world.ent_a.uscc, "江宁化工有限公司")]
    assert sheet[1][6] == f"填报中（{_zh('Overdue')}）"
    sheet = _sheet(c.get(f"/reporting/campaigns/{campaign.pk}/", {"format": "xlsx"}))
    assert {row[1] for row in sheet[1:]} == {"江宁化工有限公司", "江宁热电有限公司"}

    # The list of campaigns and its export count in the user's jurisdiction.
    sheet = _sheet(c.get("/reporting/campaigns/", {"format": "xlsx"}))
    assert sheet[1][0] == campaign.name
    assert sheet[1][9] == 2  # enterprises


def test_the_list_filters_by_year_kind_and_status(world: Any) -> None:
    first = _campaign(world)
    annual = _campaign(world, kind="annual", year=TODAY.year + 1)
    c = world.client(world.county_regulator)

    def names(**params: Any) -> set[str]:
        return {x.name for x in c.get("/reporting/campaigns/", params).context["page"].object_list}

    assert names() == {first.name, annual.name}
    assert names(kind="annual") == {annual.name}
    assert names(year=str(TODAY.year + 1)) == {annual.name}
    assert names(status="closed") == set()


def test_closing_a_campaign(world: Any) -> None:
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    # Another county finds nothing; a department cannot close it.
    assert (
        world.client(world.other_county_regulator)
        .post(f"/reporting/campaigns/{campaign.pk}/close/")
        .status_code
        == 404
    )
    world.client(world.dept_regulator).post(f"/reporting/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.status == "open"
    c = world.client(world.county_regulator)
    assert 'data-testid="campaign-close"' in c.get(f"/reporting/campaigns/{campaign.pk}/").content.decode()
    r = c.post(f"/reporting/campaigns/{campaign.pk}/close/")
    assert r.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    event = AuditEvent.objects.get(action="reporting_campaign.closed")
    assert event.object_id == str(campaign.pk)
    page = c.get(f"/reporting/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-close"' not in page
    assert f'data-testid="campaign-status">{_zh("Campaign closed")}<' in page
    # Its enterprises can no longer file in it.
    e = world.client(world.enterprise_filler)
    r = e.post(f"/reporting/tasks/{task.pk}/prepare/", {})
    assert r.status_code == 422
    assert "报告活动已关闭" in r.content.decode()
    task.refresh_from_db()
    assert task.state == "not_started"
    # Closing twice says so and records nothing more.
    c.post(f"/reporting/campaigns/{campaign.pk}/close/")
    assert AuditEvent.objects.filter(action="reporting_campaign.closed").count() == 1


def test_other_jurisdictions_find_nothing(world: Any) -> None:
    campaign = _campaign(world)
    other = world.client(world.other_county_regulator)
    assert other.get(f"/reporting/campaigns/{campaign.pk}/").status_code == 404
    assert f'data-campaign="{campaign.pk}"' not in other.get("/reporting/campaigns/").content.decode()
    assert (
        world.client(world.other_enterprise_filler).get(f"/reporting/campaigns/{campaign.pk}/").status_code
        == 404
    )
    # The province sees the county's campaign; the county's enterprise is sent to its task.
    assert (
        world.client(world.province_regulator).get(f"/reporting/campaigns/{campaign.pk}/").status_code == 200
    )
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    r = world.client(world.enterprise_filler).get(f"/reporting/campaigns/{campaign.pk}/")
    assert r["Location"] == f"/reporting/tasks/{task.pk}/"
    # A department sees only the tasks of its industries (power: ent_a_power).
    r = world.client(world.dept_regulator).get(f"/reporting/campaigns/{campaign.pk}/")
    assert {t.enterprise_id for t in r.context["page"].items} == {world.ent_a_power.pk}
    assert r.context["counts"]["total"] == 1


def _queries(client: Any, url: str, **params: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_cost_the_same_queries_whatever_their_length(world: Any) -> None:
    from saferisk.conftest import TOWN_A
    from saferisk.reporting.services import report_submit
    from saferisk.risks.services import completeness_gap
    from saferisk.testing.makers import make_enterprise, make_user

    c = world.client(world.county_regulator)
    small = _campaign(world)
    for i in range(6):
        enterprise = make_enterprise(
            region=TOWN_A, address="江宁区某路", principal_name="赵总", principal_phone="13811112222"
        )
        make_user(f"principal_{i}", "enterprise_principal", enterprise=enterprise)
    big = _campaign(world, kind="annual")
    assert (small.enterprises, big.enterprises) == (2, 8)
    urls = ["/reporting/campaigns/", "/reporting/tasks/"]
    before = {url: _queries(c, url) for url in urls}
    detail_small = _queries(c, f"/reporting/campaigns/{small.pk}/")
    assert _queries(c, f"/reporting/campaigns/{big.pk}/") == detail_small
    queue: list[int] = []
    for task in ReportTask.objects.filter(campaign=big, enterprise__principal_name="赵总")[:4]:
        gap = {item.code: "不涉及" for item in completeness_gap(task.enterprise)}
        report_submit(actor=task.enterprise.users.get(), task=task, declared=True, gap_explanations=gap)
        queue.append(_queries(c, "/reporting/review/"))
    assert ReportTask.objects.filter(campaign=big, state="submitted").count() == 4
    assert queue == [queue[0]] * 4
    assert {url: _queries(c, url) for url in urls} == before
