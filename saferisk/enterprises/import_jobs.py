"""Import jobs: the upload is stored and queued; a background worker runs the import and
reports its progress on the job row, which the import page polls."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import Region, User
from saferisk.enterprises.choices import ImportStatus
from saferisk.enterprises.importer import ImportResult, import_statistics_list
from saferisk.enterprises.models import ImportJob
from saferisk.enterprises.tabular import CSV_SUFFIXES, SPREADSHEET_SUFFIXES

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PHASES = {
    "queued": _("Waiting for a worker"),
    "reading": _("Reading and checking rows"),
    "merging": _("Writing to the database"),
    "writing_errors": _("Writing the error workbook"),
    "done": _("Finished"),
}


def _actor_region(actor: User | None) -> Region:
    """The jurisdiction an import runs for: the regulator's region; the province for an admin
    or for the command line run without --as."""
    if actor is None or actor.is_admin:
        return Region.objects.get(level="province")
    if actor.is_regulator and actor.region_id and actor.region is not None:
        return actor.region
    raise Forbidden("只有监管部门或系统管理员可以导入企业名录", code="import_forbidden")


def import_job_create(
    *,
    actor: User | None,
    upload: IO[bytes],
    name: str,
    dry_run: bool = False,
    default_above_scale: bool | None = None,
    run_now: bool = False,
) -> ImportJob:
    """Store an uploaded list and queue its import (or run it at once for the CLI)."""
    region = _actor_region(actor)
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | CSV_SUFFIXES:
        raise DomainError("file_type", "请上传 .xlsx、.xls 或 .csv 文件", field="file")
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for block in iter(lambda: upload.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    if size == 0:
        raise DomainError("file_empty", "文件为空", field="file")
    if size > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", "文件超过200MB，请拆分后分批导入", field="file")
    upload.seek(0)
    stored = default_storage.save(f"imports/{timezone.localdate():%Y/%m}/{Path(name).name}", File(upload))
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            region=region,
            file=stored,
            original_name=Path(name).name[:200],
            sha256=digest.hexdigest(),
            dry_run=dry_run,
            default_above_scale=default_above_scale,
            phase="queued",
        )
        audit_record(
            actor=actor,
            action="import_job.created",
            obj=job,
            changes={"after": {"file": job.original_name, "sha256": job.sha256, "dry_run": dry_run}},
        )
        if not run_now:
            from saferisk.enterprises.tasks import run_import_job

            transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    if run_now:
        import_job_run(job.pk)
        job.refresh_from_db()
    return job


def _set(job_id: int, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(**fields)


def import_job_run(job_id: int) -> ImportResult | None:
    """Run a queued job: the worker's entry point. Never raises: a failure is recorded on the job
    (and the import's own transaction has already rolled the directory back)."""
    job = ImportJob.objects.select_related("created_by", "region").get(pk=job_id)
    if job.status != ImportStatus.QUEUED:
        return None
    _set(job.pk, status=ImportStatus.RUNNING, started_at=timezone.now(), phase="reading")

    def progress(phase: str, done: int, total: int) -> None:
        _set(job.pk, phase=phase, processed=done, total=total)

    actor = job.created_by
    try:
        result = import_statistics_list(
            actor=actor,
            path=Path(job.file.path),
            original_name=job.original_name,
            dry_run=job.dry_run,
            default_above_scale=job.default_above_scale,
            job=job,
            progress=progress,
        )
    except DomainError as exc:
        _set(
            job.pk, status=ImportStatus.FAILED, phase="done", message=exc.message, finished_at=timezone.now()
        )
        return None
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _set(
            job.pk,
            status=ImportStatus.FAILED,
            phase="done",
            message=f"导入失败（内部错误：{type(exc).__name__}），数据库未作任何修改。请联系系统管理员，任务编号 {job.pk}。",
            finished_at=timezone.now(),
        )
        return None
    _set(
        job.pk,
        status=ImportStatus.SUCCEEDED,
        phase="done",
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        blank_lines=result.blank_lines,
        flagged=result.flagged,
        error_file=result.error_file or "",
        columns={"matched": result.columns, "ignored": result.ignored_columns, "timings": result.timings},
        finished_at=timezone.now(),
    )
    return result
