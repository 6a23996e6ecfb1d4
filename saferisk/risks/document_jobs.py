"""Batches of risk documents made in the background: a regulator asks for the dossiers
(一企一册) of every enterprise of a town or county as one ZIP. The request is stored as a
`DocumentJob` and queued; a worker (`tasks.run_document_job`) makes the dossiers one by one,
reporting progress on the job row, which the job page polls, and stores the ZIP on the job.

The enterprises are those the job's creator can see in the region when the job runs, so a
batch never holds a dossier its reader could not open one by one. A job is seen only by its
creator (and admins), inside their jurisdiction.

Failures. A progress write is only a hint for the page: on a busy SQLite database it may find
the database locked, so it is retried a few times and then skipped, never failing the job. An
enterprise whose dossier fails is listed in the ZIP and the job still succeeds. Anything else
that stops the job is recorded on it in Chinese (the traceback goes to the log), any half-made
file is removed, and the exception is raised again so the task backend records the task as
failed too. A failed job can be asked for again (`document_job_retry`): a new job, under the
same rules as the first."""

from __future__ import annotations

import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files import File
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.audit import audit_record
from saferisk.core.choices import RegionLevel
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import Region, User
from saferisk.core.scoping import scoped
from saferisk.enterprises.models import Enterprise
from saferisk.risks.documents import dossier_pdf
from saferisk.risks.models import DocumentJob

log = logging.getLogger(__name__)

KIND_DOSSIER_ZIP = "dossier_zip"
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATUS_LABELS = {
    QUEUED: _("Queued"),
    RUNNING: _("Running"),
    SUCCEEDED: _("Succeeded"),
    FAILED: _("Failed"),
}
# A county of the province has at most a few thousand enterprises; a bigger batch would run for
# hours and make a ZIP nobody opens. Ask per county instead.
MAX_DOCUMENTS = 5000
BATCH_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWN)
# A write that finds the database locked (SQLite under load; busy_timeout has already waited) is
# tried this many times in all, pausing WRITE_PAUSE seconds, doubled each time, in between.
WRITE_ATTEMPTS = 4
WRITE_PAUSE = 0.2
# How many failed enterprises the job's message names (all of them are in the ZIP).
NAMED_FAILURES = 5


def batch_regions(user: User) -> QuerySet[Region]:
    """The counties and towns `user` may ask a batch for: those inside their jurisdiction
    (every one for an admin); none for anyone else."""
    regions = Region.objects.filter(level__in=BATCH_LEVELS).order_by("code")
    if user.is_admin:
        return regions
    prefix = user.jurisdiction_prefix if user.is_regulator else None
    if not prefix:
        return regions.none()
    return regions.filter(code__startswith=prefix)


def batch_enterprises(user: User | None, region: Region) -> QuerySet[Enterprise]:
    """The enterprises of `region` that `user` can see, in a stable order."""
    if user is None:
        return Enterprise.objects.none()
    return scoped(user, Enterprise).filter(region__code__startswith=region.prefix).order_by("uscc")


def _require_batch_user(actor: User) -> None:
    if actor.is_admin:
        return
    if not actor.is_regulator:
        raise Forbidden("只有监管部门或系统管理员可以批量生成风险管控手册", code="batch_forbidden")
    if actor.department_id:
        # Jobs are scoped by region only, so a department-scoped account could not see its own
        # job; until the scope rule knows the job's creator, such accounts download one by one.
        raise Forbidden(
            "按行业分管的监管账号暂不能批量生成，请在企业页面逐家下载风险管控手册", code="batch_forbidden"
        )


def document_job_create(*, actor: User, region_code: str) -> DocumentJob:
    """Queue the dossiers of every enterprise `actor` can see in a town or county of their
    jurisdiction, as one ZIP. Nothing is written when the region is outside the jurisdiction,
    holds no enterprise, or holds more than MAX_DOCUMENTS."""
    _require_batch_user(actor)
    region = batch_regions(actor).filter(code=str(region_code or "").strip()).first()
    if region is None:
        raise DomainError("region_invalid", "请选择管辖范围内的区县或乡镇（街道）", field="region")
    total = batch_enterprises(actor, region).count()
    if total == 0:
        raise DomainError("no_enterprises", f"{region.name}没有可生成风险管控手册的企业", field="region")
    if total > MAX_DOCUMENTS:
        raise DomainError(
            "too_many_documents",
            f"{region.name}共有{total}家企业，超过单次{MAX_DOCUMENTS}家的上限，请按乡镇（街道）分批生成",
            field="region",
        )
    with transaction.atomic():
        job = DocumentJob.objects.create(
            created_by=actor, region=region, kind=KIND_DOSSIER_ZIP, status=QUEUED, total=total
        )
        audit_record(
            actor=actor,
            action="document_job.created",
            obj=job,
            changes={"kind": KIND_DOSSIER_ZIP, "region": region.code, "total": total},
        )
        from saferisk.risks.tasks import run_document_job

        transaction.on_commit(lambda: run_document_job.enqueue(job.pk))
    return job


