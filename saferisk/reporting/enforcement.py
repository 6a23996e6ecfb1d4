"""Enforcement lists of risk reporting (江苏省工业企业安全生产风险报告规定): enterprises that did
not file by the deadline (逾期未报) and enterprises whose report was found false (报告不实), and
how the regulator handled each (case number, action taken, date).

The overdue list is live: the tasks whose deadline has passed and that are still not started,
being prepared or returned, in the regulator's scope. A case (`EnforcementCase`, kind overdue) is
recorded only when a regulator starts handling one (`case_record_overdue`, or lazily by
`case_handle` given the task), so a deadline passing writes nothing. A task with a case stays on
the list after it files late, marked 已补报, so its handling is not lost.

A report found false is put on the list at once (`report_find_false`): a regulator in scope
marks a submitted or accepted report, with the finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import timezone

from saferisk.core.audit import audit_record, diff
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import Region, User
from saferisk.core.scoping import can, scoped
from saferisk.reporting.choices import EnforcementKind, ReportState, TaskState
from saferisk.reporting.models import EnforcementCase, ReportingCampaign, ReportTask, RiskReport

OVERDUE_STATES = (TaskState.NOT_STARTED, TaskState.DRAFT, TaskState.RETURNED)
FILED_STATES = (TaskState.SUBMITTED, TaskState.ACCEPTED)
# Pages order both lists by region, then id (keyset pagination; index (kind, region_code)).
KEYSET = ["region_code", "id"]


def is_enforcer(user: User) -> bool:
    """Regulators (departments too, for their industries) and admins keep the lists."""
    return user.is_admin or user.role == Role.REGULATOR


def _require(actor: User, obj: Any) -> None:
    """The actor may change `obj` (a task, report or case) as a regulator; an enterprise that
    can see its own task is told it may not, everyone else finds nothing."""
    if is_enforcer(actor) and can(actor, "change", obj):
        return
    if not is_enforcer(actor) and can(actor, "view", obj):
        raise Forbidden("执法清单由监管部门处理", code="regulator_only")
    raise NotFound()


def is_overdue(task: ReportTask, today: dt.date | None = None) -> bool:
    return task.due_on < (today or timezone.localdate()) and task.state in OVERDUE_STATES


# --- Reads ------------------------------------------------------------------------------------------


def _narrow(qs: QuerySet[Any], *, campaign: ReportingCampaign | None, region: Region | None, q: str) -> Any:
    if campaign is not None:
        qs = qs.filter(campaign=campaign) if qs.model is ReportTask else qs.filter(task__campaign=campaign)
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__uscc__icontains=q.upper()))
    return qs


def overdue_list(
    *,
    user: User,
    today: dt.date,
    campaign: ReportingCampaign | None = None,
    region: Region | None = None,
    handled: bool | None = None,
    q: str = "",
) -> QuerySet[ReportTask]:
    """The overdue tasks in the user's scope (deadline before `today`, not filed) and the tasks
    already on the list (a case was recorded, even if they filed late since), each with its
    case's fields as `case_*` (None without a case)."""
    if not is_enforcer(user):
        return ReportTask.objects.none()
    has_case = Exists(EnforcementCase.objects.filter(task=OuterRef("pk"), kind=EnforcementKind.OVERDUE))
    qs = (
        scoped(user, ReportTask)
        .filter(Q(due_on__lt=today, state__in=OVERDUE_STATES) | Q(has_case))
        .annotate(
            oc=FilteredRelation(
                "enforcement_cases", condition=Q(enforcement_cases__kind=EnforcementKind.OVERDUE)
            )
        )
        .annotate(
            case_id=F("oc__id"),
            case_number=F("oc__case_number"),
            case_action=F("oc__action"),
            case_handled_on=F("oc__handled_on"),
            case_recorded_at=F("oc__recorded_at"),
            case_handled_by=F("oc__handled_by__full_name"),
            case_handled_by_username=F("oc__handled_by__username"),
        )
        .select_related("enterprise", "campaign")
    )
    if handled is True:
        qs = qs.filter(oc__handled_on__isnull=False)
    elif handled is False:
        qs = qs.filter(Q(oc__id__isnull=True) | Q(oc__handled_on__isnull=True))
    return _narrow(qs, campaign=campaign, region=region, q=q)


def false_report_list(
    *,
    user: User,
    campaign: ReportingCampaign | None = None,
    region: Region | None = None,
    handled: bool | None = None,
    q: str = "",
) -> QuerySet[EnforcementCase]:
    """The reports found false in the user's scope, with their handling."""
    if not is_enforcer(user):
        return EnforcementCase.objects.none()
    qs = (
        scoped(user, EnforcementCase)
        .filter(kind=EnforcementKind.FALSE_REPORT)
        .select_related("enterprise", "task__campaign", "report", "recorded_by", "handled_by")
    )
    if handled is True:
        qs = qs.filter(handled_on__isnull=False)
    elif handled is False:
        qs = qs.filter(handled_on__isnull=True)
    return _narrow(qs, campaign=campaign, region=region, q=q)


# --- Writes -------------------------------------------------------------------------------------------


def _overdue_reason(task: ReportTask) -> str:
    return f"未在截止日期{task.due_on.isoformat()}前报送风险报告（{task.campaign.name}）"


