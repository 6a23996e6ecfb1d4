"""API of risk reporting: campaigns, tasks, submission, review, progress and the exchange of
accepted reports between platforms, through the same services, reads and scoping as the pages.

Mounted at /api/v1/reporting (saferisk/api.py). Outside the caller's view an object is 404;
a role that may see an object but not act on it gets 403 with a `code` saying why
(`enterprise_only`, `principal_only`, `regulator_only`); a broken rule is 422 with its code."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import User
from saferisk.core.pagination import Pagination
from saferisk.core.routes import aggregate_route, create_route, list_route, object_route, reference_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import scoped_get
from saferisk.reporting import dashboard, exchange, listing, services
from saferisk.reporting.choices import TaskState
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport
from saferisk.reporting.schemas import (
    AnnualCampaignIn,
    CampaignIn,
    CampaignOut,
    CampaignQuery,
    ExportQuery,
    ImportResultOut,
    PrepareIn,
    ProgressOut,
    QueueItemOut,
    QueueQuery,
    ReportDetailOut,
    ReportOut,
    ReviewIn,
    SubmitIn,
    TaskOut,
    TaskQuery,
)

router = Router(tags=["风险报告"])

WRITE = {403: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _region_prefix(region: str | None) -> str:
    """The code prefix of a region given as a 6, 9 or 12-digit code ("" when none is given)."""
    if not region:
        return ""
    region = region.strip()
    if not region.isdigit() or len(region) not in (6, 9, 12):
        raise DomainError("region_invalid", "地区代码应为6位、9位或12位数字", field="region")
    return listing.region_prefix(region)


# --- Campaigns ------------------------------------------------------------------------------------


def _campaign(request: HttpRequest, campaign_id: int) -> ReportingCampaign:
    return scoped_get(
        request.user,
        ReportingCampaign.objects.select_related("region").prefetch_related("key_sectors"),
        pk=campaign_id,
    )


@router.get(
    "/campaigns",
    response=responses(list[CampaignOut]),
    operation_id="reporting_campaign_list",
    summary="报告活动（可见范围内），最新的在前",
)
@list_route(ReportingCampaign)
@paginate(Pagination)
def reporting_campaign_list(request: HttpRequest, filters: Query[CampaignQuery]) -> Any:
    params = {k: str(v) for k, v in filters.dict().items() if v is not None}
    return listing.campaign_list(_user(request), params).prefetch_related("key_sectors")


# Before "/campaigns/{campaign_id}": Django tries the paths in this order.
@router.post(
    "/campaigns/annual",
    response={201: CampaignOut} | responses(CampaignOut) | WRITE,
    operation_id="reporting_annual_campaign_open",
    summary="发起本辖区的年度报告（截止日期为该年3月31日）",
)
@create_route(ReportingCampaign)
def reporting_annual_campaign_open(request: HttpRequest, payload: AnnualCampaignIn) -> Any:
    campaign = services.annual_campaign_open(actor=_user(request), year=payload.year)
    return Status(201, _campaign(request, campaign.pk))


@router.get(
    "/campaigns/{campaign_id}",
    response=responses(CampaignOut, not_found=True),
    operation_id="reporting_campaign_get",
    summary="一个报告活动",
)
@object_route(ReportingCampaign)
def reporting_campaign_get(request: HttpRequest, campaign_id: int) -> Any:
    return _campaign(request, campaign_id)


@router.post(
    "/campaigns",
    response={201: CampaignOut} | responses(CampaignOut) | WRITE,
    operation_id="reporting_campaign_open",
    summary="发起报告活动（应急管理部门的监管人员，本辖区内）",
    description="为活动覆盖的每家企业生成一个报告任务，截止日期为活动的截止日期。"
    "同一年度同类报告的活动不能重复覆盖同一企业（422 campaign_overlaps）。",
)
@create_route(ReportingCampaign)
def reporting_campaign_open(request: HttpRequest, payload: CampaignIn) -> Any:
    campaign = services.campaign_open(actor=_user(request), data=payload.dict())
    return Status(201, _campaign(request, campaign.pk))


@router.get(
    "/campaigns/{campaign_id}/progress",
    response=responses(ProgressOut, not_found=True) | WRITE,
    operation_id="reporting_campaign_progress",
    summary="报告进度：各状态任务数、完成率、报告率，及下一级地区的同样数字",
    description="与进度看板的数字相同（来自预先汇总的进度表）。`region` 为辖区内的区划代码，"
    "省略时为本人辖区与活动地区中较小者。只对监管人员和系统管理员开放。",
)
@object_route(ReportingCampaign)
def reporting_campaign_progress(request: HttpRequest, campaign_id: int, region: str | None = None) -> Any:
    user = _user(request)
    campaign = _campaign(request, campaign_id)
    if not dashboard.is_staff(user):
        raise Forbidden("报告进度由监管部门查看", code="regulator_only")
    _region_prefix(region)
    figures = dashboard.dashboard_figures(user, campaign, region)
    if figures["scope"].outside:
        raise DomainError("region_outside", "该地区不在您可查看的范围内", field="region")
    return {
        "campaign_id": campaign.pk,
        "region_code": figures["region"].code,
        "region_name": figures["region"].name,
        "totals": figures["totals"],
        "children": figures["regions"],
    }


# --- Tasks and reports ----------------------------------------------------------------------------


def _task(request: HttpRequest, task_id: int) -> ReportTask:
    return scoped_get(request.user, ReportTask.objects.select_related("enterprise", "campaign"), pk=task_id)


@router.get(
    "/tasks",
    response=responses(list[TaskOut]),
    operation_id="reporting_task_list",
    summary="报告任务（可见范围内：监管人员为辖区内企业，企业用户为本企业）",
)
@list_route(ReportTask)
@paginate(Pagination)
def reporting_task_list(request: HttpRequest, filters: Query[TaskQuery]) -> Any:
    state = (filters.state or "").strip()
    if state and state not in (*TaskState.values, listing.OVERDUE):
        raise DomainError(
            "state_invalid",
            "状态应为 not_started、draft、submitted、returned、accepted 或 overdue",
            field="state",
        )
    _region_prefix(filters.region)
    params = {"state": state, "region": filters.region or "", "q": filters.q or ""}
    if filters.campaign:
        params["campaign"] = str(filters.campaign)
    qs = listing.task_list(_user(request), params)
    if filters.overdue is not None:
        late = {"due_on__lt": timezone.localdate(), "state__in": listing.OPEN_STATES}
        qs = qs.filter(**late) if filters.overdue else qs.exclude(**late)
    return qs.order_by("campaign_id", "region_code", "id")


@router.get(
    "/tasks/{task_id}",
    response=responses(TaskOut, not_found=True),
    operation_id="reporting_task_get",
    summary="一个报告任务",
)
@object_route(ReportTask)
def reporting_task_get(request: HttpRequest, task_id: int) -> Any:
    return _task(request, task_id)


@router.get(
    "/tasks/{task_id}/reports",
    response=responses(list[ReportOut], not_found=True),
    operation_id="reporting_task_reports",
    summary="任务的各次报告（最新的在前）",
)
@object_route(ReportTask)
def reporting_task_reports(request: HttpRequest, task_id: int) -> Any:
    return listing.history(_task(request, task_id))


def _report(request: HttpRequest, report_id: int) -> RiskReport:
    report = scoped_get(
        request.user,
        RiskReport.objects.select_related("task", "prepared_by", "submitted_by", "reviewed_by"),
        pk=report_id,
    )
    if report.source:
        report.names = exchange.report_names(report)  # type: ignore[attr-defined]
    return report


@router.get(
    "/reports/{report_id}",
    response=responses(ReportDetailOut, not_found=True),
    operation_id="reporting_report_get",
    summary="一份报告：冻结的企业信息、较大以上风险、缺口说明和审核意见",
)
@object_route(RiskReport)
def reporting_report_get(request: HttpRequest, report_id: int) -> Any:
    return _report(request, report_id)


@router.post(
    "/tasks/{task_id}/prepare",
    response=responses(ReportDetailOut, not_found=True) | WRITE,
    operation_id="reporting_report_prepare",
    summary="填报：按企业当前的风险清单生成报告草稿（企业用户）",
    description="`gap_explanations` 逐条说明风险目录中适用于本企业而未纳入清单的条目。"
    "监管人员调用返回 403 `enterprise_only`；已提交或已通过的任务返回 422 `report_not_editable`。",
)
@object_route(ReportTask)
def reporting_report_prepare(request: HttpRequest, task_id: int, payload: PrepareIn) -> Any:
    task = _task(request, task_id)
    report = services.report_prepare(actor=_user(request), task=task, data=payload.dict())
    return _report(request, report.pk)


@router.post(
    "/tasks/{task_id}/submit",
    response=responses(ReportDetailOut, not_found=True) | WRITE,
    operation_id="reporting_report_submit",
    summary="确认提交（企业主要负责人）",
    description="提交时按风险清单重新冻结报告内容。须 `declared: true`（422 `declaration_required`）；"
    "填报员调用返回 403 `principal_only`；企业信息缺项 422 `fields_missing`；"
    "目录缺口未说明 422 `gap_unexplained`（`details.items` 列出条目编号）。",
)
@object_route(ReportTask)
def reporting_report_submit(request: HttpRequest, task_id: int, payload: SubmitIn) -> Any:
    task = _task(request, task_id)
    report = services.report_submit(actor=_user(request), task=task, declared=payload.declared)
    return _report(request, report.pk)


@router.post(
    "/reports/{report_id}/review",
    response=responses(ReportDetailOut, not_found=True) | WRITE,
    operation_id="reporting_report_review",
    summary="审核：通过或退回（辖区监管人员）",
    description="退回须有 `comment` 或 `risk_reasons`（422 `reason_required`）；`risk_reasons` 的键须是报告中"
    "风险的 id（422 `risk_unknown`）；只能审核待审核的报告（422 `report_not_submitted`）；"
    "企业用户调用返回 403 `regulator_only`。",
)
@object_route(RiskReport)
def reporting_report_review(request: HttpRequest, report_id: int, payload: ReviewIn) -> Any:
    report = _report(request, report_id)
    if payload.decision is None:  # after the scoping: outside the view it is 404 whatever the body
        raise DomainError(
            "decision_required", "请选择审核结论：accept（通过）或 return（退回）", field="decision"
        )
    services.report_review(
        actor=_user(request),
        report=report,
        accept=payload.decision == "accept",
        comment=payload.comment,
        risk_reasons=payload.risk_reasons,
    )
    return _report(request, report_id)


@router.get(
    "/review-queue",
    response=responses(list[QueueItemOut]),
    operation_id="reporting_review_queue",
    summary="待审核的报告（可见范围内），提交最早的在前",
)
@list_route(RiskReport)
@paginate(Pagination)
def reporting_review_queue(request: HttpRequest, filters: Query[QueueQuery]) -> Any:
    _region_prefix(filters.region)
    params = {"region": filters.region or "", "campaign": str(filters.campaign or "")}
    return (
        listing.review_queue(_user(request), params)
        .select_related("prepared_by", "reviewed_by")
        .order_by(*listing.QUEUE_KEYSET)
    )


# --- Exchange between platforms -------------------------------------------------------------------


@router.get(
    "/exchange/schema",
    response=responses(dict[str, Any]),
    operation_id="reporting_exchange_schema",
    summary="风险报告交换格式的 JSON Schema（2020-12）",
)
@reference_route
def reporting_exchange_schema(request: HttpRequest) -> Any:
    return exchange.schema()


@router.get(
    "/exchange/export",
    response=responses(dict[str, Any], not_found=True),
    operation_id="reporting_exchange_export",
    summary="导出已通过审核的报告（交换格式，可见范围内）",
    description="返回 `saferisk.risk-report-exchange` 第1版文档，格式见 `GET /reporting/exchange/schema`"
    "（仓库中 docs/schemas/risk-report-exchange.schema.json）。`campaign` 省略时导出所有活动；"
    "`since` 为审核通过日期的下限，便于增量交换。",
)
@aggregate_route(RiskReport)
def reporting_exchange_export(request: HttpRequest, filters: Query[ExportQuery]) -> Any:
    user = _user(request)
    campaign = _campaign(request, filters.campaign) if filters.campaign else None
    return exchange.export_reports(
        actor=user, campaign=campaign, region_prefix=_region_prefix(filters.region), since=filters.since
    )


@router.post(
    "/campaigns/{campaign_id}/exchange/import",
    response=responses(ImportResultOut, not_found=True) | WRITE,
    operation_id="reporting_exchange_import",
    summary="把其他平台导出的报告导入本活动（监管人员、系统管理员）",
    description="请求体为交换格式的文档。逐份导入：每份报告或导入（imported），或因交换标识已存在而不作改动"
    "（unchanged），或列为错误行（error，附 `code` 和中文原因），不会静默丢失。文档本身不符合格式时整体拒绝"
    "（422 `document_invalid` / `format_unknown` / `version_unsupported`，`details.errors` 逐项说明）。"
    "`dry_run=true` 只检查并给出结果，不写入。",
)
@object_route(ReportingCampaign)
def reporting_exchange_import(
    request: HttpRequest, campaign_id: int, payload: Body[dict[str, Any]], dry_run: bool = False
) -> Any:
    campaign = _campaign(request, campaign_id)
    result = exchange.import_reports(
        actor=_user(request), document=payload, campaign=campaign, dry_run=dry_run
    )
    return result.as_dict()
