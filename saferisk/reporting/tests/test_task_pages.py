"""The task, report and review pages as their users meet them: the enterprise sees what it
will report, explains its gap, the filler saves a draft and cannot submit, the principal
declares and submits; the regulator finds it in the queue (longest waiting first), returns it
with a reason for a risk, the enterprise sees the reason beside that risk and resubmits, and the
history keeps both reports. Other jurisdictions and other enterprises find nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from saferisk.core.models import AuditEvent
from saferisk.reporting.models import ReportTask, RiskReport
from saferisk.reporting.services import DECLARATION, campaign_open, report_review, report_submit
from saferisk.risks.models import Risk
from saferisk.risks.services import completeness_gap, risk_save
from saferisk.risks.tests.test_risk_services import BASE

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + dt.timedelta(days=30)


def _zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def _campaign(world: Any, **data: Any) -> Any:
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )


def _ready(world: Any) -> tuple[Risk, Risk]:
    """ent_a with its basic data and two reportable risks (LARGE, MAJOR)."""
    world.ent_a.address = "江宁区某路1号"
    world.ent_a.principal_name = "赵总"
    world.ent_a.save()
    large = risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)
    major = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "液氯泄漏", "inputs": {"L": 6, "E": 6, "C": 15}},
    )
    return large, major


def _task(world: Any, campaign: Any, enterprise: Any = None) -> ReportTask:
    return ReportTask.objects.get(campaign=campaign, enterprise=enterprise or world.ent_a)


def _explanations(world: Any) -> dict[str, str]:
    return {f"gap_{item.code}": "本企业不涉及该工艺" for item in completeness_gap(world.ent_a)}


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(ws.iter_rows(values_only=True))


def test_the_enterprise_prepares_and_the_principal_submits_through_the_pages(world: Any) -> None:
    large, major = _ready(world)
    campaign = _campaign(world)
    task = _task(world, campaign)
    gap = completeness_gap(world.ent_a)
    assert gap  # the starter catalogue has items for chemicals the register does not cover

    filler = world.client(world.enterprise_filler)
    mine = filler.get("/reporting/tasks/").content.decode()
    assert f'data-task="{task.pk}"' in mine
    assert 'data-days="30"' in mine
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    # The preview: the enterprise data and both risks, most severe first, in their colours.
    assert "江宁区某路1号" in page
    assert page.index(f'data-risk="{major.pk}"') < page.index(f'data-risk="{large.pk}"')
    assert 'data-level="MAJOR"' in page
    assert 'data-level="LARGE"' in page
    assert 'data-testid="nil-statement"' not in page
    for item in gap:  # a box for each gap item and a button to adopt it
        assert f'name="gap_{item.code}"' in page
        assert f'name="adopt" value="{item.pk}"' in page
    # The filler is told that the principal submits; no declaration, no submit button.
    assert 'data-testid="principal-must-submit"' in page
    assert 'data-testid="submit-report"' not in page

    # Saving a draft keeps the explanations typed so far.
    first_code = gap[0].code
    r = filler.post(f"/reporting/tasks/{task.pk}/prepare/", {f"gap_{first_code}": "本企业无此工艺"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == "draft"
    draft = RiskReport.objects.get(task=task)
    assert (draft.state, draft.number, draft.prepared_by) == ("draft", 1, world.enterprise_filler)
    assert draft.gap_explanations[first_code] == "本企业无此工艺"
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert "本企业无此工艺" in page
    assert 'data-testid="draft-info"' in page

    # The filler cannot submit, even by posting.
    r = filler.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    assert r.status_code == 422
    assert "报告须由企业主要负责人确认提交" in r.content.decode()
    task.refresh_from_db()
    assert task.state == "draft"
    assert not AuditEvent.objects.filter(action="risk_report.submitted").exists()

    principal = world.client(world.enterprise_principal)
    page = principal.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert DECLARATION in page
    assert 'data-testid="submit-report"' in page
    # Without the declaration, or with a gap item unexplained, nothing is submitted.
    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", _explanations(world))
    assert r.status_code == 422
    assert "请确认报告内容真实、准确、完整" in r.content.decode()
    partial = {f"gap_{first_code}": "本企业无此工艺"}
    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **partial})
    assert r.status_code == 422
    body = r.content.decode()
    assert "请纳入或逐条说明理由" in body
    assert "本企业无此工艺" in body  # what was typed stays on the page
    assert body.count("is-invalid") >= len(gap) - 1
    task.refresh_from_db()
    assert task.state == "draft"

    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == "submitted"
    report = RiskReport.objects.get(task=task)
    assert (report.state, report.number, report.major_count, report.large_count) == ("submitted", 1, 1, 1)
    assert report.submitted_by == world.enterprise_principal
    assert report.prepared_by == world.enterprise_filler
    assert report.declaration == DECLARATION
    assert set(report.gap_explanations) == {item.code for item in gap}
    page = principal.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-testid="waiting-notice"' in page
    assert 'name="declared"' not in page  # nothing more to do until the review

    # The report's own page: frozen data, who did what, the declaration, the explanations.
    detail = principal.get(f"/reporting/reports/{report.pk}/").content.decode()
    assert DECLARATION in detail
    assert "enterprise_principal" in detail
    assert "enterprise_filler" in detail
    assert "本企业不涉及该工艺" in detail
    assert "data-print" in detail


def test_missing_fields_and_a_nil_report(world: Any) -> None:
    campaign = _campaign(world)
    task = _task(world, campaign)
    principal = world.client(world.enterprise_principal)
    page = principal.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-testid="missing-fields"' in page
    assert "企业地址" in page
    assert f'href="/enterprises/{world.ent_a.pk}/profile/" data-testid="profile-link"' in page
    assert 'data-testid="nil-statement"' in page  # no reportable risk: said so, plainly
    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    assert r.status_code == 422
    assert "请先在企业信息中填写" in r.content.decode()

    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    page = principal.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-testid="missing-fields"' not in page
    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    assert r.status_code == 302
    report = RiskReport.objects.get(task=task)
    assert (report.nil, report.risks) == (True, [])
    assert 'data-testid="nil-statement"' in principal.get(f"/reporting/reports/{report.pk}/").content.decode()


def test_return_with_a_reason_the_enterprise_sees_it_and_resubmits(world: Any) -> None:
    large, major = _ready(world)
    campaign = _campaign(world)
    task = _task(world, campaign)
    principal = world.client(world.enterprise_principal)
    principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    first = RiskReport.objects.get(task=task)

    regulator = world.client(world.county_regulator)
    queue = regulator.get("/reporting/review/").content.decode()
    assert f'data-report="{first.pk}"' in queue
    page = regulator.get(f"/reporting/reports/{first.pk}/review/").content.decode()
    assert f'name="reason_{major.pk}"' in page
    assert f'name="reason_{large.pk}"' in page
    assert "本企业不涉及该工艺" in page  # the gap explanations are part of what is reviewed
    # A return without any reason is refused and changes nothing.
    r = regulator.post(f"/reporting/reports/{first.pk}/review/", {"decision": "return", "comment": ""})
    assert r.status_code == 422
    assert "退回报告须写明理由" in r.content.decode()
    first.refresh_from_db()
    assert first.state == "submitted"

    r = regulator.post(
        f"/reporting/reports/{first.pk}/review/",
        {"decision": "return", "comment": "管控措施不具体", f"reason_{major.pk}": "请写明联锁的具体设定值"},
    )
    assert r.status_code == 302
    assert r["Location"] == "/reporting/review/"  # nothing else waits
    first.refresh_from_db()
    task.refresh_from_db()
    assert (first.state, task.state) == ("returned", "returned")
    assert first.risk_reasons == {str(major.pk): "请写明联锁的具体设定值"}
    assert first.reviewed_by == world.county_regulator

    # The enterprise sees the comment and the reason beside the risk concerned.
    filler = world.client(world.enterprise_filler)
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-testid="return-notice"' in page
    assert "管控措施不具体" in page
    reason_at = page.index(f'data-testid="risk-reason-{major.pk}"')
    assert page.index(f'data-risk="{major.pk}"') < reason_at < page.index(f'data-risk="{large.pk}"')
    assert "请写明联锁的具体设定值" in page
    assert f'data-testid="risk-reason-{large.pk}"' not in page
    mine = filler.get("/reporting/tasks/").content.decode()
    assert 'data-state="returned"' in mine

    # Correct and resubmit: report no. 2; the returned one stays, with its review.
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        risk=major,
        data={"measures": [{"kind": "automation", "text": "液氯储罐压力高高联锁切断，设定值0.8MPa"}]},
    )
    r = principal.post(f"/reporting/tasks/{task.pk}/submit/", {"declared": "on", **_explanations(world)})
    assert r.status_code == 302
    second = RiskReport.objects.get(task=task, number=2)
    assert second.state == "submitted"
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-report="1"' in page
    assert 'data-report="2"' in page
    assert 'data-testid="return-notice"' not in page
    review = regulator.get(f"/reporting/reports/{second.pk}/review/").content.decode()
    assert "管控措施不具体" in review  # the earlier review is beside the new submission
    assert "设定值0.8MPa" in review
    r = regulator.post(f"/reporting/reports/{second.pk}/review/", {"decision": "accept", "comment": ""})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.state == "accepted"
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert 'data-testid="accepted-notice"' in page
    first_page = filler.get(f"/reporting/reports/{first.pk}/").content.decode()
    assert "请写明联锁的具体设定值" in first_page  # the full history stays readable
    assert "管控措施不具体" in first_page


def test_the_queue_is_oldest_first_and_review_goes_to_the_next(world: Any) -> None:
    campaign = _campaign(world)
    for enterprise in (world.ent_a, world.ent_a_power):
        enterprise.address, enterprise.principal_name = "江宁区某路1号", "赵总"
        enterprise.principal_phone = "13811112222"
        enterprise.save()
    from saferisk.testing.makers import make_user

    power_principal = make_user("power_principal", "enterprise_principal", enterprise=world.ent_a_power)
    task_a = _task(world, campaign)
    task_p = _task(world, campaign, world.ent_a_power)
    gap_a = {item.code: "不涉及" for item in completeness_gap(world.ent_a)}
    gap_p = {item.code: "不涉及" for item in completeness_gap(world.ent_a_power)}
    newer = report_submit(
        actor=world.enterprise_principal, task=task_a, declared=True, gap_explanations=gap_a
    )
    older = report_submit(actor=power_principal, task=task_p, declared=True, gap_explanations=gap_p)
    now = timezone.now()
    RiskReport.objects.filter(pk=older.pk).update(submitted_at=now - dt.timedelta(days=5))
    RiskReport.objects.filter(pk=newer.pk).update(submitted_at=now - dt.timedelta(days=1))

    c = world.client(world.county_regulator)
    r = c.get("/reporting/review/")
    assert [x.pk for x in r.context["page"].items] == [older.pk, newer.pk]
    assert [x.waiting for x in r.context["page"].items] == [5, 1]
    sheet = _sheet(c.get("/reporting/review/", {"format": "xlsx"}))
    assert [row[0] for row in sheet[1:]] == ["江宁热电有限公司", "江宁化工有限公司"]
    assert [row[6] for row in sheet[1:]] == [5, 1]
    # Filters: by campaign, by region.
    assert c.get("/reporting/review/", {"region": "320115001"}).context["page"].count == 2
    assert c.get("/reporting/review/", {"region": "320115002"}).context["page"].count == 0
    assert c.get("/reporting/review/", {"campaign": str(campaign.pk + 1)}).context["page"].count == 0
    # Accepting the oldest opens the next, the queue's filters kept.
    r = c.post(f"/reporting/reports/{older.pk}/review/?campaign={campaign.pk}", {"decision": "accept"})
    assert r["Location"] == f"/reporting/reports/{newer.pk}/review/?campaign={campaign.pk}"
    assert [x.pk for x in c.get("/reporting/review/").context["page"].items] == [newer.pk]
    # A reviewed report's review page sends to the report itself.
    r = c.get(f"/reporting/reports/{older.pk}/review/")
    assert r["Location"] == f"/reporting/reports/{older.pk}/"
    # The department sees only its industries' reports (power: ent_a_power's was accepted).
    assert world.client(world.dept_regulator).get("/reporting/review/").context["page"].count == 0


def test_other_jurisdictions_and_enterprises_find_nothing(world: Any) -> None:
    _ready(world)
    campaign = _campaign(world)
    task = _task(world, campaign)
    report = report_submit(
        actor=world.enterprise_principal,
        task=task,
        declared=True,
        gap_explanations={item.code: "不涉及" for item in completeness_gap(world.ent_a)},
    )
    other = world.client(world.other_county_regulator)
    for url in (
        f"/reporting/tasks/{task.pk}/",
        f"/reporting/reports/{report.pk}/",
        f"/reporting/reports/{report.pk}/review/",
    ):
        assert other.get(url).status_code == 404, url
    r = other.post(f"/reporting/reports/{report.pk}/review/", {"decision": "accept"})
    assert r.status_code == 404
    assert other.get("/reporting/review/").context["page"].count == 0
    outsider = world.client(world.other_enterprise_filler)
    assert outsider.get(f"/reporting/tasks/{task.pk}/").status_code == 404
    assert outsider.get(f"/reporting/reports/{report.pk}/").status_code == 404
    assert outsider.post(f"/reporting/tasks/{task.pk}/prepare/", {}).status_code == 404
    assert f'data-task="{task.pk}"' not in outsider.get("/reporting/tasks/").content.decode()
    # The enterprise cannot review its own report: the review page sends it to the report.
    own = world.client(world.enterprise_principal)
    r = own.post(f"/reporting/reports/{report.pk}/review/", {"decision": "accept"})
    assert r["Location"] == f"/reporting/reports/{report.pk}/"
    report.refresh_from_db()
    assert report.state == "submitted"
    assert own.get("/reporting/review/").status_code == 404
    # The county's regulator reads the task and is offered the review.
    page = world.client(world.county_regulator).get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert f'href="/reporting/reports/{report.pk}/review/"' in page
    assert 'name="declared"' not in page


def test_the_regulators_task_list_and_export(world: Any) -> None:
    campaign = _campaign(world)
    c = world.client(world.county_regulator)
    r = c.get("/reporting/tasks/", {"campaign": str(campaign.pk)})
    assert {t.enterprise_id for t in r.context["page"].items} == {world.ent_a.pk, world.ent_a_power.pk}
    sheet = _sheet(c.get("/reporting/tasks/", {"q": "化工", "format": "xlsx"}))
    assert [(row[1], row[2], row[6]) for row in sheet[1:]] == [
        ("江宁化工有限公司", "东山街道", _zh("Not started"))
    ]


def test_a_change_report_shows_its_triggers_and_the_difference(world: Any) -> None:
    large, major = _ready(world)
    first = _campaign(world)
    task = _task(world, first)
    gap = {item.code: "不涉及" for item in completeness_gap(world.ent_a)}
    accepted = report_submit(actor=world.enterprise_principal, task=task, declared=True, gap_explanations=gap)
    report_review(actor=world.county_regulator, report=accepted, accept=True)
    # After acceptance a new MAJOR risk and a changed owner: a change report falls due.
    added = risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "氢气泄漏爆炸", "inputs": {"L": 6, "E": 6, "C": 15}},
    )
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, risk=large, data={"owner_name": "李工"})
    change = _campaign(world, kind="change", name="变更报告")
    change_task = ReportTask.objects.filter(campaign=change, enterprise=world.ent_a).first()
    if change_task is None:  # the lead's change module may have made it already
        pytest.skip("no change task")
    ReportTask.objects.filter(pk=change_task.pk).update(
        triggers=[
            {"at": timezone.now().isoformat(), "risk": added.pk, "name": "氢气泄漏爆炸", "change": "added"}
        ]
    )
    page = world.client(world.enterprise_filler).get(f"/reporting/tasks/{change_task.pk}/").content.decode()
    assert 'data-testid="change-triggers"' in page
    assert "氢气泄漏爆炸" in page
    assert f'data-diff="added" data-risk="{added.pk}"' in page
    assert f'data-diff="changed" data-risk="{large.pk}"' in page
    assert "李工" in page
    assert f'data-risk="{major.pk}"' in page
    assert f'data-diff="changed" data-risk="{major.pk}"' not in page
    # The regulator reviewing the change report sees the same difference, frozen.
    report = report_submit(
        actor=world.enterprise_principal,
        task=change_task,
        declared=True,
        gap_explanations={item.code: "不涉及" for item in completeness_gap(world.ent_a)},
    )
    review = (
        world.client(world.county_regulator).get(f"/reporting/reports/{report.pk}/review/").content.decode()
    )
    assert f'data-diff="added" data-risk="{added.pk}"' in review
    assert f'href="/reporting/reports/{accepted.pk}/"' in review


def test_adopting_a_gap_item_keeps_the_explanations_typed(world: Any) -> None:
    """纳入风险清单 saves the draft first: what was typed for the other items is not lost."""
    _ready(world)
    task = _task(world, _campaign(world))
    gap = completeness_gap(world.ent_a)
    assert len(gap) >= 2
    explained, adopted = gap[0], gap[1]
    filler = world.client(world.enterprise_filler)
    r = filler.post(
        f"/reporting/tasks/{task.pk}/prepare/",
        {f"gap_{explained.code}": "本企业无此工艺", "adopt": str(adopted.pk)},
    )
    risk = world.ent_a.risks.get(catalog_item=adopted)
    assert r.status_code == 302
    assert r["Location"] == f"/risks/{risk.pk}/edit/"
    draft = RiskReport.objects.get(task=task)
    assert draft.gap_explanations[explained.code] == "本企业无此工艺"
    assert adopted.code not in [i.code for i in completeness_gap(world.ent_a)]
    page = filler.get(f"/reporting/tasks/{task.pk}/").content.decode()
    assert "本企业无此工艺" in page
    assert f'name="gap_{adopted.code}"' not in page
    # An item that is not in the gap is refused.
    assert filler.post(f"/reporting/tasks/{task.pk}/prepare/", {"adopt": str(adopted.pk)}).status_code == 404
