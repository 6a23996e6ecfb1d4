"""The closed loop through the services: who may act, what each step needs, the counts kept in
step, optimistic locking, deadline extensions and photos."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from saferisk.core.errors import Conflict, DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent, Notification
from saferisk.hidden_dangers import services, tally
from saferisk.hidden_dangers.choices import ExtensionState, HiddenDangerGrade, HiddenDangerState
from saferisk.hidden_dangers.models import (
    HiddenDanger,
    HiddenDangerCountyTally,
    HiddenDangerMonth,
    HiddenDangerTally,
)
from saferisk.hidden_dangers.tests.factories import make_hd, photo

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def counts() -> dict[str, int]:
    rows = HiddenDangerTally.objects.filter(count__gt=0).values_list("state", "count")
    return dict(rows)


def test_quick_capture_is_a_line_and_a_photo(world: Any) -> None:
    hd = services.register(
        actor=world.enterprise_filler, enterprise=world.ent_a, title=" 配电箱 门未关 ", photos=[photo()]
    )
    assert hd.state == HiddenDangerState.FOUND
    assert hd.title == "配电箱 门未关"
    assert hd.region_code == world.ent_a.region_id
    assert hd.division == "26"
    p = hd.photos.get()
    assert max(p.width, p.height) == 1600  # resized from 2400 × 1800
    assert counts() == {HiddenDangerState.FOUND: 1}
    assert HiddenDangerCountyTally.objects.get().region_code == world.ent_a.region_id[:6]
    assert HiddenDangerMonth.objects.get().found == 1
    assert AuditEvent.objects.filter(action="hidden_danger.registered").count() == 1


def test_register_refuses_bad_input_and_strangers(world: Any) -> None:
    with pytest.raises(DomainError) as exc:
        services.register(actor=world.enterprise_filler, enterprise=world.ent_a, title="  ")
    assert exc.value.code == "title_required"
    with pytest.raises(DomainError) as exc:
        services.register(actor=world.enterprise_filler, enterprise=world.ent_a, title="x", source="tip_off")
    assert exc.value.code == "bad_source"
    with pytest.raises(NotFound):
        services.register(actor=world.other_enterprise_filler, enterprise=world.ent_a, title="x")
    with pytest.raises(DomainError) as exc:
        services.register(
            actor=world.enterprise_filler,
            enterprise=world.ent_a,
            title="x",
            photos=[photo_bytes(b"not an image")],
        )
    assert exc.value.code == "photo_not_image"
    assert not HiddenDanger.objects.exists()  # the failed photo rolled the registration back


def photo_bytes(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.jpg", data, content_type="image/jpeg")


def test_the_whole_loop_moves_the_counts(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.CLOSED)
    assert hd.state == HiddenDangerState.CLOSED
    assert hd.version == 6
    assert counts() == {HiddenDangerState.CLOSED: 1}
    assert HiddenDangerTally.objects.get(count=1).on_time == 1
    month = HiddenDangerMonth.objects.get()
    assert (month.found, month.closed, month.closed_on_time) == (1, 1, 1)
    assert list(hd.events.values_list("action", flat=True)) == [
        "register",
        "assess",
        "plan",
        "report_rectified",
        "accept",
        "close",
    ]
    tally.rebuild()  # recomputing gives the same counts as the moves
    assert counts() == {HiddenDangerState.CLOSED: 1}
    month = HiddenDangerMonth.objects.get()
    assert (month.found, month.closed, month.closed_on_time) == (1, 1, 1)


def test_stale_version_is_refused_not_lost(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.FOUND)
    seen = hd.version
    services.assess(
        actor=world.enterprise_filler,
        hd=hd,
        version=seen,
        grade="general",
        deadline=TODAY() + dt.timedelta(days=5),
    )
    with pytest.raises(Conflict) as exc:
        services.assess(
            actor=world.county_regulator, hd=hd, version=seen, grade="major", deadline=TODAY(), criteria=["x"]
        )
    assert exc.value.status == 409
    hd.refresh_from_db()
    assert hd.grade == HiddenDangerGrade.GENERAL
    assert hd.version == seen + 1


def test_illegal_transition_is_a_clear_error(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.FOUND)
    with pytest.raises(DomainError) as exc:
        services.report_rectified(actor=world.enterprise_filler, hd=hd, version=hd.version, note="done")
    assert exc.value.code == "illegal_transition"
    assert "评估定级" in exc.value.message


def test_acceptance_by_another_person(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFIED)
    with pytest.raises(DomainError) as exc:
        services.accept(actor=world.enterprise_filler, hd=hd, version=hd.version)
    assert exc.value.code == "same_person"
    with pytest.raises(DomainError) as exc:
        services.refuse_acceptance(actor=world.enterprise_principal, hd=hd, version=hd.version, note=" ")
    assert exc.value.code == "note_required"
    hd = services.refuse_acceptance(
        actor=world.enterprise_principal, hd=hd, version=hd.version, note="仍有杂物"
    )
    assert hd.state == HiddenDangerState.RECTIFYING
    assert hd.on_time is None
    hd = services.report_rectified(actor=world.enterprise_filler, hd=hd, version=hd.version, note="再次清理")
    hd = services.accept(actor=world.county_regulator, hd=hd, version=hd.version, note="复查合格")
    assert hd.state == HiddenDangerState.ACCEPTED
    assert hd.accepted_by == world.county_regulator


def test_closing_is_for_the_principal_or_a_regulator(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.ACCEPTED)
    with pytest.raises(Forbidden):
        services.close(actor=world.enterprise_filler, hd=hd, version=hd.version)
    with pytest.raises(NotFound):
        services.close(actor=world.other_county_regulator, hd=hd, version=hd.version)
    assert services.close(actor=world.county_regulator, hd=hd, version=hd.version).state == "closed"


def test_plan_needs_the_five_in_place(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.ASSESSED, grade=HiddenDangerGrade.MAJOR)
    with pytest.raises(DomainError) as exc:
        services.plan(actor=world.enterprise_filler, hd=hd, version=hd.version, measures="", owner_name="")
    assert exc.value.code == "plan_incomplete"
    with pytest.raises(DomainError) as exc:
        services.plan(actor=world.enterprise_filler, hd=hd, version=hd.version, measures="m", owner_name="o")
    assert exc.value.code == "contingency_required"
    with pytest.raises(Forbidden):
        services.plan(
            actor=world.county_regulator,
            hd=hd,
            version=hd.version,
            measures="m",
            owner_name="o",
            contingency="c",
        )


def test_major_hidden_danger_is_reported_at_once(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.ASSESSED, grade=HiddenDangerGrade.MAJOR)
    assert hd.reported_at is not None
    assert AuditEvent.objects.filter(action="hidden_danger.reported").count() == 1
    fresh = make_hd(world)
    with pytest.raises(DomainError) as exc:
        services.assess(
            actor=world.enterprise_filler,
            hd=fresh,
            version=fresh.version,
            grade=HiddenDangerGrade.MAJOR,
            deadline=TODAY(),
        )
    assert exc.value.code == "criteria_required"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_major_report_notifies_the_county(world: Any) -> None:
    make_hd(world, HiddenDangerState.ASSESSED, grade=HiddenDangerGrade.MAJOR)
    recipients = set(
        Notification.objects.filter(kind="major_hidden_danger").values_list("recipient__username", flat=True)
    )
    assert recipients == {"county_regulator", "city_regulator"}


def test_regulator_finding_with_deadline_is_assessed_at_once(world: Any) -> None:
    hd = services.register(
        actor=world.county_regulator,
        enterprise=world.ent_a,
        title="未设置可燃气体报警",
        source="inspection",
        grade="general",
        deadline=TODAY() + dt.timedelta(days=7),
    )
    assert hd.state == HiddenDangerState.ASSESSED
    assert hd.source == "inspection"
    with pytest.raises(NotFound):
        services.register(
            actor=world.other_county_regulator, enterprise=world.ent_a, title="x", source="inspection"
        )


def test_deadline_extension_requested_and_approved(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    old = hd.deadline
    assert old is not None
    with pytest.raises(DomainError) as exc:
        services.extension_request(actor=world.enterprise_filler, hd=hd, new_deadline=old, reason="r")
    assert exc.value.code == "not_later"
    ext = services.extension_request(
        actor=world.enterprise_filler, hd=hd, new_deadline=old + dt.timedelta(days=20), reason="备件未到"
    )
    with pytest.raises(DomainError) as exc:
        services.extension_request(
            actor=world.enterprise_filler, hd=hd, new_deadline=old + dt.timedelta(days=30), reason="x"
        )
    assert exc.value.code == "extension_pending"
    with pytest.raises(Forbidden):
        services.extension_decide(actor=world.enterprise_filler, extension=ext, approve=True)
    services.extension_decide(actor=world.enterprise_principal, extension=ext, approve=True)
    hd.refresh_from_db()
    ext.refresh_from_db()
    assert hd.deadline == old + dt.timedelta(days=20)
    assert ext.state == ExtensionState.APPROVED
    with pytest.raises(DomainError):
        services.extension_decide(actor=world.enterprise_principal, extension=ext, approve=False, note="x")


def test_major_extension_is_for_the_regulator(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING, grade=HiddenDangerGrade.MAJOR)
    assert hd.deadline is not None
    ext = services.extension_request(
        actor=world.enterprise_filler, hd=hd, new_deadline=hd.deadline + dt.timedelta(days=5), reason="r"
    )
    with pytest.raises(Forbidden):
        services.extension_decide(actor=world.enterprise_principal, extension=ext, approve=True)
    with pytest.raises(DomainError) as exc:
        services.extension_decide(actor=world.county_regulator, extension=ext, approve=False)
    assert exc.value.code == "note_required"
    services.extension_decide(actor=world.county_regulator, extension=ext, approve=False, note="不同意")
    hd.refresh_from_db()
    assert hd.deadline == ext.old_deadline


def test_overdue_is_derived(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    assert hd.deadline is not None
    assert not services.is_overdue(hd)
    assert services.is_overdue(hd, hd.deadline + dt.timedelta(days=1))
    assert services.days_overdue(hd, hd.deadline + dt.timedelta(days=3)) == 3


def test_late_rectification_is_not_on_time(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    HiddenDanger.objects.filter(pk=hd.pk).update(deadline=TODAY() - dt.timedelta(days=2))
    hd.refresh_from_db()
    hd = services.report_rectified(actor=world.enterprise_filler, hd=hd, version=hd.version, note="迟了")
    assert hd.on_time is False
    assert HiddenDangerTally.objects.get(state="rectified", count=1).on_time == 0