def _set(job_id: int, **values: Any) -> None:
    DocumentJob.objects.filter(pk=job_id).update(**values)


def _retrying(write: Callable[[], object], *, what: str, job_id: int) -> bool:
    """Run `write` (in a transaction of its own, so a failed try leaves nothing behind, even
    inside an outer transaction) until it gets past a locked database: WRITE_ATTEMPTS tries.
    True when it was written; False when the database stayed locked."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with transaction.atomic():
                write()
        except OperationalError:
            if attempt + 1 == WRITE_ATTEMPTS:
                log.warning("document job %s: %s not written, database busy", job_id, what, exc_info=True)
                return False
            time.sleep(WRITE_PAUSE * 2**attempt)
        else:
            return True
    return False


def _progress(job_id: int, done: int) -> None:
    """Record how many dossiers are made. Only the page reads it, so when the database stays
    locked this update is skipped (the next one, or the final write, catches up)."""
    _retrying(lambda: _set(job_id, processed=done), what=f"progress {done}", job_id=job_id)


def failure_message(job_id: int, done: int, total: int, failed: int = 0) -> str:
    """What a failed job tells its reader: how far it got and what to do, in Chinese."""
    if total and failed == total:
        what = f"{total} 家企业的手册全部生成失败，未能生成压缩包。"
    else:
        what = f"生成中断：已处理 {done}/{total} 家企业，未能生成压缩包。"
    return what + f"请点击“重新生成”再试；如仍失败，请联系系统管理员并告知任务编号 {job_id}。"


def zip_member_name(enterprise: Enterprise) -> str:
    """ "<USCC>-<name>.pdf" inside the ZIP (characters a file system refuses replaced)."""
    name = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in enterprise.name).strip()
    return f"{enterprise.uscc}-{name}.pdf"


class _Run:
    """How far a running job got (read when it fails)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed: list[str] = []


def _failed_message(failed: list[str]) -> str:
    if not failed:
        return ""
    names = "、".join(f.split(" ", 1)[-1] for f in failed[:NAMED_FAILURES])
    more = "等" if len(failed) > NAMED_FAILURES else ""
    return (
        f"{len(failed)} 家企业的手册生成失败：{names}{more}。名单见压缩包内“生成失败的企业.txt”，"
        "可在企业页面单独下载；如仍失败，请联系系统管理员。"
    )


def _make_zip(job: DocumentJob, run: _Run) -> None:
    """Write the dossiers into a ZIP and store it on `job` (not yet saved on the row)."""
    enterprises = batch_enterprises(job.created_by, job.region)
    run.total = enterprises.count()
    _retrying(lambda: _set(job.pk, total=run.total, processed=0), what="total", job_id=job.pk)
    with tempfile.TemporaryFile() as spool:
        # PDFs are compressed already: storing them is as small and much faster.
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for enterprise in enterprises.iterator(chunk_size=200):
                try:
                    archive.writestr(zip_member_name(enterprise), dossier_pdf(enterprise))
                except Exception:
                    log.exception("dossier of enterprise %s failed in job %s", enterprise.pk, job.pk)
                    run.failed.append(f"{enterprise.uscc} {enterprise.name}")
                run.done += 1
                _progress(job.pk, run.done)
            if run.total and len(run.failed) == run.total:  # nothing to hand out: fail the job
                raise RuntimeError(f"every dossier of job {job.pk} failed")
            if run.failed:
                archive.writestr(
                    "生成失败的企业.txt",
                    "以下企业的风险管控手册生成失败，请在企业页面单独下载或联系系统管理员：\n"
                    + "\n".join(run.failed)
                    + "\n",
                )
        spool.seek(0)
        job.file.save(f"dossiers-{job.region_id}-{job.pk}.zip", File(spool), save=False)


