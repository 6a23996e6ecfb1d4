"""Writes of risk reporting. Campaigns are opened by regulators inside their jurisdiction;
the enterprise's filler prepares a report, its principal declares it true and complete and
submits it; the responsible regulator accepts it or returns it with reasons. Every change of a
task's state moves one count in `CampaignProgress` in the same transaction, so dashboards never
count tasks live."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import KeySector, Region, User
from saferisk.core.scoping import can, scoped
from saferisk.enterprises.models import Enterprise
from saferisk.reporting import bulk, progress, snapshot
from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState, ScaleScope, TaskState
from saferisk.reporting.models import CampaignProgress, ReportingCampaign, ReportTask, RiskReport

BATCH = 5000

DECLARATION = "本人作为企业主要负责人，确认本次报告的企业信息和较大以上安全风险真实、准确、完整。"


# --- Campaigns ----------------------------------------------------------------------------------


def _require_regulator(actor: User) -> None:
    if not (actor.is_admin or actor.role == Role.REGULATOR):
        raise Forbidden("只有监管人员可以发起报告活动", code="regulator_only")
    if actor.role == Role.REGULATOR and actor.department_id:
        # A department's regulators see only their industries: a campaign for a whole area is
        # the emergency-management bureau's (it can still be limited to industries).
        raise Forbidden("报告活动由应急管理部门发起，行业部门可查看进度", code="department_cannot_open")


def _date(value: Any, field: str, label: str) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise DomainError("date_invalid", f"请填写{label}（YYYY-MM-DD）", field=field)
    return value


def campaign_enterprises(actor: User, campaign: ReportingCampaign, key_sectors: list[str]) -> Any:
    """The enterprises a campaign covers: in scope of the actor, inside the campaign's regions,
    of its scale, industries and key sectors, and not deregistered."""
    qs = (
        scoped(actor, Enterprise)
        .filter(region__code__startswith=campaign.region.prefix)
        .exclude(status="closed")
    )
    if campaign.scope_regions:
        q = Q()
        for code in campaign.scope_regions:
            q |= Q(region__code__startswith=Region.objects.get(code=code).prefix)
        qs = qs.filter(q)
    if campaign.scale == ScaleScope.ABOVE:
        qs = qs.filter(above_scale=True)
    elif campaign.scale == ScaleScope.BELOW:
        qs = qs.filter(above_scale=False)
    if campaign.industry_prefixes:
        q = Q()
        for prefix in campaign.industry_prefixes.split():
            q |= Q(industry__code__startswith=prefix)
        qs = qs.filter(q)
    if key_sectors:
        qs = qs.filter(key_sectors__in=key_sectors).distinct()
    return qs


def _campaign_fields(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign's fields from `data`, checked: a known kind, a region inside the actor's
    jurisdiction, sub-regions inside it, a scale, 2–4 digit industry prefixes, known key
    sectors, an opening date and a deadline not before it."""
    _require_regulator(actor)
    kind = data.get("kind")
    if kind not in CampaignKind.values:
        raise DomainError("kind_invalid", "报告类型应为首次报告、年度报告或变更报告", field="kind")
    region_code = str(data.get("region") or actor.region_id or "")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("region_unknown", "请选择报告活动的地区", field="region")
    prefix = actor.jurisdiction_prefix if not actor.is_admin else ""
    if prefix and not region.prefix.startswith(prefix):
        raise DomainError("region_outside", "只能在本辖区内发起报告活动", field="region")
    scope_regions = [str(c) for c in data.get("scope_regions") or []]
    for code in scope_regions:
        sub = Region.objects.filter(code=code).first()
        if sub is None or not sub.prefix.startswith(region.prefix):
            raise DomainError("region_outside", f"地区 {code} 不在报告活动的地区内", field="scope_regions")
    scale = data.get("scale") or ScaleScope.ALL
    if scale not in ScaleScope.values:
        raise DomainError("scale_invalid", "规模范围无效", field="scale")
    words = str(data.get("industry_prefixes") or "").replace(",", " ").split()
    if any(not w.isdigit() or not 2 <= len(w) <= 4 for w in words):
        raise DomainError(
            "prefix_invalid", "行业代码前缀应为2至4位数字，以空格分隔", field="industry_prefixes"
        )
    key_sectors = [str(k) for k in data.get("key_sectors") or []]
    if len(set(key_sectors)) != KeySector.objects.filter(code__in=key_sectors).count():
        raise DomainError("key_sector_unknown", "重点行业领域不存在", field="key_sectors")
    opens_on = _date(data.get("opens_on") or timezone.localdate(), "opens_on", "开始日期")
    deadline = _date(data.get("deadline"), "deadline", "截止日期")
    if deadline < opens_on:
        raise DomainError("deadline_before_opening", "截止日期不能早于开始日期", field="deadline")
    try:
        year = int(data.get("year") or opens_on.year)
    except (TypeError, ValueError):
        raise DomainError("year_invalid", "年度应为四位数字", field="year") from None
    if not 2000 <= year <= 2100:
        raise DomainError("year_invalid", "年度应为四位数字", field="year")
    name = str(data.get("name") or "").strip() or f"{region.name}{year}年{CampaignKind(kind).label}"
    return {
        "kind": kind,
        "year": year,
        "name": name[:100],
        "region": region,
        "scope_regions": scope_regions,
        "scale": scale,
        "industry_prefixes": " ".join(words),
        "opens_on": opens_on,
        "deadline": deadline,
        "key_sectors": key_sectors,
    }


