"""The checklist pages: generated from the risk register's control measures, edited by the
enterprise, read by its regulator, hidden from other jurisdictions."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saferisk.core.models import AuditEvent
from saferisk.hidden_dangers.choices import Frequency
from saferisk.hidden_dangers.models import Checklist, ChecklistItem
from saferisk.hidden_dangers.tests.factories import make_risk

pytestmark = pytest.mark.django_db

LIST = reverse("hidden_dangers:checklist_list")
GENERATE = reverse("hidden_dangers:checklist_generate")


def _generate(world: Any) -> Checklist:
    client = world.client(world.enterprise_filler)
    client.post(GENERATE)
    return Checklist.objects.get(enterprise=world.ent_a, tier="post")


def test_empty_state_explains_where_checklists_come_from(world: Any) -> None:
    r = world.client(world.enterprise_filler).get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="checklist-empty"' in html
    assert 'data-testid="checklist-generate"' in html
    assert reverse("risks:register", args=[world.ent_a.pk]) in html


def test_generate_from_risk_measures_then_top_up(world: Any) -> None:
    risk = make_risk(world, measures=2)
    make_risk(world, name="车间机械伤害", tier="workshop", measures=1)
    client = world.client(world.enterprise_filler)

    r = client.post(GENERATE, follow=True)

    assert r.status_code == 200
    post = Checklist.objects.get(enterprise=world.ent_a, tier="post")
    workshop = Checklist.objects.get(enterprise=world.ent_a, tier="workshop")
    assert [i.text for i in post.items.order_by("sort_order")] == [
        "储罐区火灾爆炸：措施1",
        "储罐区火灾爆炸：措施2",
    ]
    assert {i.risk_id for i in post.items.all()} == {risk.pk}
    assert post.items.first().place == "储罐区"  # type: ignore[union-attr]
    assert workshop.items.count() == 1
    assert post.frequency == Frequency.DAILY
    assert workshop.frequency == Frequency.MONTHLY
    message = [str(m) for m in r.context["messages"]]
    assert len(message) == 1
    assert "2" in message[0]
    assert "3" in message[0]
    html = r.content.decode()
    assert f'data-checklist="{post.pk}"' in html
    assert f'data-checklist="{workshop.pk}"' in html
    assert html.count("data-tier-group") == 2

    # A second run adds nothing and says so; a new measure adds one item.
    r = client.post(GENERATE, follow=True)
    assert ChecklistItem.objects.filter(checklist__enterprise=world.ent_a).count() == 3
    make_risk(world, name="装卸作业中毒", measures=1)
    client.post(GENERATE)
    assert post.items.count() == 3
    assert AuditEvent.objects.filter(action="checklist.generated").count() == 3


def test_regulator_reads_but_cannot_generate(world: Any) -> None:
    make_risk(world)
    checklist = _generate(world)
    client = world.client(world.county_regulator)

    r = client.get(LIST, {"enterprise": world.ent_a.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-checklist="{checklist.pk}"' in html
    assert 'data-testid="checklist-generate"' not in html

    r = client.post(GENERATE, {"enterprise": world.ent_a.pk}, follow=True)
    assert [str(m) for m in r.context["messages"]] == ["排查清单由企业维护"]
    assert AuditEvent.objects.filter(action="checklist.generated").count() == 1

    # Without an enterprise: every checklist in the jurisdiction.
    r = client.get(LIST)
    assert r.status_code == 200
    assert f'data-checklist="{checklist.pk}"' in r.content.decode()


def test_other_jurisdictions_get_404_or_nothing(world: Any) -> None:
    make_risk(world)
    checklist = _generate(world)
    detail = reverse("hidden_dangers:checklist_detail", args=[checklist.pk])
    for who in (world.other_county_regulator, world.other_enterprise_filler, world.dept_regulator):
        client = world.client(who)
        assert client.get(detail).status_code == 404
        r = client.get(LIST)
        assert f'data-checklist="{checklist.pk}"' not in r.content.decode()
    assert (
        world.client(world.other_county_regulator).get(LIST, {"enterprise": world.ent_a.pk}).status_code
        == 404
    )


def test_edit_checklist_schedule_and_assignee(world: Any) -> None:
    make_risk(world)
    checklist = _generate(world)
    detail = reverse("hidden_dangers:checklist_detail", args=[checklist.pk])
    client = world.client(world.enterprise_filler)

    r = client.post(
        detail,
        {
            "name": "岗位日查",
            "frequency": "weekly",
            "assignee": world.enterprise_principal.pk,
            "active": "on",
        },
    )

    assert r.status_code == 302
    checklist.refresh_from_db()
    assert (checklist.name, checklist.frequency, checklist.assignee_id, checklist.active) == (
        "岗位日查",
        "weekly",
        world.enterprise_principal.pk,
        True,
    )
    assert AuditEvent.objects.filter(action="checklist.updated").count() == 1

    # Somebody of another enterprise is not offered and not accepted.
    r = client.post(
        detail, {"name": "岗位日查", "frequency": "weekly", "assignee": world.other_enterprise_filler.pk}
    )
    assert r.status_code == 422
    checklist.refresh_from_db()
    assert checklist.assignee_id == world.enterprise_principal.pk
    assert checklist.active is True

    # A regulator may read it but not change it.
    reg = world.client(world.county_regulator)
    assert reg.get(detail).status_code == 200
    r = reg.post(detail, {"name": "改名", "frequency": "daily"})
    assert r.status_code == 422
    assert "排查清单由企业维护" in r.content.decode()
    checklist.refresh_from_db()
    assert checklist.name == "岗位日查"


def test_items_inline_edit_add_and_export(world: Any) -> None:
    make_risk(world)
    checklist = _generate(world)
    first = checklist.items.order_by("sort_order").first()
    assert first is not None
    save = reverse("hidden_dangers:checklist_item_save", args=[checklist.pk])
    client = world.client(world.enterprise_filler)

    r = client.post(save, {"item": first.pk, "text": "  储罐区 防火堤完好  ", "place": "一号罐"})
    assert r.status_code == 302
    assert r["Location"].endswith(f"#item-{first.pk}")
    first.refresh_from_db()
    assert (first.text, first.place, first.active) == ("储罐区 防火堤完好", "一号罐", False)

    r = client.post(save, {"text": "消防器材在有效期内", "place": "泵房"})
    added = checklist.items.order_by("-sort_order").first()
    assert added is not None
    assert added.text == "消防器材在有效期内"
    assert added.active
    assert r["Location"].endswith(f"#item-{added.pk}")

    r = client.post(save, {"text": "   "}, follow=True)
    assert [str(m) for m in r.context["messages"]][-1] == "请填写排查内容"
    assert checklist.items.count() == 3

    # An item of another checklist cannot be edited through this one.
    make_risk(world, name="车间", tier="workshop", measures=1)
    client.post(GENERATE)
    other = ChecklistItem.objects.get(checklist__tier="workshop")
    assert client.post(save, {"item": other.pk, "text": "x"}).status_code == 404

    r = client.get(reverse("hidden_dangers:checklist_detail", args=[checklist.pk]), {"format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert [row[1] for row in rows[1:]] == [
        "储罐区 防火堤完好",
        "储罐区火灾爆炸：措施2",
        "消防器材在有效期内",
    ]
