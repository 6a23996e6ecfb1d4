"""API operations of the enterprise directory."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from saferisk.core.pagination import Pagination
from saferisk.core.routes import create_route, list_route, object_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import scoped_get
from saferisk.enterprises import selectors
from saferisk.enterprises.filters import EnterpriseFilter
from saferisk.enterprises.import_jobs import import_job_create
from saferisk.enterprises.models import Enterprise, ImportJob
from saferisk.enterprises.schemas import EnterpriseListOut, EnterpriseOut

router = Router(tags=["企业"])


@router.get(
    "", response=responses(list[EnterpriseListOut]), operation_id="enterprise_list", summary="企业名录"
)
@list_route(Enterprise)
@paginate(Pagination)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return filters.filter(selectors.enterprise_list(user=request.user))  # type: ignore[arg-type]


@router.get(
    "/{int:enterprise_id}",
    response=responses(EnterpriseOut, not_found=True),
    operation_id="enterprise_get",
    summary="企业详情",
)
@object_route(Enterprise)
def enterprise_get(request: HttpRequest, enterprise_id: int) -> Any:
    return scoped_get(request.user, Enterprise.objects.prefetch_related("key_sectors"), pk=enterprise_id)


# --- Imports of the statistics list ------------------------------------------------------------


class ImportJobOut(Schema):
    id: int
    original_name: str
    status: str
    phase: str
    dry_run: bool
    total: int
    processed: int
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    blank_lines: int
    flagged: int
    message: str
    has_error_file: bool
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_has_error_file(obj: ImportJob) -> bool:
        return bool(obj.error_file)


@router.post(
    "/imports",
    response={202: ImportJobOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    operation_id="enterprise_import_create",
    summary="上传统计名录并排队导入",
)
@create_route(ImportJob)
def enterprise_import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    above_scale: Form[bool | None] = None,
) -> Any:
    """Store the file and queue the import; poll `GET /enterprises/imports/{id}` for progress.
    The counts obey created + updated + unchanged + rejected == rows."""
    job = import_job_create(
        actor=request.user,  # type: ignore[arg-type]
        upload=file,
        name=file.name or "upload.xlsx",
        dry_run=dry_run,
        default_above_scale=above_scale,
    )
    return Status(202, job)


@router.get(
    "/imports/{int:job_id}",
    response=responses(ImportJobOut, not_found=True),
    operation_id="enterprise_import_get",
    summary="导入任务进度与结果",
)
@object_route(ImportJob)
def enterprise_import_get(request: HttpRequest, job_id: int) -> Any:
    return scoped_get(request.user, ImportJob.objects.all(), pk=job_id)
