"""Reads of the reporting pages, already scoped: campaigns with their progress in the reader's
own jurisdiction, a campaign's tasks with the derived overdue state, the review queue, a
report's history; and the columns each list shares with its Excel export.

Progress comes from `CampaignProgress` (kept by the services), never from a live count over a
province's tasks; only a department's regulators, whose view is cut by industry (which the
progress rows do not carry below the division), count their tasks live."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.excel import Column
from saferisk.core.keyset import KeysetPage, keyset_page
from saferisk.core.models import Region, User
from saferisk.core.scoping import scoped
from saferisk.core.selectors import region_names
from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState, TaskState
from saferisk.reporting.models import CampaignProgress, ReportingCampaign, ReportTask, RiskReport

# States in which a task past its due date is overdue (derived, never stored).
OPEN_STATES = (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)
OVERDUE = "overdue"
TASK_KEYSET = ["region_code", "id"]
QUEUE_KEYSET = ["submitted_at", "id"]


def cursor_page(
    request: HttpRequest, queryset: QuerySet[Any], fields: list[str], size: int = 50
) -> KeysetPage:
    """One page of a list that grows to province scale, paged by cursor (`after`/`before`,
    with the page number `n` for display), as `core.views.list_response` pages."""
    try:
        number = max(1, int(request.GET.get("n", "1")))
    except ValueError:
        number = 1
    return keyset_page(
        queryset,
        fields=fields,
        cursor=request.GET.get("after"),
        before=request.GET.get("before"),
        size=size,
        number=number,
    )


def name_regions(rows: list[Any], code: Any) -> None:
    """Set `region_name` on each row from its region code (`code(row)`), in one query."""
    names = region_names(code(row) for row in rows)
    for row in rows:
        row.region_name = names.get(code(row), code(row))


def is_staff(user: User) -> bool:
    return bool(user.is_admin or user.is_regulator)


def _digits(value: Any, longest: int = 12) -> str:
    text = str(value or "").strip()
    return text if text.isdigit() and len(text) <= longest else ""


# --- Campaigns -------------------------------------------------------------------------------------


def campaign_list(user: User, params: Mapping[str, str]) -> QuerySet[ReportingCampaign]:
    """The campaigns the user may see, filtered by year, kind and status, newest first."""
    qs = scoped(user, ReportingCampaign).select_related("region", "opened_by")
    year = _digits(params.get("year"), 4)
    if year:
        qs = qs.filter(year=int(year))
    if params.get("kind") in CampaignKind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("status") in CampaignStatus.values:
        qs = qs.filter(status=params["status"])
    return qs.order_by("-year", "-created_at", "-id")


def _rates(counts: dict[str, Any]) -> dict[str, Any]:
    total = counts.get("total", 0)
    filed = counts.get(TaskState.SUBMITTED, 0) + counts.get(TaskState.ACCEPTED, 0)
    counts["filed"] = filed
    counts["completion_rate"] = round(100 * counts.get(TaskState.ACCEPTED, 0) / total, 1) if total else 0.0
    counts["filing_rate"] = round(100 * filed / total, 1) if total else 0.0
    return counts


def campaign_counts(user: User, campaigns: Iterable[ReportingCampaign]) -> dict[int, dict[str, Any]]:
    """Per campaign, the tasks in the user's view by state, the total, how many filed
    (submitted or accepted) and the completion and filing rates in percent."""
    ids = [c.pk for c in campaigns]
    out: dict[int, dict[str, Any]] = {pk: dict.fromkeys([*TaskState.values, "total"], 0) for pk in ids}
    if not ids:
        return out
    rows: Iterable[tuple[int, str, int | None]]
    if user.department_id:
        rows = (
            scoped(user, ReportTask)
            .filter(campaign_id__in=ids)
            .order_by()
            .values_list("campaign_id", "state")
            .annotate(n=Count("id"))
        )
    else:
        prefix = "" if user.is_admin else (user.jurisdiction_prefix or "")
        rows = (
            CampaignProgress.objects.filter(campaign_id__in=ids, region_code__startswith=prefix)
            .order_by()
            .values_list("campaign_id", "state")
            .annotate(n=Sum("tasks"))
        )
    for campaign_id, state, n in rows:
        out[campaign_id][state] += n or 0
        out[campaign_id]["total"] += n or 0
    return {pk: _rates(counts) for pk, counts in out.items()}


def overdue_count(user: User, campaign: ReportingCampaign, counts: dict[str, Any]) -> int:
    """Tasks past their due date and not filed. Every task of a first or annual campaign is due
    on its deadline, so the progress counts answer; a change campaign's tasks have their own
    due dates and are few, so they are counted."""
    today = timezone.localdate()
    if campaign.kind == CampaignKind.CHANGE or user.department_id:
        return (
            scoped(user, ReportTask)
            .filter(campaign=campaign, due_on__lt=today, state__in=OPEN_STATES)
            .order_by()
            .count()
        )
    return sum(counts.get(s, 0) for s in OPEN_STATES) if campaign.deadline < today else 0


def with_counts(user: User, campaigns: Iterable[ReportingCampaign]) -> list[ReportingCampaign]:
    campaigns = list(campaigns)
    counts = campaign_counts(user, campaigns)
    for c in campaigns:
        c.counts = counts[c.pk]  # type: ignore[attr-defined]
    return campaigns


def campaign_regions_label(campaign: ReportingCampaign) -> str:
    if not campaign.scope_regions:
        return campaign.region.name
    names = dict(Region.objects.filter(code__in=campaign.scope_regions).values_list("code", "name"))
    return "、".join(names.get(code, code) for code in campaign.scope_regions)


CAMPAIGN_COLUMNS = [
    Column(_("Name"), lambda c: c.name, 32),
    Column(_("Kind of report"), lambda c: c.get_kind_display(), 12),
    Column(_("Year"), lambda c: c.year, 8),
    Column(_("Region"), lambda c: c.region.name, 14),
    Column(_("Scale"), lambda c: c.get_scale_display(), 12),
    Column(_("Industry codes"), lambda c: c.industry_prefixes, 14),
    Column(_("Opens on"), lambda c: c.opens_on, 12),
    Column(_("Deadline"), lambda c: c.deadline, 12),
    Column(_("Status"), lambda c: campaign_status_label(c.status), 10),
    Column(_("Number of enterprises"), lambda c: c.counts["total"], 10),
    Column(_("Submitted"), lambda c: c.counts[TaskState.SUBMITTED], 10),
    Column(_("Returned"), lambda c: c.counts[TaskState.RETURNED], 10),
    Column(_("Accepted"), lambda c: c.counts[TaskState.ACCEPTED], 10),
    Column(_("Completion rate (%)"), lambda c: c.counts["completion_rate"], 12),
    Column(_("Filing rate (%)"), lambda c: c.counts["filing_rate"], 12),
]


def campaign_status_label(status: str) -> Any:
    """A campaign is 进行中 or 已关闭 (the choice's own label, 未完成, is the task list's word)."""
    return _("Under way") if status == CampaignStatus.OPEN else _("Campaign closed")


# --- Tasks -----------------------------------------------------------------------------------------


def task_list(
    user: User, params: Mapping[str, str], campaign: ReportingCampaign | None = None
) -> QuerySet[ReportTask]:
    """Tasks in the user's view, of one campaign or of all, filtered by state (`overdue`
    included), region code prefix and enterprise name or USCC."""
    qs = scoped(user, ReportTask).select_related("enterprise", "campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    elif _digits(params.get("campaign")):
        qs = qs.filter(campaign_id=int(params["campaign"]))
    state = params.get("state", "")
    if state == OVERDUE:
        qs = qs.filter(due_on__lt=timezone.localdate(), state__in=OPEN_STATES)
    elif state in TaskState.values:
        qs = qs.filter(state=state)
    region = _digits(params.get("region"))
    if region:
        qs = qs.filter(region_code__startswith=region_prefix(region))
    term = str(params.get("q") or "").strip()
    if term:
        qs = qs.filter(Q(enterprise__name__icontains=term) | Q(enterprise__uscc__startswith=term.upper()))
    return qs


def region_prefix(code: str) -> str:
    """A region code as the prefix its enterprises' codes start with (320115 → 320115, 320100 →
    3201, 320000 → 32)."""
    region = Region.objects.filter(code=code).first()
    return region.prefix if region else code


def mark_tasks(tasks: Iterable[ReportTask], today: dt.date | None = None) -> list[ReportTask]:
    """Each task with `overdue`, `days_left` (negative once past) and `days_overdue`."""
    today = today or timezone.localdate()
    out = list(tasks)
    for t in out:
        t.days_left = (t.due_on - today).days  # type: ignore[attr-defined]
        t.days_overdue = max(0, -t.days_left)  # type: ignore[attr-defined]
        t.overdue = t.due_on < today and t.state in OPEN_STATES  # type: ignore[attr-defined]
    return out


def state_label(task: ReportTask, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    label = str(task.get_state_display())
    if task.due_on < today and task.state in OPEN_STATES:
        return f"{label}（{_('Overdue')}）"
    return label


class RegionNames:
    """Region names for an export, fetched per batch of rows."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def feed(self, rows: Iterable[Any], attr: str) -> Iterator[Any]:
        batch: list[Any] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 2000:
                yield from self._flush(batch, attr)
                batch = []
        yield from self._flush(batch, attr)

    def _flush(self, batch: list[Any], attr: str) -> Iterator[Any]:
        wanted = {_attr(row, attr) for row in batch} - set(self.names)
        self.names.update(region_names(wanted))
        for row in batch:
            row.region_name = self.names.get(_attr(row, attr), "")
            yield row


