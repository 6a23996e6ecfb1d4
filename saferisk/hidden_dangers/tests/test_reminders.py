"""Reminders and escalation of overdue hidden dangers: who is told at which step, each step
once, a late run jumping to the step due, and the reset after an approved extension."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from saferisk.core.models import AuditEvent, Notification
from saferisk.hidden_dangers import reminders, services
from saferisk.hidden_dangers.choices import HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger, HiddenDangerEvent
from saferisk.hidden_dangers.reminders import KIND, send_reminders, step_due
from saferisk.hidden_dangers.tests.factories import make_hd

pytestmark = pytest.mark.django_db
E = 7


@pytest.fixture(autouse=True)
def _escalate_days(settings: Any) -> None:
    settings.SAFERISK_HD_ESCALATE_DAYS = E
    settings.SAFERISK_NOTIFY_BACKEND = "database"


def told(hd: HiddenDanger | None = None) -> list[str]:
    qs = Notification.objects.filter(kind=KIND)
    if hd is not None:
        qs = qs.filter(body__contains=hd.title)
    return sorted(qs.values_list("recipient__username", flat=True))


def day(hd: HiddenDanger, overdue: int) -> dt.date:
    assert hd.deadline is not None
    return hd.deadline + dt.timedelta(days=overdue)


def test_step_by_days_overdue() -> None:
    assert [step_due(d, 7) for d in (-3, 0, 1, 6, 7, 13, 14, 100)] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_steps_go_to_the_enterprise_then_the_county_then_the_city(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    assert send_reminders(day(hd, 0))["hidden_dangers"] == 0  # due today: not overdue yet
    assert told() == []

    result = send_reminders(day(hd, 1))
    assert result["hidden_dangers"] == 1
    assert result["messages"] == 2
    assert result["by_step"] == {"1": 1, "2": 0, "3": 0}
    assert told() == ["enterprise_filler", "enterprise_principal"]
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 1
    body = Notification.objects.filter(kind=KIND).first().body  # type: ignore[union-attr]
    assert "消防通道堵塞" in body
    assert "已逾期1天" in body

    # Again on the same day and on a later day below the next step: nothing new.
    assert send_reminders(day(hd, 1))["messages"] == 0
    assert send_reminders(day(hd, E - 1))["messages"] == 0
    assert len(told()) == 2

    result = send_reminders(day(hd, E))
    assert result["by_step"] == {"1": 0, "2": 1, "3": 0}
    # The principal again and the county's regulators without a department; not the
    # department's regulator, not another county, not the city yet.
    assert told() == ["county_regulator", "enterprise_filler", "enterprise_principal", "enterprise_principal"]
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 2
    county_body = Notification.objects.get(kind=KIND, recipient=world.county_regulator).body
    assert f"已逾期{E}天仍未整改" in county_body
    assert "江宁化工有限公司" in county_body

    result = send_reminders(day(hd, 2 * E))
    assert result["by_step"] == {"1": 0, "2": 0, "3": 1}
    assert told().count("city_regulator") == 1
    assert "province_regulator" not in told()
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 3

    # Nothing after the last step, however long it stays overdue.
    assert send_reminders(day(hd, 60))["messages"] == 0
    assert len(told()) == 5
    # One audit event per run that sent something, and the timeline shows each step.
    assert AuditEvent.objects.filter(action="hidden_danger.reminded").count() == 3
    assert HiddenDangerEvent.objects.filter(hidden_danger=hd, action="reminded").count() == 3


def test_the_version_is_not_bumped(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.ASSESSED)
    send_reminders(day(hd, 1))
    current = HiddenDanger.objects.get(pk=hd.pk)
    assert current.version == hd.version  # someone editing it need not reload
    assert current.escalation == 1


def test_a_late_run_jumps_to_the_step_due_and_tells_everyone_once(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    result = send_reminders(day(hd, 2 * E + 3))
    assert result["hidden_dangers"] == 1
    assert result["by_step"] == {"1": 0, "2": 0, "3": 1}
    assert told() == ["city_regulator", "county_regulator", "enterprise_filler", "enterprise_principal"]
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 3
    assert send_reminders(day(hd, 2 * E + 4))["messages"] == 0

    # From step 1 straight to step 3: the principal (step 2), the county and the city.
    other = make_hd(world, HiddenDangerState.RECTIFYING, title="配电箱未接地")
    send_reminders(day(other, 1))
    assert told(other) == ["enterprise_filler", "enterprise_principal"]
    send_reminders(day(other, 2 * E))
    assert told(other) == [
        "city_regulator",
        "county_regulator",
        "enterprise_filler",
        "enterprise_principal",
        "enterprise_principal",
    ]


def test_only_unrectified_overdue_ones(world: Any) -> None:
    make_hd(world, HiddenDangerState.RECTIFIED, title="已整改的")
    make_hd(world, HiddenDangerState.CLOSED, title="已销号的")
    make_hd(world, HiddenDangerState.FOUND, title="未定期限的")
    later = make_hd(
        world, HiddenDangerState.RECTIFYING, deadline=timezone.localdate() + dt.timedelta(days=40)
    )
    result = send_reminders(timezone.localdate() + dt.timedelta(days=30))
    assert result["hidden_dangers"] == 0
    assert told() == []
    assert HiddenDanger.objects.get(pk=later.pk).escalation == 0
    assert not AuditEvent.objects.filter(action="hidden_danger.reminded").exists()


def test_an_approved_extension_starts_over(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    send_reminders(day(hd, E))
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 2
    assert hd.deadline is not None
    ext = services.extension_request(
        actor=world.enterprise_filler,
        hd=hd,
        new_deadline=hd.deadline + dt.timedelta(days=30),
        reason="设备未到货",
    )
    services.extension_decide(actor=world.enterprise_principal, extension=ext, approve=True)
    current = HiddenDanger.objects.get(pk=hd.pk)
    assert current.escalation == 0
    Notification.objects.all().delete()
    send_reminders(day(current, 1))
    assert told() == ["enterprise_filler", "enterprise_principal"]


def test_an_enterprise_without_accounts_is_reached_at_its_principal_phone(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    world.enterprise_filler.is_active = False
    world.enterprise_filler.save(update_fields=["is_active"])
    world.enterprise_principal.is_active = False
    world.enterprise_principal.save(update_fields=["is_active"])
    result = send_reminders(day(hd, 1))
    assert result["messages"] == 1
    n = Notification.objects.get(kind=KIND)
    assert n.recipient is None
    assert n.phone == "13811112222"


def test_chunks(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(reminders, "CHUNK", 1)
    first = make_hd(world, HiddenDangerState.RECTIFYING, title="甲")
    make_hd(world, HiddenDangerState.RECTIFYING, title="乙")
    result = send_reminders(day(first, 1))
    assert result["hidden_dangers"] == 2
    assert result["messages"] == 4
    assert AuditEvent.objects.filter(action="hidden_danger.reminded").count() == 1


def test_the_command_and_the_daily_job(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    out = io.StringIO()
    call_command("hidden_danger_reminders", "--date", day(hd, 1).isoformat(), stdout=out)
    assert "隐患逾期提醒：1条隐患，2条消息（提醒企业 1，告知县级 0，告知市级 0）" in out.getvalue()
    out = io.StringIO()
    call_command("daily", "--date", day(hd, E).isoformat(), "--no-bulletins", stdout=out)
    assert "隐患逾期提醒：1条隐患，2条消息（提醒企业 0，告知县级 1，告知市级 0）" in out.getvalue()
    assert HiddenDanger.objects.get(pk=hd.pk).escalation == 2