@transaction.atomic
def case_record_overdue(*, actor: User, task: ReportTask, reason: str = "") -> EnforcementCase:
    """Put an overdue task on the enforcement list when a regulator starts handling it. Returns
    the existing case when there is one (recording twice changes nothing)."""
    _require(actor, task)
    existing = EnforcementCase.objects.filter(task=task, kind=EnforcementKind.OVERDUE).first()
    if existing is not None:
        return existing
    task = ReportTask.objects.select_related("campaign").get(pk=task.pk)
    if not is_overdue(task):
        raise DomainError("task_not_overdue", "该企业未逾期或已报送，不能列入逾期未报清单", field="task")
    try:
        with transaction.atomic():
            case = EnforcementCase.objects.create(
                kind=EnforcementKind.OVERDUE,
                task=task,
                region_code=task.region_code,
                enterprise_id=task.enterprise_id,
                reason=(reason or "").strip()[:2000] or _overdue_reason(task),
                recorded_by=actor,
            )
    except IntegrityError:  # recorded at the same moment by someone else: theirs stands
        return EnforcementCase.objects.get(task=task, kind=EnforcementKind.OVERDUE)
    audit_record(
        actor=actor,
        action="enforcement_case.recorded",
        obj=case,
        changes={
            "kind": case.kind,
            "task": task.pk,
            "due_on": task.due_on.isoformat(),
            "reason": case.reason,
        },
    )
    return case


@transaction.atomic
def report_find_false(*, actor: User, report: RiskReport, reason: str) -> EnforcementCase:
    """A regulator in scope finds a submitted or accepted report false (e.g. after an on-site
    check): the enterprise goes on the 报告不实 list with the finding. The report itself stays
    as it was submitted (it is the evidence)."""
    _require(actor, report)
    report = RiskReport.objects.select_for_update(of=("self",)).select_related("task").get(pk=report.pk)
    if report.state not in (ReportState.SUBMITTED, ReportState.ACCEPTED):
        raise DomainError("report_not_filed", "只能认定已提交或已通过审核的报告不实", field="report")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", "请写明认定报告不实的事实和依据", field="reason")
    task = report.task
    if EnforcementCase.objects.filter(task=task, kind=EnforcementKind.FALSE_REPORT).exists():
        raise DomainError(
            "already_found_false", "该企业本次报告已被认定不实，已在报告不实清单中", field="report"
        )
    try:
        with transaction.atomic():
            case = EnforcementCase.objects.create(
                kind=EnforcementKind.FALSE_REPORT,
                task=task,
                report=report,
                region_code=task.region_code,
                enterprise_id=task.enterprise_id,
                reason=reason[:2000],
                recorded_by=actor,
            )
    except IntegrityError:
        raise DomainError(
            "already_found_false", "该企业本次报告已被认定不实，已在报告不实清单中", field="report"
        ) from None
    audit_record(
        actor=actor,
        action="risk_report.found_false",
        obj=report,
        changes={"number": report.number, "reason": case.reason, "case": case.pk},
    )
    audit_record(
        actor=actor,
        action="enforcement_case.recorded",
        obj=case,
        changes={"kind": case.kind, "task": task.pk, "report": report.pk, "reason": case.reason},
    )
    return case


def _handled_date(value: Any) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise DomainError("date_invalid", "请填写处理日期（YYYY-MM-DD）", field="handled_on")
    return value


@transaction.atomic
def case_handle(
    *,
    actor: User,
    case_or_task: EnforcementCase | ReportTask,
    case_number: str,
    action: str,
    handled_on: dt.date | str | None,
) -> EnforcementCase:
    """Record how a case was handled: the case number (立案号 or 文书号), the action taken and
    the date. Given an overdue task without a case, the case is recorded first. Handling again
    corrects the record (the audit event keeps old and new)."""
    if isinstance(case_or_task, ReportTask):
        case = case_record_overdue(actor=actor, task=case_or_task)
    else:
        case = case_or_task
        _require(actor, case)
    case = (
        EnforcementCase.objects.select_for_update(of=("self",))
        .select_related("task", "report")
        .get(pk=case.pk)
    )
    case_number = (case_number or "").strip()
    action = (action or "").strip()
    if not case_number:
        raise DomainError("case_number_required", "请填写案件编号（立案号或执法文书号）", field="case_number")
    if len(case_number) > 60:
        raise DomainError("case_number_too_long", "案件编号不能超过60个字符", field="case_number")
    if not action:
        raise DomainError("action_required", "请填写处理措施", field="action")
    if len(action) > 200:
        raise DomainError("action_too_long", "处理措施不能超过200个字符", field="action")
    day = _handled_date(handled_on)
    if day > timezone.localdate():
        raise DomainError("date_future", "处理日期不能晚于今天", field="handled_on")
    if case.kind == EnforcementKind.OVERDUE and day <= case.task.due_on:
        raise DomainError(
            "date_before_deadline",
            f"处理日期应在报告截止日期（{case.task.due_on.isoformat()}）之后",
            field="handled_on",
        )
    if case.kind == EnforcementKind.FALSE_REPORT and day < timezone.localdate(case.recorded_at):
        raise DomainError("date_before_finding", "处理日期不能早于认定报告不实的日期", field="handled_on")
    fields = ("case_number", "action", "handled_on", "handled_by")
    before = {f: _plain(getattr(case, f if f != "handled_by" else "handled_by_id")) for f in fields}
    case.case_number, case.action, case.handled_on, case.handled_by = case_number, action, day, actor
    case.save(update_fields=list(fields))
    after = {f: _plain(getattr(case, f if f != "handled_by" else "handled_by_id")) for f in fields}
    audit_record(actor=actor, action="enforcement_case.handled", obj=case, changes=diff(before, after))
    return case


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