def _already_covered(kind: str, year: int, enterprises: Any) -> Any:
    """Tasks of `enterprises` in open campaigns of the same kind and year."""
    return ReportTask.objects.filter(
        campaign__kind=kind,
        campaign__year=year,
        enterprise__in=enterprises.values("pk"),
        campaign__status=CampaignStatus.OPEN,
    )


def campaign_coverage(*, actor: User, data: Mapping[str, Any]) -> dict[str, int]:
    """What opening a campaign with `data` would do, without opening it: how many enterprises
    it covers and how many of them are already in an open campaign of the same kind and year
    (which blocks a first or annual campaign). Raises like `campaign_open` on bad data."""
    fields = _campaign_fields(actor, data)
    key_sectors = fields.pop("key_sectors")
    campaign = ReportingCampaign(**fields)
    enterprises = campaign_enterprises(actor, campaign, key_sectors)
    overlapping = 0
    if fields["kind"] != CampaignKind.CHANGE:
        overlapping = _already_covered(fields["kind"], fields["year"], enterprises).count()
    return {"enterprises": enterprises.count(), "overlapping": overlapping}


@transaction.atomic
def campaign_open(*, actor: User, data: Mapping[str, Any]) -> ReportingCampaign:
    """Open a campaign and make a task, due on its deadline, for every enterprise it covers."""
    fields = _campaign_fields(actor, data)
    key_sectors = fields.pop("key_sectors")
    kind, year, region = fields["kind"], fields["year"], fields["region"]
    scope_regions, scale, words = fields["scope_regions"], fields["scale"], fields["industry_prefixes"]
    opens_on, deadline = fields["opens_on"], fields["deadline"]
    campaign = ReportingCampaign.objects.create(**fields, opened_by=actor)
    campaign.key_sectors.set(KeySector.objects.filter(code__in=key_sectors))
    enterprises = campaign_enterprises(actor, campaign, key_sectors)
    if kind != CampaignKind.CHANGE and _already_covered(kind, year, enterprises).exists():
        raise DomainError(
            "campaign_overlaps", f"所选范围内已有企业在{year}年同类报告活动中，不能重复发起", field="region"
        )
    total = bulk.create_tasks(campaign, enterprises)
    progress.rebuild(campaign)
    campaign.region_points = progress.region_points(campaign)
    campaign.enterprises = total
    campaign.save(update_fields=["enterprises", "region_points"])
    audit_record(
        actor=actor,
        action="reporting_campaign.opened",
        obj=campaign,
        changes={
            "kind": kind,
            "year": year,
            "region": region.code,
            "scope_regions": scope_regions,
            "scale": scale,
            "industry_prefixes": words,
            "key_sectors": key_sectors,
            "opens_on": opens_on.isoformat(),
            "deadline": deadline.isoformat(),
            "enterprises": total,
        },
    )
    return campaign


def annual_campaign_open(*, actor: User, year: int) -> ReportingCampaign:
    """The year's annual report for the actor's whole jurisdiction, due by the end of Q1."""
    return campaign_open(
        actor=actor,
        data={
            "kind": CampaignKind.ANNUAL,
            "year": year,
            "region": actor.region_id,
            "opens_on": max(dt.date(year, 1, 1), timezone.localdate()),
            "deadline": dt.date(year, 3, 31),
        },
    )


