"""Listed supervision through the services: a city lists, the county follows, another county's
enterprise sees nothing, the acceptance check and the lifting, then closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.scoping import can, scoped
from saferisk.hidden_dangers import services, supervision
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState, SupervisionState
from saferisk.hidden_dangers.models import ListedSupervision
from saferisk.hidden_dangers.tests.factories import make_hd

pytestmark = pytest.mark.django_db


def test_city_lists_county_follows_other_county_enterprise_does_not_and_city_lifts(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING, grade=HiddenDangerGrade.MAJOR)
    deadline = timezone.localdate() + dt.timedelta(days=30)
    listing = supervision.listing_create(
        actor=world.city_regulator,
        hd=hd,
        deadline=deadline,
        requirements="限期整改，每周报告进展",
        document_number="宁安督〔2026〕1号",
    )
    assert listing.level == "city"
    assert listing.authority_code == "320100"
    # The county regulator follows it; the enterprise of another county does not see it.
    assert scoped(world.county_regulator, ListedSupervision).filter(pk=listing.pk).exists()
    assert not can(world.county_regulator, "change", listing)
    assert not scoped(world.other_enterprise_filler, ListedSupervision).exists()
    assert not scoped(world.other_county_regulator, ListedSupervision).exists()
    with pytest.raises(NotFound):
        supervision.listing_progress(actor=world.other_enterprise_filler, listing=listing, text="x")
    # The enterprise and the county report progress; the county may not lift a city's listing.
    supervision.listing_progress(actor=world.enterprise_filler, listing=listing, text="已采购备件")
    supervision.listing_progress(actor=world.county_regulator, listing=listing, text="现场核实进展")
    with pytest.raises(Forbidden):
        supervision.listing_lift(actor=world.county_regulator, listing=listing)
    # Listed: the hidden danger cannot close; lifting needs a passed check after acceptance.
    with pytest.raises(DomainError) as exc:
        supervision.listing_check(actor=world.city_regulator, listing=listing, passed=True, note="ok")
    assert exc.value.code == "not_accepted_yet"
    hd = services.report_rectified(actor=world.enterprise_filler, hd=hd, version=hd.version, note="整改完成")
    hd = services.accept(actor=world.enterprise_principal, hd=hd, version=hd.version, note="企业验收合格")
    with pytest.raises(DomainError) as exc:
        services.close(actor=world.enterprise_principal, hd=hd, version=hd.version)
    assert exc.value.code == "still_listed"
    with pytest.raises(DomainError) as exc:
        supervision.listing_lift(actor=world.city_regulator, listing=listing)
    assert exc.value.code == "check_required"
    supervision.listing_check(actor=world.city_regulator, listing=listing, passed=True, note="核查合格")
    lifted = supervision.listing_lift(actor=world.city_regulator, listing=listing, note="同意摘牌")
    assert lifted.state == SupervisionState.LIFTED
    hd = services.close(actor=world.enterprise_principal, hd=hd, version=hd.version)
    assert hd.state == HiddenDangerState.CLOSED
    actions = list(hd.events.values_list("action", flat=True))
    assert actions.count("progress") == 2
    assert (
        actions.index("listed") < actions.index("checked") < actions.index("lifted") < actions.index("close")
    )


def test_only_major_ones_are_listed_and_towns_do_not_list(world: Any) -> None:
    general = make_hd(world, HiddenDangerState.ASSESSED)
    with pytest.raises(DomainError) as exc:
        supervision.listing_create(
            actor=world.county_regulator, hd=general, deadline=timezone.localdate(), requirements="x"
        )
    assert exc.value.code == "not_major"
    major = make_hd(world, HiddenDangerState.ASSESSED, grade=HiddenDangerGrade.MAJOR)
    with pytest.raises(Forbidden):
        supervision.listing_create(
            actor=world.enterprise_principal, hd=major, deadline=timezone.localdate(), requirements="x"
        )
    supervision.listing_create(
        actor=world.county_regulator, hd=major, deadline=timezone.localdate(), requirements="x"
    )
    with pytest.raises(DomainError) as exc:
        supervision.listing_create(
            actor=world.province_regulator, hd=major, deadline=timezone.localdate(), requirements="y"
        )
    assert exc.value.code == "already_listed"
