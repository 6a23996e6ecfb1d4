"""Pages of the register's Excel exchange: export, the blank template, the import (with a dry
run) and its error workbook. Thin: the work is in `register_excel`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saferisk.core.errors import DomainError, NotFound
from saferisk.core.excel import XLSX
from saferisk.core.models import User
from saferisk.core.routes import object_route, reference_route
from saferisk.core.views import get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.risks import register_excel
from saferisk.risks.register_views import register_queryset


class RegisterImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Risk register (.xlsx, .xls or .csv)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check and count only, write nothing"), required=False
    )


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@object_route(Enterprise)
def register_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The register as Excel, with the filters of the register page (`?status=active|retired|all`,
    default active; `?level=`, …): the enterprise, its regulators and admins."""
    enterprise = get_or_404(request.user, Enterprise, pk=pk)
    content = register_excel.export_workbook(register_queryset(enterprise, request.GET))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _attachment(content, f"{enterprise.name}-风险清单-{stamp}.xlsx")


@login_required
@reference_route
def register_template(request: HttpRequest) -> HttpResponse:
    """The blank import template with its instruction and example sheets."""
    return _attachment(register_excel.template_workbook(), "风险清单导入模板.xlsx")


def _upload_path(upload: Any) -> Path:
    suffix = Path(upload.name or "").suffix.lower()[:8]
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
    return Path(tmp.name)


@login_required
@object_route(Enterprise)
def register_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a register workbook and see what it did. Regulators see the page but cannot
    import (403 on upload): the register is the enterprise's own."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(actor, Enterprise, pk=pk)
    can_import = register_excel.may_import(actor, enterprise)
    form = RegisterImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > register_excel.UPLOAD_MAX_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
            else:
                path = _upload_path(upload)
                try:
                    result = register_excel.register_import(
                        actor=actor,
                        enterprise=enterprise,
                        path=path,
                        original_name=upload.name,
                        dry_run=form.cleaned_data["dry_run"],
                    )
                except NotFound:
                    raise Http404 from None
                except DomainError as exc:
                    form.add_error("file" if exc.field == "file" else None, exc.message)
                finally:
                    path.unlink(missing_ok=True)
        if result is None:
            status = 422
    context = {
        "enterprise": enterprise,
        "form": form,
        "can_import": can_import,
        "result": result,
        "columns": register_excel.IMPORT_COLUMNS,
    }
    return render(request, "risks/register_excel/import.html", context, status=status)


@login_required
@object_route(Enterprise)
def register_import_errors(request: HttpRequest, pk: int, token: str) -> HttpResponseBase:
    """An import's error workbook (its name is a random token under the enterprise). Gone or
    unknown: back to the import page with a note."""
    enterprise = get_or_404(request.user, Enterprise, pk=pk)
    name = register_excel.error_file_name(enterprise, token)
    if name is None or not default_storage.exists(name):
        messages.warning(request, _("That error workbook is no longer available; import the file again."))
        return redirect("risks:register_import", pk=enterprise.pk)
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"{enterprise.name}-风险清单导入-错误明细.xlsx",
        content_type=XLSX,
    )
