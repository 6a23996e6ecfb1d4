"""The audit chain: recorded by services, verified, and broken by any hand edit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from saferisk.core.audit import GENESIS_HASH, audit_verify
from saferisk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_services_write_a_valid_chain(world: Any) -> None:
    events = list(AuditEvent.objects.order_by("id"))
    # 3 enterprises + 10 users created by the world fixture, each audited once.
    assert [e.action for e in events].count("enterprise.created") == 3
    assert [e.action for e in events].count("user.created") == 10
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    result = audit_verify()
    assert result.ok
    assert result.checked == len(events) == 13


def test_enterprise_event_is_scoped_to_its_region(world: Any) -> None:
    event = AuditEvent.objects.get(action="enterprise.created", object_id=str(world.ent_a.pk))
    assert event.region_code == world.ent_a.region_id
    assert event.enterprise_id == world.ent_a.pk
    assert event.changes["after"]["uscc"] == world.ent_a.uscc
    assert event.changes["before"] == {}


def test_altering_a_row_by_hand_breaks_the_chain(world: Any, capsys: Any) -> None:
    target = AuditEvent.objects.order_by("id")[5]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["tampered", target.pk])
    result = audit_verify()
    assert not result.ok
    assert result.broken_id == target.pk
    assert result.checked == 5
    assert "altered" in result.reason
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert f"#{target.pk}" in capsys.readouterr().err


def test_deleting_a_row_by_hand_breaks_the_link(world: Any) -> None:
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [ids[3]])
    result = audit_verify()
    assert not result.ok
    assert result.broken_id == ids[4]
    assert "link" in result.reason


def test_verify_command_passes_on_a_good_chain(world: Any, capsys: Any) -> None:
    call_command("audit", "verify")
    assert "已校验 13 条事件" in capsys.readouterr().out


def test_events_are_append_only(world: Any) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.object_repr = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(object_repr="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_audit_page_searches_within_jurisdiction(world: Any) -> None:
    page = world.client(world.county_regulator).get("/audit/", {"q": "江宁化工"})
    assert page.status_code == 200
    assert "江宁化工有限公司" in page.content.decode()
    other = world.client(world.other_county_regulator).get("/audit/", {"q": "江宁化工"})
    assert "江宁化工有限公司" not in other.content.decode()


def test_audit_export_is_excel_of_scoped_rows(world: Any) -> None:
    import io

    from openpyxl import load_workbook

    response = world.client(world.other_county_regulator).get("/audit/", {"format": "xlsx"})
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "时间"
    objects = {r[4] for r in rows[1:]}
    assert "吴中金属结构有限公司" in objects
    assert "江宁化工有限公司" not in objects


def test_event_page_labels_fields_in_chinese(world: Any) -> None:
    event = AuditEvent.objects.get(action="enterprise.created", object_id=str(world.ent_a.pk))
    page = world.client(world.county_regulator).get(f"/audit/{event.pk}/").content.decode()
    assert "统一社会信用代码" in page
    assert world.ent_a.uscc in page
    assert "规模以上" in page
    assert "系统" in page  # the demo loader and makers act as the system
