"""Enterprise profile editing and safety commitments: services, pages and API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saferisk.core.audit import ACTIONS
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent
from saferisk.enterprises.models import Enterprise, SafetyCommitment
from saferisk.enterprises.profile import (
    commitment_confirm_online,
    commitment_upload,
    enterprise_update_profile,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def _updates(enterprise: Enterprise) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="enterprise.updated", object_id=str(enterprise.pk)))


# --- Service --------------------------------------------------------------------------------------


def test_enterprise_user_edits_contacts_coordinates_sectors_with_audit_diff(world: Any) -> None:
    e = enterprise_update_profile(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={
            "safety_director_name": "王安全",
            "safety_director_phone": "139 0000 1111",
            "contact_phone": "025-52101234",
            "longitude": "118.839312",
            "latitude": "31.953418",
            "key_sectors": ["chemical", "confined_space"],
            "standardisation_grade": "grade_2",
            "standardisation_expires": "2027-06-30",
        },
    )
    e = Enterprise.objects.get(pk=e.pk)
    assert (e.safety_director_name, e.safety_director_phone, e.contact_phone) == (
        "王安全",
        "13900001111",
        "025-52101234",
    )
    assert (e.longitude, e.latitude) == (Decimal("118.839312"), Decimal("31.953418"))
    assert sorted(e.key_sectors.values_list("code", flat=True)) == ["chemical", "confined_space"]
    assert (e.standardisation_grade, e.standardisation_expires) == ("grade_2", dt.date(2027, 6, 30))
    [event] = _updates(e)
    assert event.actor_id == world.enterprise_filler.pk
    assert event.enterprise_id == e.pk
    assert event.region_code == e.region_id
    assert event.changes == {
        "before": {
            "contact_phone": "",
            "key_sectors": [],
            "latitude": None,
            "longitude": None,
            "safety_director_name": "",
            "safety_director_phone": "",
            "standardisation_expires": None,
            "standardisation_grade": "none",
        },
        "after": {
            "contact_phone": "025-52101234",
            "key_sectors": ["chemical", "confined_space"],
            "latitude": "31.953418",
            "longitude": "118.839312",
            "safety_director_name": "王安全",
            "safety_director_phone": "13900001111",
            "standardisation_expires": "2027-06-30",
            "standardisation_grade": "grade_2",
        },
    }


def test_nothing_changed_records_no_event(world: Any) -> None:
    enterprise_update_profile(actor=world.enterprise_filler, enterprise=world.ent_a, data={"address": ""})
    assert _updates(world.ent_a) == []


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"principal_phone": "12345"}, "phone_invalid", "principal_phone"),
        ({"principal_phone": "12012345678"}, "phone_invalid", "principal_phone"),
        ({"longitude": "118.8"}, "coordinates_incomplete", "latitude"),
        ({"longitude": "150.0", "latitude": "31.9"}, "coordinate_outside_china", "longitude"),
        ({"longitude": "118.8", "latitude": "60"}, "coordinate_outside_china", "latitude"),
        ({"standardisation_grade": "grade_1"}, "certificate_expiry_required", "standardisation_expires"),
        ({"standardisation_grade": "grade_9"}, "grade_invalid", "standardisation_grade"),
        ({"key_sectors": ["chemical", "no_such"]}, "key_sector_invalid", "key_sectors"),
        ({"colour": "red"}, "field_unknown", None),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    world: Any, data: dict[str, Any], code: str, field: Any
) -> None:
    before = Enterprise.objects.filter(pk=world.ent_a.pk).values().get()
    with pytest.raises(DomainError) as exc:
        enterprise_update_profile(actor=world.enterprise_filler, enterprise=world.ent_a, data=data)
    assert exc.value.code == code
    assert exc.value.field == field
    assert Enterprise.objects.filter(pk=world.ent_a.pk).values().get() == before
    assert list(world.ent_a.key_sectors.all()) == []
    assert _updates(world.ent_a) == []


def test_statistics_fields_are_refused_for_enterprise_users_and_regulators(world: Any) -> None:
    for actor in (world.enterprise_filler, world.county_regulator):
        with pytest.raises(Forbidden) as exc:
            enterprise_update_profile(
                actor=actor,
                enterprise=world.ent_a,
                data={"name": "改名公司", "employees": 5, "address": "新地址"},
            )
        assert exc.value.code == "field_read_only"
        assert exc.value.details == {"fields": ["employees", "name"]}
        assert "企业名称" in exc.value.message
        assert "从业人员" in exc.value.message
    e = Enterprise.objects.get(pk=world.ent_a.pk)
    assert (e.name, e.employees, e.address) == ("江宁化工有限公司", None, "")
    assert _updates(e) == []
    # The current value sent back (a read-modify-write client) is accepted.
    enterprise_update_profile(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={"name": "江宁化工有限公司", "address": "新地址"},
    )
    assert Enterprise.objects.get(pk=world.ent_a.pk).address == "新地址"


def test_admin_may_change_statistics_fields(world: Any) -> None:
    enterprise_update_profile(
        actor=world.admin, enterprise=world.ent_a, data={"employees": 150, "revenue": "2500"}
    )
    e = Enterprise.objects.get(pk=world.ent_a.pk)
    assert (e.employees, e.revenue) == (150, Decimal("2500.00"))


def test_scope_other_enterprise_and_other_county(world: Any) -> None:
    for actor in (world.other_enterprise_filler, world.other_county_regulator, world.expert):
        with pytest.raises(NotFound):
            enterprise_update_profile(actor=actor, enterprise=world.ent_a, data={"address": "x"})
    enterprise_update_profile(
        actor=world.county_regulator, enterprise=world.ent_a, data={"address": "监管更正"}
    )
    assert Enterprise.objects.get(pk=world.ent_a.pk).address == "监管更正"
    assert Enterprise.objects.get(pk=world.ent_b.pk).address == ""


def test_clearing_the_grade_clears_the_expiry(world: Any) -> None:
    data = {"standardisation_grade": "grade_3", "standardisation_expires": dt.date(2026, 1, 1)}
    enterprise_update_profile(actor=world.enterprise_filler, enterprise=world.ent_a, data=data)
    enterprise_update_profile(
        actor=world.enterprise_filler, enterprise=world.ent_a, data={"standardisation_grade": "none"}
    )
    e = Enterprise.objects.get(pk=world.ent_a.pk)
    assert (e.standardisation_grade, e.standardisation_expires) == ("none", None)


# --- Profile page -------------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    data = {
        "address": "江宁区东山街道1号",
        "principal_name": "张三",
        "principal_phone": "13811112222",
        "safety_director_name": "",
        "safety_director_phone": "",
        "contact_phone": "",
        "longitude": "118.84",
        "latitude": "31.95",
        "key_sectors": ["chemical", "hazardous_chemical_use"],
        "standardisation_grade": "none",
        "standardisation_expires": "",
    }
    data.update(changes)
    return data


def test_profile_page_saves_and_ignores_posted_statistics_fields(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    page = client.get(f"/enterprises/{world.ent_a.pk}/profile/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="江宁化工有限公司" disabled' in html
    assert 'id="profile-map"' in html
    assert "vendor/leaflet/leaflet.js" in html
    response = client.post(f"/enterprises/{world.ent_a.pk}/profile/", _form(name="改名公司", employees="999"))
    assert response.status_code == 302
    e = Enterprise.objects.get(pk=world.ent_a.pk)
    assert (e.name, e.employees, e.address, e.longitude) == (
        "江宁化工有限公司",
        None,
        "江宁区东山街道1号",
        Decimal("118.840000"),
    )
    assert sorted(e.key_sectors.values_list("code", flat=True)) == ["chemical", "hazardous_chemical_use"]
    [event] = _updates(e)
    assert "name" not in event.changes["after"]
    assert "employees" not in event.changes["after"]


def test_profile_page_shows_service_errors_and_changes_nothing(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    response = client.post(f"/enterprises/{world.ent_a.pk}/profile/", _form(principal_phone="123"))
    assert response.status_code == 422
    assert "格式不正确" in response.content.decode()
    assert Enterprise.objects.get(pk=world.ent_a.pk).address == ""
    assert _updates(world.ent_a) == []


def test_profile_page_scoping(world: Any) -> None:
    url = f"/enterprises/{world.ent_a.pk}/profile/"
    assert world.client(world.other_enterprise_filler).get(url).status_code == 404
    assert world.client(world.other_enterprise_filler).post(url, _form()).status_code == 404
    assert world.client(world.other_county_regulator).get(url).status_code == 404
    assert world.client(world.county_regulator).get(url).status_code == 200
    assert Enterprise.objects.get(pk=world.ent_a.pk).address == ""
    detail = world.client(world.county_regulator).get(f"/enterprises/{world.ent_a.pk}/").content.decode()
    assert f'href="/enterprises/{world.ent_a.pk}/profile/"' in detail


# --- Profile API --------------------------------------------------------------------------------------


def _patch(client: Any, pk: int, body: dict[str, Any]) -> Any:
    return client.patch(
        f"/api/v1/enterprises/{pk}/profile", data=json.dumps(body), content_type="application/json"
    )


def test_api_profile_update_and_refusals(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    got = client.get(f"/api/v1/enterprises/{world.ent_a.pk}/profile").json()
    assert "employees" in got["read_only_fields"]
    assert "principal_phone" not in got["read_only_fields"]
    r = _patch(client, world.ent_a.pk, {"principal_name": "李四", "key_sectors": ["chemical"]})
    assert r.status_code == 200
    assert (r.json()["principal_name"], r.json()["key_sectors"]) == ("李四", ["chemical"])
    r = _patch(client, world.ent_a.pk, {"employees": 20, "principal_name": "王五"})
    assert r.status_code == 403
    assert r.json()["code"] == "field_read_only"
    assert "从业人员" in r.json()["message"]
    r = _patch(client, world.ent_a.pk, {"latitude": 31.9})
    assert (r.status_code, r.json()["code"]) == (422, "coordinates_incomplete")
    assert Enterprise.objects.get(pk=world.ent_a.pk).principal_name == "李四"
    r = _patch(world.client(world.other_enterprise_filler), world.ent_a.pk, {"principal_name": "x"})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert len(_updates(world.ent_a)) == 1


# --- Commitments -------------------------------------------------------------------------------------


def test_commitment_confirm_online(world: Any) -> None:
    year = timezone.localdate().year
    c = commitment_confirm_online(
        actor=world.enterprise_principal, enterprise=world.ent_a, year=year, signed_by=" 张三 "
    )
    assert (c.method, c.signed_by, c.year, c.confirmed_by_id) == (
        "online",
        "张三",
        year,
        world.enterprise_principal.pk,
    )
    event = AuditEvent.objects.get(action="safety_commitment.confirmed")
    assert event.enterprise_id == world.ent_a.pk
    assert event.changes["after"] == {"year": year, "method": "online", "signed_by": "张三"}
    with pytest.raises(DomainError) as exc:
        commitment_confirm_online(
            actor=world.enterprise_filler, enterprise=world.ent_a, year=year, signed_by="李四"
        )
    assert exc.value.code == "commitment_exists"
    assert SafetyCommitment.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("other_enterprise_filler", NotFound),
        ("other_county_regulator", NotFound),
        ("county_regulator", Forbidden),
    ],
)
def test_commitment_only_by_own_enterprise(world: Any, who: str, error: type[Exception]) -> None:
    year = timezone.localdate().year
    with pytest.raises(error):
        commitment_confirm_online(
            actor=getattr(world, who), enterprise=world.ent_a, year=year, signed_by="张三"
        )
    with pytest.raises(error):
        commitment_upload(
            actor=getattr(world, who),
            enterprise=world.ent_a,
            year=year,
            signed_by="张三",
            file=SimpleUploadedFile("c.pdf", PDF, "application/pdf"),
        )
    assert SafetyCommitment.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="safety_commitment.").exists()


def test_commitment_upload_checks_type_and_size(world: Any) -> None:
    year = timezone.localdate().year
    cases = [
        (SimpleUploadedFile("c.exe", b"MZ...", "application/octet-stream"), "file_type_invalid"),
        (SimpleUploadedFile("c.pdf", b"<html>not a pdf</html>", "application/pdf"), "file_type_invalid"),
        (
            SimpleUploadedFile("c.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf"),
            "file_too_large",
        ),
    ]
    for upload, code in cases:
        with pytest.raises(DomainError) as exc:
            commitment_upload(
                actor=world.enterprise_filler,
                enterprise=world.ent_a,
                year=year,
                signed_by="张三",
                file=upload,
            )
        assert exc.value.code == code
    assert SafetyCommitment.objects.count() == 0
    c = commitment_upload(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        year=year,
        signed_by="张三",
        file=SimpleUploadedFile("scan.PNG", PNG, "image/png"),
    )
    assert c.method == "uploaded"
    assert str(c.file.name).endswith(".png")
    assert c.file.read() == PNG
    assert AuditEvent.objects.get(action="safety_commitment.uploaded").changes["after"]["file"] == c.file.name


def test_commitment_page_upload_and_scoped_file(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    url = f"/enterprises/{world.ent_a.pk}/commitments/"
    assert 'name="action" value="online"' in client.get(url).content.decode()
    response = client.post(
        url, {"action": "upload", "upload-signed_by": "张三", "upload-file": SimpleUploadedFile("c.pdf", PDF)}
    )
    assert response.status_code == 302
    commitment = SafetyCommitment.objects.get(enterprise=world.ent_a)
    page = client.get(url).content.decode()
    assert f"/enterprises/commitments/{commitment.pk}/file/" in page
    assert 'name="action" value="online"' not in page
    file_url = f"/enterprises/commitments/{commitment.pk}/file/"
    got = client.get(file_url)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert world.client(world.county_regulator).get(file_url).status_code == 200
    assert world.client(world.other_enterprise_filler).get(file_url).status_code == 404
    assert world.client(world.other_county_regulator).get(file_url).status_code == 404
    api = world.client(world.other_county_regulator).get(f"/api/v1/commitments/{commitment.pk}/file")
    assert api.status_code == 404


def test_commitment_page_online_and_refusals(world: Any) -> None:
    url = f"/enterprises/{world.ent_a.pk}/commitments/"
    r = world.client(world.enterprise_filler).post(url, {"action": "online", "online-signed_by": "张三"})
    assert r.status_code == 422  # the agreement box was not ticked
    assert (
        world.client(world.county_regulator)
        .post(url, {"action": "online", "online-signed_by": "张三", "online-agree": "on"})
        .status_code
        == 403
    )
    assert (
        world.client(world.other_enterprise_filler)
        .post(url, {"action": "online", "online-signed_by": "张三", "online-agree": "on"})
        .status_code
        == 404
    )
    assert SafetyCommitment.objects.count() == 0
    r = world.client(world.enterprise_filler).post(
        url, {"action": "online", "online-signed_by": "张三", "online-agree": "on"}
    )
    assert r.status_code == 302
    assert SafetyCommitment.objects.get().method == "online"


def test_commitment_api(world: Any) -> None:
    year = timezone.localdate().year
    body = json.dumps({"year": year, "signed_by": "张三"})
    url = f"/api/v1/enterprises/{world.ent_a.pk}/commitments"
    r = world.client(world.other_enterprise_filler).post(url, data=body, content_type="application/json")
    assert r.status_code == 404
    r = world.client(world.county_regulator).post(url, data=body, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "enterprise_only")
    r = world.client(world.enterprise_filler).post(url, data=body, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["method"] == "online"
    r = world.client(world.enterprise_filler).post(url, data=body, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (422, "commitment_exists")
    assert [c["year"] for c in world.client(world.county_regulator).get(url).json()] == [year]
    r = world.client(world.enterprise_filler).post(
        f"/api/v1/enterprises/{world.ent_a.pk}/commitments/upload",
        {"year": year + 1, "signed_by": "张三", "file": SimpleUploadedFile("c.pdf", PDF)},
    )
    assert r.status_code == 200
    assert r.json()["has_file"] is True


def test_new_actions_are_catalogued() -> None:
    for action in (
        "safety_commitment.confirmed",
        "safety_commitment.uploaded",
        "safety_director_rule.created",
        "safety_director_rule.updated",
    ):
        assert action in ACTIONS
