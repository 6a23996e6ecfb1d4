"""Dossier batches: a regulator asks for a town's dossiers as one ZIP, a background task makes
it (the immediate backend here), and only its creator (or an admin) sees and downloads it."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from saferisk.conftest import TOWN_A, TOWN_B
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import AuditEvent
from saferisk.risks.document_jobs import (
    MAX_DOCUMENTS,
    batch_regions,
    document_job_create,
    document_job_retry,
    document_job_run,
    failure_message,
    zip_member_name,
)
from saferisk.risks.models import DocumentJob
from saferisk.risks.services import risk_save
from saferisk.risks.tests.test_documents import DUST, REACTOR
from saferisk.testing.makers import make_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(world: Any) -> Any:
    """ent_a with two risks; ent_a_power without any; a third enterprise in the county seat."""
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=REACTOR)
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=DUST)
    return make_enterprise(region="320115", name="江宁区直属机械有限公司")


def _run(client: Any, region: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/risks/documents/", {"region": region})


def test_a_town_batch_holds_one_dossier_per_enterprise(
    world: Any, town: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    client = world.client(world.county_regulator)
    response = _run(client, TOWN_A, django_capture_on_commit_callbacks)
    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/risks/documents/{job.pk}/"
    assert (job.status, job.total, job.processed, job.region_id) == ("succeeded", 2, 2, TOWN_A)
    assert job.created_by == world.county_regulator
    requested = AuditEvent.objects.get(action="document_job.created")
    assert (requested.object_id, requested.changes["total"]) == (str(job.pk), 2)
    assert job.started_at is not None
    assert job.finished_at is not None

    download = client.get(f"/risks/documents/{job.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert quote("东山街道-风险管控手册-") in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    expected = {
        f"{world.ent_a.uscc}-江宁化工有限公司.pdf": "反应釜超温超压",
        f"{world.ent_a_power.uscc}-江宁热电有限公司.pdf": "暂无在册的安全风险",
    }
    assert sorted(archive.namelist()) == sorted(expected)  # the county-seat enterprise is not in the town
    for name, words in expected.items():
        path = tmp_path / "member.pdf"
        path.write_bytes(archive.read(name))
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert name.split("-", 1)[1].removesuffix(".pdf") in text
        assert words in text
    event = AuditEvent.objects.get(action="risk_documents.generated")
    assert event.actor_id == world.county_regulator.pk
    assert event.object_type == "risks.documentjob"
    assert event.object_id == str(job.pk)
    assert event.changes == {"kind": "dossier_zip", "region": TOWN_A, "documents": 2, "failed": 0}
    assert event.region_code == TOWN_A


def test_a_county_batch_takes_its_towns_too(
    world: Any, town: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _run(world.client(world.county_regulator), "320115", django_capture_on_commit_callbacks)
    job = DocumentJob.objects.get()
    assert (job.status, job.processed) == ("succeeded", 3)
    with job.file.open("rb") as fh:
        names = zipfile.ZipFile(fh).namelist()
    assert f"{town.uscc}-江宁区直属机械有限公司.pdf" in names


def test_a_failing_dossier_is_listed_and_the_rest_still_made(world: Any, town: Any, monkeypatch: Any) -> None:
    from saferisk.risks import document_jobs

    real = document_jobs.dossier_pdf

    def flaky(enterprise: Any) -> bytes:
        if enterprise.pk == world.ent_a_power.pk:
            raise RuntimeError("boom")
        return real(enterprise)

    monkeypatch.setattr(document_jobs, "dossier_pdf", flaky)
    job = DocumentJob.objects.create(created_by=world.county_regulator, region_id=TOWN_A, total=2)
    document_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert (job.processed, job.total) == (2, 2)
    assert job.message == (
        "1 家企业的手册生成失败：江宁热电有限公司。名单见压缩包内“生成失败的企业.txt”，"
        "可在企业页面单独下载；如仍失败，请联系系统管理员。"
    )
    with job.file.open("rb") as fh:
        archive = zipfile.ZipFile(fh)
        assert sorted(archive.namelist()) == sorted([zip_member_name(world.ent_a), "生成失败的企业.txt"])
        assert world.ent_a_power.uscc in archive.read("生成失败的企业.txt").decode()
    assert AuditEvent.objects.get(action="risk_documents.generated").changes["failed"] == 1
    document_job_run(job.pk)  # a finished job is never run again
    assert AuditEvent.objects.filter(action="risk_documents.generated").count() == 1


def test_the_failure_of_one_dossier_is_logged_with_its_traceback(
    world: Any, town: Any, monkeypatch: Any, caplog: Any
) -> None:
    from saferisk.risks import document_jobs

    def broken(enterprise: Any) -> bytes:
        raise RuntimeError("font table damaged")

    monkeypatch.setattr(document_jobs, "dossier_pdf", broken)
    job = DocumentJob.objects.create(created_by=world.county_regulator, region_id=TOWN_A, total=2)
    with pytest.raises(RuntimeError):  # every dossier failed: the job fails, and says so
        document_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.file.name) == ("failed", 2, 2, "")
    assert job.message == failure_message(job.pk, 2, 2, failed=2)
    assert job.message.startswith("2 家企业的手册全部生成失败，未能生成压缩包。请点击“重新生成”再试")
    records = [r for r in caplog.records if r.name == "saferisk.risks.document_jobs" and r.exc_info]
    assert [str(r.exc_info[1]) for r in records[:2]] == ["font table damaged", "font table damaged"]
    assert "Error" not in job.message
    assert not AuditEvent.objects.filter(action="risk_documents.generated").exists()


def test_a_locked_database_never_fails_the_job_on_a_progress_write(
    world: Any, town: Any, monkeypatch: Any, caplog: Any
) -> None:
    """SQLite under load: `database is locked` on the progress update. The first progress
    write stays locked through every try and is skipped; the second succeeds on its second try;
    the job finishes with every dossier and the true count."""
    from django.db import OperationalError

    from saferisk.risks import document_jobs

    real_set = document_jobs._set
    tries: dict[int, int] = {}

    def locked(job_id: int, **values: Any) -> None:
        if set(values) == {"processed"} and values["processed"] in (1, 2):
            tries[values["processed"]] = tries.get(values["processed"], 0) + 1
            if values["processed"] == 1 or tries[2] == 1:
                raise OperationalError("database is locked")
        real_set(job_id, **values)

    monkeypatch.setattr(document_jobs, "_set", locked)
    monkeypatch.setattr(document_jobs, "WRITE_PAUSE", 0)
    job = DocumentJob.objects.create(created_by=world.county_regulator, region_id="320115", total=3)
    document_job_run(job.pk)
    job.refresh_from_db()
    assert tries == {1: document_jobs.WRITE_ATTEMPTS, 2: 2}
    assert (job.status, job.processed, job.total, job.message) == ("succeeded", 3, 3, "")
    with job.file.open("rb") as fh:
        assert len(zipfile.ZipFile(fh).namelist()) == 3
    assert any("progress 1 not written" in r.getMessage() for r in caplog.records)
    assert AuditEvent.objects.get(action="risk_documents.generated").changes["documents"] == 3


def test_a_job_that_fails_records_why_in_chinese_and_the_task_fails_too(
    world: Any, town: Any, monkeypatch: Any, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The database breaks after 2 of 3 dossiers: the job says how far it got and offers
    重新生成; the traceback is logged; the task is recorded as failed."""
    from django.db import DatabaseError
    from django.tasks import TaskResultStatus

    from saferisk.risks import document_jobs, tasks

    real_set = document_jobs._set

    def broken(job_id: int, **values: Any) -> None:
        if values == {"processed": 2}:
            raise DatabaseError("database disk image is malformed")
        real_set(job_id, **values)

    monkeypatch.setattr(document_jobs, "_set", broken)
    with django_capture_on_commit_callbacks(execute=False):
        job = document_job_create(actor=world.county_regulator, region_code="320115")
    result = tasks.run_document_job.enqueue(job.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "django.db.utils.DatabaseError"
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.file.name) == ("failed", 2, 3, "")
    assert job.message == (
        f"生成中断：已处理 2/3 家企业，未能生成压缩包。请点击“重新生成”再试；"
        f"如仍失败，请联系系统管理员并告知任务编号 {job.pk}。"
    )
    assert job.finished_at is not None
    failure = next(r for r in caplog.records if r.getMessage().startswith(f"document job {job.pk} failed"))
    assert failure.getMessage() == f"document job {job.pk} failed after 2 of 3 dossiers"
    assert "malformed" in str(failure.exc_info[1])
    assert not AuditEvent.objects.filter(action="risk_documents.generated").exists()

    client = world.client(world.county_regulator)
    html = client.get(f"/risks/documents/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html  # finished: no more polling
    assert 'aria-valuenow="66"' in html
    assert "width: 66%" in html
    assert "bg-danger" in html
    assert job.message in html
    assert "DatabaseError" not in html
    assert 'data-testid="document-job-download"' not in html  # no file, no link
    assert f'action="/risks/documents/{job.pk}/retry/"' in html
    assert client.get(f"/risks/documents/{job.pk}/file/").status_code == 404
    listing = client.get("/risks/documents/").content.decode()
    assert f"/risks/documents/{job.pk}/file/" not in listing
    assert f'action="/risks/documents/{job.pk}/retry/"' in listing


def _failed_job(world: Any) -> DocumentJob:
    return DocumentJob.objects.create(
        created_by=world.county_regulator,
        region_id=TOWN_A,
        total=2,
        processed=1,
        status="failed",
        message="生成中断",
    )


def test_retry_makes_a_new_job_for_the_same_region(
    world: Any, town: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failed = _failed_job(world)
    client = world.client(world.county_regulator)
    assert client.get(f"/risks/documents/{failed.pk}/retry/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/risks/documents/{failed.pk}/retry/")
    new = DocumentJob.objects.exclude(pk=failed.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/risks/documents/{new.pk}/"
    assert (new.region_id, new.created_by, new.status, new.processed) == (
        TOWN_A,
        world.county_regulator,
        "succeeded",
        2,
    )
    failed.refresh_from_db()
    assert (failed.status, failed.message) == ("failed", "生成中断")  # the old job is left as it was
    assert AuditEvent.objects.get(action="risk_documents.generated").object_id == str(new.pk)
    page = client.get(f"/risks/documents/{new.pk}/").content.decode()
    assert 'data-testid="document-job-download"' in page
    assert 'data-testid="document-job-retry"' not in page


def test_retry_follows_the_rules_of_a_new_request(world: Any, town: Any) -> None:
    failed = _failed_job(world)
    for who in ("other_county_regulator", "city_regulator", "enterprise_filler", "expert"):
        response = world.client(getattr(world, who)).post(f"/risks/documents/{failed.pk}/retry/")
        assert response.status_code == 404, who
    assert DocumentJob.objects.count() == 1
    # Asked twice while the new job waits: the same new job.
    first = document_job_retry(actor=world.county_regulator, job=failed)
    again = document_job_retry(actor=world.county_regulator, job=failed)
    assert first.pk == again.pk
    assert (first.status, first.region_id) == ("queued", TOWN_A)
    assert DocumentJob.objects.count() == 2
    # Only a failed job is asked for again.
    with pytest.raises(DomainError) as exc:
        document_job_retry(actor=world.county_regulator, job=first)
    assert exc.value.code == "job_not_failed"
    client = world.client(world.county_regulator)
    response = client.post(f"/risks/documents/{first.pk}/retry/", follow=True)
    assert "只有生成失败的任务可以重新生成" in response.content.decode()
    assert DocumentJob.objects.count() == 2


def test_retry_is_refused_when_the_creator_no_longer_may_ask(world: Any, town: Any) -> None:
    """An admin sees every job, and may ask again for anyone's; a creator moved to an industry
    department may no longer ask for batches, so neither for this one."""
    failed = _failed_job(world)
    world.county_regulator.department_id = "development_reform"
    world.county_regulator.save()
    with pytest.raises(Forbidden):
        document_job_retry(actor=world.county_regulator, job=failed)
    assert DocumentJob.objects.count() == 1
    new = document_job_retry(actor=world.admin, job=failed)
    assert (new.created_by, new.region_id) == (world.admin, TOWN_A)


def test_the_progress_card_is_polled_until_the_job_is_done(world: Any, town: Any) -> None:
    job = DocumentJob.objects.create(
        created_by=world.county_regulator, region_id=TOWN_A, total=4, processed=1, status="running"
    )
    client = world.client(world.county_regulator)
    card = client.get(f"/risks/documents/{job.pk}/", headers={"HX-Request": "true"})
    html = card.content.decode()
    assert card.status_code == 200
    assert 'hx-trigger="every 2s"' in html
    assert "25%" in html
    assert "<html" not in html  # the partial only
    DocumentJob.objects.filter(pk=job.pk).update(status="succeeded", processed=4)
    html = client.get(f"/risks/documents/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert "100%" in html


@pytest.mark.parametrize(
    ("who", "region", "error"),
    [
        ("other_county_regulator", TOWN_A, DomainError),  # outside the jurisdiction
        ("county_regulator", TOWN_B, DomainError),
        ("county_regulator", "320115", None),
        ("county_regulator", "320000", DomainError),  # a province is not a batch region
        ("enterprise_filler", TOWN_A, Forbidden),
        ("expert", TOWN_A, Forbidden),
        ("dept_regulator", TOWN_A, Forbidden),
    ],
)
def test_who_may_ask_for_which_region(
    world: Any, town: Any, who: str, region: str, error: type[Exception] | None
) -> None:
    actor = getattr(world, who)
    if error is None:
        document_job_create(actor=actor, region_code=region)
        assert DocumentJob.objects.count() == 1
        return
    with pytest.raises(error):
        document_job_create(actor=actor, region_code=region)
    assert not DocumentJob.objects.exists()


def test_an_empty_town_or_too_big_a_county_is_refused(world: Any, town: Any, monkeypatch: Any) -> None:
    from saferisk.core.models import Region

    empty = Region.objects.filter(code__startswith="320115", level="town").exclude(code=TOWN_A).first()
    assert empty is not None
    with pytest.raises(DomainError) as exc:
        document_job_create(actor=world.county_regulator, region_code=empty.code)
    assert exc.value.code == "no_enterprises"
    monkeypatch.setattr("saferisk.risks.document_jobs.MAX_DOCUMENTS", 2)
    with pytest.raises(DomainError) as exc:
        document_job_create(actor=world.county_regulator, region_code="320115")
    assert exc.value.code == "too_many_documents"
    assert not DocumentJob.objects.exists()
    assert MAX_DOCUMENTS == 5000


def test_the_form_offers_only_the_jurisdiction_and_shows_errors(world: Any, town: Any) -> None:
    assert set(batch_regions(world.county_regulator).values_list("level", flat=True)) == {"county", "town"}
    assert all(
        code.startswith("320115")
        for code in batch_regions(world.county_regulator).values_list("code", flat=True)
    )
    assert not batch_regions(world.enterprise_filler).exists()
    client = world.client(world.county_regulator)
    page = client.get("/risks/documents/").content.decode()
    assert f'value="{TOWN_A}"' in page
    assert f'value="{TOWN_B}"' not in page
    refused = client.post("/risks/documents/", {"region": TOWN_B})
    assert refused.status_code == 422
    assert not DocumentJob.objects.exists()
    filler_page = world.client(world.enterprise_filler).get("/risks/documents/")
    assert filler_page.status_code == 200
    assert 'data-testid="document-job-form"' not in filler_page.content.decode()


def test_jobs_are_seen_only_by_their_creator_and_admins(world: Any, town: Any) -> None:
    job = DocumentJob.objects.create(created_by=world.county_regulator, region_id=TOWN_A, total=2)
    marker = f"/risks/documents/{job.pk}/"
    assert marker in world.client(world.county_regulator).get("/risks/documents/").content.decode()
    assert marker in world.client(world.admin).get("/risks/documents/").content.decode()
    for who in ("city_regulator", "other_county_regulator", "enterprise_filler"):
        client = world.client(getattr(world, who))
        assert marker not in client.get("/risks/documents/").content.decode(), who
        assert client.get(marker).status_code == 404, who
        assert client.get(f"{marker}file/").status_code == 404, who
    assert world.client(world.admin).get(marker).status_code == 200


def test_the_list_exports_to_excel(world: Any, town: Any) -> None:
    DocumentJob.objects.create(created_by=world.county_regulator, region_id=TOWN_A, total=2)
    response = world.client(world.county_regulator).get("/risks/documents/?format=xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "东山街道"
    assert rows[1][2] == 2


def test_the_matrix_holds_for_the_document_routes(world: Any, town: Any) -> None:
    """The authorization matrix over this part's routes, with a DocumentJob subject (to be
    added to core/tests/test_authorization_matrix.py by the lead)."""
    from django.core.files.base import ContentFile

    from saferisk.core.tests.test_authorization_matrix import SAMPLES, subjects
    from saferisk.testing.matrix import Subject, collect_routes, probe_routes

    def make(w: Any) -> DocumentJob:
        job = DocumentJob.objects.filter(message="matrix").first()
        if job is None:
            job = DocumentJob(
                created_by=w.county_regulator, region_id="320115", status="succeeded", message="matrix"
            )
            job.file.save("matrix.zip", ContentFile(b"PK"), save=False)
            job.save()
        return job

    all_subjects = {
        **subjects(),
        DocumentJob: Subject(
            make=make,
            insider="county_regulator",
            outsiders=("other_county_regulator", "other_enterprise_filler", "dept_regulator", "expert"),
            page_marker=lambda o: f"/risks/documents/{o.pk}/",
        ),
    }
    names = {
        "risks:dossier_pdf",
        "risks:notice_cards_pdf",
        "risks:notice_board_pdf",
        "risks:document_job_list",
        "risks:document_job_detail",
        "risks:document_job_file",
        "risks:document_job_retry",
    }
    routes = [r for r in collect_routes() if r.name in names]
    assert {r.name for r in routes} == names
    result = probe_routes(routes, world=world, subjects=all_subjects, samples=SAMPLES)
    assert result.problems == []
    assert result.probed == 7
