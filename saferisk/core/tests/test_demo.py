"""The demo dataset: deterministic, valid, built through services."""

from __future__ import annotations

import pytest

from saferisk.core import uscc
from saferisk.core.audit import audit_verify
from saferisk.core.demo import DEMO_PASSWORD, PERSONAS, build_demo, generate_enterprises
from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_same_seed_same_data() -> None:
    a = generate_enterprises(count=50, seed=3)
    b = generate_enterprises(count=50, seed=3)
    c = generate_enterprises(count=50, seed=4)
    assert [r.uscc for r in a] == [r.uscc for r in b]
    assert [r.uscc for r in a] != [r.uscc for r in c]


def test_build_demo_makes_personas_and_valid_enterprises() -> None:
    from saferisk.core.models import AuditEvent
    from saferisk.risks.models import Risk
    from saferisk.risks.services import completeness_gap

    counts = build_demo(enterprises=200, seed=7)
    assert counts["enterprises"] == 200
    assert counts["users"] == len(PERSONAS)
    assert counts["risks"] == Risk.objects.count() > len(PERSONAS)
    assert all(uscc.is_valid(code) for code in Enterprise.objects.values_list("uscc", flat=True))
    assert Enterprise.objects.filter(region__code__startswith="320115").count() >= 20
    assert Enterprise.objects.filter(above_scale=True).count() > 10
    assert Enterprise.objects.filter(key_sectors__code="chemical").exists()
    filler = User.objects.get(username="enterprise_filler")
    assert filler.check_password(DEMO_PASSWORD)
    assert filler.enterprise is not None
    assert filler.enterprise.region_id.startswith("320115")
    town_regulator = User.objects.get(username="town_regulator")
    assert town_regulator.level == "town"
    assert User.objects.get(username="dept_regulator").department_id == "development_reform"
    # The persona enterprise keeps a real register and has a dust-explosion gap to adopt from.
    assert Risk.objects.filter(enterprise=filler.enterprise).count() >= 7
    assert any(item.sector == "dust_explosion" for item in completeness_gap(filler.enterprise))
    # The annual reporting campaign covers every enterprise; the persona's task is left to do,
    # the others are at every stage, and the progress tables agree with the tasks.
    from saferisk.reporting.models import Bulletin, ReportTask
    from saferisk.reporting.services import progress_totals

    task = ReportTask.objects.get(enterprise=filler.enterprise)
    assert task.state == "not_started"
    assert counts["campaign_tasks"] == 200
    states = set(ReportTask.objects.values_list("state", flat=True))
    assert states == {"not_started", "draft", "submitted", "returned", "accepted"}
    totals = progress_totals(task.campaign)
    for state in states:
        assert totals[state] == ReportTask.objects.filter(state=state).count()
    assert Bulletin.objects.filter(campaign=task.campaign).count() == 3
    check = audit_verify()
    assert check.ok
    assert check.checked == AuditEvent.objects.count() > 200 + len(PERSONAS)


def test_home_pages_show_real_numbers() -> None:
    from django.test import Client

    build_demo(enterprises=100, seed=7)
    client = Client()
    client.force_login(User.objects.get(username="county_regulator"))
    page = client.get("/").content.decode()
    total = Enterprise.objects.filter(region__code__startswith="320115").count()
    assert f'data-testid="enterprise-total">{total}<' in page
    client.force_login(User.objects.get(username="province_regulator"))
    assert 'data-testid="enterprise-total">100<' in client.get("/").content.decode()
    for name in ("enterprise_filler", "expert", "admin", "town_regulator", "dept_regulator"):
        client.force_login(User.objects.get(username=name))
        assert client.get("/").status_code == 200
