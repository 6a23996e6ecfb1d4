"""The ledger pages: capture, the detail with its step forms, the list, extensions and photos."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from saferisk.hidden_dangers.choices import HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger
from saferisk.hidden_dangers.tests.factories import make_hd, photo

pytestmark = pytest.mark.django_db


def step(client: Any, hd: HiddenDanger, action: str, **data: Any) -> Any:
    hd.refresh_from_db()
    return client.post(
        reverse("hidden_dangers:hd_action", args=[hd.pk, action]), {"version": hd.version, **data}
    )


def test_capture_with_a_photo_and_walk_the_loop(world: Any) -> None:
    filler = world.client(world.enterprise_filler)
    page = filler.get(reverse("hidden_dangers:hd_new"))
    assert page.status_code == 200
    assert 'capture="environment"' in page.content.decode()
    response = filler.post(
        reverse("hidden_dangers:hd_new"), {"title": "灭火器过期", "source": "self_check", "photos": photo()}
    )
    hd = HiddenDanger.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hidden_dangers:hd_detail", args=[hd.pk])
    detail = filler.get(response["Location"]).content.decode()
    assert "灭火器过期" in detail
    assert 'data-action="assess"' in detail
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert step(filler, hd, "assess", grade="general", deadline=deadline).status_code == 302
    assert step(filler, hd, "plan", measures="更换灭火器", owner_name="张三").status_code == 302
    assert step(filler, hd, "report_rectified", note="已更换").status_code == 302
    # The rectifier cannot accept: the form is not offered and the service refuses.
    page = filler.get(reverse("hidden_dangers:hd_detail", args=[hd.pk])).content.decode()
    assert 'data-action="accept"' not in page
    refused = step(filler, hd, "accept", note="ok")
    assert refused.status_code == 422
    assert "验收须由整改人以外的人员进行" in refused.content.decode()
    principal = world.client(world.enterprise_principal)
    assert step(principal, hd, "accept", note="合格").status_code == 302
    assert step(principal, hd, "close").status_code == 302
    hd.refresh_from_db()
    assert hd.state == HiddenDangerState.CLOSED
    timeline = principal.get(reverse("hidden_dangers:hd_detail", args=[hd.pk])).content.decode()
    for label in ("登记隐患", "评估定级", "制定整改方案", "整改完成", "验收通过", "销号"):
        assert label in timeline


def test_stale_form_is_refused_with_a_message(world: Any) -> None:
    hd = make_hd(world)
    filler = world.client(world.enterprise_filler)
    seen = hd.version
    deadline = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    url = reverse("hidden_dangers:hd_action", args=[hd.pk, "assess"])
    assert filler.post(url, {"version": seen, "grade": "general", "deadline": deadline}).status_code == 302
    second = world.client(world.county_regulator)
    response = second.post(url, {"version": seen, "grade": "general", "deadline": deadline}, follow=True)
    assert "请刷新页面后重试" in response.content.decode()
    hd.refresh_from_db()
    assert hd.version == seen + 1


def test_list_by_deadline_with_awaiting_assessment_apart(world: Any) -> None:
    late = make_hd(
        world,
        HiddenDangerState.RECTIFYING,
        title="晚的",
        deadline=timezone.localdate() + dt.timedelta(days=9),
    )
    soon = make_hd(
        world, HiddenDangerState.ASSESSED, title="早的", deadline=timezone.localdate() + dt.timedelta(days=2)
    )
    fresh = make_hd(world, title="新登记")
    make_hd(world, HiddenDangerState.CLOSED, title="旧的已完结")
    make_hd(world, enterprise=world.ent_b, title="别家的")
    page = world.client(world.enterprise_filler).get(reverse("hidden_dangers:hd_list")).content.decode()
    assert (
        page.index(f'data-hd="{fresh.pk}"')
        < page.index(f'data-hd="{soon.pk}"')
        < page.index(f'data-hd="{late.pk}"')
    )
    assert "旧的已完结" not in page
    assert "别家的" not in page
    workbook = world.client(world.county_regulator).get(
        reverse("hidden_dangers:hd_list") + "?state=all&format=xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert sheet is not None
    titles = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"晚的", "早的", "新登记", "旧的已完结"}


def test_strangers_get_404_and_photos_are_scoped(world: Any) -> None:
    hd = make_hd(world)
    from saferisk.hidden_dangers import services

    p = services.photo_add(actor=world.enterprise_filler, hd=hd, upload=photo())
    url = reverse("hidden_dangers:photo", args=[p.pk])
    assert world.client(world.enterprise_principal).get(url)["Content-Type"] == "image/jpeg"
    assert world.client(world.other_enterprise_filler).get(url).status_code == 404
    assert (
        world.client(world.other_county_regulator)
        .get(reverse("hidden_dangers:hd_detail", args=[hd.pk]))
        .status_code
        == 404
    )


def test_extension_through_the_pages(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING)
    assert hd.deadline is not None
    new = (hd.deadline + dt.timedelta(days=10)).isoformat()
    filler = world.client(world.enterprise_filler)
    filler.post(
        reverse("hidden_dangers:hd_extension", args=[hd.pk]), {"new_deadline": new, "reason": "设备未到"}
    )
    ext = hd.extensions.get()
    principal = world.client(world.enterprise_principal)
    assert (
        "extension_decide"
        not in filler.get(reverse("hidden_dangers:hd_detail", args=[hd.pk])).content.decode()
    )
    principal.post(reverse("hidden_dangers:extension_decide", args=[ext.pk]), {"approve": "1", "note": ""})
    hd.refresh_from_db()
    assert hd.deadline.isoformat() == new
