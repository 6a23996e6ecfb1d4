"""Batches of risk documents made in the background: a regulator asks for the dossiers
(一企一册) of every enterprise of a town or county as one ZIP. The request is stored as a
`DocumentJob` and queued; a worker (`tasks.run_document_job`) makes the dossiers one by one,
reporting progress on the job row, which the job page polls, and stores the ZIP on the job.

The enterprises are those the job's creator can see in the region when the job runs, so a
batch never holds a dossier its reader could not open one by one. A job is seen only by its
creator (and admins), inside their jurisdiction."""

from __future__ import annotations

import logging
import tempfile
import zipfile
from typing import Any

from django.core.files import File
from django.db import transaction
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
        from saferisk.risks.tasks import run_document_job

        transaction.on_commit(lambda: run_document_job.enqueue(job.pk))
    return job


def _set(job_id: int, **values: Any) -> None:
    DocumentJob.objects.filter(pk=job_id).update(**values)


def zip_member_name(enterprise: Enterprise) -> str:
    """ "<USCC>-<name>.pdf" inside the ZIP (characters a file system refuses replaced)."""
    name = "".join("_" if c in '\\/:*?"<>|' or ord(c) < 32 else c for c in enterprise.name).strip()
    return f"{enterprise.uscc}-{name}.pdf"


def document_job_run(job_id: int) -> None:
    """Make a queued job's ZIP: the worker's entry point. Never raises: an enterprise whose
    dossier fails is listed in the ZIP and on the job; a failure of the whole job is recorded on
    it. The audit event is written once the ZIP is stored."""
    job = DocumentJob.objects.select_related("created_by", "region").filter(pk=job_id).first()
    if job is None or job.status != QUEUED:
        return
    # Claim the job conditionally, so two workers never run it twice.
    if not DocumentJob.objects.filter(pk=job.pk, status=QUEUED).update(
        status=RUNNING, started_at=timezone.now()
    ):
        return
    failed: list[str] = []
    done = 0
    try:
        enterprises = batch_enterprises(job.created_by, job.region)
        total = enterprises.count()
        _set(job.pk, total=total, processed=0)
        with tempfile.TemporaryFile() as spool:
            # PDFs are compressed already: storing them is as small and much faster.
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
                for enterprise in enterprises.iterator(chunk_size=200):
                    try:
                        archive.writestr(zip_member_name(enterprise), dossier_pdf(enterprise))
                    except Exception:
                        log.exception("dossier of enterprise %s failed in job %s", enterprise.pk, job.pk)
                        failed.append(f"{enterprise.uscc} {enterprise.name}")
                    done += 1
                    _set(job.pk, processed=done)
                if failed:
                    archive.writestr(
                        "生成失败的企业.txt",
                        "以下企业的风险管控手册生成失败，请在企业页面单独下载或联系系统管理员：\n"
                        + "\n".join(failed)
                        + "\n",
                    )
            spool.seek(0)
            job.file.save(f"dossiers-{job.region_id}-{job.pk}.zip", File(spool), save=False)
        message = (
            f"{len(failed)} 家企业的手册生成失败，名单见压缩包内“生成失败的企业.txt”。" if failed else ""
        )
        with transaction.atomic():
            _set(
                job.pk,
                status=SUCCEEDED,
                file=job.file.name,
                processed=done,
                message=message,
                finished_at=timezone.now(),
            )
            audit_record(
                actor=job.created_by,
                action="risk_documents.generated",
                obj=job,
                changes={
                    "kind": KIND_DOSSIER_ZIP,
                    "region": job.region_id,
                    "documents": done - len(failed),
                    "failed": len(failed),
                },
            )
    except Exception as exc:
        log.exception("document job %s failed", job.pk)
        _set(
            job.pk,
            status=FAILED,
            processed=done,
            message=f"生成失败（内部错误：{type(exc).__name__}）。请联系系统管理员，任务编号 {job.pk}。",
            finished_at=timezone.now(),
        )


def document_job_list(*, user: User) -> QuerySet[DocumentJob]:
    """The jobs `user` may see: their own inside their jurisdiction; an admin's, everyone's."""
    jobs = scoped(user, DocumentJob).select_related("created_by", "region")
    if not getattr(user, "is_admin", False):
        jobs = jobs.filter(Q(created_by=user))
    return jobs


def job_finished(job: DocumentJob) -> bool:
    return job.status in (SUCCEEDED, FAILED)


def job_percent(job: DocumentJob) -> int:
    if job_finished(job):
        return 100
    return min(99, job.processed * 100 // job.total) if job.total else 0


def job_filename(job: DocumentJob) -> str:
    """The ZIP's name for people: "<地区>-风险管控手册-<date>.zip"."""
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    return f"{job.region.name}-风险管控手册-{stamp}.zip"
