"""The closed loop of a hidden danger: register, assess, plan, rectify, accept (or refuse),
close; deadline extensions; photos; the report of a major one to its regulator.

Every change of state goes through `_step`: it takes the hidden danger's current row, checks
the version the caller saw (optimistic locking: a change made against an older version is
refused with `Conflict`, never applied over someone else's), asks the state machine
(workflow.py) for the next state, writes the row with `WHERE version = seen`, records the event
and the audit entry and moves the statistics' counts (tally.py), all in one transaction.

Who may act (the state machine only knows the shape of the loop):
- the enterprise's own users register, assess, plan and rectify its hidden dangers; regulators
  in scope register what their inspections find and may assess;
- acceptance (or refusal) is by someone other than the person who reported the rectification;
- closing (销号) is by the enterprise's principal or a regulator in scope, and a hidden danger
  listed for supervision closes only once the listing is lifted;
- a deadline moves only by an approved extension: the enterprise's principal approves one for
  a general hidden danger, a regulator for a major one, never the person who asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.errors import Conflict, DomainError, Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.notify import Message, notify_many
from saferisk.core.scoping import can
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import photos as photo_files
from saferisk.hidden_dangers import tally
from saferisk.hidden_dangers.choices import (
    ExtensionState,
    HiddenDangerGrade,
    HiddenDangerSource,
    HiddenDangerState,
    PhotoStage,
    SupervisionState,
)
from saferisk.hidden_dangers.models import (
    UNRECTIFIED,
    DeadlineExtension,
    HiddenDanger,
    HiddenDangerEvent,
    Inspection,
    InspectionResult,
    Photo,
)
from saferisk.hidden_dangers.workflow import IllegalTransition, allowed_actions, next_state
from saferisk.risks.models import Risk

ENTERPRISE_SOURCES = (HiddenDangerSource.SELF_CHECK, HiddenDangerSource.OTHER)
TITLE_MAX = 200


# --- Who is who ----------------------------------------------------------------------------------


def is_insider(user: User, enterprise_id: int) -> bool:
    """One of the enterprise's own users (filler or principal)."""
    return (
        user.role in (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL)
        and user.enterprise_id == enterprise_id
    )


def is_overseer(user: User, hd: HiddenDanger) -> bool:
    """A regulator (or admin) who may change this hidden danger."""
    return (user.is_admin or user.role == Role.REGULATOR) and can(user, "change", hd)


# The order of the steps as they are offered: the expected next step first (accept before refuse).
STEP_ORDER = ["assess", "plan", "report_rectified", "revise_plan", "accept", "refuse_acceptance", "close"]


def actions_for(user: User, hd: HiddenDanger) -> list[str]:
    """The steps `user` may take on `hd` now, by the rules the steps below check ("revise_plan"
    is `plan` while rectifying): the page shows a form for each."""
    insider = is_insider(user, hd.enterprise_id)
    overseer = is_overseer(user, hd)
    enterprise_side = insider or user.is_admin
    judge = (insider or overseer) and hd.rectified_by_id != user.pk
    may = {
        "assess": insider or overseer,
        "plan": enterprise_side,
        "report_rectified": enterprise_side,
        "accept": judge,
        "refuse_acceptance": judge,
        "close": overseer or (insider and user.role == Role.ENTERPRISE_PRINCIPAL),
    }
    steps = [action for action in allowed_actions(hd.state) if may.get(action)]
    if hd.state == HiddenDangerState.RECTIFYING and enterprise_side:
        steps.append("revise_plan")
    return sorted(steps, key=STEP_ORDER.index)


def _require_view(actor: User, hd: HiddenDanger) -> None:
    if not can(actor, "view", hd):
        raise NotFound()


def is_overdue(hd: HiddenDanger, today: dt.date | None = None) -> bool:
    """Overdue is derived, never stored: past the deadline and not yet rectified."""
    return (
        hd.deadline is not None and hd.state in UNRECTIFIED and hd.deadline < (today or timezone.localdate())
    )


