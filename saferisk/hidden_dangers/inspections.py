"""Checklists and inspections (隐患排查): checklists generated from the risks' controls, one per
control tier, on a schedule; an inspection ticks their items, and a failed item opens a hidden
danger pre-filled with the risk, the place and the photo.

Regulators inspect the same way (执法检查): they start an inspection of an enterprise in their
jurisdiction, from one of its checklists or with items of their own; what fails becomes a hidden
danger with the source "regulator inspection", which the enterprise sees and rectifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.scoping import can, scoped
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import services
from saferisk.hidden_dangers.choices import (
    INTERVAL_DAYS,
    Frequency,
    HiddenDangerSource,
    InspectionKind,
    InspectionState,
    Outcome,
    PhotoStage,
)
from saferisk.hidden_dangers.models import (
    Checklist,
    ChecklistItem,
    HiddenDanger,
    Inspection,
    InspectionResult,
    Photo,
)
from saferisk.risks.choices import ControlTier, RiskStatus
from saferisk.risks.models import ControlMeasure

TIER_NAMES = {
    ControlTier.COMPANY: "公司级排查清单",
    ControlTier.WORKSHOP: "车间级排查清单",
    ControlTier.TEAM: "班组级排查清单",
    ControlTier.POST: "岗位级排查清单",
}


def default_frequency(tier: str) -> str:
    value = str(settings.SAFERISK_INSPECTION_FREQUENCY.get(tier, Frequency.MONTHLY))
    return value if value in Frequency.values else Frequency.MONTHLY


def next_due(frequency: str, after: dt.date) -> dt.date:
    return after + dt.timedelta(days=INTERVAL_DAYS[Frequency(frequency)])


def _require_insider(actor: User, enterprise_id: int, obj: Any) -> None:
    if services.is_insider(actor, enterprise_id) or actor.is_admin:
        return
    if can(actor, "view", obj):
        raise Forbidden("排查清单由企业维护", code="enterprise_only")
    raise NotFound()


# --- Checklists ------------------------------------------------------------------------------------


@transaction.atomic
def generate(*, actor: User, enterprise: Enterprise) -> dict[str, int]:
    """Build or top up the enterprise's checklists from its active risks: one checklist per
    control tier in use, one item per control measure not yet on it. Items already there, and
    edits made to them, are kept; a measure whose item was removed is not added back."""
    _require_insider(actor, enterprise.pk, enterprise)
    today = timezone.localdate()
    measures = (
        ControlMeasure.objects.filter(risk__enterprise=enterprise, risk__status=RiskStatus.ACTIVE)
        .select_related("risk")
        .order_by("risk__control_tier", "risk_id", "sort_order", "id")
    )
    known = set(
        ChecklistItem.objects.filter(checklist__enterprise=enterprise, measure__isnull=False).values_list(
            "measure_id", flat=True
        )
    )
    checklists: dict[str, Checklist] = {c.tier: c for c in Checklist.objects.filter(enterprise=enterprise)}
    created_lists = added = 0
    orders: dict[int, int] = {}
    for measure in measures:
        tier = measure.risk.control_tier
        checklist = checklists.get(tier)
        if checklist is None:
            checklist = Checklist.objects.create(
                enterprise=enterprise,
                tier=tier,
                name=TIER_NAMES.get(ControlTier(tier), "排查清单"),
                frequency=default_frequency(tier),
                next_due_on=today,
            )
            checklists[tier] = checklist
            created_lists += 1
        if measure.pk in known:
            continue
        if checklist.pk not in orders:
            orders[checklist.pk] = checklist.items.aggregate(m=Max("sort_order"))["m"] or 0
        orders[checklist.pk] += 1
        ChecklistItem.objects.create(
            checklist=checklist,
            risk=measure.risk,
            measure=measure,
            place=" ".join(p for p in (measure.risk.place, measure.risk.part) if p)[:200],
            text=f"{measure.risk.name}：{measure.text}"[:500],
            sort_order=orders[checklist.pk],
        )
        added += 1
    audit_record(
        actor=actor,
        action="checklist.generated",
        obj=enterprise,
        changes={"checklists_created": created_lists, "items_added": added},
    )
    return {"checklists": created_lists, "items": added}


@transaction.atomic
def checklist_update(
    *, actor: User, checklist: Checklist, name: str, frequency: str, assignee: User | None, active: bool
) -> Checklist:
    """Rename, reschedule, assign or pause a checklist; a new frequency moves the next due date."""
    _require_insider(actor, checklist.enterprise_id, checklist)
    if frequency not in Frequency.values:
        raise DomainError("bad_frequency", "排查周期不正确", field="frequency")
    if assignee is not None and assignee.enterprise_id != checklist.enterprise_id:
        raise DomainError("assignee_elsewhere", "排查人须是本企业的用户", field="assignee")
    name = name.strip()
    if not name:
        raise DomainError("name_required", "请填写清单名称", field="name")
    before = {
        "name": checklist.name,
        "frequency": checklist.frequency,
        "assignee": checklist.assignee_id,
        "active": checklist.active,
    }
    checklist.name = name[:100]
    if frequency != checklist.frequency:
        checklist.frequency = frequency
        base = checklist.last_inspected_on
        checklist.next_due_on = next_due(frequency, base) if base else timezone.localdate()
    checklist.assignee = assignee
    checklist.active = active
    checklist.save()
    after = {
        "name": checklist.name,
        "frequency": frequency,
        "assignee": checklist.assignee_id,
        "active": active,
    }
    audit_record(
        actor=actor,
        action="checklist.updated",
        obj=checklist,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return checklist


@transaction.atomic
def item_save(
    *,
    actor: User,
    checklist: Checklist,
    text: str,
    place: str = "",
    active: bool = True,
    item: ChecklistItem | None = None,
) -> ChecklistItem:
    """Add an item to a checklist, or edit one (its words, place, or take it off the list)."""
    _require_insider(actor, checklist.enterprise_id, checklist)
    text = " ".join(text.split())
    if not text:
        raise DomainError("text_required", "请填写排查内容", field="text")
    if item is None:
        order = (checklist.items.aggregate(m=Max("sort_order"))["m"] or 0) + 1
        item = ChecklistItem.objects.create(
            checklist=checklist, text=text[:500], place=place.strip()[:200], sort_order=order, active=active
        )
        audit_record(actor=actor, action="checklist_item.created", obj=item, changes={"text": item.text})
        return item
    if item.checklist_id != checklist.pk:
        raise NotFound()
    before = {"text": item.text, "place": item.place, "active": item.active}
    item.text, item.place, item.active = text[:500], place.strip()[:200], active
    item.save(update_fields=["text", "place", "active"])
    after = {"text": item.text, "place": item.place, "active": item.active}
    audit_record(
        actor=actor,
        action="checklist_item.updated",
        obj=item,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return item


def due_checklists(user: User, today: dt.date | None = None, *, mine: bool = False) -> QuerySet[Checklist]:
    """Active checklists due today or earlier (never inspected counts as due), the user's own
    assignments first when `mine` is off; with `mine`, only those assigned to the user or to
    nobody."""
    today = today or timezone.localdate()
    qs = (
        scoped(user, Checklist)
        .filter(active=True)
        .filter(Q(next_due_on__lte=today) | Q(next_due_on__isnull=True))
    )
    if mine:
        qs = qs.filter(Q(assignee=user) | Q(assignee__isnull=True))
    return qs.select_related("enterprise", "assignee").order_by("next_due_on", "enterprise_id", "tier")


# --- Inspections -----------------------------------------------------------------------------------


@transaction.atomic
def start(
    *,
    actor: User,
    enterprise: Enterprise,
    checklist: Checklist | None = None,
    title: str = "",
    inspected_on: dt.date | None = None,
) -> Inspection:
    """Begin an inspection: the enterprise's own against one of its checklists, or a
    regulator's of an enterprise in its jurisdiction (from a checklist or with its own items)."""
    insider = services.is_insider(actor, enterprise.pk)
    regulator = (actor.is_admin or actor.role == Role.REGULATOR) and can(actor, "change", enterprise)
    if not (insider or regulator):
        if can(actor, "view", enterprise):
            raise Forbidden("您不能检查该企业", code="cannot_inspect")
        raise NotFound()
    if checklist is not None and checklist.enterprise_id != enterprise.pk:
        raise DomainError("checklist_elsewhere", "所选清单不属于该企业", field="checklist")
    if insider and checklist is None:
        raise DomainError("checklist_required", "请选择要排查的清单", field="checklist")
    today = timezone.localdate()
    inspected_on = inspected_on or today
    if inspected_on > today:
        raise DomainError("inspected_in_future", "检查日期不能晚于今天", field="inspected_on")
    kind = InspectionKind.SELF_CHECK if insider else InspectionKind.REGULATOR
    if not title.strip():
        title = (
            f"{checklist.name} {inspected_on.isoformat()}"
            if checklist
            else f"执法检查 {inspected_on.isoformat()}"
        )
    authority = ""
    if kind == InspectionKind.REGULATOR:
        authority = actor.organisation or (actor.region.name if actor.region_id and actor.region else "")
    inspection = Inspection.objects.create(
        enterprise=enterprise,
        region_code=enterprise.region_id,
        kind=kind,
        checklist=checklist,
        title=title.strip()[:200],
        inspector=actor,
        authority=authority[:100],
        inspected_on=inspected_on,
    )
    if checklist is not None:
        items = list(checklist.items.filter(active=True))
        InspectionResult.objects.bulk_create(
            [
                InspectionResult(
                    inspection=inspection,
                    item=i,
                    risk_id=i.risk_id,
                    place=i.place,
                    text=i.text,
                    sort_order=i.sort_order,
                )
                for i in items
            ]
        )
        inspection.items = len(items)
        inspection.save(update_fields=["items"])
    audit_record(
        actor=actor,
        action="inspection.started",
        obj=inspection,
        changes={"kind": kind, "checklist": checklist.pk if checklist else None, "items": inspection.items},
    )
    return inspection


