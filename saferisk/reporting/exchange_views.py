"""Pages of the reporting exchange: download a campaign's accepted reports as an exchange file,
and import another platform's file into a campaign (a dry run first, by default).

Thin: the reads and writes are `reporting/exchange.py`'s, the same the API and the
`saferisk reports` command use."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from saferisk.core.choices import Role
from saferisk.core.errors import DomainError
from saferisk.core.routes import object_route
from saferisk.core.views import get_or_404
from saferisk.reporting import exchange
from saferisk.reporting.choices import CampaignStatus
from saferisk.reporting.models import ReportingCampaign

JSON_TYPE = "application/json; charset=utf-8"
LISTED_ROWS = 500  # rows of a result kept for the page (the counts stay exact)


def _campaign(request: HttpRequest, pk: int) -> ReportingCampaign:
    return get_or_404(request.user, ReportingCampaign.objects.select_related("region"), pk=pk)


@login_required
@object_route(ReportingCampaign)
def campaign_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's accepted reports in the viewer's scope, as an exchange file."""
    campaign = _campaign(request, pk)
    document = exchange.export_reports(actor=request.user, campaign=campaign)  # type: ignore[arg-type]
    response = HttpResponse(exchange.export_bytes(document), content_type=JSON_TYPE)
    filename = f"{campaign.name}-风险报告交换-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ExchangeImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Exchange file (.json)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check and count only, write nothing"),
        required=False,
        initial=True,  # ticked until the regulator has seen what the file would do
        help_text=gettext_lazy("Untick to import for real once the dry run's result looks right."),
    )


def _session_key(campaign: ReportingCampaign) -> str:
    return f"reporting_exchange_import_{campaign.pk}"


@login_required
@object_route(ReportingCampaign)
def campaign_import_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an exchange file into this campaign. The outcome is kept in the session and shown
    after a redirect, so a reload does not import twice."""
    campaign = _campaign(request, pk)
    user: Any = request.user
    if not (user.is_admin or user.role == Role.REGULATOR):
        raise PermissionDenied
    key = _session_key(campaign)
    form = ExchangeImportForm(request.POST or None, request.FILES or None)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > exchange.MAX_UPLOAD_BYTES:
                raise DomainError(
                    "file_too_large", "文件过大（最大100MB），请按地区或日期分批导出", field="file"
                )
            document = exchange.parse_document(upload.read())
            result = exchange.import_reports(
                actor=user, document=document, campaign=campaign, dry_run=form.cleaned_data["dry_run"]
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
            if isinstance(exc.details, dict):
                problems = list(exc.details.get("errors") or [])
        else:
            request.session[key] = {**result.as_dict(limit=LISTED_ROWS), "name": upload.name}
            return redirect(f"{reverse('reporting:campaign_import_json', args=[campaign.pk])}?result=1")
    status = 422 if request.method == "POST" else 200
    shown = request.session.get(key) if request.GET.get("result") and request.method != "POST" else None
    context = {
        "campaign": campaign,
        "form": form,
        "result": shown,
        "problems": problems[:200],
        "open": campaign.status == CampaignStatus.OPEN,
        "schema_url": reverse("api:reporting_exchange_schema"),
    }
    return render(request, "reporting/exchange_import.html", context, status=status)