def _attr(row: Any, path: str) -> Any:
    for part in path.split("."):
        row = getattr(row, part)
    return row


TASK_COLUMNS = [
    Column(_("USCC"), lambda t: t.enterprise.uscc, 22),
    Column(_("Enterprise"), lambda t: t.enterprise.name, 36),
    Column(_("Region"), lambda t: t.region_name, 14),
    Column(_("Region code"), lambda t: t.region_code, 12),
    Column(_("Industry division"), lambda t: t.division, 8),
    Column(_("Above scale"), lambda t: t.above_scale, 8),
    Column(_("State"), lambda t: state_label(t), 14),
    Column(_("Due on"), lambda t: t.due_on, 12),
    Column(_("Submitted at"), lambda t: t.submitted_at, 18),
    Column(_("Accepted at"), lambda t: t.accepted_at, 18),
    Column(_("Nil report"), lambda t: t.nil if t.state == TaskState.ACCEPTED else "", 8),
]


# --- Reports ----------------------------------------------------------------------------------------


def review_queue(user: User, params: Mapping[str, str]) -> QuerySet[RiskReport]:
    """Submitted reports waiting for the user's review, oldest first, by region and campaign."""
    qs = (
        scoped(user, RiskReport)
        .filter(state=ReportState.SUBMITTED)
        .select_related("task__enterprise", "task__campaign", "submitted_by")
    )
    region = _digits(params.get("region"))
    if region:
        qs = qs.filter(task__region_code__startswith=region_prefix(region))
    if _digits(params.get("campaign")):
        qs = qs.filter(task__campaign_id=int(params["campaign"]))
    return qs


