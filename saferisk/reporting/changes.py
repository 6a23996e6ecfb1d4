"""Change reports (变更报告): when a reportable risk (MAJOR or LARGE, active) is added, retired or
changes level after the enterprise has had a report accepted, a change report falls due within
`settings.SAFERISK_CHANGE_REPORT_DAYS` days.

Each province has one change campaign a year, opened by the system the first time a change
report falls due; an enterprise has one task in it. A further change while the task is open is
added to its triggers and keeps the earlier due date; a change after the task's report was
accepted opens the task again with a new due date. A change while a report waits for review is
recorded on the task, so the regulator sees it. The risk services call `risk_changed` for every
stored version of a risk, in their transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.models import Region, User
from saferisk.enterprises.models import Enterprise
from saferisk.reporting import progress
from saferisk.reporting.choices import CampaignKind, ReportState, TaskState
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.snapshot import REPORTABLE

CHANGE_LABELS = {
    "added": "新增较大以上风险",
    "removed": "较大以上风险停用或降级",
    "level": "较大以上风险等级变化",
}


def reportable_level(data: dict[str, Any] | None) -> str | None:
    """The level a stored risk version reports at, or None when it is not reportable."""
    if not data or data.get("status") != "active" or data.get("level") not in REPORTABLE:
        return None
    return str(data["level"])


def change_kind(before: dict[str, Any] | None, after: dict[str, Any]) -> str | None:
    """ "added", "removed" or "level" when the change between two versions calls for a change
    report; None otherwise (an edit that leaves the reportable level as it was does not: the
    annual report carries it)."""
    old, new = reportable_level(before), reportable_level(after)
    if old == new:
        return None
    if old is None:
        return "added"
    if new is None:
        return "removed"
    return "level"


def change_campaign(enterprise: Enterprise, year: int) -> ReportingCampaign:
    """The province's change campaign of `year`, opened by the system when first needed."""
    province = Region.objects.get(code=enterprise.region_id[:2].ljust(6, "0"))
    campaign = ReportingCampaign.objects.filter(kind=CampaignKind.CHANGE, year=year, region=province).first()
    if campaign is None:
        campaign = ReportingCampaign.objects.create(
            kind=CampaignKind.CHANGE,
            year=year,
            name=f"{province.name}{year}年变更报告",
            region=province,
            opens_on=dt.date(year, 1, 1),
            deadline=dt.date(year, 12, 31),
        )
    return campaign


def risk_changed(
    *, actor: User, risk: Any, before: dict[str, Any] | None, after: dict[str, Any]
) -> ReportTask | None:
    """Make a change report due if this version of `risk` changes what the enterprise reports.
    Only enterprises with an accepted report are asked: before that, the first or annual
    report carries the change."""
    kind = change_kind(before, after)
    if kind is None:
        return None
    enterprise = risk.enterprise
    if not RiskReport.objects.filter(task__enterprise=enterprise, state=ReportState.ACCEPTED).exists():
        return None
    today = timezone.localdate()
    due_on = today + dt.timedelta(days=settings.SAFERISK_CHANGE_REPORT_DAYS)
    campaign = change_campaign(enterprise, today.year)
    trigger = {
        "at": timezone.now().isoformat(timespec="seconds"),
        "risk": risk.pk,
        "name": risk.name,
        "change": kind,
        "label": CHANGE_LABELS[kind],
        "from": reportable_level(before),
        "to": reportable_level(after),
    }
    task = ReportTask.objects.select_for_update().filter(campaign=campaign, enterprise=enterprise).first()
    if task is None:
        task = ReportTask.objects.create(
            campaign=campaign,
            enterprise=enterprise,
            region_code=enterprise.region_id,
            division=(enterprise.industry_id or "")[:2],
            above_scale=enterprise.above_scale,
            key_sectors=" ".join(sorted(enterprise.key_sectors.values_list("code", flat=True))),
            due_on=due_on,
            triggers=[trigger],
        )
        progress.add_task(task)
    elif task.state == TaskState.ACCEPTED:
        progress.set_state(task, TaskState.NOT_STARTED)
        task.due_on = due_on
        task.triggers = [trigger]
        task.accepted_at = None
        task.save(update_fields=["state", "version", "due_on", "triggers", "accepted_at"])
    else:
        if task.state == TaskState.SUBMITTED:
            trigger["after_submission"] = True
        task.triggers = [*task.triggers, trigger]
        task.save(update_fields=["triggers"])
    audit_record(
        actor=actor,
        action="report_task.change_due",
        obj=task,
        changes={"risk": risk.pk, "change": kind, "due_on": task.due_on.isoformat(), "campaign": campaign.pk},
    )
    return task


def last_accepted(enterprise: Enterprise, *, before: RiskReport | None = None) -> RiskReport | None:
    """The enterprise's latest accepted report of any campaign (what a change report is compared
    with), optionally only those reviewed before `before` was submitted."""
    qs = RiskReport.objects.filter(task__enterprise=enterprise, state=ReportState.ACCEPTED)
    if before is not None and before.pk:
        qs = qs.exclude(pk=before.pk)
    return qs.order_by("-reviewed_at", "-id").first()
