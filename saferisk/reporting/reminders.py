"""Reminders before a reporting deadline: 7, 3 and 1 days before it, the principal of every
enterprise that has not filed yet gets a message through the notification backend.

Each threshold goes once per task (`ReportTask.reminded` keeps the days already sent, "7 3").
A run on a day between thresholds catches up with one message for the nearest threshold not
yet passed: the job did not run while 7 days were left, so on the 5th day before the deadline
the 7-day reminder goes out (saying 5 days), and the 3-day one still goes on its day; a run
on the deadline itself sends the 1-day reminder if it never went. A task filed (submitted or
accepted) gets none; one returned for correction does.

The principal is every active user with the enterprise-principal role of the enterprise (at
the account's phone, or the enterprise's principal phone when the account has none); an
enterprise without such an account is reached at its principal phone, without an account.
An enterprise with neither is counted as unreachable and tried again on the next run.

Rows are claimed before sending (the `reminded` field is written in the same transaction that
locks them), so two runs at once never send a reminder twice; messages go out after the
claim commits, a chunk at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db import transaction

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.models import User
from saferisk.core.notify import Message, notify_many
from saferisk.reporting.choices import CampaignStatus, TaskState
from saferisk.reporting.models import ReportTask

THRESHOLDS = (7, 3, 1)
KIND = "report_reminder"
CHUNK = 500
UNFILED = (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)


def threshold_due(days_left: int, reminded: str) -> int | None:
    """The threshold whose reminder goes out today for a task `days_left` days before its
    deadline, or None: the nearest threshold at or above `days_left`, unless already sent."""
    if days_left < 0:
        return None
    candidates = [t for t in THRESHOLDS if t >= days_left]
    if not candidates:
        return None
    nearest = min(candidates)
    return None if str(nearest) in reminded.split() else nearest


def _public_url() -> str:
    from saferisk.enterprises.onboarding import public_url

    return public_url()


def reminder_text(task: ReportTask, days_left: int) -> str:
    """The message: the campaign, the deadline, the days left and where to log in."""
    due = task.due_on
    when = "今天截止" if days_left == 0 else f"距截止还有{days_left}天"
    what = "报告已被退回，尚未重新提交" if task.state == TaskState.RETURNED else "尚未提交风险报告"
    return (
        f"【安全风险平台】{task.enterprise.name}：{task.campaign.name}的报告截止日期为"
        f"{due.year}年{due.month}月{due.day}日（{when}），贵单位{what}。"
        f"请企业主要负责人登录平台（{_public_url()}）确认并提交。"
    )


def _principals(enterprise_ids: list[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        enterprise_id__in=enterprise_ids, role=Role.ENTERPRISE_PRINCIPAL, is_active=True
    ).order_by("pk"):
        assert user.enterprise_id is not None
        out[user.enterprise_id].append(user)
    return out


def _messages(task: ReportTask, days_left: int, principals: list[User]) -> list[Message]:
    body = reminder_text(task, days_left)
    fallback = task.enterprise.principal_phone
    if principals:
        return [Message(phone=u.phone or fallback, kind=KIND, body=body, user=u) for u in principals]
    if fallback:
        return [Message(phone=fallback, kind=KIND, body=body)]
    return []


def _claim(ids: list[int], today: dt.date) -> tuple[list[Message], Counter[str]]:
    """Lock a chunk of candidate tasks, decide which reminder each gets, record it, and return
    the messages to send once this commits."""
    counts: Counter[str] = Counter()
    messages: list[Message] = []
    with transaction.atomic():
        tasks = list(
            ReportTask.objects.select_for_update(of=("self",))
            .select_related("campaign", "enterprise")
            .filter(pk__in=ids, state__in=UNFILED)
            .order_by("pk")
        )
        principals = _principals([t.enterprise_id for t in tasks])
        claimed = []
        for task in tasks:
            days_left = (task.due_on - today).days
            threshold = threshold_due(days_left, task.reminded)
            if threshold is None:
                continue
            batch = _messages(task, days_left, principals.get(task.enterprise_id, []))
            if not batch:
                counts["unreachable"] += 1
                continue
            task.reminded = " ".join(
                str(t) for t in THRESHOLDS if str(t) in {*task.reminded.split(), str(threshold)}
            )
            claimed.append(task)
            messages.extend(batch)
            counts["tasks"] += 1
            counts[f"days_{threshold}"] += 1
        ReportTask.objects.bulk_update(claimed, ["reminded"])
    return messages, counts


def send_reminders(today: dt.date) -> dict[str, Any]:
    """Send the reminders due on `today` for the open campaigns (see the module docstring) and
    record one audit event with the counts. Returns the counts: tasks reminded, messages,
    unreachable enterprises and tasks per threshold."""
    window = today + dt.timedelta(days=max(THRESHOLDS))
    candidates = list(
        ReportTask.objects.filter(
            campaign__status=CampaignStatus.OPEN,
            state__in=UNFILED,
            due_on__gte=today,
            due_on__lte=window,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals: Counter[str] = Counter()
    sent = 0
    for start in range(0, len(candidates), CHUNK):
        messages, counts = _claim(candidates[start : start + CHUNK], today)
        totals.update(counts)
        sent += len(notify_many(messages))
    result: dict[str, Any] = {
        "date": today.isoformat(),
        "tasks": totals["tasks"],
        "messages": sent,
        "unreachable": totals["unreachable"],
        "by_threshold": {str(t): totals[f"days_{t}"] for t in THRESHOLDS},
    }
    if totals["tasks"] or totals["unreachable"]:
        audit_record(
            actor=None,
            action="report_reminders.sent",
            changes=result,
            object_repr=f"报告截止提醒 {today.isoformat()}",
        )
    return result
