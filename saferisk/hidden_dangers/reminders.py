"""Reminders and escalation of overdue hidden dangers (隐患逾期提醒与升级督促).

A hidden danger is overdue when it is not rectified yet (found, assessed or rectifying) and its
deadline has passed. The daily job (`saferisk hidden_danger_reminders`, also run by `saferisk
daily`) escalates it by the days overdue, `E` being `settings.SAFERISK_HD_ESCALATE_DAYS`:

- step 1, as soon as it is overdue: the enterprise's active users (fillers and principal);
- step 2, from E days overdue: the enterprise's principal again, and the county's regulators
  (role regulator, region = the county, no department);
- step 3, from 2 × E days overdue: the city's regulators (region = the city, no department).

`HiddenDanger.escalation` keeps the highest step already sent, so each step goes once. A run
that missed days jumps to the step due now: it sends one message to everyone of the steps not
sent yet (a person on two of them gets one message), so nobody who should know is skipped. An
approved extension moves the deadline and resets the step to 0 (services.extension_decide).

The enterprise's people are reached at their account's phone, or the enterprise's principal
phone when the account has none; an enterprise without accounts at its principal phone, without
an account. Rows are claimed before sending: in one transaction a chunk of candidates is locked
(SELECT … FOR UPDATE on PostgreSQL; SQLite runs write transactions one at a time), their step is
written with an UPDATE guarded by the step read, and a timeline event is added; the messages go
out after the claim commits. Two runs at once never send a step twice. One audit event per run
("hidden_danger.reminded") records the counts. The claim does not bump the hidden danger's
`version`: a reminder is not a change someone editing the hidden danger must reload for.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.models import Region, User
from saferisk.core.notify import Message, notify_many
from saferisk.hidden_dangers.choices import HiddenDangerGrade
from saferisk.hidden_dangers.models import UNRECTIFIED, HiddenDanger, HiddenDangerEvent

STEP_ENTERPRISE, STEP_COUNTY, STEP_CITY = 1, 2, 3
STEPS = (STEP_ENTERPRISE, STEP_COUNTY, STEP_CITY)
KIND = "hidden_danger_overdue"
CHUNK = 500
ENTERPRISE_ROLES = (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL)


def escalate_days() -> int:
    return max(1, int(settings.SAFERISK_HD_ESCALATE_DAYS))


def step_due(days_overdue: int, every: int | None = None) -> int:
    """The step a hidden danger `days_overdue` days past its deadline has reached (0: none)."""
    every = every or escalate_days()
    if days_overdue < 1:
        return 0
    if days_overdue >= 2 * every:
        return STEP_CITY
    if days_overdue >= every:
        return STEP_COUNTY
    return STEP_ENTERPRISE


def candidates_q(today: dt.date, every: int | None = None) -> Q:
    """Overdue hidden dangers whose step due today has not been sent yet (the index on the
    unrectified ones by deadline answers it)."""
    every = every or escalate_days()
    return Q(state__in=UNRECTIFIED) & (
        Q(deadline__lt=today, escalation__lt=STEP_ENTERPRISE)
        | Q(deadline__lte=today - dt.timedelta(days=every), escalation__lt=STEP_COUNTY)
        | Q(deadline__lte=today - dt.timedelta(days=2 * every), escalation__lt=STEP_CITY)
    )


@dataclass
class _People:
    """Who to tell, looked up once per chunk."""

    insiders: dict[int, list[User]]  # enterprise id → active fillers and principals
    regulators: dict[str, list[User]]  # county or city code → its regulators without department
    region_names: dict[str, str]


def _people(rows: list[HiddenDanger]) -> _People:
    insiders: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        enterprise_id__in={r.enterprise_id for r in rows}, role__in=ENTERPRISE_ROLES, is_active=True
    ).order_by("pk"):
        assert user.enterprise_id is not None
        insiders[user.enterprise_id].append(user)
    codes = {r.region_code[:6] for r in rows} | {r.region_code[:4] + "00" for r in rows}
    regulators: dict[str, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        role=Role.REGULATOR, is_active=True, department__isnull=True, region_id__in=codes
    ).order_by("pk"):
        assert user.region_id is not None
        regulators[user.region_id].append(user)
    names = dict(
        Region.objects.filter(code__in=codes | {r.region_code for r in rows}).values_list("code", "name")
    )
    return _People(insiders, regulators, names)


def _when(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def enterprise_text(hd: HiddenDanger, days: int, step: int) -> str:
    assert hd.deadline is not None
    grade = "重大隐患" if hd.grade == HiddenDangerGrade.MAJOR else "隐患"
    head = "【隐患整改提醒】" if step == STEP_ENTERPRISE else "【隐患逾期督促】"
    tail = (
        "请尽快完成整改并在平台登记整改情况；确需延期的，请在平台申请延期。"
        if step == STEP_ENTERPRISE
        else "已告知属地监管部门，请企业主要负责人督促整改，完成后在平台登记。"
    )
    return f"{head}{hd.enterprise.name}：{grade}“{hd.title}”的整改期限为{_when(hd.deadline)}，已逾期{days}天。{tail}"


def regulator_text(hd: HiddenDanger, days: int, people: _People) -> str:
    assert hd.deadline is not None
    grade = "重大隐患" if hd.grade == HiddenDangerGrade.MAJOR else "一般隐患"
    place = people.region_names.get(hd.region_code[:6], "") + people.region_names.get(hd.region_code, "")
    where = f"（{place}）" if place else ""
    return (
        f"【隐患逾期未整改】{hd.enterprise.name}{where}的{grade}“{hd.title}”"
        f"整改期限为{_when(hd.deadline)}，已逾期{days}天仍未整改，请督促企业整改。"
    )


def _messages(hd: HiddenDanger, days: int, seen: int, step: int, people: _People) -> list[Message]:
    """One message per person of the steps after `seen` up to `step` (a late run catches up)."""
    insiders = people.insiders.get(hd.enterprise_id, [])
    principals = [u for u in insiders if u.role == Role.ENTERPRISE_PRINCIPAL]
    fallback = hd.enterprise.principal_phone
    messages: list[Message] = []
    enterprise_body = enterprise_text(hd, days, step)
    to_enterprise: list[User] = []
    if seen < STEP_ENTERPRISE <= step:
        to_enterprise = insiders
    elif seen < STEP_COUNTY <= step:
        to_enterprise = principals
    if to_enterprise:
        messages += [
            Message(phone=u.phone or fallback, kind=KIND, body=enterprise_body, user=u) for u in to_enterprise
        ]
    elif (seen < STEP_ENTERPRISE <= step or seen < STEP_COUNTY <= step) and fallback:
        messages.append(Message(phone=fallback, kind=KIND, body=enterprise_body))
    officials: list[User] = []
    if seen < STEP_COUNTY <= step:
        officials += people.regulators.get(hd.region_code[:6], [])
    if seen < STEP_CITY <= step:
        officials += people.regulators.get(hd.region_code[:4] + "00", [])
    if officials:
        body = regulator_text(hd, days, people)
        messages += [Message(phone=u.phone, kind=KIND, body=body, user=u) for u in officials]
    return messages


STEP_NOTES = {
    STEP_ENTERPRISE: "逾期提醒企业",
    STEP_COUNTY: "逾期督促企业主要负责人，告知县级监管部门",
    STEP_CITY: "逾期告知市级监管部门",
}


def _claim(ids: list[int], today: dt.date, every: int) -> tuple[list[Message], Counter[str]]:
    """Lock a chunk of candidates, decide each one's step, record it, and return the messages
    to send once this commits."""
    counts: Counter[str] = Counter()
    messages: list[Message] = []
    with transaction.atomic():
        rows = list(
            HiddenDanger.objects.select_for_update(of=("self",))
            .select_related("enterprise")
            .filter(candidates_q(today, every), pk__in=ids)
            .order_by("pk")
        )
        people = _people(rows)
        groups: dict[tuple[int, int], list[HiddenDanger]] = defaultdict(list)
        for hd in rows:
            assert hd.deadline is not None
            days = (today - hd.deadline).days
            step = step_due(days, every)
            if step <= hd.escalation:
                continue
            groups[(hd.escalation, step)].append(hd)
        events = []
        for (seen, step), group in groups.items():
            # The rows are locked, so the guard only restates what was read.
            HiddenDanger.objects.filter(pk__in=[h.pk for h in group], escalation=seen).update(escalation=step)
            for hd in group:
                assert hd.deadline is not None
                days = (today - hd.deadline).days
                batch = _messages(hd, days, seen, step, people)
                if not batch:
                    counts["unreachable"] += 1
                messages.extend(batch)
                counts["hidden_dangers"] += 1
                counts[f"step_{step}"] += 1
                events.append(
                    HiddenDangerEvent(
                        hidden_danger=hd,
                        action="reminded",
                        from_state=hd.state,
                        to_state=hd.state,
                        actor=None,
                        note=f"逾期{days}天：{STEP_NOTES[step]}（{len(batch)}条消息）",
                    )
                )
        HiddenDangerEvent.objects.bulk_create(events)
    return messages, counts


def send_reminders(today: dt.date) -> dict[str, Any]:
    """Send the reminders and escalations due on `today` (see the module docstring) and record
    one audit event with the counts. Returns the counts: hidden dangers reminded, messages sent,
    those nobody could be told about, and hidden dangers per step reached."""
    every = escalate_days()
    candidates = list(
        HiddenDanger.objects.filter(candidates_q(today, every)).order_by("pk").values_list("pk", flat=True)
    )
    totals: Counter[str] = Counter()
    sent = 0
    for start in range(0, len(candidates), CHUNK):
        messages, counts = _claim(candidates[start : start + CHUNK], today, every)
        totals.update(counts)
        sent += len(notify_many(messages))
    result: dict[str, Any] = {
        "date": today.isoformat(),
        "hidden_dangers": totals["hidden_dangers"],
        "messages": sent,
        "unreachable": totals["unreachable"],
        "by_step": {str(s): totals[f"step_{s}"] for s in STEPS},
        "escalate_days": every,
    }
    if totals["hidden_dangers"]:
        audit_record(
            actor=None,
            action="hidden_danger.reminded",
            changes=result,
            object_repr=f"隐患逾期提醒 {today.isoformat()}",
        )
    return result
