"""Pages of the statistics-list import: upload, the job's progress, its error workbook, and the
blank template."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from saferisk.core import uscc
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.routes import list_route, object_route, reference_route
from saferisk.core.scoping import scoped
from saferisk.core.views import get_or_404
from saferisk.enterprises import statistics_list as sl
from saferisk.enterprises.import_jobs import PHASES, import_job_create
from saferisk.enterprises.models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Statistics list (.xlsx, .xls or .csv)"))
    scale = forms.ChoiceField(
        label=_("Rows without a scale column are"),
        choices=[("", _("Not stated")), ("above", _("Above scale")), ("below", _("Below scale"))],
        required=False,
    )
    dry_run = forms.BooleanField(label=_("Dry run: check and count only, write nothing"), required=False)


@login_required
@list_route(ImportJob)
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a list (regulators, admins) and see the jurisdiction's past imports."""
    user: Any = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        scale = {"above": True, "below": False}.get(form.cleaned_data["scale"])
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                actor=user,
                upload=upload,
                name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                default_above_scale=scale,
            )
        except (DomainError, Forbidden) as exc:
            form.add_error(None, exc.message)
        else:
            # No flash message: the progress card says "queued", then running, then the outcome.
            return redirect("enterprises:import_detail", pk=job.pk)
    jobs = scoped(user, ImportJob).select_related("created_by", "region")[:50]
    can_import = user.is_admin or user.is_regulator
    return render(
        request, "enterprises/import_list.html", {"form": form, "jobs": jobs, "can_import": can_import}
    )


@login_required
@object_route(ImportJob)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress (polled while it runs) and outcome."""
    job = get_or_404(request.user, ImportJob.objects.select_related("created_by", "region"), pk=pk)
    context = {
        "job": job,
        "phase": PHASES.get(job.phase, job.phase),
        "columns": job.columns.get("matched", {}),
    }
    if request.headers.get("HX-Request"):
        return render(request, "enterprises/_import_progress.html", context)
    return render(request, "enterprises/import_detail.html", context)


@login_required
@object_route(ImportJob)
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    """The job's error workbook."""
    job = get_or_404(request.user, ImportJob.objects.all(), pk=pk)
    if not job.error_file:
        raise Http404
    filename = f"{job.original_name.rsplit('.', 1)[0]}-错误明细.xlsx"
    return FileResponse(job.error_file.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)


@login_required
@reference_route
def import_template(request: HttpRequest) -> HttpResponse:
    """A blank list with the headers the import recognises and one example row."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("企业名录")
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    text = book.add_format({"num_format": "@"})
    headers = [sl.LABELS[f] for f in sl.TEMPLATE_FIELDS]
    sheet.write_row(0, 0, headers, bold)
    for i, f in enumerate(sl.TEMPLATE_FIELDS):
        sheet.set_column(
            i, i, 22 if f in ("uscc", "name", "address") else 14, text if f != "employees" else None
        )
    example = [
        uscc.make("320115", "MA1W2X3Y4"),  # a well-formed code, so the example row imports as is
        "示例化工有限公司",
        "320115001",
        "2614",
        "是",
        120,
        3500,
        "南京市江宁区示例路1号",
        118.84,
        31.95,
        "张三",
        "李四",
        "13800000000",
        "025-52100000",
    ]
    notes = book.add_worksheet("填写说明")
    for r, line in enumerate(
        [
            "1. 统一社会信用代码：18位，按 GB 32100-2015 校验；请将该列设为文本格式，避免末位丢失。",
            "2. 行政区划代码：区县6位，或乡镇9位/12位统计用区划代码；也可填写“所在乡镇”列（乡镇名称）。",
            "3. 行业代码：GB/T 4754-2017 行业小类代码，如 2614（可带门类字母，如 C2614）。",
            "4. 是否规上：是/否（或 规上/规下）。营业收入单位为万元；表头写“营业收入（千元）”时按千元换算。",
            "5. 经纬度：十进制度（如 118.84、31.95），须在中国境内；两者同时填写。",
            "6. 表头可在任意行（前30行内），列顺序不限，多余的列会被忽略。",
            "7. 同一统一社会信用代码再次导入时更新统计字段（名称、区划、行业、规模、人数、收入、法定代表人）；"
            "联系人、电话、地址和坐标仅在系统中为空时补充，企业自行维护的内容不会被覆盖。空单元格不会清空已有数据。",
        ]
    ):
        notes.write(r, 0, line)
    notes.set_column(0, 0, 120)
    # The example has its own sheet, not a row of the data sheet, so a template filled in below
    # it never imports a made-up enterprise.
    sample = book.add_worksheet("填写示例")
    sample.write_row(0, 0, headers, bold)
    for i, value in enumerate(example):
        if isinstance(value, str):
            sample.write_string(1, i, value)
        else:
            sample.write_number(1, i, value)
    sample.set_column(0, len(headers) - 1, 16)
    book.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('企业名录导入模板.xlsx')}"
    return response
