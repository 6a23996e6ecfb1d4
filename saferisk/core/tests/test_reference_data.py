"""Reference data loaded by the data migration."""

from __future__ import annotations

import pytest

from saferisk.core.models import AccidentType, Department, HazardFactor, Industry, KeySector, Region

pytestmark = pytest.mark.django_db


def test_regions_of_jiangsu() -> None:
    assert Region.objects.count() == 1605
    assert Region.objects.filter(level="city").count() == 13
    assert Region.objects.filter(level="county").count() == 104
    assert Region.objects.filter(level="town").count() == 1487
    jiangning = Region.objects.get(code="320115")
    assert jiangning.name == "江宁区"
    assert jiangning.parent_id == "320100"
    assert jiangning.prefix == "320115"
    assert Region.objects.get(code="320000").prefix == "32"
    assert Region.objects.get(code="320576").name == "苏州工业园区"


def test_industries_tree_and_scope() -> None:
    assert Industry.objects.count() == 1971
    for code in ("B", "C", "D", "57", "594", "5941", "2614", "3130"):
        assert Industry.objects.get(code=code).in_scope is not None
    assert Industry.objects.get(code="3130").name == "钢压延加工"
    assert Industry.objects.get(code="2614").parent_id == "261"
    assert Industry.objects.filter(in_scope=True, level="class").count() == 671
    assert Industry.objects.get(code="2614").department_id == "emergency"
    assert Industry.objects.get(code="4411").department_id == "development_reform"


def test_standards_tables() -> None:
    assert list(AccidentType.objects.values_list("name", flat=True)[:3]) == [
        "物体打击",
        "车辆伤害",
        "机械伤害",
    ]
    assert AccidentType.objects.count() == 20
    assert HazardFactor.objects.count() == 130
    assert Department.objects.count() == 5
    assert KeySector.objects.filter(code="dust_explosion").exists()
