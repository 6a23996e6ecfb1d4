"""The pages of major hidden dangers and listed supervision: listing by a city, what the county,
the enterprise and strangers see and may do, check, lift and close, and the Excel lists."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from saferisk.core.models import AuditEvent
from saferisk.hidden_dangers import services
from saferisk.hidden_dangers.choices import HiddenDangerState, SupervisionState
from saferisk.hidden_dangers.models import HiddenDanger, ListedSupervision, SupervisionProgress
from saferisk.hidden_dangers.tests.factories import make_hd

pytestmark = pytest.mark.django_db
DEADLINE = timezone.localdate() + dt.timedelta(days=30)


def url(name: str, *args: Any) -> str:
    return reverse(f"hidden_dangers:{name}", args=args)


def list_by_city(world: Any, hd: HiddenDanger) -> ListedSupervision:
    c = world.client(world.city_regulator)
    r = c.get(url("listing_create", hd.pk))
    assert r.status_code == 200
    assert 'data-testid="listing-form"' in r.content.decode()
    r = c.post(
        url("listing_create", hd.pk),
        {
            "deadline": DEADLINE.isoformat(),
            "requirements": "限期完成储罐区整改",
            "document_number": "宁应急督〔2025〕3号",
        },
    )
    listing = ListedSupervision.objects.get(hidden_danger=hd)
    assert r.status_code == 302
    assert r["Location"] == url("listing_detail", listing.pk)
    return listing


def xlsx_rows(response: Any) -> list[list[Any]]:
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_listing_by_a_city_followed_by_the_county_and_the_enterprise(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING, grade="major", title="液氨储罐区未设泄漏报警")
    listing = list_by_city(world, hd)
    assert listing.level == "city"
    assert listing.authority_code == "320100"
    assert listing.document_number == "宁应急督〔2025〕3号"
    assert listing.deadline == DEADLINE

    # The county follows the city's listing: sees it, cannot check or lift it.
    county = world.client(world.county_regulator)
    page = county.get(url("listing_list")).content.decode()
    assert f'href="{url("listing_detail", listing.pk)}"' in page
    assert "液氨储罐区未设泄漏报警" in page
    r = county.get(url("listing_detail", listing.pk))
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="progress-form"' in body
    assert 'data-testid="check-form"' not in body
    assert 'data-testid="lift-form"' not in body
    assert "南京市" in body  # the listing authority by name
    before = AuditEvent.objects.count()
    r = county.post(url("listing_check", listing.pk), {"passed": "yes", "note": "同意"})
    assert r.status_code == 403
    assert "核查验收由挂牌的监管部门或其上级进行" in r.content.decode()
    r = county.post(url("listing_lift", listing.pk), {"note": ""})
    assert r.status_code == 403
    assert "摘牌由挂牌的监管部门或其上级进行" in r.content.decode()
    listing.refresh_from_db()
    assert listing.check_passed is None
    assert listing.state == SupervisionState.LISTED
    assert AuditEvent.objects.count() == before

    # Another county's enterprise: not found, whatever it tries.
    stranger = world.client(world.other_enterprise_filler)
    assert stranger.get(url("listing_detail", listing.pk)).status_code == 404
    assert stranger.post(url("listing_progress", listing.pk), {"text": "x"}).status_code == 404
    assert stranger.post(url("listing_check", listing.pk), {"passed": "yes", "note": "x"}).status_code == 404
    assert stranger.get(url("listing_create", hd.pk)).status_code == 404
    assert (
        f'href="{url("listing_detail", listing.pk)}"'
        not in stranger.get(url("listing_list")).content.decode()
    )
    other = world.client(world.other_county_regulator)
    assert other.get(url("listing_detail", listing.pk)).status_code == 404

    # The enterprise follows it and reports progress; it gets no check or lift form.
    filler = world.client(world.enterprise_filler)
    assert f'href="{url("listing_detail", listing.pk)}"' in filler.get(url("listing_list")).content.decode()
    body = filler.get(url("listing_detail", listing.pk)).content.decode()
    assert 'data-testid="check-form"' not in body
    r = filler.post(url("listing_progress", listing.pk), {"text": "报警仪已采购，下周安装"})
    assert r.status_code == 302
    progress = SupervisionProgress.objects.get(listing=listing)
    assert progress.author == world.enterprise_filler
    assert "报警仪已采购，下周安装" in filler.get(url("listing_detail", listing.pk)).content.decode()
    # An empty report: a Chinese error, nothing written.
    r = filler.post(url("listing_progress", listing.pk), {"text": "   "})
    assert r.status_code == 422
    assert SupervisionProgress.objects.filter(listing=listing).count() == 1


def test_check_lift_and_close(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.ACCEPTED, grade="major")
    listing = list_by_city(world, hd)
    city = world.client(world.city_regulator)
    body = city.get(url("listing_detail", listing.pk)).content.decode()
    assert 'data-testid="check-form"' in body
    assert 'data-testid="lift-form"' not in body  # not before a passed check

    # Lifting before the check is refused by the service, with its message.
    r = city.post(url("listing_lift", listing.pk), {"note": ""})
    assert r.status_code == 422
    assert "核查验收通过后才能摘牌" in r.content.decode()
    # The check needs an opinion.
    r = city.post(url("listing_check", listing.pk), {"passed": "yes", "note": ""})
    assert r.status_code == 422
    listing.refresh_from_db()
    assert listing.check_passed is None

    r = city.post(url("listing_check", listing.pk), {"passed": "yes", "note": "现场核查，报警装置已投用"})
    assert r.status_code == 302
    listing.refresh_from_db()
    assert listing.check_passed is True
    assert listing.checked_by == world.city_regulator
    assert 'data-testid="lift-form"' in city.get(url("listing_detail", listing.pk)).content.decode()

    # Closing waits for the lifting.
    current = HiddenDanger.objects.get(pk=hd.pk)
    with pytest.raises(services.DomainError):
        services.close(actor=world.enterprise_principal, hd=current, version=current.version)

    r = city.post(url("listing_lift", listing.pk), {"note": "整改到位，予以摘牌"})
    assert r.status_code == 302
    listing.refresh_from_db()
    assert listing.state == SupervisionState.LIFTED
    assert listing.lift_note == "整改到位，予以摘牌"
    body = city.get(url("listing_detail", listing.pk)).content.decode()
    assert 'data-testid="lift-form"' not in body
    assert 'data-testid="progress-form"' not in body
    assert (
        f'href="{url("listing_detail", listing.pk)}"'
        in city.get(url("listing_list") + "?tab=lifted").content.decode()
    )
    assert f'href="{url("listing_detail", listing.pk)}"' not in city.get(url("listing_list")).content.decode()

    current = HiddenDanger.objects.get(pk=hd.pk)
    closed = services.close(actor=world.enterprise_principal, hd=current, version=current.version)
    assert closed.state == HiddenDangerState.CLOSED


def test_the_listing_form_refuses_in_chinese(world: Any) -> None:
    general = make_hd(world, HiddenDangerState.RECTIFYING, title="一般隐患")
    major = make_hd(world, HiddenDangerState.RECTIFYING, grade="major")
    county = world.client(world.county_regulator)
    r = county.get(url("listing_create", major.pk))
    assert 'data-testid="listing-form"' in r.content.decode()
    assert "县级" in r.content.decode()
    r = county.post(
        url("listing_create", general.pk), {"deadline": DEADLINE.isoformat(), "requirements": "x"}
    )
    assert r.status_code == 422
    assert "只有重大隐患可以挂牌督办" in r.content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    r = county.post(url("listing_create", major.pk), {"deadline": yesterday.isoformat(), "requirements": "x"})
    assert r.status_code == 422
    assert "督办期限不能早于今天" in r.content.decode()
    # The enterprise and a department's regulator do not list: no form, and a POST is refused.
    filler = world.client(world.enterprise_filler)
    assert 'data-testid="listing-form"' not in filler.get(url("listing_create", major.pk)).content.decode()
    r = filler.post(url("listing_create", major.pk), {"deadline": DEADLINE.isoformat(), "requirements": "x"})
    assert r.status_code == 403
    assert "挂牌督办由省、市、县级监管部门进行" in r.content.decode()
    assert not ListedSupervision.objects.exists()
    # Listed once: a second listing is refused.
    county.post(
        url("listing_create", major.pk), {"deadline": DEADLINE.isoformat(), "requirements": "限期整改"}
    )
    assert ListedSupervision.objects.count() == 1
    r = world.client(world.city_regulator).post(
        url("listing_create", major.pk), {"deadline": DEADLINE.isoformat(), "requirements": "再挂"}
    )
    assert r.status_code == 422
    assert "该隐患已在挂牌督办中" in r.content.decode()
    assert ListedSupervision.objects.count() == 1


def test_major_list_filters_and_excel(world: Any) -> None:
    listed = make_hd(world, HiddenDangerState.RECTIFYING, grade="major", title="重大甲")
    unlisted = make_hd(world, HiddenDangerState.RECTIFYING, grade="major", title="重大乙")
    make_hd(world, HiddenDangerState.RECTIFYING, title="一般丙")
    make_hd(world, HiddenDangerState.RECTIFYING, grade="major", enterprise=world.ent_b, title="苏州丁")
    list_by_city(world, listed)
    county = world.client(world.county_regulator)
    body = county.get(url("major_list")).content.decode()
    assert "重大甲" in body
    assert "重大乙" in body
    assert "一般丙" not in body
    assert "苏州丁" not in body
    # A county regulator may list the unlisted one; the listed one links to its listing.
    assert f'href="{url("listing_create", unlisted.pk)}"' in body
    assert f'href="{url("listing_create", listed.pk)}"' not in body
    assert f'href="{url("listing_detail", listed.listings.get().pk)}"' in body
    body = county.get(url("major_list") + "?listed=yes").content.decode()
    assert "重大甲" in body
    assert "重大乙" not in body
    body = county.get(url("major_list") + "?listed=no&state=open").content.decode()
    assert "重大乙" in body
    assert "重大甲" not in body
    assert "重大" not in county.get(url("major_list") + "?state=closed").content.decode().split("<tbody>")[1]
    assert "重大乙" in county.get(url("major_list") + "?q=重大乙").content.decode()
    # The enterprise sees its own major ones.
    body = world.client(world.enterprise_filler).get(url("major_list")).content.decode()
    assert "重大甲" in body
    assert "苏州丁" not in body

    r = county.get(url("major_list") + "?format=xlsx")
    assert r.status_code == 200
    rows = xlsx_rows(r)
    assert len(rows[0]) == 13  # the header row
    titles = sorted(row[3] for row in rows[1:])
    assert titles == ["重大乙", "重大甲"]
    by_title = {row[3]: row for row in rows[1:]}
    assert by_title["重大甲"][10] != by_title["重大乙"][10]  # listing status differs
    assert by_title["重大甲"][11] == dt.datetime.combine(DEADLINE, dt.time())


def test_listing_list_excel_has_the_rows_and_no_phones(world: Any) -> None:
    hd = make_hd(world, HiddenDangerState.RECTIFYING, grade="major", title="液氨储罐区未设泄漏报警")
    hd2 = make_hd(world, HiddenDangerState.RECTIFYING, grade="major", title="粉尘除尘系统未防爆")
    list_by_city(world, hd)
    list_by_city(world, hd2)
    r = world.client(world.province_regulator).get(url("listing_list") + "?format=xlsx")
    assert r.status_code == 200
    rows = xlsx_rows(r)
    assert len(rows) == 3
    text = repr(rows)
    assert "13811112222" not in text  # the enterprise's principal phone
    assert "city_regulator" not in text
    for phone in filter(None, [world.city_regulator.phone, world.enterprise_filler.phone]):
        assert phone not in text
    assert sorted(row[3] for row in rows[1:]) == ["液氨储罐区未设泄漏报警", "粉尘除尘系统未防爆"]
    row = rows[1]
    assert row[0] == "江宁化工有限公司"
    assert row[5] == "南京市"
    assert row[6] == "宁应急督〔2025〕3号"
    assert row[7] == dt.datetime.combine(timezone.localdate(), dt.time())
    assert row[8] == dt.datetime.combine(DEADLINE, dt.time())
    assert row[9] == "限期完成储罐区整改"
    assert "江宁区" in row[2]
    # The other county sees none of them.
    rows = xlsx_rows(world.client(world.other_county_regulator).get(url("listing_list") + "?format=xlsx"))
    assert len(rows) == 1
