"""API schemas of hidden-danger investigation and treatment (Chinese descriptions: they are the
API documentation).

Request bodies keep their fields optional in the schema so that scope is checked first (outside
the caller's view an object is 404 whatever the body says); the operation then names what is
missing with a 422 and a code (`version_required`, `deadline_required` …)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.urls import NoReverseMatch, reverse
from ninja import Field, Schema

from saferisk.core.filters import IsoDate
from saferisk.hidden_dangers import services
from saferisk.hidden_dangers.workflow import allowed_actions

MAX_ID = 2**31 - 1


def _person(user: Any) -> str | None:
    return (user.full_name or user.username) if user is not None else None


# --- Hidden dangers ---------------------------------------------------------------------------------


class HiddenDangerOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str = Field(description="企业所在乡镇的区划代码（发现时）")
    division: str = Field(description="行业大类代码（发现时）")
    source: str = Field(
        description="self_check 自查|inspection 监管检查|verification 核查|tip_off 举报|other 其他"
    )
    grade: str = Field(description="general 一般隐患|major 重大隐患")
    state: str = Field(
        description="found 已登记|assessed 已评估|rectifying 整改中|rectified 已整改待验收|accepted 已验收|closed 已销号"
    )
    state_label: str
    title: str
    place: str
    found_on: dt.date
    deadline: dt.date | None = Field(description="整改期限（评估时确定，只能经批准的延期改变）")
    overdue: bool = Field(description="逾期：已过整改期限仍未整改完成（由当天日期推出，不存储）")
    days_overdue: int = Field(description="逾期天数，未逾期为0")
    risk_id: int | None
    inspection_id: int | None
    version: int = Field(description="版本号：每次改动加1；改变状态的操作须带上读取时的版本号")

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return services.is_overdue(obj)

    @staticmethod
    def resolve_days_overdue(obj: Any) -> int:
        return services.days_overdue(obj)


class EventOut(Schema):
    id: int
    action: str = Field(description="register、assess、plan、report_rectified、accept、listed 等")
    from_state: str
    to_state: str
    actor: str | None = Field(description="操作人姓名")
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return _person(obj.actor)


class PhotoOut(Schema):
    id: int
    stage: str = Field(description="found 发现时|rectified 整改后|check 验收时")
    url: str = Field(description="照片地址（登录后可取，范围与隐患相同）")
    width: int
    height: int
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_url(obj: Any) -> str:
        try:
            return reverse("hidden_dangers:photo", args=[obj.pk])
        except NoReverseMatch:  # the page module not mounted: the photo has no address yet
            return ""


class ExtensionOut(Schema):
    id: int
    hidden_danger_id: int
    old_deadline: dt.date
    new_deadline: dt.date
    reason: str
    state: str = Field(description="pending 待审批|approved 已同意|rejected 不同意")
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_requested_by(obj: Any) -> str | None:
        return _person(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return _person(obj.decided_by)


class ListingOut(Schema):
    id: int
    hidden_danger_id: int
    hidden_danger_title: str
    enterprise_id: int
    enterprise_name: str
    region_code: str
    level: str = Field(description="province 省级|city 市级|county 县级挂牌")
    authority_code: str = Field(description="挂牌部门的区划代码：该级及以上的监管部门核查、摘牌")
    document_number: str = Field(description="督办文号")
    requirements: str
    deadline: dt.date
    state: str = Field(description="listed 督办中|lifted 已摘牌")
    listed_by: str | None
    listed_at: dt.datetime
    check_passed: bool | None = Field(description="核查验收结论，未核查为 null")
    check_note: str
    checked_at: dt.datetime | None
    lifted_at: dt.datetime | None
    lift_note: str

    @staticmethod
    def resolve_hidden_danger_title(obj: Any) -> str:
        return str(obj.hidden_danger.title)

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_listed_by(obj: Any) -> str | None:
        return _person(obj.listed_by)


class ProgressOut(Schema):
    id: int
    text: str
    author: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return _person(obj.author)


class ListingDetailOut(ListingOut):
    progress: list[ProgressOut] = Field(description="督办进展，最早的在前")

    @staticmethod
    def resolve_progress(obj: Any) -> list[Any]:
        return list(obj.progress.all())


class HiddenDangerDetailOut(HiddenDangerOut):
    description: str
    criteria: list[str] = Field(description="重大隐患所依据的判定标准条目代码")
    grade_reason: str
    found_by: str | None
    reported_at: dt.datetime | None = Field(description="重大隐患报告监管部门的时间")
    assessed_by: str | None
    assessed_at: dt.datetime | None
    measures: str = Field(description="整改措施")
    owner_name: str = Field(description="整改责任人")
    owner_phone: str
    funds: Decimal | None = Field(description="整改资金（元）")
    contingency: str = Field(description="应急预案（重大隐患必填）")
    safeguards: str = Field(description="整改期间的临时防范措施")
    planned_at: dt.datetime | None
    rectified_by: str | None
    rectified_on: dt.date | None
    rectification_note: str
    on_time: bool | None = Field(description="是否按期整改完成")
    accepted_by: str | None
    accepted_at: dt.datetime | None
    acceptance_note: str
    closed_by: str | None
    closed_at: dt.datetime | None
    allowed_actions: list[str] = Field(
        description="当前状态下闭环可以进行的操作（workflow 名称：assess→/assess、plan→/plan、"
        "report_rectified→/rectified、accept→/accept、refuse_acceptance→/refuse、close→/close）；"
        "谁可以执行由各操作另行检查"
    )
    events: list[EventOut] = Field(description="处理记录，最早的在前")
    photos: list[PhotoOut]
    extensions: list[ExtensionOut] = Field(description="延期申请，最新的在前")
    listings: list[ListingOut] = Field(description="挂牌督办记录，最新的在前")

    @staticmethod
    def resolve_found_by(obj: Any) -> str | None:
        return _person(obj.found_by)

    @staticmethod
    def resolve_assessed_by(obj: Any) -> str | None:
        return _person(obj.assessed_by)

    @staticmethod
    def resolve_rectified_by(obj: Any) -> str | None:
        return _person(obj.rectified_by)

    @staticmethod
    def resolve_accepted_by(obj: Any) -> str | None:
        return _person(obj.accepted_by)

    @staticmethod
    def resolve_closed_by(obj: Any) -> str | None:
        return _person(obj.closed_by)

    @staticmethod
    def resolve_allowed_actions(obj: Any) -> list[str]:
        return allowed_actions(obj.state)

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())

    @staticmethod
    def resolve_photos(obj: Any) -> list[Any]:
        return list(obj.photos.all())

    @staticmethod
    def resolve_extensions(obj: Any) -> list[Any]:
        return list(obj.extensions.all())

    @staticmethod
    def resolve_listings(obj: Any) -> list[Any]:
        return list(obj.listings.all())


class HiddenDangerQuery(Schema):
    region: str | None = Field(None, description="区划代码：只列该地区（前缀）的隐患")
    enterprise: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id")
    state: str | None = Field(
        None,
        description="状态（found|assessed|rectifying|rectified|accepted|closed），或 open 未销号、"
        "unrectified 未整改完成、overdue 逾期",
    )
    grade: str | None = Field(None, description="general|major")
    source: str | None = Field(None, description="self_check|inspection|verification|tip_off|other")
    division: str | None = Field(None, description="行业大类代码（两位）")
    year: int | None = Field(None, ge=2000, le=2100, description="发现年份")
    q: str | None = Field(None, max_length=100, description="隐患名称、部位或企业名称的一部分")
    order: Literal["newest", "deadline"] = Field(
        "newest",
        description="newest 最新登记的在前（默认）；deadline 按整改期限，先到期的在前"
        "（只列已定期限的，待评估的隐患尚无期限，用 state=found 查看）",
    )


class RegisterIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id（必填）")
    title: str = Field("", max_length=500, description="隐患是什么，一句话（必填，不超过200字）")
    source: str | None = Field(
        None,
        description="来源：self_check|inspection|verification|tip_off|other；企业只能登记 self_check 或 other。"
        "省略时企业为 self_check，监管人员为 inspection",
    )
    description: str = Field("", max_length=5000)
    place: str = Field("", max_length=200, description="部位；省略且关联风险时取风险的部位")
    risk_id: int | None = Field(None, ge=1, le=MAX_ID, description="关联的风险 id（须属于该企业）")
    found_on: IsoDate = Field(None, description="发现日期，省略为今天")
    grade: str | None = Field(
        None, description="监管人员登记检查发现时可同时定级（general|major），须同时给 deadline，即为已评估"
    )
    criteria: list[str] = Field(default_factory=list, max_length=50, description="重大隐患的判定标准条目代码")
    deadline: IsoDate = Field(None, description="整改期限（与 grade 同时给出）")


class VersionIn(Schema):
    version: int | None = Field(
        None, ge=1, description="读取时的版本号（必填）；已被他人改动时返回 409 stale"
    )


class AssessIn(VersionIn):
    grade: str | None = Field(None, description="general|major（必填）")
    deadline: IsoDate = Field(None, description="整改期限（必填）")
    criteria: list[str] = Field(default_factory=list, max_length=50, description="重大隐患的判定标准条目代码")
    grade_reason: str = Field("", max_length=2000, description="定级理由（重大隐患未选判定标准时必填）")


class PlanIn(VersionIn):
    measures: str = Field("", max_length=5000, description="整改措施（必填）")
    owner_name: str = Field("", max_length=60, description="责任人（必填）")
    owner_phone: str = Field("", max_length=20)
    funds: Decimal | None = Field(None, max_digits=14, decimal_places=2, description="整改资金（元）")
    contingency: str = Field("", max_length=5000, description="应急预案（重大隐患必填）")
    safeguards: str = Field("", max_length=5000, description="整改期间的临时防范措施")


class RectifiedIn(VersionIn):
    note: str = Field("", max_length=5000, description="整改完成情况（必填）")
    rectified_on: IsoDate = Field(None, description="整改完成日期，省略为今天")


class NoteIn(VersionIn):
    note: str = Field("", max_length=5000, description="意见")


class RefuseIn(VersionIn):
    note: str = Field("", max_length=5000, description="验收不通过的原因（必填）")


class ExtensionIn(Schema):
    new_deadline: IsoDate = Field(None, description="申请的整改期限（必填，须晚于当前期限）")
    reason: str = Field("", max_length=5000, description="延期理由（必填）")


class DecisionIn(Schema):
    approve: bool | None = Field(None, description="true 同意，false 不同意（必填）")
    note: str = Field("", max_length=5000, description="审批意见；不同意时必填")


class ListingIn(Schema):
    deadline: IsoDate = Field(None, description="督办期限（必填，不早于今天）")
    requirements: str = Field("", max_length=5000, description="督办要求（必填）")
    document_number: str = Field("", max_length=60, description="督办文号")


class ListingQuery(Schema):
    state: Literal["listed", "lifted"] | None = Field(None, description="listed 督办中|lifted 已摘牌")
    level: Literal["province", "city", "county"] | None = Field(None, description="挂牌级别")


class TextIn(Schema):
    text: str = Field("", max_length=5000, description="整改进展（必填）")


class CheckIn(Schema):
    passed: bool | None = Field(None, description="核查验收是否通过（必填）")
    note: str = Field("", max_length=5000, description="核查意见（必填）")


class LiftIn(Schema):
    note: str = Field("", max_length=5000, description="摘牌说明")


# --- Checklists and inspections ---------------------------------------------------------------------


class ChecklistOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    tier: str = Field(description="管控层级：company|workshop|team|post")
    name: str
    frequency: str = Field(description="排查周期：daily|weekly|monthly|quarterly")
    assignee_id: int | None = Field(description="排查人（本企业用户）")
    assignee_name: str | None
    active: bool
    last_inspected_on: dt.date | None
    next_due_on: dt.date | None = Field(description="下次应排查日期；从未排查过的为生成当天")

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_assignee_name(obj: Any) -> str | None:
        return _person(obj.assignee)


class ChecklistItemOut(Schema):
    id: int
    risk_id: int | None
    measure_id: int | None = Field(description="来自的管控措施；现场补充的条目为 null")
    place: str
    text: str
    sort_order: int
    active: bool


class ChecklistDetailOut(ChecklistOut):
    items: list[ChecklistItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> list[Any]:
        return list(obj.items.all())


class ChecklistQuery(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id")


class DueQuery(Schema):
    mine: bool = Field(False, description="true 只列分配给本人或未分配排查人的清单")


class GenerateIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id（必填）")


class GenerateOut(Schema):
    checklists: int = Field(description="新建的清单数")
    items: int = Field(description="新增的排查条目数")


class ChecklistPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    frequency: str | None = Field(
        None, description="daily|weekly|monthly|quarterly；改变后重新计算下次应排查日期"
    )
    assignee_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="排查人（本企业用户）；传 null 取消分配"
    )
    active: bool | None = Field(None, description="false 暂停该清单")


class ResultOut(Schema):
    id: int
    item_id: int | None = Field(description="清单条目；现场补充的检查项为 null")
    risk_id: int | None
    place: str
    text: str
    sort_order: int
    outcome: str = Field(description="pass 合格|fail 不合格|na 不适用；未检查为空")
    note: str
    hidden_danger_id: int | None = Field(description="不合格项登记的隐患")


class InspectionOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str
    kind: str = Field(description="self_check 企业自查|regulator 监管检查")
    checklist_id: int | None
    title: str
    inspector: str | None
    authority: str = Field(description="检查单位（监管检查）")
    inspected_on: dt.date
    state: str = Field(description="open 进行中|finished 已结束")
    note: str
    items: int
    failed: int
    started_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_inspector(obj: Any) -> str | None:
        return _person(obj.inspector)


class InspectionDetailOut(InspectionOut):
    results: list[ResultOut]

    @staticmethod
    def resolve_results(obj: Any) -> list[Any]:
        return list(obj.results.all())


class InspectionQuery(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id")
    kind: Literal["self_check", "regulator"] | None = None
    state: Literal["open", "finished"] | None = None


class InspectionIn(Schema):
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID, description="企业 id（必填）")
    checklist_id: int | None = Field(None, ge=1, le=MAX_ID, description="按哪个清单检查（企业自查必填）")
    title: str = Field("", max_length=200, description="省略时自动生成")
    inspected_on: IsoDate = Field(None, description="检查日期，省略为今天")


class ResultAddIn(Schema):
    text: str = Field("", max_length=500, description="检查内容（必填）")
    place: str = Field("", max_length=200)


class RecordIn(Schema):
    outcome: str | None = Field(None, description="pass|fail|na（必填）；fail 登记一条隐患")
    note: str = Field("", max_length=500, description="问题描述（不合格时作为隐患名称）")


class FinishIn(Schema):
    note: str = Field("", max_length=5000)


# --- Statistics ---------------------------------------------------------------------------------------


class StatisticsQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，省略为今年")
    region: str | None = Field(None, description="区划代码，省略为本人辖区")
    division: str | None = Field(None, description="行业大类代码（两位）")


class RegionRefOut(Schema):
    code: str
    name: str
    level: str = Field(description="province|city|county|town")


class FiguresOut(Schema):
    found: int = Field(description="当年发现的隐患数（各状态）")
    states: dict[str, int] = Field(description="各状态的隐患数")
    rectified: int = Field(description="已整改 = 已整改待验收 + 已验收 + 已销号")
    closed: int
    unrectified: int = Field(description="未整改 = 已登记 + 已评估 + 整改中")
    on_time: int = Field(description="按期整改的")
    rectification_rate: float | None = Field(description="整改率（%）= 已整改 / 发现数；没有隐患时为 null")
    on_time_rate: float | None = Field(description="按期整改率（%）= 按期整改 / 已整改")
    major: int = Field(description="重大隐患数")
    major_unrectified: int = Field(description="未整改的重大隐患数")
    overdue: int | None = Field(
        description="逾期未整改（当前，不论发现年份）；按行业、等级、来源分组时为 null"
    )


class RegionFiguresOut(FiguresOut):
    code: str = Field(description="下一级地区的区划代码")
    name: str
    prefix: str = Field(description="该地区的区划代码前缀")
    drill: bool = Field(
        description="市、县为 true：可作为 region 参数传回，查看其下一级；乡镇为 false（其隐患用 GET /items?region= 列出）"
    )
    direct: bool = Field(description="直属：计在上级地区本身代码下的隐患")


class GroupFiguresOut(FiguresOut):
    code: str
    name: str


class StateCountOut(Schema):
    code: str
    name: str
    count: int


class TrendOut(Schema):
    months: list[str] = Field(description="YYYY-MM，1至12月")
    found: list[int]
    closed: list[int]
    closed_on_time: list[int]


class StatisticsOut(Schema):
    year: int
    division: str = Field(description="所选行业大类，空为全部")
    today: dt.date = Field(description="逾期按此日期计算")
    root: RegionRefOut | None = Field(
        description="本人可查看的最高一级地区（企业用户和专家为 null，数字均为0）"
    )
    region: RegionRefOut | None = Field(description="本次统计的地区")
    trail: list[RegionRefOut] = Field(description="从 root 到 region 的各级地区")
    child_level: str | None = Field(description="regions 的级别；乡镇一级时为 null（regions 为其本身）")
    department: bool = Field(description="行业部门的监管人员：只统计本部门主管的行业，没有月度趋势")
    totals: FiguresOut
    regions: list[RegionFiguresOut] = Field(description="下一级各地区")
    divisions: list[GroupFiguresOut] = Field(description="按行业大类，发现数多的在前")
    grades: list[GroupFiguresOut]
    sources: list[GroupFiguresOut]
    states: list[StateCountOut]
    trend: TrendOut | None = Field(
        description="月度趋势：发现、销号、按期整改后销号；行业部门或按行业筛选时为 null"
    )
