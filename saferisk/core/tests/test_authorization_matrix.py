"""Every route of the project, probed by role and jurisdiction (see saferisk/testing/matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import include, path

from saferisk.core.models import AuditEvent, User
from saferisk.core.routes import object_route
from saferisk.core.services import api_token_create
from saferisk.enterprises.models import Enterprise
from saferisk.testing.makers import make_user
from saferisk.testing.matrix import Subject, collect_routes, probe_routes

pytestmark = pytest.mark.django_db


def _marker_user(world: Any) -> User:
    user = User.objects.filter(username="marker_user_a").first()
    return user or make_user("marker_user_a", "enterprise_filler", enterprise=world.ent_a)


SUBJECTS = {
    Enterprise: Subject(
        make=lambda w: w.ent_a,
        insider="county_regulator",
        outsiders=("other_county_regulator", "other_enterprise_filler", "dept_regulator", "expert"),
        page_marker=lambda o: f'href="/enterprises/{o.pk}/"',
    ),
    User: Subject(
        make=_marker_user,
        insider="county_regulator",
        outsiders=("other_county_regulator", "other_enterprise_filler", "expert", "dept_regulator"),
        page_marker=lambda o: f'href="/users/{o.pk}/"',
    ),
    AuditEvent: Subject(
        make=lambda w: AuditEvent.objects.get(action="enterprise.created", object_id=str(w.ent_a.pk)),
        insider="county_regulator",
        outsiders=("other_county_regulator", "other_enterprise_filler", "dept_regulator", "expert"),
        page_marker=lambda o: f'href="/audit/{o.pk}/"',
    ),
}


def _token_subject() -> Subject:
    from saferisk.core.models import ApiToken

    def make(w: Any) -> ApiToken:
        token = ApiToken.objects.filter(user=w.enterprise_filler).first()
        return token or api_token_create(actor=None, user=w.enterprise_filler, name="matrix")[0]

    return Subject(
        make=make,
        insider="enterprise_filler",
        outsiders=("other_enterprise_filler", "county_regulator", "other_county_regulator"),
        page_marker=lambda o: f"/accounts/tokens/{o.pk}/",
    )


def _import_job(w: Any) -> Any:
    from django.core.files.base import ContentFile

    from saferisk.enterprises.models import ImportJob

    job = ImportJob.objects.filter(original_name="matrix.xlsx").first()
    if job is None:
        job = ImportJob(region_id="320115", original_name="matrix.xlsx", sha256="0" * 64, status="succeeded")
        job.file.save("matrix.xlsx", ContentFile(b"x"), save=False)
        job.error_file.save("matrix-errors.xlsx", ContentFile(b"x"), save=False)
        job.save()
    return job


def _notification(w: Any) -> Any:
    from saferisk.core.models import Notification
    from saferisk.core.notify import notify

    existing = Notification.objects.filter(body="matrix").first()
    return existing or notify(
        user=w.enterprise_filler, phone="13811112222", kind="account_onboarded", body="matrix"
    )


# Only the enterprise itself signs its safety commitment; its regulator may only read it.
INSIDERS = {
    "API POST /api/v1/enterprises/<enterprise_id>/commitments": "enterprise_filler",
    "API POST /api/v1/enterprises/<enterprise_id>/commitments/upload": "enterprise_filler",
    # Only the enterprise keeps its register; its regulator reads it.
    "API POST /api/v1/enterprises/<enterprise_id>/risks": "enterprise_filler",
    "API POST /api/v1/enterprises/<enterprise_id>/risks/adopt": "enterprise_filler",
    "API PATCH /api/v1/risks/<risk_id>": "enterprise_filler",
    "API POST /api/v1/risks/<risk_id>/retire": "enterprise_filler",
    # Only the enterprise prepares its report, and only its principal submits it.
    "API POST /api/v1/reporting/tasks/<task_id>/prepare": "enterprise_filler",
    "API POST /api/v1/reporting/tasks/<task_id>/submit": "enterprise_principal",
    # Only the enterprise asks for more time and keeps its checklists.
    "API POST /api/v1/hidden-dangers/items/<item_id>/extensions": "enterprise_filler",
    "API PATCH /api/v1/hidden-dangers/checklists/<checklist_id>": "enterprise_filler",
    # A self-check is recorded by the enterprise's own people; its regulator reads it.
    "API POST /api/v1/hidden-dangers/inspections/<inspection_id>/items": "enterprise_filler",
    "API POST /api/v1/hidden-dangers/inspections/<inspection_id>/finish": "enterprise_filler",
    "API POST /api/v1/hidden-dangers/inspection-results/<result_id>": "enterprise_filler",
}


def _campaign(w: Any) -> Any:
    """A county campaign whose deadline passed yesterday, with ent_a overdue in it (on the
    enforcement list, and on the dashboard's list of enterprises not filed). Opened after a
    second campaign in which ent_a's report waits for review, so it is the latest (the
    dashboard's default)."""
    import datetime as dt

    from django.utils import timezone

    from saferisk.reporting.models import ReportingCampaign
    from saferisk.reporting.services import campaign_open, report_prepare, report_submit
    from saferisk.risks.services import completeness_gap

    existing = ReportingCampaign.objects.filter(name="matrix").first()
    if existing:
        return existing
    today = timezone.localdate()
    review = campaign_open(
        actor=w.county_regulator,
        data={
            "kind": "annual",
            "name": "matrix-review",
            "region": "320115",
            "deadline": (today + dt.timedelta(days=30)).isoformat(),
        },
    )
    w.ent_a.address = "matrix"
    w.ent_a.principal_name = "matrix"
    w.ent_a.principal_phone = "13800000000"
    w.ent_a.save()
    task = review.tasks.get(enterprise=w.ent_a)
    gap = {item.code: "matrix" for item in completeness_gap(w.ent_a)}
    report_prepare(actor=w.enterprise_filler, task=task, data={"gap_explanations": gap})
    report_submit(actor=w.enterprise_principal, task=task, declared=True)
    return campaign_open(
        actor=w.county_regulator,
        data={
            "kind": "first",
            "name": "matrix",
            "region": "320115",
            "opens_on": (today - dt.timedelta(days=30)).isoformat(),
            "deadline": (today - dt.timedelta(days=1)).isoformat(),
        },
    )


def _report_task(w: Any) -> Any:
    return _campaign(w).tasks.get(enterprise=w.ent_a)


def _risk_report(w: Any) -> Any:
    """ent_a's report in the other campaign, waiting for review (so the review queue lists it)."""
    from saferisk.reporting.models import RiskReport

    _campaign(w)
    return RiskReport.objects.get(task__campaign__name="matrix-review", task__enterprise=w.ent_a)


def _bulletin(w: Any) -> Any:
    from django.utils import timezone

    from saferisk.core.models import Region
    from saferisk.reporting.bulletins import bulletin_publish

    return bulletin_publish(
        actor=w.county_regulator,
        campaign=_campaign(w),
        region=Region.objects.get(code="320115"),
        date=timezone.localdate(),
    )


def _enforcement_case(w: Any) -> Any:
    from saferisk.reporting.enforcement import case_record_overdue

    return case_record_overdue(actor=w.county_regulator, task=_report_task(w))


def _commitment(w: Any) -> Any:
    """Last year's, so this year's missing-commitment list still shows ent_a."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from saferisk.enterprises.models import SafetyCommitment

    year = timezone.localdate().year - 1
    existing = SafetyCommitment.objects.filter(enterprise=w.ent_a, year=year).first()
    if existing:
        return existing
    c = SafetyCommitment(enterprise=w.ent_a, year=year, method="uploaded", signed_by="matrix")
    c.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 matrix"), save=False)
    c.save()
    return c


def _risk(w: Any) -> Any:
    from saferisk.risks.models import Risk
    from saferisk.risks.services import risk_save

    existing = Risk.objects.filter(enterprise=w.ent_a, name="matrix risk").first()
    return existing or risk_save(
        actor=w.enterprise_filler,
        enterprise=w.ent_a,
        data={
            "name": "matrix risk",
            "place": "matrix place",
            "method": "ls",
            "inputs": {"L": 3, "S": 4},
            "accident_types": [1],
            "owner_name": "matrix",
            "measures": [{"kind": "management", "text": "matrix"}],
        },
    )


def _hidden_danger(w: Any) -> Any:
    """A major hidden danger of ent_a, past its deadline (on the overdue and major lists), with
    a photo, a pending extension and a county listing."""
    import datetime as dt

    from django.utils import timezone

    from saferisk.hidden_dangers import services, supervision
    from saferisk.hidden_dangers.models import HiddenDanger
    from saferisk.hidden_dangers.tests.factories import photo

    existing = HiddenDanger.objects.filter(title="matrix hidden danger").first()
    if existing:
        return existing
    today = timezone.localdate()
    hd = services.register(
        actor=w.enterprise_filler,
        enterprise=w.ent_a,
        title="matrix hidden danger",
        found_on=today - dt.timedelta(days=20),
        photos=[photo(size=(40, 30))],
    )
    hd = services.assess(
        actor=w.enterprise_filler,
        hd=hd,
        version=hd.version,
        grade="major",
        criteria=["chemical_2017_12"],
        deadline=today - dt.timedelta(days=2),
    )
    services.extension_request(
        actor=w.enterprise_filler, hd=hd, new_deadline=today + dt.timedelta(days=20), reason="matrix"
    )
    supervision.listing_create(
        actor=w.county_regulator, hd=hd, deadline=today + dt.timedelta(days=30), requirements="matrix"
    )
    return HiddenDanger.objects.get(pk=hd.pk)


def _checklist(w: Any) -> Any:
    from saferisk.hidden_dangers import inspections
    from saferisk.hidden_dangers.models import Checklist

    _risk(w)
    if not Checklist.objects.filter(enterprise=w.ent_a).exists():
        inspections.generate(actor=w.enterprise_filler, enterprise=w.ent_a)
    return Checklist.objects.filter(enterprise=w.ent_a).order_by("id").first()


def _inspection(w: Any) -> Any:
    from saferisk.hidden_dangers import inspections
    from saferisk.hidden_dangers.models import Inspection

    existing = Inspection.objects.filter(enterprise=w.ent_a).first()
    return existing or inspections.start(
        actor=w.enterprise_filler, enterprise=w.ent_a, checklist=_checklist(w)
    )


def _reassessment(w: Any) -> Any:
    from saferisk.risks.models import ReassessmentTask
    from saferisk.risks.reassessment import reassessment_open

    existing = ReassessmentTask.objects.filter(enterprise=w.ent_a, description="matrix").first()
    return existing or reassessment_open(
        actor=w.enterprise_filler,
        enterprise=w.ent_a,
        trigger="process",
        description="matrix",
        risks=[_risk(w)],
    )


def _document_job(w: Any) -> Any:
    from django.core.files.base import ContentFile

    from saferisk.risks.models import DocumentJob

    job = DocumentJob.objects.filter(message="matrix").first()
    if job is None:
        job = DocumentJob(
            created_by=w.county_regulator, region_id="320115", status="succeeded", message="matrix"
        )
        job.file.save("matrix.zip", ContentFile(b"PK"), save=False)
        job.save()
    return job


def subjects() -> dict[Any, Subject]:
    from saferisk.core.models import ApiToken, Notification
    from saferisk.enterprises.models import ImportJob, SafetyCommitment

    outsiders = ("other_county_regulator", "other_enterprise_filler", "dept_regulator", "expert")
    from saferisk.hidden_dangers.models import (
        Checklist,
        DeadlineExtension,
        HiddenDanger,
        Inspection,
        InspectionResult,
        ListedSupervision,
        Photo,
    )
    from saferisk.reporting.models import Bulletin, EnforcementCase, ReportingCampaign, ReportTask, RiskReport
    from saferisk.risks.models import DocumentJob, ReassessmentItem, ReassessmentTask, Risk

    return {
        **SUBJECTS,
        Risk: Subject(
            make=_risk,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/risks/{o.pk}/",
        ),
        ReassessmentTask: Subject(
            make=_reassessment,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/risks/reassessments/{o.pk}/",
        ),
        ReassessmentItem: Subject(
            make=lambda w: _reassessment(w).items.first(),
            insider="enterprise_filler",
            outsiders=outsiders,
            page_marker=lambda o: f"/risks/reassessments/items/{o.pk}/",
        ),
        DocumentJob: Subject(
            make=_document_job,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/risks/documents/{o.pk}/",
        ),
        ApiToken: _token_subject(),
        ImportJob: Subject(
            make=_import_job,
            insider="county_regulator",
            outsiders=("other_county_regulator", "other_enterprise_filler", "expert"),
            page_marker=lambda o: f"/enterprises/imports/{o.pk}/",
        ),
        SafetyCommitment: Subject(
            make=_commitment,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/enterprises/commitments/{o.pk}/file/",
        ),
        Notification: Subject(
            make=_notification,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'id="notification-{o.pk}"',
        ),
        # A department's regulator sees its county's campaigns (they hold every industry).
        ReportingCampaign: Subject(
            make=_campaign,
            insider="county_regulator",
            outsiders=("other_county_regulator", "other_enterprise_filler", "expert"),
            page_marker=lambda o: f'href="/reporting/campaigns/{o.pk}/"',
        ),
        ReportTask: Subject(
            make=_report_task,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'href="/reporting/tasks/{o.pk}/"',
        ),
        RiskReport: Subject(
            make=_risk_report,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/reporting/reports/{o.pk}/review/",
        ),
        Bulletin: Subject(
            make=_bulletin,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'href="/reporting/bulletins/{o.pk}/"',
        ),
        EnforcementCase: Subject(
            make=_enforcement_case,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'data-case="{o.pk}"',
        ),
        HiddenDanger: Subject(
            make=_hidden_danger,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'data-hd="{o.pk}"',
        ),
        Photo: Subject(
            make=lambda w: _hidden_danger(w).photos.first(),
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/hidden-dangers/photos/{o.pk}/",
        ),
        DeadlineExtension: Subject(
            make=lambda w: _hidden_danger(w).extensions.first(),
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f"/hidden-dangers/extensions/{o.pk}/",
        ),
        ListedSupervision: Subject(
            make=lambda w: _hidden_danger(w).listings.first(),
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'href="/hidden-dangers/listings/{o.pk}/"',
        ),
        Checklist: Subject(
            make=_checklist,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'href="/hidden-dangers/checklists/{o.pk}/"',
        ),
        Inspection: Subject(
            make=_inspection,
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'href="/hidden-dangers/inspections/{o.pk}/"',
        ),
        InspectionResult: Subject(
            make=lambda w: _inspection(w).results.order_by("id").first(),
            insider="county_regulator",
            outsiders=outsiders,
            page_marker=lambda o: f'data-result="{o.pk}"',
        ),
    }


SAMPLES = {
    "core:user_action": {"action": "unlock"},
    "risks:catalog_item_detail": {"pk": "1"},  # the starter catalogue's first item
    "risks:catalog_item_edit": {"pk": "1"},
    "enterprises:obligation_list": {"kind": "commitment"},
    "API GET /api/v1/obligations/<kind>": {"kind": "commitment"},
    "enterprises:safety_director_rule_edit": {"pk": "1"},
    "API PATCH /api/v1/safety-director-rules/<rule_id>": {"rule_id": "1"},
    "API GET /api/v1/regions/<code>": {"code": "320115"},
    "API GET /api/v1/industries/<code>": {"code": "2614"},
    "api_not_found": {"rest": "no-such-operation"},
    "API GET /api/v1/risk-assessment/lec": {"?": "l=6&e=6&c=7"},
    "API GET /api/v1/risk-assessment/ls": {"?": "l=4&s=5"},
    "risks:register_import_errors": {"token": "matrix"},
}


def test_every_route_is_declared_and_holds(world: Any) -> None:
    routes = collect_routes()
    result = probe_routes(routes, world=world, subjects=subjects(), samples=SAMPLES, insiders=INSIDERS)
    assert result.problems == []
    # Coverage, pinned: a new route changes these numbers on purpose (and is probed above).
    pages = sum(1 for r in routes if not r.is_api)
    assert result.probed == len(routes)
    assert (pages, len(routes) - pages) == (130, 110)
    assert result.requests >= 130


# --- The matrix must catch an undeclared route and a leaky one ------------------------------------


def undeclared_view(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("ok")


@object_route(Enterprise)
def leaky_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Declared as scoped, but fetches without core.scoping: anyone signed in can read any enterprise.
    return HttpResponse(Enterprise.objects.get(pk=pk).name)


urlpatterns = [
    path("", include("saferisk.urls")),
    path("undeclared/<int:pk>/", undeclared_view, name="undeclared"),
    path("leaky/<int:pk>/", leaky_view, name="leaky"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_matrix_fails_for_unscoped_routes(world: Any) -> None:
    routes = [r for r in collect_routes(__name__) if r.name in {"undeclared", "leaky"}]
    assert {r.name for r in routes} == {"undeclared", "leaky"}
    result = probe_routes(routes, world=world, subjects=subjects(), samples=SAMPLES)
    assert any(p.startswith("undeclared") and "no scope declaration" in p for p in result.problems)
    assert any(p.startswith("leaky: other_county_regulator got 200") for p in result.problems)