def waiting_days(report: RiskReport, today: dt.date | None = None) -> int:
    if report.submitted_at is None:
        return 0
    today = today or timezone.localdate()
    return (today - timezone.localdate(report.submitted_at)).days


def next_in_queue(user: User, params: Mapping[str, str], after: RiskReport) -> RiskReport | None:
    """The report to review after `after`: the next waiting one in the queue's order, else the
    first still waiting (one skipped earlier)."""
    queue = review_queue(user, params).exclude(pk=after.pk).order_by(*QUEUE_KEYSET)
    if after.submitted_at is not None:
        later = queue.filter(
            Q(submitted_at__gt=after.submitted_at) | Q(submitted_at=after.submitted_at, id__gt=after.pk)
        ).first()
        if later is not None:
            return later
    return queue.first()


QUEUE_COLUMNS = [
    Column(_("Enterprise"), lambda r: r.task.enterprise.name, 36),
    Column(_("USCC"), lambda r: r.task.enterprise.uscc, 22),
    Column(_("Region"), lambda r: r.region_name, 14),
    Column(_("Campaign"), lambda r: r.task.campaign.name, 28),
    Column(_("Submission"), lambda r: r.number, 8),
    Column(_("Submitted at"), lambda r: r.submitted_at, 18),
    Column(_("Days waiting"), lambda r: waiting_days(r), 10),
    Column(_("Major risks"), lambda r: r.major_count, 10),
    Column(_("Large risks"), lambda r: r.large_count, 10),
    Column(_("Nil report"), lambda r: r.nil, 8),
    Column(_("Submitted by"), lambda r: str(r.submitted_by or ""), 14),
]


def history(task: ReportTask) -> list[RiskReport]:
    """Every report of a task, newest first, with who prepared, submitted and reviewed it."""
    return list(task.reports.select_related("prepared_by", "submitted_by", "reviewed_by").order_by("-number"))


def last_accepted(enterprise_id: int, before: RiskReport | None = None) -> RiskReport | None:
    """The enterprise's last accepted report in any campaign (before `before`'s submission when
    given): what a change report is compared with."""
    qs = RiskReport.objects.filter(task__enterprise_id=enterprise_id, state=ReportState.ACCEPTED)
    if before is not None:
        qs = qs.exclude(pk=before.pk)
        if before.submitted_at is not None:
            qs = qs.filter(submitted_at__lt=before.submitted_at)
    return qs.select_related("task__campaign").order_by("-reviewed_at", "-id").first()


def reasons_by_risk(report: RiskReport | None) -> dict[str, str]:
    return dict(report.risk_reasons or {}) if report else {}