def _require_inspector(actor: User, inspection: Inspection) -> None:
    """The inspection's own side changes it: the enterprise's users its self-checks, the
    regulators in scope their inspections (the enterprise only reads those)."""
    if not can(actor, "view", inspection):
        raise NotFound()
    if inspection.kind == InspectionKind.SELF_CHECK:
        ok = services.is_insider(actor, inspection.enterprise_id) or actor.is_admin
    else:
        ok = (actor.is_admin or actor.role == Role.REGULATOR) and can(actor, "change", inspection)
    if not ok:
        raise Forbidden("您不能修改这次检查", code="not_inspector")
    if inspection.state != InspectionState.OPEN:
        raise DomainError("inspection_finished", "这次检查已经结束")


@transaction.atomic
def result_add(*, actor: User, inspection: Inspection, text: str, place: str = "") -> InspectionResult:
    """An item the inspector adds on the spot (a regulator's own check point, or one the
    checklist missed)."""
    _require_inspector(actor, inspection)
    text = " ".join(text.split())
    if not text:
        raise DomainError("text_required", "请填写检查内容", field="text")
    order = (inspection.results.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    result = InspectionResult.objects.create(
        inspection=inspection, text=text[:500], place=place.strip()[:200], sort_order=order
    )
    Inspection.objects.filter(pk=inspection.pk).update(items=inspection.results.count())
    return result


@transaction.atomic
def record(
    *,
    actor: User,
    result: InspectionResult,
    outcome: str,
    note: str = "",
    photos: Iterable[IO[bytes]] = (),
) -> InspectionResult:
    """Tick one item. A failed item opens a hidden danger (once), pre-filled with the risk, the
    place, the note and the photos; its grade and deadline come at assessment."""
    inspection = Inspection.objects.select_related("enterprise").get(pk=result.inspection_id)
    _require_inspector(actor, inspection)
    result = InspectionResult.objects.select_for_update().get(pk=result.pk)
    if outcome not in Outcome.values:
        raise DomainError("bad_outcome", "请选择合格、不合格或不适用", field="outcome")
    note = note.strip()
    if outcome == Outcome.FAIL and not note and not result.text:
        raise DomainError("note_required", "不合格时请写明问题", field="note")
    if result.hidden_danger_id and outcome != Outcome.FAIL:
        raise DomainError("hidden_danger_open", "该项已登记隐患，不能改为合格；隐患在隐患台账中处理")
    result.outcome = outcome
    result.note = note[:500]
    result.save(update_fields=["outcome", "note"])
    added: list[Photo] = [
        services.photo_add(actor=actor, result=result, upload=upload, stage=PhotoStage.FOUND)
        for upload in photos
    ]
    if outcome == Outcome.FAIL and result.hidden_danger_id is None:
        source = (
            HiddenDangerSource.SELF_CHECK
            if inspection.kind == InspectionKind.SELF_CHECK
            else HiddenDangerSource.INSPECTION
        )
        title = note or f"未落实：{result.text}"
        hd = services.register(
            actor=actor,
            enterprise=inspection.enterprise,
            title=title[: services.TITLE_MAX],
            source=source,
            description=f"{inspection.title}，检查项：{result.text}" + (f"\n{note}" if note else ""),
            place=result.place,
            risk=result.risk,
            inspection=inspection,
            found_on=inspection.inspected_on,
        )
        result.hidden_danger = hd
        result.save(update_fields=["hidden_danger"])
        Photo.objects.filter(result=result).update(hidden_danger=hd)
    elif result.hidden_danger_id and added:
        Photo.objects.filter(pk__in=[p.pk for p in added]).update(hidden_danger_id=result.hidden_danger_id)
    audit_record(
        actor=actor,
        action="inspection.recorded",
        obj=inspection,
        changes={"item": result.text, "outcome": outcome, "note": note, "photos": len(added)},
    )
    return result


@transaction.atomic
def finish(*, actor: User, inspection: Inspection, note: str = "") -> Inspection:
    """End the inspection: every item needs an answer; the checklist's next due date moves on."""
    _require_inspector(actor, inspection)
    unanswered = inspection.results.filter(outcome="").count()
    if unanswered:
        raise DomainError("items_unanswered", f"还有 {unanswered} 项未检查，请逐项填写后再结束")
    inspection.state = InspectionState.FINISHED
    inspection.finished_at = timezone.now()
    inspection.note = note.strip()
    inspection.items = inspection.results.count()
    inspection.failed = inspection.results.filter(outcome=Outcome.FAIL).count()
    inspection.save(update_fields=["state", "finished_at", "note", "items", "failed"])
    if inspection.checklist_id and inspection.kind == InspectionKind.SELF_CHECK:
        checklist = Checklist.objects.get(pk=inspection.checklist_id)
        checklist.last_inspected_on = max(
            inspection.inspected_on, checklist.last_inspected_on or inspection.inspected_on
        )
        checklist.next_due_on = next_due(checklist.frequency, checklist.last_inspected_on)
        checklist.save(update_fields=["last_inspected_on", "next_due_on", "updated_at"])
    audit_record(
        actor=actor,
        action="inspection.finished",
        obj=inspection,
        changes={"items": inspection.items, "failed": inspection.failed},
    )
    return inspection


def findings(inspection: Inspection) -> QuerySet[HiddenDanger]:
    """The hidden dangers this inspection opened."""
    return HiddenDanger.objects.filter(inspection=inspection).order_by("id")