@transaction.atomic
def campaign_close(*, actor: User, campaign: ReportingCampaign) -> ReportingCampaign:
    """Close a campaign when its round is over: its enterprises can no longer prepare or submit
    in it (reports already submitted can still be reviewed), and the same kind of campaign for
    the same year can be opened again for them. Only a regulator whose jurisdiction contains
    the campaign's region closes it (a county cannot close the province's campaign)."""
    if not can(actor, "view", campaign):
        raise NotFound()
    _require_regulator(actor)
    if not can(actor, "change", campaign):
        raise Forbidden("只有发起地区的监管部门可以关闭报告活动", code="campaign_not_yours")
    campaign = ReportingCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise DomainError("campaign_closed", "报告活动已关闭", field="status")
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="reporting_campaign.closed",
        obj=campaign,
        changes={"status": [CampaignStatus.OPEN, CampaignStatus.CLOSED]},
    )
    return campaign


# --- Reports --------------------------------------------------------------------------------------


def _require_enterprise_user(actor: User, task: ReportTask, *, principal: bool = False) -> None:
    if actor.is_enterprise_user and actor.enterprise_id == task.enterprise_id:
        if principal and actor.role != Role.ENTERPRISE_PRINCIPAL:
            raise Forbidden("报告须由企业主要负责人确认提交", code="principal_only")
        return
    if can(actor, "view", task):
        raise Forbidden("风险报告由企业填报和提交", code="enterprise_only")
    raise NotFound()


def _locked(task: ReportTask) -> ReportTask:
    return ReportTask.objects.select_for_update().select_related("campaign", "enterprise").get(pk=task.pk)


def _require_open(task: ReportTask) -> None:
    if task.campaign.status == CampaignStatus.CLOSED:
        raise DomainError("campaign_closed", "报告活动已关闭，不能再填报或提交", field="campaign")


def _draft(task: ReportTask) -> RiskReport:
    latest = task.reports.order_by("-number").first()
    if latest is not None and latest.state == ReportState.DRAFT:
        return latest
    # After a return, the next report starts from the explanations already given.
    return RiskReport(
        task=task,
        number=(latest.number + 1) if latest else 1,
        gap_explanations=dict(latest.gap_explanations) if latest else {},
    )


def _freeze(report: RiskReport, enterprise: Enterprise) -> None:
    report.enterprise_data = snapshot.enterprise_data(enterprise)
    report.risks = snapshot.reportable_risks(enterprise)
    report.major_count = sum(1 for r in report.risks if r["level"] == "MAJOR")
    report.large_count = sum(1 for r in report.risks if r["level"] == "LARGE")
    report.nil = not report.risks


def _gap_explanations(enterprise: Enterprise, given: Mapping[str, Any] | None) -> dict[str, str]:
    from saferisk.risks.services import completeness_gap

    given = dict(given or {})
    return {item.code: str(given.get(item.code, "")).strip()[:500] for item in completeness_gap(enterprise)}


@transaction.atomic
def report_prepare(*, actor: User, task: ReportTask, data: Mapping[str, Any] | None = None) -> RiskReport:
    """The filler (or the principal) prepares the report: the snapshot as it stands now, and
    an explanation for each catalogue item of the completeness gap."""
    _require_enterprise_user(actor, task)
    task = _locked(task)
    _require_open(task)
    if task.state in (TaskState.SUBMITTED, TaskState.ACCEPTED):
        raise DomainError("report_not_editable", "报告已提交，审核退回后才能修改", field="state")
    report = _draft(task)
    _freeze(report, task.enterprise)
    report.gap_explanations = _gap_explanations(task.enterprise, (data or {}).get("gap_explanations"))
    report.prepared_by = actor
    report.prepared_at = timezone.now()
    report.save()
    progress.set_state(task, TaskState.DRAFT)
    task.save(update_fields=["state", "version"])
    audit_record(
        actor=actor,
        action="risk_report.prepared",
        obj=report,
        changes={"number": report.number, "risks": len(report.risks), "nil": report.nil},
    )
    return report


