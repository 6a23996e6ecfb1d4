"""Re-assessment tasks (Article 12 of the 江苏省生产经营单位安全风险管理条例): a catalogue update, a change
of process, main equipment or main materials, or an accident with at least one death or three
serious injuries makes the enterprise re-assess the risks it affects. The task stays on the
enterprise's register page until every affected risk has been saved again or confirmed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.scoping import can
from saferisk.enterprises.models import Enterprise
from saferisk.risks.choices import ReassessmentTrigger, RiskStatus, TaskStatus
from saferisk.risks.models import ReassessmentItem, ReassessmentTask, Risk, RiskCatalogItem

ACCIDENT_DEATHS = 1
ACCIDENT_SERIOUS_INJURIES = 3


def _require_opener(actor: User, enterprise: Enterprise) -> None:
    """The enterprise itself, an admin, or a regulator whose jurisdiction covers it (after an
    accident the regulator may open the task)."""
    from saferisk.risks.services import may_keep_register

    if may_keep_register(actor, enterprise):
        return
    if actor.role == Role.REGULATOR and can(actor, "view", enterprise):
        return
    if can(actor, "view", enterprise):
        raise Forbidden("无权为该企业发起重新评估", code="forbidden")
    raise NotFound()


def _count(value: Any, field: str, label: str) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100_000:
        raise DomainError("number_invalid", f"{label}应为非负整数", field=field)
    return number


@transaction.atomic
def reassessment_open(
    *,
    actor: User | None,
    enterprise: Enterprise,
    trigger: str,
    description: str,
    risks: Iterable[Risk] | None = None,
    deaths: Any = None,
    serious_injuries: Any = None,
    catalog_item: RiskCatalogItem | None = None,
) -> ReassessmentTask:
    """Open a task on `risks` (default: every active risk of the enterprise). An accident opens
    one only at the threshold of the 条例 (≥ 1 death or ≥ 3 serious injuries)."""
    if actor is not None:
        _require_opener(actor, enterprise)
    if trigger not in ReassessmentTrigger.values:
        raise DomainError("trigger_unknown", "重新评估的原因无效", field="trigger")
    description = str(description or "").strip()
    if not description or len(description) > 2000:
        raise DomainError("required", "请说明发生的变化或事故情况（不超过2000字）", field="description")
    task = ReassessmentTask(
        enterprise=enterprise,
        trigger=trigger,
        description=description,
        opened_by=actor,
        catalog_item=catalog_item,
    )
    if trigger == ReassessmentTrigger.ACCIDENT:
        task.deaths = _count(deaths, "deaths", "死亡人数")
        task.serious_injuries = _count(serious_injuries, "serious_injuries", "重伤人数")
        if task.deaths < ACCIDENT_DEATHS and task.serious_injuries < ACCIDENT_SERIOUS_INJURIES:
            raise DomainError(
                "below_threshold",
                "条例规定：发生死亡1人以上或重伤3人以上的生产安全事故时须重新评估；未达到该条件",
                field="deaths",
            )
    active = Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE)
    chosen = list(active) if risks is None else [r for r in risks if r.enterprise_id == enterprise.pk]
    if not chosen:
        raise DomainError("no_risks", "没有需要重新评估的在用风险", field="risks")
    task.save()
    ReassessmentItem.objects.bulk_create([ReassessmentItem(task=task, risk=r) for r in chosen])
    audit_record(
        actor=actor,
        action="reassessment.opened",
        obj=task,
        changes={
            "trigger": trigger,
            "description": description,
            "risks": sorted(r.pk for r in chosen),
            "deaths": task.deaths,
            "serious_injuries": task.serious_injuries,
        },
    )
    return task


def _close_finished(actor: User | None, task_ids: Iterable[int]) -> None:
    finished = ReassessmentTask.objects.filter(pk__in=list(task_ids), status=TaskStatus.OPEN).exclude(
        items__done_at__isnull=True
    )
    for task in finished:
        task.status = TaskStatus.DONE
        task.closed_at = timezone.now()
        task.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="reassessment.closed", obj=task, changes={"status": TaskStatus.DONE})


def mark_reassessed(*, actor: User | None, risk: Risk) -> None:
    """A saved change of `risk` re-assesses it in every open task (called by the risk services)."""
    items = ReassessmentItem.objects.filter(risk=risk, done_at__isnull=True, task__status=TaskStatus.OPEN)
    task_ids = list(items.values_list("task_id", flat=True))
    if task_ids:
        items.update(done_at=timezone.now(), done_version=risk.version)
        _close_finished(actor, task_ids)


@transaction.atomic
def reassessment_confirm(*, actor: User, item: ReassessmentItem, note: str) -> ReassessmentItem:
    """The enterprise re-assessed the risk and found nothing to change: recorded with a note."""
    from saferisk.risks.services import require_register_editor

    require_register_editor(actor, item.task.enterprise)
    note = str(note or "").strip()
    if not note:
        raise DomainError("reason_required", "请写明重新评估的结论", field="note")
    if item.done_at is not None:
        return item
    item.done_at = timezone.now()
    item.done_version = item.risk.version
    item.note = note[:2000]
    item.save(update_fields=["done_at", "done_version", "note"])
    audit_record(
        actor=actor,
        action="reassessment.confirmed",
        obj=item.task,
        changes={"risk": item.risk_id, "note": note},
    )
    _close_finished(actor, [item.task_id])
    return item


def open_tasks(enterprise: Enterprise) -> list[ReassessmentTask]:
    return list(
        ReassessmentTask.objects.filter(enterprise=enterprise, status=TaskStatus.OPEN).prefetch_related(
            "items__risk"
        )
    )
