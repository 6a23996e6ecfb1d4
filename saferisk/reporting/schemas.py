"""API schemas of risk reporting (Chinese descriptions: they are the API documentation)."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema

from saferisk.core.filters import IsoDate

MAX_ID = 2**31 - 1


class CampaignIn(Schema):
    kind: str = Field(description="报告类型：first 首次报告，annual 年度报告，change 变更报告")
    deadline: str = Field(description="截止日期 YYYY-MM-DD")
    year: int | None = Field(None, ge=2000, le=2100, description="年度，省略时为开始日期的年份")
    name: str = Field("", max_length=100, description="名称，省略时自动生成，如“江宁区2026年首次报告”")
    region: str | None = Field(None, max_length=12, description="发起地区的区划代码，省略时为本人辖区")
    scope_regions: list[str] = Field(
        default_factory=list, max_length=200, description="只覆盖这些下级地区（区划代码）；空为整个地区"
    )
    scale: str = Field("all", description="规模范围：all 全部，above 仅规模以上，below 仅规模以下")
    industry_prefixes: str = Field(
        "", max_length=200, description="只覆盖这些行业（2至4位行业代码前缀，空格分隔）"
    )
    key_sectors: list[str] = Field(
        default_factory=list, max_length=50, description="只覆盖这些重点行业领域（代码）"
    )
    opens_on: str | None = Field(None, description="开始日期 YYYY-MM-DD，省略时为今天")


class AnnualCampaignIn(Schema):
    year: int = Field(ge=2000, le=2100, description="年度；年度报告在该年3月31日前完成，覆盖本人整个辖区")


class CampaignOut(Schema):
    id: int
    kind: str = Field(description="first|annual|change")
    year: int
    name: str
    region_id: str = Field(description="发起地区的区划代码")
    region_name: str
    scope_regions: list[str]
    scale: str = Field(description="all|above|below")
    industry_prefixes: str
    key_sectors: list[str]
    opens_on: dt.date
    deadline: dt.date
    status: str = Field(description="open 进行中|closed 已关闭")
    enterprises: int = Field(description="覆盖的企业数")
    created_at: dt.datetime

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return str(obj.region.name)

    @staticmethod
    def resolve_key_sectors(obj: Any) -> list[str]:
        return sorted(k.pk for k in obj.key_sectors.all())


class TaskOut(Schema):
    id: int
    campaign_id: int
    campaign_name: str
    enterprise_id: int
    enterprise_name: str
    enterprise_uscc: str
    region_code: str = Field(description="企业所在的区划代码（活动发起时）")
    division: str = Field(description="行业大类代码")
    above_scale: bool
    key_sectors: list[str]
    due_on: dt.date
    state: str = Field(
        description="not_started 未开始|draft 填报中|submitted 已提交|returned 已退回|accepted 已通过"
    )
    overdue: bool = Field(description="已过截止日期且未提交或被退回")
    nil: bool = Field(description="零报告（已通过时有意义）")
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_campaign_name(obj: Any) -> str:
        return str(obj.campaign.name)

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_enterprise_uscc(obj: Any) -> str:
        return str(obj.enterprise.uscc)

    @staticmethod
    def resolve_key_sectors(obj: Any) -> list[str]:
        return obj.key_sectors.split()

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        from saferisk.reporting.listing import OPEN_STATES

        return bool(obj.due_on < timezone.localdate() and obj.state in OPEN_STATES)


class ReportOut(Schema):
    id: int
    task_id: int
    number: int = Field(description="第几次提交")
    state: str = Field(description="draft 草稿|submitted 待审核|returned 已退回|accepted 已通过")
    nil: bool
    major_count: int
    large_count: int
    prepared_at: dt.datetime | None
    prepared_by: str | None = Field(description="填报人姓名")
    submitted_at: dt.datetime | None
    submitted_by: str | None = Field(description="提交人姓名")
    reviewed_at: dt.datetime | None
    reviewed_by: str | None = Field(description="审核人姓名")
    review_comment: str
    exchange_id: uuid.UUID = Field(description="跨平台交换标识")
    source: str = Field(description="从其他平台导入时为来源平台名称，否则为空")

    @staticmethod
    def resolve_prepared_by(obj: Any) -> str | None:
        return _name(obj, "prepared_by")

    @staticmethod
    def resolve_submitted_by(obj: Any) -> str | None:
        return _name(obj, "submitted_by")

    @staticmethod
    def resolve_reviewed_by(obj: Any) -> str | None:
        return _name(obj, "reviewed_by")


def _name(obj: Any, role: str) -> str | None:
    """The person's name: this platform's user, else the name an import recorded."""
    names = getattr(obj, "names", None)
    if names is not None:
        return names.get(role)
    user = getattr(obj, role)
    return (user.full_name or user.username) if user else None


class ReportDetailOut(ReportOut):
    enterprise_data: dict[str, Any] = Field(description="报告时冻结的企业信息")
    risks: list[dict[str, Any]] = Field(description="报告的较大以上风险（冻结的快照）")
    gap_explanations: dict[str, str] = Field(description="应报尽报缺口条目的说明，键为目录条目编号")
    declaration: str
    risk_reasons: dict[str, str] = Field(description="审核人对单项风险的意见，键为风险 id")


class QueueItemOut(ReportOut):
    enterprise_id: int
    enterprise_name: str
    enterprise_uscc: str
    region_code: str
    campaign_id: int
    campaign_name: str

    @staticmethod
    def resolve_enterprise_id(obj: Any) -> int:
        return int(obj.task.enterprise_id)

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.task.enterprise.name)

    @staticmethod
    def resolve_enterprise_uscc(obj: Any) -> str:
        return str(obj.task.enterprise.uscc)

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.task.region_code)

    @staticmethod
    def resolve_campaign_id(obj: Any) -> int:
        return int(obj.task.campaign_id)

    @staticmethod
    def resolve_campaign_name(obj: Any) -> str:
        return str(obj.task.campaign.name)


class PrepareIn(Schema):
    gap_explanations: dict[str, str] = Field(
        default_factory=dict, description="风险目录中适用而未纳入清单的条目的说明，键为条目编号"
    )


class SubmitIn(Schema):
    declared: bool = Field(False, description="企业主要负责人确认报告真实、准确、完整；须为 true")


class ReviewIn(Schema):
    decision: Literal["accept", "return"] | None = Field(None, description="accept 通过，return 退回（必填）")
    comment: str = Field("", max_length=2000, description="审核意见；退回时须有意见或单项风险意见")
    risk_reasons: dict[str, str] = Field(
        default_factory=dict, description="对单项风险的意见，键为报告中风险的 id"
    )


class ProgressFiguresOut(Schema):
    not_started: int
    draft: int
    submitted: int
    returned: int
    accepted: int
    tasks: int = Field(description="企业（任务）总数")
    unfiled: int = Field(description="未报：未开始 + 填报中 + 已退回")
    filed: int = Field(description="已报：已提交 + 已通过")
    overdue: int | None = Field(description="逾期：已过截止日期仍未报")
    completion: float | None = Field(description="完成率（%）= 已通过 / 企业数；没有企业时为 null")
    filing: float | None = Field(description="报告率（%）= 已报 / 企业数")
    major: int = Field(description="已通过报告中的重大风险数")
    large: int = Field(description="已通过报告中的较大风险数")
    nil: int = Field(description="已通过的零报告数")


class ProgressChildOut(ProgressFiguresOut):
    code: str
    name: str


class ProgressOut(Schema):
    campaign_id: int
    region_code: str
    region_name: str
    totals: ProgressFiguresOut
    children: list[ProgressChildOut] = Field(description="下一级地区（乡镇一级时为其本身）")


class ImportRowOut(Schema):
    index: int = Field(description="报告在文件 reports 中的序号，从1开始")
    exchange_id: str
    uscc: str
    enterprise_name: str
    outcome: str = Field(description="imported 已导入|unchanged 已存在未改动|error 未导入")
    code: str = Field(description="未导入的原因代码，如 enterprise_unknown")
    message: str
    report_id: int | None


class ImportResultOut(Schema):
    campaign_id: int
    source: str = Field(description="来源平台")
    dry_run: bool = Field(description="试运行：检查并给出结果，但不写入")
    reports: int
    imported: int
    unchanged: int
    errors: int
    rows: list[ImportRowOut]


class TaskQuery(Schema):
    campaign: int | None = Field(None, ge=1, le=MAX_ID, description="报告活动 id")
    state: str | None = Field(
        None, description="not_started|draft|submitted|returned|accepted，或 overdue（逾期未报）"
    )
    overdue: bool | None = Field(None, description="true 只列逾期未报的任务，false 排除它们")
    region: str | None = Field(None, description="区划代码（前缀）")
    q: str | None = Field(None, max_length=100, description="企业名称的一部分或统一社会信用代码开头")


class QueueQuery(Schema):
    campaign: int | None = Field(None, ge=1, le=MAX_ID, description="报告活动 id")
    region: str | None = Field(None, description="区划代码（前缀）")


class CampaignQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: str | None = Field(None, description="first|annual|change")
    status: str | None = Field(None, description="open|closed")


class ExportQuery(Schema):
    campaign: int | None = Field(None, ge=1, le=MAX_ID, description="报告活动 id；省略时为所有活动")
    region: str | None = Field(None, description="区划代码（前缀），只导出该地区的报告")
    since: IsoDate = Field(None, description="只导出该日期（含）以后审核通过的报告")
