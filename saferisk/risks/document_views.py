"""Pages of the risk documents: the three PDFs of one enterprise (dossier, notice cards, notice
board), and the batches of dossiers a regulator asks for by town or county."""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from ninja import Field, FilterLookup, FilterSchema

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.excel import Column
from saferisk.core.models import Region, User
from saferisk.core.routes import list_route, object_route
from saferisk.core.views import get_or_404, list_response, parse_filters
from saferisk.enterprises.models import Enterprise
from saferisk.risks.document_jobs import (
    FAILED,
    STATUS_LABELS,
    batch_regions,
    document_job_create,
    document_job_list,
    document_job_retry,
    job_filename,
    job_finished,
    job_has_file,
    job_percent,
)
from saferisk.risks.documents import PDF, document_generate
from saferisk.risks.models import DocumentJob

# --- One enterprise's documents -----------------------------------------------------------------


def _pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    enterprise = get_or_404(request.user, Enterprise, pk=pk)
    try:
        filename, content = document_generate(actor=request.user, enterprise=enterprise, kind=kind)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"  # names and phone numbers of people
    return response


@login_required
@object_route(Enterprise)
def dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise risk dossier (一企一册) as PDF: its own users, and its regulators."""
    return _pdf(request, pk, "dossier")


@login_required
@object_route(Enterprise)
def notice_cards_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The post risk notice cards (岗位风险告知卡), one per place."""
    return _pdf(request, pk, "notice_cards")


@login_required
@object_route(Enterprise)
def notice_board_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The public notice board of 较大以上 risks with the supervision phone (Article 16)."""
    return _pdf(request, pk, "notice_board")


# --- Batches ------------------------------------------------------------------------------------


class DocumentJobForm(forms.Form):
    region = forms.ChoiceField(label=_("Town or county"))

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", "—")]
        for region in regions:
            if region.level == "county":
                label = _("%(county)s (whole county)") % {"county": region.name}
            else:
                label = f"{region.parent.name if region.parent else ''} {region.name}".strip()
            choices.append((region.code, str(label)))
        self.fields["region"].choices = choices  # type: ignore[attr-defined]


class DocumentJobFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["region__name__icontains", "region__code__startswith"])] = Field(
        None, description="地区名称或代码"
    )
    status: str | None = Field(None, description="queued / running / succeeded / failed")


def _by(job: DocumentJob) -> str:
    user = job.created_by
    return (user.full_name or user.username) if user else ""


DOCUMENT_JOB_COLUMNS = [
    Column(_("Region"), lambda j: j.region.name, 20),
    Column(_("Status"), lambda j: STATUS_LABELS.get(j.status, j.status), 10),
    Column(_("Enterprises in batch"), lambda j: j.total, 10),
    Column(_("Dossiers made"), lambda j: j.processed, 10),
    Column(_("Requested by"), _by, 14),
    Column(_("Requested at"), lambda j: j.created_at, 18),
    Column(_("Finished at"), lambda j: j.finished_at, 18),
]


def _can_batch(user: User) -> bool:
    return user.is_admin or (user.is_regulator and not user.department_id)


@login_required
@list_route(DocumentJob)
def document_job_list_view(request: HttpRequest) -> HttpResponseBase:
    """Ask for the dossiers of a town or county as one ZIP, and see one's past batches."""
    user: User = request.user  # type: ignore[assignment]
    can_batch = _can_batch(user)
    regions = list(batch_regions(user).select_related("parent")) if can_batch else []
    form = DocumentJobForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            job = document_job_create(actor=user, region_code=form.cleaned_data["region"])
        except (DomainError, Forbidden) as exc:
            form.add_error("region" if getattr(exc, "field", "") == "region" else None, exc.message)
        else:
            return redirect("risks:document_job_detail", pk=job.pk)
    filters, warning = parse_filters(request, DocumentJobFilter)
    response = list_response(
        request,
        queryset=filters.filter(document_job_list(user=user)),
        filters=filters,
        warning=warning,
        columns=DOCUMENT_JOB_COLUMNS,
        template="risks/documents/document_job_list.html",
        title=_("Dossier batches"),
        extra={"form": form, "can_batch": can_batch, "statuses": list(STATUS_LABELS.items())},
    )
    if request.method == "POST":
        response.status_code = 422  # the form came back with an error
    return response


def _job(request: HttpRequest, pk: int) -> DocumentJob:
    user: User = request.user  # type: ignore[assignment]
    job: DocumentJob = get_or_404(user, document_job_list(user=user), pk=pk)
    return job


@login_required
@object_route(DocumentJob)
def document_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's progress (polled while it runs), its ZIP, and 重新生成 when it failed."""
    job = _job(request, pk)
    context = {
        "job": job,
        "percent": job_percent(job),
        "finished": job_finished(job),
        "has_file": job_has_file(job),
        "can_retry": job.status == FAILED and _can_batch(request.user),  # type: ignore[arg-type]
        "status_label": STATUS_LABELS.get(job.status, job.status),
    }
    if request.headers.get("HX-Request"):
        return render(request, "risks/documents/_document_job_progress.html", context)
    return render(request, "risks/documents/document_job_detail.html", context)


@login_required
@object_route(DocumentJob)
def document_job_file(request: HttpRequest, pk: int) -> FileResponse:
    """The batch's ZIP, named after its region and time."""
    job = _job(request, pk)
    if not job_has_file(job):
        raise Http404
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job_filename(job), content_type="application/zip"
    )


@require_POST
@login_required
@object_route(DocumentJob)
def document_job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """重新生成: a failed batch asked for again, as a new job (same rules as a new request)."""
    user: User = request.user  # type: ignore[assignment]
    job = _job(request, pk)
    try:
        new = document_job_retry(actor=user, job=job)
    except (DomainError, Forbidden) as exc:
        messages.error(request, exc.message)
        return redirect("risks:document_job_detail", pk=job.pk)
    return redirect("risks:document_job_detail", pk=new.pk)