@transaction.atomic
def report_submit(
    *,
    actor: User,
    task: ReportTask,
    declared: bool,
    gap_explanations: Mapping[str, Any] | None = None,
) -> RiskReport:
    """The principal declares the report true and complete and submits it. The snapshot is
    taken again at this moment: what is submitted is the register as it stands now. The
    explanations of the gap are the draft's, or `gap_explanations` when the principal gives
    them with the submission (the page sends what is in its text boxes)."""
    _require_enterprise_user(actor, task, principal=True)
    task = _locked(task)
    _require_open(task)
    if task.state not in (TaskState.DRAFT, TaskState.RETURNED, TaskState.NOT_STARTED):
        raise DomainError("report_not_submittable", "该报告已提交或已通过审核", field="state")
    if not declared:
        raise DomainError("declaration_required", "请确认报告内容真实、准确、完整", field="declared")
    report = _draft(task)
    previous = report.gap_explanations if gap_explanations is None else gap_explanations
    _freeze(report, task.enterprise)
    missing = snapshot.missing_fields(report.enterprise_data)
    if missing:
        raise DomainError("fields_missing", f"请先在企业信息中填写：{'、'.join(missing)}", field="enterprise")
    report.gap_explanations = _gap_explanations(task.enterprise, previous)
    unexplained = [code for code, text in report.gap_explanations.items() if not text]
    if unexplained:
        raise DomainError(
            "gap_unexplained",
            f"风险目录中有 {len(unexplained)} 个适用条目未纳入风险清单，请纳入或逐条说明理由",
            field="gap_explanations",
            details={"items": unexplained},
        )
    now = timezone.now()
    report.state = ReportState.SUBMITTED
    report.submitted_by = actor
    report.submitted_at = now
    report.declaration = DECLARATION
    if report.prepared_by_id is None:
        report.prepared_by, report.prepared_at = actor, now
    report.save()
    progress.set_state(task, TaskState.SUBMITTED)
    task.submitted_at = now
    task.nil = report.nil
    task.save(update_fields=["state", "version", "submitted_at", "nil"])
    audit_record(
        actor=actor,
        action="risk_report.submitted",
        obj=report,
        changes={
            "number": report.number,
            "nil": report.nil,
            "major": report.major_count,
            "large": report.large_count,
            "risks": [{"id": r["id"], "version": r["version"]} for r in report.risks],
        },
    )
    return report


@transaction.atomic
def report_review(
    *,
    actor: User,
    report: RiskReport,
    accept: bool,
    comment: str = "",
    risk_reasons: Mapping[str, str] | None = None,
) -> RiskReport:
    """The responsible regulator accepts the report or returns it with reasons (overall and per
    risk). A returned report stays as it was; the enterprise corrects and submits a new one."""
    if not (actor.is_admin or actor.role == Role.REGULATOR):
        if can(actor, "view", report):
            raise Forbidden("报告由辖区监管部门审核", code="regulator_only")
        raise NotFound()
    if not can(actor, "view", report):
        raise NotFound()
    report = RiskReport.objects.select_for_update().get(pk=report.pk)
    task = _locked(report.task)
    if report.state != ReportState.SUBMITTED:
        raise DomainError("report_not_submitted", "只能审核已提交、待审核的报告", field="state")
    comment = str(comment or "").strip()
    ids = {str(r["id"]) for r in report.risks}
    reasons = {str(k): str(v).strip()[:500] for k, v in (risk_reasons or {}).items() if str(v).strip()}
    if set(reasons) - ids:
        raise DomainError("risk_unknown", "退回理由指向了报告中没有的风险", field="risk_reasons")
    if not accept and not comment and not reasons:
        raise DomainError("reason_required", "退回报告须写明理由", field="comment")
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    report.reviewed_by = actor
    report.reviewed_at = timezone.now()
    report.review_comment = comment[:2000]
    report.risk_reasons = reasons
    report.save()
    progress.set_state(task, TaskState.ACCEPTED if accept else TaskState.RETURNED, report)
    task.accepted_at = report.reviewed_at if accept else None
    task.save(update_fields=["state", "version", "accepted_at"])
    audit_record(
        actor=actor,
        action="risk_report.accepted" if accept else "risk_report.returned",
        obj=report,
        changes={"number": report.number, "comment": comment, "risk_reasons": reasons},
    )
    return report


def progress_totals(campaign: ReportingCampaign, prefix: str = "") -> dict[str, int]:
    """Task counts by state (and accepted reportable risks) of a campaign under a region prefix."""
    rows = CampaignProgress.objects.filter(campaign=campaign, region_code__startswith=prefix)
    out: dict[str, int] = dict.fromkeys(TaskState.values, 0)
    out.update(major=0, large=0, nil=0)
    for state, tasks, major, large, nil in rows.values_list("state", "tasks", "major", "large", "nil"):
        out[state] += tasks
        out["major"] += major
        out["large"] += large
        out["nil"] += nil
    out["total"] = sum(out[s] for s in TaskState.values)
    return out