def _finish(job: DocumentJob, run: _Run) -> None:
    """Mark the job succeeded with its file, and record the audit event, in one transaction."""
    _set(
        job.pk,
        status=SUCCEEDED,
        file=job.file.name,
        total=run.total,
        processed=run.done,
        message=_failed_message(run.failed),
        finished_at=timezone.now(),
    )
    audit_record(
        actor=job.created_by,
        action="risk_documents.generated",
        obj=job,
        changes={
            "kind": KIND_DOSSIER_ZIP,
            "region": job.region_id,
            "documents": run.done - len(run.failed),
            "failed": len(run.failed),
        },
    )


def document_job_run(job_id: int) -> None:
    """Make a queued job's ZIP: the worker's entry point. An enterprise whose dossier fails is
    listed in the ZIP and on the job, which still succeeds; the audit event is written once the
    ZIP is stored. When the job itself fails, the failure is recorded on it in Chinese, any
    stored file removed, and the exception raised again (the task is then logged as failed)."""
    job = DocumentJob.objects.select_related("created_by", "region").filter(pk=job_id).first()
    if job is None or job.status != QUEUED:
        return
    # Claim the job conditionally, so two workers never run it twice.
    if not DocumentJob.objects.filter(pk=job.pk, status=QUEUED).update(
        status=RUNNING, started_at=timezone.now()
    ):
        return
    run = _Run(job.total)
    try:
        _make_zip(job, run)
        if not _retrying(lambda: _finish(job, run), what="result", job_id=job.pk):
            raise OperationalError("database locked while the result was written")
    except Exception:
        log.exception("document job %s failed after %s of %s dossiers", job.pk, run.done, run.total)
        if job.file.name:  # stored, but never handed out
            try:
                job.file.delete(save=False)
            except OSError:
                log.warning("document job %s: could not remove %s", job.pk, job.file.name, exc_info=True)
        _retrying(
            lambda: _set(
                job.pk,
                status=FAILED,
                file="",
                total=run.total,
                processed=run.done,
                message=failure_message(job.pk, run.done, run.total, len(run.failed)),
                finished_at=timezone.now(),
            ),
            what="failure",
            job_id=job.pk,
        )
        raise


def document_job_retry(*, actor: User, job: DocumentJob) -> DocumentJob:
    """Ask again for a failed job's dossiers: a new job for the same region, checked like a new
    request (`document_job_create`: who may ask, which region, how many enterprises). Asking
    twice while the new job is still under way returns that job rather than queue another."""
    if job.status != FAILED:
        raise DomainError("job_not_failed", "只有生成失败的任务可以重新生成", field="job")
    with transaction.atomic():
        DocumentJob.objects.select_for_update().filter(pk=job.pk).first()  # one retry at a time
        pending = (
            DocumentJob.objects.filter(
                created_by=actor, region_id=job.region_id, status__in=(QUEUED, RUNNING), pk__gt=job.pk
            )
            .order_by("pk")
            .first()
        )
        if pending is not None:
            return pending
        return document_job_create(actor=actor, region_code=job.region_id)


def document_job_list(*, user: User) -> QuerySet[DocumentJob]:
    """The jobs `user` may see: their own inside their jurisdiction; an admin's, everyone's."""
    jobs = scoped(user, DocumentJob).select_related("created_by", "region")
    if not getattr(user, "is_admin", False):
        jobs = jobs.filter(Q(created_by=user))
    return jobs


def job_finished(job: DocumentJob) -> bool:
    return job.status in (SUCCEEDED, FAILED)


def job_percent(job: DocumentJob) -> int:
    """How far the job got: 100 once it succeeded; a failed job shows where it stopped."""
    if job.status == SUCCEEDED:
        return 100
    if not job.total:
        return 0
    done = min(job.processed * 100 // job.total, 100)
    return done if job.status == FAILED else min(99, done)


def job_has_file(job: DocumentJob) -> bool:
    """Whether the job has a ZIP to download: it succeeded and its file is in storage."""
    if job.status != SUCCEEDED or not job.file.name:
        return False
    try:
        return job.file.storage.exists(job.file.name)
    except OSError:
        return False


def job_filename(job: DocumentJob) -> str:
    """The ZIP's name for people: "<地区>-风险管控手册-<date>.zip"."""
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    return f"{job.region.name}-风险管控手册-{stamp}.zip"
