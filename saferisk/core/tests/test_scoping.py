"""The scoping function, directly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from saferisk.core.errors import NotFound
from saferisk.core.scoping import can, scoped, scoped_get
from saferisk.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def names(user: Any) -> list[str]:
    return sorted(scoped(user, Enterprise).values_list("name", flat=True))


def test_each_role_sees_its_enterprises(world: Any) -> None:
    assert names(world.admin) == ["吴中金属结构有限公司", "江宁化工有限公司", "江宁热电有限公司"]
    assert names(world.province_regulator) == names(world.admin)
    assert names(world.city_regulator) == ["江宁化工有限公司", "江宁热电有限公司"]
    assert names(world.county_regulator) == ["江宁化工有限公司", "江宁热电有限公司"]
    assert names(world.other_county_regulator) == ["吴中金属结构有限公司"]
    assert names(world.dept_regulator) == ["江宁热电有限公司"]  # 发展改革 supervises power, not chemicals
    assert names(world.enterprise_filler) == ["江宁化工有限公司"]
    assert names(world.expert) == []


def test_scoped_get_hides_out_of_scope_as_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        scoped_get(world.other_county_regulator, Enterprise, pk=world.ent_a.pk)
    with pytest.raises(NotFound):
        scoped_get(world.county_regulator, Enterprise, pk="not-a-number")
    assert scoped_get(world.county_regulator, Enterprise, pk=world.ent_a.pk) == world.ent_a


def test_change_scope_of_users(world: Any) -> None:
    assert can(world.county_regulator, "view", world.enterprise_filler)
    assert can(world.county_regulator, "change", world.enterprise_filler)
    assert can(world.county_regulator, "view", world.dept_regulator)
    assert not can(world.county_regulator, "change", world.dept_regulator)
    assert not can(world.other_county_regulator, "view", world.enterprise_filler)
    assert can(world.enterprise_filler, "view", world.enterprise_principal)
    assert not can(world.enterprise_filler, "change", world.enterprise_principal)


def test_inactive_user_sees_nothing(world: Any) -> None:
    world.county_regulator.is_active = False
    assert names(world.county_regulator) == []


def test_model_without_rule_is_refused(world: Any) -> None:
    from django.contrib.sessions.models import Session

    assert issubclass(Session, models.Model)
    with pytest.raises(ImproperlyConfigured):
        scoped(world.admin, Session)
