"""Listed supervision of major hidden dangers (重大事故隐患挂牌督办).

A regulator lists a major hidden danger of its jurisdiction at its own level (province, city or
county) with a deadline and requirements; the enterprise and the regulators of the region
follow it and report progress; once the enterprise has rectified and accepted it, a regulator
at the listing's level or above records the acceptance check (核查验收) and lifts the listing
(摘牌), after which the hidden danger can be closed. The listed ones form one of the four lists
(四单), exported for publication.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import RegionLevel, Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.scoping import can
from saferisk.hidden_dangers.choices import (
    HiddenDangerGrade,
    HiddenDangerState,
    SupervisionLevel,
    SupervisionState,
)
from saferisk.hidden_dangers.models import (
    HiddenDanger,
    HiddenDangerEvent,
    ListedSupervision,
    SupervisionProgress,
)

LEVELS = {
    RegionLevel.PROVINCE: SupervisionLevel.PROVINCE,
    RegionLevel.CITY: SupervisionLevel.CITY,
    RegionLevel.COUNTY: SupervisionLevel.COUNTY,
}
CHECKABLE = (HiddenDangerState.ACCEPTED, HiddenDangerState.CLOSED)


def _event(hd: HiddenDanger, actor: User, action: str, note: str) -> None:
    HiddenDangerEvent.objects.create(
        hidden_danger=hd, action=action, from_state=hd.state, to_state=hd.state, actor=actor, note=note[:500]
    )


def listing_level(actor: User) -> str | None:
    """The level a regulator lists at: its own (a town's regulators do not list)."""
    if actor.role != Role.REGULATOR or actor.department_id or not actor.level:
        return None
    return LEVELS.get(RegionLevel(actor.level))


@transaction.atomic
def listing_create(
    *,
    actor: User,
    hd: HiddenDanger,
    deadline: dt.date,
    requirements: str,
    document_number: str = "",
) -> ListedSupervision:
    """挂牌督办 at the actor's level."""
    if not can(actor, "view", hd):
        raise NotFound()
    level = listing_level(actor)
    if level is None or not can(actor, "change", hd):
        raise Forbidden("挂牌督办由省、市、县级监管部门进行", code="cannot_list")
    current = HiddenDanger.objects.get(pk=hd.pk)
    if current.grade != HiddenDangerGrade.MAJOR:
        raise DomainError("not_major", "只有重大隐患可以挂牌督办")
    if current.state == HiddenDangerState.CLOSED:
        raise DomainError("already_closed", "该隐患已销号，不能挂牌督办")
    requirements = requirements.strip()
    if not requirements:
        raise DomainError("requirements_required", "请写明督办要求", field="requirements")
    if deadline is None or deadline < timezone.localdate():
        raise DomainError("bad_deadline", "督办期限不能早于今天", field="deadline")
    try:
        with transaction.atomic():
            listing = ListedSupervision.objects.create(
                hidden_danger=current,
                enterprise_id=current.enterprise_id,
                region_code=current.region_code,
                level=level,
                authority_code=actor.region_id or "",
                document_number=document_number.strip()[:60],
                requirements=requirements,
                deadline=deadline,
                listed_by=actor,
            )
    except IntegrityError:
        raise DomainError("already_listed", "该隐患已在挂牌督办中") from None
    _event(current, actor, "listed", f"{listing.get_level_display()}挂牌督办，期限 {deadline.isoformat()}")
    audit_record(
        actor=actor,
        action="listed_supervision.listed",
        obj=listing,
        changes={
            "hidden_danger": current.pk,
            "level": level,
            "deadline": deadline,
            "requirements": requirements,
        },
    )
    return listing


def _require_follow(actor: User, listing: ListedSupervision) -> None:
    if not can(actor, "view", listing):
        raise NotFound()


def _require_authority(actor: User, listing: ListedSupervision, message: str) -> None:
    _require_follow(actor, listing)
    if not can(actor, "change", listing):
        raise Forbidden(message, code="not_listing_authority")


@transaction.atomic
def listing_progress(*, actor: User, listing: ListedSupervision, text: str) -> SupervisionProgress:
    """A progress report, by the enterprise or a regulator following the listing."""
    _require_follow(actor, listing)
    if actor.role == Role.EXPERT:
        raise Forbidden("进展由企业或监管部门报告", code="cannot_report_progress")
    listing = ListedSupervision.objects.select_related("hidden_danger").get(pk=listing.pk)
    if listing.state != SupervisionState.LISTED:
        raise DomainError("already_lifted", "该隐患已摘牌")
    text = text.strip()
    if not text:
        raise DomainError("text_required", "请写明整改进展", field="text")
    progress = SupervisionProgress.objects.create(listing=listing, text=text, author=actor)
    _event(listing.hidden_danger, actor, "progress", f"督办进展：{text}")
    audit_record(actor=actor, action="listed_supervision.progress", obj=listing, changes={"text": text})
    return progress


@transaction.atomic
def listing_check(*, actor: User, listing: ListedSupervision, passed: bool, note: str) -> ListedSupervision:
    """核查验收 by the listing's level or above, once the enterprise has accepted the
    rectification; a failed check sends the hidden danger back to rectifying."""
    _require_authority(actor, listing, "核查验收由挂牌的监管部门或其上级进行")
    listing = ListedSupervision.objects.select_for_update().select_related("hidden_danger").get(pk=listing.pk)
    hd = listing.hidden_danger
    if listing.state != SupervisionState.LISTED:
        raise DomainError("already_lifted", "该隐患已摘牌")
    if hd.state not in CHECKABLE and passed:
        raise DomainError("not_accepted_yet", "企业完成整改并验收通过后才能核查验收通过")
    note = note.strip()
    if not note:
        raise DomainError("note_required", "请写明核查意见", field="note")
    listing.check_passed = passed
    listing.check_note = note
    listing.checked_by = actor
    listing.checked_at = timezone.now()
    listing.save(update_fields=["check_passed", "check_note", "checked_by", "checked_at"])
    _event(hd, actor, "checked", ("核查验收通过：" if passed else "核查验收不通过：") + note)
    audit_record(
        actor=actor,
        action="listed_supervision.checked",
        obj=listing,
        changes={"passed": passed, "note": note},
    )
    return listing


@transaction.atomic
def listing_lift(*, actor: User, listing: ListedSupervision, note: str = "") -> ListedSupervision:
    """摘牌, after a passed acceptance check."""
    _require_authority(actor, listing, "摘牌由挂牌的监管部门或其上级进行")
    listing = ListedSupervision.objects.select_for_update().select_related("hidden_danger").get(pk=listing.pk)
    if listing.state != SupervisionState.LISTED:
        raise DomainError("already_lifted", "该隐患已摘牌")
    if not listing.check_passed:
        raise DomainError("check_required", "核查验收通过后才能摘牌")
    listing.state = SupervisionState.LIFTED
    listing.lifted_by = actor
    listing.lifted_at = timezone.now()
    listing.lift_note = note.strip()
    listing.save(update_fields=["state", "lifted_by", "lifted_at", "lift_note"])
    _event(
        listing.hidden_danger,
        actor,
        "lifted",
        "摘牌" + (f"：{listing.lift_note}" if listing.lift_note else ""),
    )
    audit_record(
        actor=actor, action="listed_supervision.lifted", obj=listing, changes={"note": listing.lift_note}
    )
    return listing