def days_overdue(hd: HiddenDanger, today: dt.date | None = None) -> int:
    if not is_overdue(hd, today) or hd.deadline is None:
        return 0
    return ((today or timezone.localdate()) - hd.deadline).days


# --- The one path for changes of state --------------------------------------------------------------


def _locked(hd: HiddenDanger, version: int | None) -> HiddenDanger:
    """The current row; Conflict if it moved on from the version the caller saw."""
    current = HiddenDanger.objects.select_related("enterprise").get(pk=hd.pk)
    if version is not None and current.version != version:
        raise Conflict(f"该隐患已被他人处理（当前为“{current.get_state_display()}”），请刷新页面后重试")
    return current


def _step(
    *,
    actor: User,
    hd: HiddenDanger,
    version: int | None,
    action: str | None,
    fields: dict[str, Any],
    audit_action: str,
    note: str = "",
) -> HiddenDanger:
    """Apply `action` (a transition of workflow.py, or None for a change within the state) and
    `fields` to the hidden danger seen at `version`, or refuse."""
    current = hd if hd._state.adding else _locked(hd, version)
    seen = current.version
    before = tally.mark(current)
    old_state = current.state
    if action is not None:
        try:
            fields = {**fields, "state": next_state(current.state, action)}
        except IllegalTransition as exc:
            raise DomainError("illegal_transition", exc.message) from None
    updated = HiddenDanger.objects.filter(pk=current.pk, version=seen).update(
        **fields, version=seen + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise Conflict()
    for name, value in fields.items():
        setattr(current, name, value)
    current.version = seen + 1
    tally.move(before, tally.mark(current))
    HiddenDangerEvent.objects.create(
        hidden_danger=current,
        action=action or audit_action.split(".")[-1],
        from_state=old_state,
        to_state=current.state,
        actor=actor,
        note=note,
    )
    audit_record(
        actor=actor,
        action=audit_action,
        obj=current,
        changes={k: v for k, v in fields.items() if not k.endswith("_by")} | {"version": current.version},
    )
    return current


# --- Registering ------------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("title_required", "请用一句话写明隐患是什么", field="title")
    if len(title) > TITLE_MAX:
        raise DomainError("title_too_long", f"隐患名称不超过{TITLE_MAX}字，细节写在描述里", field="title")
    return title


@transaction.atomic
def register(
    *,
    actor: User,
    enterprise: Enterprise,
    title: str,
    source: str = HiddenDangerSource.SELF_CHECK,
    description: str = "",
    place: str = "",
    risk: Risk | None = None,
    inspection: Inspection | None = None,
    found_on: dt.date | None = None,
    photos: Iterable[IO[bytes]] = (),
    grade: str | None = None,
    criteria: list[str] | None = None,
    deadline: dt.date | None = None,
) -> HiddenDanger:
    """Register a hidden danger. Quick capture is a title (one line) and a photo; the grade and
    deadline come at assessment. A regulator registering a finding may grade it and set the
    deadline at once (责令限期整改): it is then assessed in the same step. A major one is
    reported to the regulator as soon as it is registered."""
    insider = is_insider(actor, enterprise.pk)
    regulator = (actor.is_admin or actor.role == Role.REGULATOR) and can(actor, "change", enterprise)
    if not (insider or regulator):
        if can(actor, "view", enterprise):
            raise Forbidden("您不能为该企业登记隐患", code="cannot_register")
        raise NotFound()
    if source not in HiddenDangerSource.values:
        raise DomainError("bad_source", "隐患来源不正确", field="source")
    if insider and source not in ENTERPRISE_SOURCES:
        raise DomainError("bad_source", "企业登记的隐患来源只能是自查或其他", field="source")
    if risk is not None and risk.enterprise_id != enterprise.pk:
        raise DomainError("risk_elsewhere", "所选风险不属于该企业", field="risk")
    if inspection is not None and inspection.enterprise_id != enterprise.pk:
        raise DomainError("inspection_elsewhere", "所选检查不属于该企业", field="inspection")
    today = timezone.localdate()
    found_on = found_on or today
    if found_on > today:
        raise DomainError("found_in_future", "发现日期不能晚于今天", field="found_on")
    hd = HiddenDanger(
        enterprise=enterprise,
        region_code=enterprise.region_id,
        division=(enterprise.industry_id or "")[:2],
        source=source,
        title=_clean_title(title),
        description=description.strip(),
        place=(place or (risk.place if risk else "")).strip()[:200],
        risk=risk,
        inspection=inspection,
        found_on=found_on,
        found_by=actor,
    )
    hd.save()
    tally.move(None, tally.mark(hd))
    HiddenDangerEvent.objects.create(
        hidden_danger=hd, action="register", to_state=hd.state, actor=actor, note=hd.description[:500]
    )
    audit_record(
        actor=actor,
        action="hidden_danger.registered",
        obj=hd,
        changes={"title": hd.title, "source": hd.source, "place": hd.place, "state": hd.state},
    )
    for upload in photos:
        photo_add(actor=actor, hd=hd, upload=upload, stage=PhotoStage.FOUND)
    if grade:
        if deadline is None:
            raise DomainError("deadline_required", "定级的同时请给出整改期限", field="deadline")
        hd = assess(
            actor=actor, hd=hd, version=hd.version, grade=grade, criteria=criteria or [], deadline=deadline
        )
    return hd


def _report_major(actor: User, hd: HiddenDanger) -> None:
    """Tell the regulators of the enterprise's county that a major hidden danger was registered
    (重大事故隐患报告), once; they see it in their list of major ones from now on."""
    if hd.reported_at is not None:
        return
    now = timezone.now()
    HiddenDanger.objects.filter(pk=hd.pk).update(reported_at=now)
    hd.reported_at = now
    county = hd.region_code[:6]
    recipients = list(
        User.objects.filter(
            role=Role.REGULATOR,
            is_active=True,
            region_id__in=[county, county[:4] + "00"],
            department__isnull=True,
        )
    )
    body = f"【重大事故隐患】{hd.enterprise.name}：{hd.title}（整改期限 {hd.deadline or '待定'}）"
    messages = [Message(user=u, phone=u.phone, kind="major_hidden_danger", body=body) for u in recipients]
    transaction.on_commit(lambda: notify_many(messages))
    HiddenDangerEvent.objects.create(
        hidden_danger=hd,
        action="report",
        from_state=hd.state,
        to_state=hd.state,
        actor=actor,
        note=f"已报告监管部门（{len(recipients)}人）",
    )
    audit_record(
        actor=actor, action="hidden_danger.reported", obj=hd, changes={"recipients": len(recipients)}
    )


# --- Assessment and plan ---------------------------------------------------------------------------


def _can_handle(actor: User, hd: HiddenDanger) -> bool:
    return is_insider(actor, hd.enterprise_id) or is_overseer(actor, hd)


def _require(ok: bool, actor: User, hd: HiddenDanger, message: str, code: str) -> None:
    if ok:
        return
    _require_view(actor, hd)
    raise Forbidden(message, code=code)


@transaction.atomic
def assess(
    *,
    actor: User,
    hd: HiddenDanger,
    version: int | None,
    grade: str,
    deadline: dt.date,
    criteria: list[str] | None = None,
    grade_reason: str = "",
) -> HiddenDanger:
    """评估定级: the grade (with the criteria of a major one) and the rectification deadline."""
    _require(_can_handle(actor, hd), actor, hd, "您不能评估该隐患", "cannot_assess")
    if grade not in HiddenDangerGrade.values:
        raise DomainError("bad_grade", "隐患等级只能是一般隐患或重大隐患", field="grade")
    criteria = [c for c in (criteria or []) if c]
    if grade == HiddenDangerGrade.MAJOR and not (criteria or grade_reason.strip()):
        raise DomainError(
            "criteria_required", "判定为重大隐患时请选择依据的判定标准或写明理由", field="criteria"
        )
    if deadline is None:
        raise DomainError("deadline_required", "请给出整改期限", field="deadline")
    if deadline < hd.found_on:
        raise DomainError("deadline_before_found", "整改期限不能早于发现日期", field="deadline")
    hd = _step(
        actor=actor,
        hd=hd,
        version=version,
        action="assess",
        fields={
            "grade": grade,
            "criteria": criteria if grade == HiddenDangerGrade.MAJOR else [],
            "grade_reason": grade_reason.strip(),
            "deadline": deadline,
            "assessed_by": actor,
            "assessed_at": timezone.now(),
        },
        audit_action="hidden_danger.assessed",
        note=f"{HiddenDangerGrade(grade).label}，整改期限 {deadline.isoformat()}",
    )
    if grade == HiddenDangerGrade.MAJOR:
        _report_major(actor, hd)
    return hd


@transaction.atomic
def plan(
    *,
    actor: User,
    hd: HiddenDanger,
    version: int | None,
    measures: str,
    owner_name: str,
    owner_phone: str = "",
    funds: Decimal | None = None,
    contingency: str = "",
    safeguards: str = "",
) -> HiddenDanger:
    """The rectification plan (五到位: measures, owner, funds, deadline, contingency) and the
    interim safeguards. Made once it is assessed (→ rectifying); revised while rectifying."""
    _require(
        is_insider(actor, hd.enterprise_id) or actor.is_admin,
        actor,
        hd,
        "整改方案由企业制定",
        "enterprise_only",
    )
    measures, owner_name = measures.strip(), owner_name.strip()
    missing = [label for value, label in ((measures, "整改措施"), (owner_name, "责任人")) if not value]
    if missing:
        raise DomainError(
            "plan_incomplete",
            "整改方案缺少：" + "、".join(missing),
            field="measures" if not measures else "owner_name",
        )
    if funds is not None and funds < 0:
        raise DomainError("bad_funds", "整改资金不能为负数", field="funds")
    current = _locked(hd, version)
    if current.grade == HiddenDangerGrade.MAJOR and not contingency.strip():
        raise DomainError("contingency_required", "重大隐患的整改方案须包含应急预案", field="contingency")
    fields: dict[str, Any] = {
        "measures": measures,
        "owner_name": owner_name[:60],
        "owner_phone": owner_phone.strip()[:20],
        "funds": funds,
        "contingency": contingency.strip(),
        "safeguards": safeguards.strip(),
    }
    if current.state == HiddenDangerState.RECTIFYING:
        return _step(
            actor=actor,
            hd=current,
            version=version,
            action=None,
            fields=fields,
            audit_action="hidden_danger.plan_updated",
            note="修订整改方案",
        )
    fields["planned_at"] = timezone.now()
    return _step(
        actor=actor,
        hd=current,
        version=version,
        action="plan",
        fields=fields,
        audit_action="hidden_danger.planned",
        note=f"责任人 {owner_name}",
    )


# --- Rectification, acceptance, closing ----------------------------------------------------------------


@transaction.atomic
def report_rectified(
    *,
    actor: User,
    hd: HiddenDanger,
    version: int | None,
    note: str,
    rectified_on: dt.date | None = None,
    photos: Iterable[IO[bytes]] = (),
) -> HiddenDanger:
    """整改完成: what was done (and photos of it); on time if done by the deadline."""
    _require(
        is_insider(actor, hd.enterprise_id) or actor.is_admin,
        actor,
        hd,
        "整改由企业完成并报告",
        "enterprise_only",
    )
    note = note.strip()
    if not note:
        raise DomainError("note_required", "请写明整改完成的情况", field="note")
    today = timezone.localdate()
    rectified_on = rectified_on or today
    if rectified_on > today:
        raise DomainError("rectified_in_future", "整改完成日期不能晚于今天", field="rectified_on")
    current = _locked(hd, version)
    on_time = current.deadline is None or rectified_on <= current.deadline
    hd = _step(
        actor=actor,
        hd=current,
        version=version,
        action="report_rectified",
        fields={
            "rectification_note": note,
            "rectified_on": rectified_on,
            "rectified_by": actor,
            "on_time": on_time,
        },
        audit_action="hidden_danger.rectified",
        note=note[:500],
    )
    for upload in photos:
        photo_add(actor=actor, hd=hd, upload=upload, stage=PhotoStage.RECTIFIED)
    return hd


def _can_accept(actor: User, hd: HiddenDanger) -> None:
    _require(_can_handle(actor, hd), actor, hd, "您不能验收该隐患", "cannot_accept")
    if hd.rectified_by_id is not None and hd.rectified_by_id == actor.pk:
        raise DomainError("same_person", "验收须由整改人以外的人员进行", field="note")


@transaction.atomic
def accept(*, actor: User, hd: HiddenDanger, version: int | None, note: str = "") -> HiddenDanger:
    """验收通过, by someone other than the person who rectified."""
    current = _locked(hd, version)
    _can_accept(actor, current)
    return _step(
        actor=actor,
        hd=current,
        version=version,
        action="accept",
        fields={"accepted_by": actor, "accepted_at": timezone.now(), "acceptance_note": note.strip()},
        audit_action="hidden_danger.accepted",
        note=note.strip()[:500],
    )


@transaction.atomic
def refuse_acceptance(*, actor: User, hd: HiddenDanger, version: int | None, note: str) -> HiddenDanger:
    """验收不通过: back to rectifying, with what is still wrong; the rectification report is
    cleared so the next one is judged afresh."""
    current = _locked(hd, version)
    _can_accept(actor, current)
    note = note.strip()
    if not note:
        raise DomainError("note_required", "请写明验收不通过的原因", field="note")
    return _step(
        actor=actor,
        hd=current,
        version=version,
        action="refuse_acceptance",
        fields={"acceptance_note": note, "on_time": None, "rectified_on": None},
        audit_action="hidden_danger.acceptance_refused",
        note=note[:500],
    )


@transaction.atomic
def close(*, actor: User, hd: HiddenDanger, version: int | None, note: str = "") -> HiddenDanger:
    """销号: by the enterprise's principal or a regulator; a listed one only once lifted."""
    current = _locked(hd, version)
    principal = actor.role == Role.ENTERPRISE_PRINCIPAL and actor.enterprise_id == current.enterprise_id
    _require(
        principal or is_overseer(actor, current),
        actor,
        current,
        "销号由企业主要负责人或监管部门进行",
        "cannot_close",
    )
    if current.listings.filter(state=SupervisionState.LISTED).exists():
        raise DomainError("still_listed", "该隐患正在挂牌督办，摘牌后才能销号")
    return _step(
        actor=actor,
        hd=current,
        version=version,
        action="close",
        fields={"closed_by": actor, "closed_at": timezone.now()},
        audit_action="hidden_danger.closed",
        note=note.strip()[:500],
    )


# --- Deadline extensions --------------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, actor: User, hd: HiddenDanger, new_deadline: dt.date, reason: str
) -> DeadlineExtension:
    """申请延期: the enterprise asks to move the deadline, with a reason; one request at a time."""
    _require(is_insider(actor, hd.enterprise_id), actor, hd, "延期由企业申请", "enterprise_only")
    current = HiddenDanger.objects.get(pk=hd.pk)
    if (
        current.state not in (HiddenDangerState.ASSESSED, HiddenDangerState.RECTIFYING)
        or current.deadline is None
    ):
        raise DomainError("no_deadline_to_extend", "只有已定整改期限、尚未整改完成的隐患可以申请延期")
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", "请写明延期的理由", field="reason")
    if new_deadline is None or new_deadline <= current.deadline:
        raise DomainError(
            "not_later", f"新的整改期限须晚于当前期限 {current.deadline.isoformat()}", field="new_deadline"
        )
    try:
        with transaction.atomic():
            ext = DeadlineExtension.objects.create(
                hidden_danger=current,
                old_deadline=current.deadline,
                new_deadline=new_deadline,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:
        raise DomainError("extension_pending", "已有一个延期申请等待审批") from None
    HiddenDangerEvent.objects.create(
        hidden_danger=current,
        action="extension_requested",
        from_state=current.state,
        to_state=current.state,
        actor=actor,
        note=f"申请延期至 {new_deadline.isoformat()}：{reason[:400]}",
    )
    audit_record(
        actor=actor,
        action="hidden_danger.extension_requested",
        obj=current,
        changes={"deadline": [current.deadline, new_deadline], "reason": reason},
    )
    return ext


def can_decide_extension(actor: User, hd: HiddenDanger) -> bool:
    if hd.grade == HiddenDangerGrade.MAJOR:
        return is_overseer(actor, hd)
    principal = actor.role == Role.ENTERPRISE_PRINCIPAL and actor.enterprise_id == hd.enterprise_id
    return principal or is_overseer(actor, hd)


@transaction.atomic
def extension_decide(
    *, actor: User, extension: DeadlineExtension, approve: bool, note: str = ""
) -> DeadlineExtension:
    """Approve (the deadline moves, through the same locked path as every change) or reject."""
    ext = DeadlineExtension.objects.select_for_update().select_related("hidden_danger").get(pk=extension.pk)
    hd = ext.hidden_danger
    _require(
        can_decide_extension(actor, hd),
        actor,
        hd,
        "重大隐患的延期由监管部门审批，一般隐患由企业主要负责人审批",
        "cannot_decide",
    )
    if ext.requested_by_id == actor.pk:
        raise DomainError("same_person", "不能审批自己提出的延期申请")
    if ext.state != ExtensionState.PENDING:
        raise DomainError("already_decided", "该延期申请已经审批过了")
    if not approve and not note.strip():
        raise DomainError("note_required", "请写明不同意延期的理由", field="note")
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
    ext.decided_by = actor
    ext.decided_at = timezone.now()
    ext.decision_note = note.strip()
    ext.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    verdict = "同意" if approve else "不同意"
    if approve:
        _step(
            actor=actor,
            hd=hd,
            version=None,
            action=None,
            fields={"deadline": ext.new_deadline, "escalation": 0},
            audit_action="hidden_danger.extension_decided",
            note=f"{verdict}延期至 {ext.new_deadline.isoformat()}"
            + (f"：{ext.decision_note}" if ext.decision_note else ""),
        )
    else:
        HiddenDangerEvent.objects.create(
            hidden_danger=hd,
            action="extension_decided",
            from_state=hd.state,
            to_state=hd.state,
            actor=actor,
            note=f"{verdict}延期：{ext.decision_note}",
        )
        audit_record(
            actor=actor,
            action="hidden_danger.extension_decided",
            obj=hd,
            changes={"approved": False, "note": ext.decision_note},
        )
    return ext


# --- Photos --------------------------------------------------------------------------------------------


@transaction.atomic
def photo_add(
    *,
    actor: User,
    upload: IO[bytes],
    hd: HiddenDanger | None = None,
    result: InspectionResult | None = None,
    stage: str = PhotoStage.FOUND,
    size: int | None = None,
) -> Photo:
    """Store a photo of a hidden danger or an inspection item, checked and resized."""
    target: Any = hd if hd is not None else result
    if target is None:
        raise ValueError("a photo belongs to a hidden danger or an inspection result")
    if not can(actor, "view", target):
        raise NotFound()
    owner = hd if hd is not None else result.inspection  # type: ignore[union-attr]
    prepared = photo_files.prepare(upload, size=size if size is not None else getattr(upload, "size", None))
    photo = Photo(
        enterprise_id=owner.enterprise_id,
        region_code=owner.region_code,
        hidden_danger=hd,
        result=result,
        stage=stage,
        width=prepared.width,
        height=prepared.height,
        uploaded_by=actor,
    )
    photo.image.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
    photo.save()
    audit_record(
        actor=actor,
        action="hidden_danger.photo_added",
        obj=hd if hd is not None else photo,
        changes={"photo": photo.image.name, "stage": stage},
    )
    return photo
