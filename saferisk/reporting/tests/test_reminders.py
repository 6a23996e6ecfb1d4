"""Reminders before a reporting deadline: 7, 3 and 1 days before it, each once, to the
principal (the account, or the enterprise's principal phone); a missed day catches up with one
message; none once the report is submitted; the messages are stored (database backend)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from saferisk.core.models import AuditEvent, Notification
from saferisk.reporting.models import ReportingCampaign, ReportTask
from saferisk.reporting.reminders import KIND, send_reminders, threshold_due
from saferisk.reporting.services import campaign_open, report_prepare, report_submit
from saferisk.risks.services import completeness_gap

pytestmark = pytest.mark.django_db

URL = "https://saferisk.example.gov.cn/"


@pytest.fixture(autouse=True)
def _backend(settings: Any) -> None:
    settings.SAFERISK_NOTIFY_BACKEND = "database"
    settings.SAFERISK_PUBLIC_URL = URL


def _open(world: Any, deadline: dt.date) -> ReportingCampaign:
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": "320115", "deadline": deadline.isoformat()},
    )


def _task(campaign: ReportingCampaign, enterprise: Any) -> ReportTask:
    return ReportTask.objects.get(campaign=campaign, enterprise=enterprise)


def _bodies(**filters: Any) -> list[str]:
    return list(
        Notification.objects.filter(kind=KIND, **filters).order_by("id").values_list("body", flat=True)
    )


def test_the_threshold_rule() -> None:
    assert [threshold_due(d, "") for d in (9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1)] == [
        None,
        None,
        7,
        7,
        7,
        7,
        3,
        3,
        1,
        1,
        None,
    ]
    assert threshold_due(5, "7") is None
    assert threshold_due(2, "7") == 3
    assert threshold_due(2, "3") is None  # the 7-day one was never sent, but its time has gone
    assert threshold_due(0, "7 3 1") is None


def test_seven_three_and_one_day_reminders_go_once_each(world: Any) -> None:
    day0 = timezone.localdate()
    campaign = _open(world, day0 + dt.timedelta(days=7))
    world.ent_a_power.principal_phone = "13800000001"  # no principal account: the phone on file
    world.ent_a_power.save()

    result = send_reminders(day0)
    assert (result["tasks"], result["messages"], result["unreachable"]) == (2, 2, 0)
    assert result["by_threshold"] == {"7": 2, "3": 0, "1": 0}
    to_principal = Notification.objects.get(kind=KIND, recipient=world.enterprise_principal)
    assert to_principal.phone == world.enterprise_principal.phone
    assert to_principal.status == Notification.Status.STORED
    deadline = campaign.deadline
    assert to_principal.body == (
        f"【安全风险平台】江宁化工有限公司：{campaign.name}的报告截止日期为"
        f"{deadline.year}年{deadline.month}月{deadline.day}日（距截止还有7天），贵单位尚未提交风险报告。"
        f"请企业主要负责人登录平台（{URL}）确认并提交。"
    )
    fallback = Notification.objects.get(kind=KIND, phone="13800000001")
    assert fallback.recipient is None
    assert "江宁热电有限公司" in fallback.body
    assert _task(campaign, world.ent_a).reminded == "7"
    event = AuditEvent.objects.get(action="report_reminders.sent")
    assert event.actor is None
    assert event.changes["tasks"] == 2
    assert event.changes["by_threshold"] == {"7": 2, "3": 0, "1": 0}

    # The same day again, and the days up to the 3-day mark: nothing more, no audit row.
    for offset in (0, 1, 2, 3):
        assert send_reminders(day0 + dt.timedelta(days=offset))["tasks"] == 0
    assert Notification.objects.filter(kind=KIND).count() == 2
    assert AuditEvent.objects.filter(action="report_reminders.sent").count() == 1

    assert send_reminders(day0 + dt.timedelta(days=4))["by_threshold"] == {"7": 0, "3": 2, "1": 0}
    assert "距截止还有3天" in _bodies(recipient=world.enterprise_principal)[-1]
    assert send_reminders(day0 + dt.timedelta(days=5))["tasks"] == 0
    assert send_reminders(day0 + dt.timedelta(days=6))["by_threshold"] == {"7": 0, "3": 0, "1": 2}
    assert send_reminders(day0 + dt.timedelta(days=7))["tasks"] == 0  # the deadline day: all sent
    assert send_reminders(day0 + dt.timedelta(days=8))["tasks"] == 0  # overdue: the enforcement list's
    assert _task(campaign, world.ent_a).reminded == "7 3 1"
    assert Notification.objects.filter(kind=KIND).count() == 6
    assert AuditEvent.objects.filter(action="report_reminders.sent").count() == 3


def test_a_missed_day_catches_up_with_one_message(world: Any) -> None:
    day0 = timezone.localdate()
    campaign = _open(world, day0 + dt.timedelta(days=5))  # the 7-day mark went by unnoticed
    result = send_reminders(day0)
    assert result["by_threshold"] == {"7": 1, "3": 0, "1": 0}
    assert result["unreachable"] == 1  # ent_a_power: no principal account, no principal phone
    assert "距截止还有5天" in _bodies()[0]
    # The job did not run for days: two days before the deadline only the 3-day reminder goes.
    assert send_reminders(day0 + dt.timedelta(days=3))["by_threshold"] == {"7": 0, "3": 1, "1": 0}
    # The 1-day mark missed too: on the deadline day itself it still goes, once.
    assert send_reminders(day0 + dt.timedelta(days=5))["by_threshold"] == {"7": 0, "3": 0, "1": 1}
    assert "今天截止" in _bodies()[-1]
    assert send_reminders(day0 + dt.timedelta(days=5))["tasks"] == 0
    assert _task(campaign, world.ent_a).reminded == "7 3 1"
    assert _task(campaign, world.ent_a_power).reminded == ""  # never reached: nothing recorded
    assert Notification.objects.filter(kind=KIND).count() == 3

    # A task first seen two days before its deadline (e.g. a change report due soon): one message.
    ReportTask.objects.filter(pk=_task(campaign, world.ent_a).pk).update(
        due_on=day0 + dt.timedelta(days=2), reminded=""
    )
    assert send_reminders(day0)["by_threshold"] == {"7": 0, "3": 1, "1": 0}
    assert _task(campaign, world.ent_a).reminded == "3"
    assert "距截止还有2天" in _bodies()[-1]


def test_no_reminder_after_submission_or_in_a_closed_campaign(world: Any) -> None:
    day0 = timezone.localdate()
    campaign = _open(world, day0 + dt.timedelta(days=7))
    world.ent_a.address, world.ent_a.principal_name = "江宁区某路1号", "赵总"
    world.ent_a.save()
    task = _task(campaign, world.ent_a)
    gap = {item.code: "本企业不涉及" for item in completeness_gap(world.ent_a)}
    report_prepare(actor=world.enterprise_filler, task=task, data={"gap_explanations": gap})
    report_submit(actor=world.enterprise_principal, task=task, declared=True)
    world.ent_a_power.principal_phone = "13800000001"
    world.ent_a_power.save()
    assert send_reminders(day0)["tasks"] == 1
    assert not Notification.objects.filter(kind=KIND, recipient=world.enterprise_principal).exists()
    assert _task(campaign, world.ent_a).reminded == ""

    ReportingCampaign.objects.filter(pk=campaign.pk).update(status="closed")
    assert send_reminders(day0 + dt.timedelta(days=4))["tasks"] == 0
    assert Notification.objects.filter(kind=KIND).count() == 1


def test_a_returned_report_is_reminded_as_such(world: Any) -> None:
    day0 = timezone.localdate()
    campaign = _open(world, day0 + dt.timedelta(days=1))
    ReportTask.objects.filter(campaign=campaign, enterprise=world.ent_a).update(state="returned")
    send_reminders(day0)
    assert "报告已被退回，尚未重新提交" in _bodies(recipient=world.enterprise_principal)[0]
    assert "距截止还有1天" in _bodies(recipient=world.enterprise_principal)[0]


def test_the_daily_command_sends_reminders_and_publishes_bulletins(world: Any) -> None:
    from saferisk.reporting.models import Bulletin

    day0 = timezone.localdate()
    campaign = _open(world, day0 + dt.timedelta(days=3))
    out = io.StringIO()
    call_command("daily", "--date", day0.isoformat(), stdout=out)
    text = out.getvalue()
    assert "报告截止提醒：1家企业，1条消息（7天 0，3天 1，1天 0）；无法联系 1家" in text
    assert "共发布通报 1 份" in text
    assert Bulletin.objects.filter(campaign=campaign, region_id="320115", date=day0).count() == 1
    # Run twice: no second reminder, the day's bulletin replaced, not doubled.
    out = io.StringIO()
    call_command("daily", "--date", day0.isoformat(), stdout=out)
    assert "报告截止提醒：0家企业，0条消息" in out.getvalue()
    assert Bulletin.objects.filter(campaign=campaign).count() == 1
    assert Notification.objects.filter(kind=KIND).count() == 1
    out = io.StringIO()
    call_command("daily", "--date", day0.isoformat(), "--no-bulletins", stdout=out)
    assert "通报" not in out.getvalue()
