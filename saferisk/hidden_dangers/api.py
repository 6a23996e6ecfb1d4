"""API of hidden dangers: checklists, inspections, the closed loop, extensions, listed
supervision and statistics, through the same services, reads and scoping as the pages.

Mounted at /api/v1/hidden-dangers (saferisk/api.py). Outside the caller's view an object is 404;
a role that may see an object but not act on it gets 403 with a `code` saying why
(`enterprise_only`, `cannot_list`, `not_listing_authority` …); a broken rule is 422 with its
code (`illegal_transition` for an action the current state does not allow); a change made
against an older `version` than the current one is 409 `stale` (reload and retry)."""

from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from saferisk.core.errors import DomainError
from saferisk.core.models import Region, User
from saferisk.core.pagination import Pagination
from saferisk.core.routes import aggregate_route, create_route, list_route, object_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import scoped, scoped_get
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import inspections, listing, services, statistics, supervision
from saferisk.hidden_dangers.choices import (
    HiddenDangerGrade,
    HiddenDangerSource,
    HiddenDangerState,
    PhotoStage,
)
from saferisk.hidden_dangers.models import (
    Checklist,
    DeadlineExtension,
    HiddenDanger,
    Inspection,
    InspectionResult,
    ListedSupervision,
)
from saferisk.hidden_dangers.schemas import (
    AssessIn,
    CheckIn,
    ChecklistDetailOut,
    ChecklistOut,
    ChecklistPatchIn,
    ChecklistQuery,
    DecisionIn,
    DueQuery,
    ExtensionIn,
    ExtensionOut,
    FinishIn,
    GenerateIn,
    GenerateOut,
    HiddenDangerDetailOut,
    HiddenDangerOut,
    HiddenDangerQuery,
    InspectionDetailOut,
    InspectionIn,
    InspectionOut,
    InspectionQuery,
    LiftIn,
    ListingDetailOut,
    ListingIn,
    ListingOut,
    ListingQuery,
    NoteIn,
    PhotoOut,
    PlanIn,
    RecordIn,
    RectifiedIn,
    RefuseIn,
    RegisterIn,
    ResultAddIn,
    ResultOut,
    StatisticsOut,
    StatisticsQuery,
    TextIn,
)
from saferisk.risks.models import Risk

router = Router(tags=["隐患排查治理"])

WRITE = {403: ErrorOut}
STALE = {409: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Hidden dangers ---------------------------------------------------------------------------------


def _hd(request: HttpRequest, item_id: int) -> HiddenDanger:
    return scoped_get(request.user, HiddenDanger.objects.select_related("enterprise"), pk=item_id)


def _detail(request: HttpRequest, item_id: int) -> HiddenDanger:
    qs = HiddenDanger.objects.select_related(
        "enterprise", "found_by", "assessed_by", "rectified_by", "accepted_by", "closed_by"
    ).prefetch_related(
        "events__actor",
        "photos",
        "extensions__requested_by",
        "extensions__decided_by",
        "listings__enterprise",
        "listings__hidden_danger",
        "listings__listed_by",
    )
    return scoped_get(request.user, qs, pk=item_id)


def _filters(query: HiddenDangerQuery) -> listing.Filters:
    """The list's filters, refusing values that mean nothing (a page ignores them; an API
    client should hear that its filter was not applied)."""
    state = (query.state or "").strip()
    if state and state not in (*HiddenDangerState.values, *listing.STATE_FILTERS):
        raise DomainError(
            "state_invalid",
            "状态应为 found、assessed、rectifying、rectified、accepted、closed，或 open、unrectified、overdue",
            field="state",
        )
    grade = (query.grade or "").strip()
    if grade and grade not in HiddenDangerGrade.values:
        raise DomainError("grade_invalid", "等级应为 general 或 major", field="grade")
    source = (query.source or "").strip()
    if source and source not in HiddenDangerSource.values:
        raise DomainError(
            "source_invalid",
            "来源应为 self_check、inspection、verification、tip_off 或 other",
            field="source",
        )
    division = (query.division or "").strip()
    if division and not (division.isdigit() and len(division) == 2):
        raise DomainError("division_invalid", "行业大类代码应为两位数字", field="division")
    region = (query.region or "").strip()
    if region and not (region.isdigit() and len(region) in (6, 9, 12)):
        raise DomainError("region_invalid", "地区代码应为6位、9位或12位数字", field="region")
    return listing.Filters(
        region=region,
        enterprise=query.enterprise,
        state=state,
        grade=grade,
        source=source,
        division=division,
        year=query.year,
        q=(query.q or "").strip(),
    )


@router.get(
    "/items",
    response=responses(list[HiddenDangerOut]),
    operation_id="hidden_danger_list",
    summary="隐患台账（可见范围内：监管人员为辖区内企业，企业用户为本企业）",
    description="默认最新登记的在前；`order=deadline` 按整改期限（先到期的在前），只列已定期限的隐患。"
    "两种顺序都给出游标 `next`（见分页一节），深翻页不变慢。",
)
@list_route(HiddenDanger)
@paginate(Pagination)
def hidden_danger_list(request: HttpRequest, query: Query[HiddenDangerQuery]) -> Any:
    filters = _filters(query)
    qs = listing.hidden_dangers(_user(request), filters).select_related("enterprise")
    if query.order == "deadline":
        return qs.filter(deadline__isnull=False).order_by(*listing.BY_DEADLINE)
    return qs.order_by(*listing.NEWEST)


@router.post(
    "/items",
    response={201: HiddenDangerDetailOut} | responses(HiddenDangerDetailOut, not_found=True) | WRITE,
    operation_id="hidden_danger_register",
    summary="登记隐患（企业用户；监管人员登记检查发现的隐患）",
    description="只需企业和一句话的隐患名称，照片随后用 `POST /items/{id}/photos` 上传。监管人员可同时给出 "
    "`grade` 和 `deadline`（责令限期整改），隐患即为已评估；重大隐患登记后立即报告县级监管部门。",
)
@create_route(HiddenDanger)
def hidden_danger_register(request: HttpRequest, payload: RegisterIn) -> Any:
    user = _user(request)
    if payload.enterprise_id is None:
        raise DomainError("enterprise_required", "请选择企业", field="enterprise_id")
    enterprise = scoped_get(user, Enterprise, pk=payload.enterprise_id)
    risk = scoped_get(user, Risk, pk=payload.risk_id) if payload.risk_id else None
    source = payload.source
    if not source:
        insider = services.is_insider(user, enterprise.pk)
        source = HiddenDangerSource.SELF_CHECK if insider else HiddenDangerSource.INSPECTION
    hd = services.register(
        actor=user,
        enterprise=enterprise,
        title=payload.title,
        source=source,
        description=payload.description,
        place=payload.place,
        risk=risk,
        found_on=payload.found_on,
        grade=payload.grade or None,
        criteria=payload.criteria,
        deadline=payload.deadline,
    )
    return Status(201, _detail(request, hd.pk))


@router.get(
    "/items/{item_id}",
    response=responses(HiddenDangerDetailOut, not_found=True),
    operation_id="hidden_danger_get",
    summary="一条隐患：整改方案、处理记录、照片、延期申请、挂牌督办和可进行的操作",
)
@object_route(HiddenDanger)
def hidden_danger_get(request: HttpRequest, item_id: int) -> Any:
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/photos",
    response={201: PhotoOut} | responses(PhotoOut, not_found=True) | WRITE,
    operation_id="hidden_danger_photo_add",
    summary="上传隐患照片（multipart/form-data：photo，stage）",
    description="JPEG、PNG 或 WebP，不超过15 MB；按拍摄方向摆正，缩小到长边不超过1600像素，存为 JPEG。"
    "`stage`：found 发现时（默认）|rectified 整改后|check 验收时。"
    "不是图片 422 `photo_not_image`，过大 422 `photo_too_large`，未附文件 422 `photo_required`。",
)
@object_route(HiddenDanger)
def hidden_danger_photo_add(
    request: HttpRequest,
    item_id: int,
    stage: Form[str] = PhotoStage.FOUND,
    photo: File[UploadedFile | None] = None,
) -> Any:
    hd = _hd(request, item_id)
    if stage not in PhotoStage.values:
        raise DomainError("stage_invalid", "照片阶段应为 found、rectified 或 check", field="stage")
    if photo is None:
        raise DomainError("photo_required", "请选择照片", field="photo")
    added = services.photo_add(actor=_user(request), hd=hd, upload=photo, stage=stage, size=photo.size)
    return Status(201, added)


def _version(version: int | None) -> int:
    if version is None:
        raise DomainError("version_required", "请带上读取隐患时的版本号 version", field="version")
    return version


TRANSITION = responses(HiddenDangerDetailOut, not_found=True) | WRITE | STALE


@router.post(
    "/items/{item_id}/assess",
    response=TRANSITION,
    operation_id="hidden_danger_assess",
    summary="评估定级：等级和整改期限（企业用户或辖区监管人员）",
    description="重大隐患须给出判定标准 `criteria` 或理由 `grade_reason`（422 `criteria_required`），"
    "并立即报告监管部门。",
)
@object_route(HiddenDanger)
def hidden_danger_assess(request: HttpRequest, item_id: int, payload: AssessIn) -> Any:
    hd = _hd(request, item_id)
    services.assess(
        actor=_user(request),
        hd=hd,
        version=_version(payload.version),
        grade=payload.grade or "",
        deadline=payload.deadline,  # type: ignore[arg-type]  # the service names a missing one
        criteria=payload.criteria,
        grade_reason=payload.grade_reason,
    )
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/plan",
    response=TRANSITION,
    operation_id="hidden_danger_plan",
    summary="整改方案（五到位：措施、责任人、资金、期限、预案；企业用户）",
    description="已评估时制定方案，隐患转为整改中；整改中时修订方案（状态不变）。"
    "监管人员调用 403 `enterprise_only`；缺项 422 `plan_incomplete`；重大隐患无应急预案 422 `contingency_required`。",
)
@object_route(HiddenDanger)
def hidden_danger_plan(request: HttpRequest, item_id: int, payload: PlanIn) -> Any:
    hd = _hd(request, item_id)
    services.plan(
        actor=_user(request),
        hd=hd,
        version=_version(payload.version),
        measures=payload.measures,
        owner_name=payload.owner_name,
        owner_phone=payload.owner_phone,
        funds=payload.funds,
        contingency=payload.contingency,
        safeguards=payload.safeguards,
    )
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/rectified",
    response=TRANSITION,
    operation_id="hidden_danger_rectified",
    summary="整改完成（企业用户）",
    description="整改后的照片用 `POST /items/{id}/photos`（stage=rectified）上传。"
    "完成日期不晚于整改期限为按期整改。",
)
@object_route(HiddenDanger)
def hidden_danger_rectified(request: HttpRequest, item_id: int, payload: RectifiedIn) -> Any:
    hd = _hd(request, item_id)
    services.report_rectified(
        actor=_user(request),
        hd=hd,
        version=_version(payload.version),
        note=payload.note,
        rectified_on=payload.rectified_on,
    )
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/accept",
    response=TRANSITION,
    operation_id="hidden_danger_accept",
    summary="验收通过（整改人以外的人员：企业用户或辖区监管人员）",
    description="整改人本人验收 422 `same_person`。",
)
@object_route(HiddenDanger)
def hidden_danger_accept(request: HttpRequest, item_id: int, payload: NoteIn) -> Any:
    hd = _hd(request, item_id)
    services.accept(actor=_user(request), hd=hd, version=_version(payload.version), note=payload.note)
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/refuse",
    response=TRANSITION,
    operation_id="hidden_danger_refuse",
    summary="验收不通过，退回整改（须写明原因）",
)
@object_route(HiddenDanger)
def hidden_danger_refuse(request: HttpRequest, item_id: int, payload: RefuseIn) -> Any:
    hd = _hd(request, item_id)
    services.refuse_acceptance(
        actor=_user(request), hd=hd, version=_version(payload.version), note=payload.note
    )
    return _detail(request, item_id)


@router.post(
    "/items/{item_id}/close",
    response=TRANSITION,
    operation_id="hidden_danger_close",
    summary="销号（企业主要负责人或辖区监管人员）",
    description="挂牌督办中的隐患摘牌后才能销号（422 `still_listed`）；填报员调用 403 `cannot_close`。",
)
@object_route(HiddenDanger)
def hidden_danger_close(request: HttpRequest, item_id: int, payload: NoteIn) -> Any:
    hd = _hd(request, item_id)
    services.close(actor=_user(request), hd=hd, version=_version(payload.version), note=payload.note)
    return _detail(request, item_id)


# --- Deadline extensions ----------------------------------------------------------------------------


def _extension(request: HttpRequest, extension_id: int) -> DeadlineExtension:
    return scoped_get(
        request.user,
        DeadlineExtension.objects.select_related("requested_by", "decided_by", "hidden_danger"),
        pk=extension_id,
    )


@router.post(
    "/items/{item_id}/extensions",
    response={201: ExtensionOut} | responses(ExtensionOut, not_found=True) | WRITE,
    operation_id="hidden_danger_extension_request",
    summary="申请延期（企业用户；一次只能有一个待审批的申请）",
    description="只有已定期限、尚未整改完成的隐患可以申请（422 `no_deadline_to_extend`）；"
    "新期限须晚于当前期限（422 `not_later`）；已有待审批的申请 422 `extension_pending`。",
)
@object_route(HiddenDanger)
def hidden_danger_extension_request(request: HttpRequest, item_id: int, payload: ExtensionIn) -> Any:
    hd = _hd(request, item_id)
    ext = services.extension_request(
        actor=_user(request),
        hd=hd,
        new_deadline=payload.new_deadline,  # type: ignore[arg-type]  # the service names a missing one
        reason=payload.reason,
    )
    return Status(201, _extension(request, ext.pk))


@router.post(
    "/extensions/{extension_id}/decision",
    response=responses(ExtensionOut, not_found=True) | WRITE,
    operation_id="hidden_danger_extension_decide",
    summary="审批延期：一般隐患由企业主要负责人，重大隐患由辖区监管人员审批",
    description="同意后整改期限改为申请的期限；不同意须写明理由（422 `note_required`）；"
    "不能审批自己的申请（422 `same_person`）；已审批过 422 `already_decided`。",
)
@object_route(DeadlineExtension)
def hidden_danger_extension_decide(request: HttpRequest, extension_id: int, payload: DecisionIn) -> Any:
    ext = _extension(request, extension_id)
    if payload.approve is None:
        raise DomainError("approve_required", "请选择是否同意延期（approve: true 或 false）", field="approve")
    services.extension_decide(actor=_user(request), extension=ext, approve=payload.approve, note=payload.note)
    return _extension(request, extension_id)


# --- Checklists ---------------------------------------------------------------------------------------


def _checklist(request: HttpRequest, checklist_id: int) -> Checklist:
    return scoped_get(
        request.user,
        Checklist.objects.select_related("enterprise", "assignee").prefetch_related("items"),
        pk=checklist_id,
    )


@router.get(
    "/checklists",
    response=responses(list[ChecklistOut]),
    operation_id="checklist_list",
    summary="排查清单（可见范围内），按企业和管控层级",
)
@list_route(Checklist)
@paginate(Pagination)
def checklist_list(request: HttpRequest, query: Query[ChecklistQuery]) -> Any:
    qs = scoped(_user(request), Checklist).select_related("enterprise", "assignee")
    if query.enterprise_id is not None:
        qs = qs.filter(enterprise_id=query.enterprise_id)
    return qs.order_by("enterprise_id", "tier", "id")


# Before "/checklists/{checklist_id}" would not matter for a POST, but keep fixed paths first.
@router.post(
    "/checklists/generate",
    response=responses(GenerateOut, not_found=True) | WRITE,
    operation_id="checklist_generate",
    summary="按风险的管控措施生成或补充排查清单（企业用户）",
    description="每个管控层级一个清单，每条管控措施一个排查条目；已有的条目及其修改保留，删除的不再加回。"
    "监管人员调用 403 `enterprise_only`。",
)
@create_route(Checklist)
def checklist_generate(request: HttpRequest, payload: GenerateIn) -> Any:
    user = _user(request)
    if payload.enterprise_id is None:
        raise DomainError("enterprise_required", "请选择企业", field="enterprise_id")
    enterprise = scoped_get(user, Enterprise, pk=payload.enterprise_id)
    return inspections.generate(actor=user, enterprise=enterprise)


@router.get(
    "/checklists/{checklist_id}",
    response=responses(ChecklistDetailOut, not_found=True),
    operation_id="checklist_get",
    summary="一个排查清单及其条目",
)
@object_route(Checklist)
def checklist_get(request: HttpRequest, checklist_id: int) -> Any:
    return _checklist(request, checklist_id)


@router.patch(
    "/checklists/{checklist_id}",
    response=responses(ChecklistDetailOut, not_found=True) | WRITE,
    operation_id="checklist_update",
    summary="修改排查清单：名称、周期、排查人、启用（只改请求中出现的字段；企业用户）",
)
@object_route(Checklist)
def checklist_update(request: HttpRequest, checklist_id: int, payload: ChecklistPatchIn) -> Any:
    user = _user(request)
    checklist = _checklist(request, checklist_id)
    given = payload.dict(exclude_unset=True)
    assignee = checklist.assignee
    if "assignee_id" in given:
        assignee = None
        if payload.assignee_id is not None:
            assignee = User.objects.filter(pk=payload.assignee_id).first()
            if assignee is None:
                raise DomainError("assignee_elsewhere", "排查人须是本企业的用户", field="assignee_id")
    inspections.checklist_update(
        actor=user,
        checklist=checklist,
        name=payload.name if payload.name is not None else checklist.name,
        frequency=payload.frequency if payload.frequency is not None else checklist.frequency,
        assignee=assignee,
        active=payload.active if payload.active is not None else checklist.active,
    )
    return _checklist(request, checklist_id)


@router.get(
    "/due",
    response=responses(list[ChecklistOut]),
    operation_id="checklist_due",
    summary="到期应排查的清单（可见范围内，最早到期的在前；从未排查过的也列入）",
)
@list_route(Checklist)
@paginate(Pagination)
def checklist_due(request: HttpRequest, query: Query[DueQuery]) -> Any:
    # Never inspected (no due date) first, then by due date: an OFFSET list (a keyset cannot
    # seek past NULL), short by nature.
    return inspections.due_checklists(_user(request), mine=query.mine).order_by(
        F("next_due_on").asc(nulls_first=True), "enterprise_id", "tier", "id"
    )


# --- Inspections ---------------------------------------------------------------------------------------


def _inspection(request: HttpRequest, inspection_id: int) -> Inspection:
    return scoped_get(
        request.user,
        Inspection.objects.select_related("enterprise", "inspector").prefetch_related("results"),
        pk=inspection_id,
    )


@router.get(
    "/inspections",
    response=responses(list[InspectionOut]),
    operation_id="inspection_list",
    summary="排查和检查记录（可见范围内），最近的在前",
)
@list_route(Inspection)
@paginate(Pagination)
def inspection_list(request: HttpRequest, query: Query[InspectionQuery]) -> Any:
    qs: QuerySet[Inspection] = scoped(_user(request), Inspection).select_related("enterprise", "inspector")
    if query.enterprise_id is not None:
        qs = qs.filter(enterprise_id=query.enterprise_id)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.state:
        qs = qs.filter(state=query.state)
    return qs.order_by("-inspected_on", "-id")


@router.post(
    "/inspections",
    response={201: InspectionDetailOut} | responses(InspectionDetailOut, not_found=True) | WRITE,
    operation_id="inspection_start",
    summary="开始一次排查（企业按清单自查）或检查（辖区监管人员，可按清单或现场添加检查项）",
    description="企业自查须给出 `checklist_id`（422 `checklist_required`）；清单的启用条目成为检查项。",
)
@create_route(Inspection)
def inspection_start(request: HttpRequest, payload: InspectionIn) -> Any:
    user = _user(request)
    if payload.enterprise_id is None:
        raise DomainError("enterprise_required", "请选择企业", field="enterprise_id")
    enterprise = scoped_get(user, Enterprise, pk=payload.enterprise_id)
    checklist = scoped_get(user, Checklist, pk=payload.checklist_id) if payload.checklist_id else None
    inspection = inspections.start(
        actor=user,
        enterprise=enterprise,
        checklist=checklist,
        title=payload.title,
        inspected_on=payload.inspected_on,
    )
    return Status(201, _inspection(request, inspection.pk))


@router.get(
    "/inspections/{inspection_id}",
    response=responses(InspectionDetailOut, not_found=True),
    operation_id="inspection_get",
    summary="一次排查或检查及其各项结果",
)
@object_route(Inspection)
def inspection_get(request: HttpRequest, inspection_id: int) -> Any:
    return _inspection(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/items",
    response={201: ResultOut} | responses(ResultOut, not_found=True) | WRITE,
    operation_id="inspection_item_add",
    summary="现场添加一个检查项（检查的一方）",
    description="企业自查由本企业用户，监管检查由辖区监管人员（其他人 403 `not_inspector`）；"
    "已结束的检查 422 `inspection_finished`。",
)
@object_route(Inspection)
def inspection_item_add(request: HttpRequest, inspection_id: int, payload: ResultAddIn) -> Any:
    inspection = _inspection(request, inspection_id)
    result = inspections.result_add(
        actor=_user(request), inspection=inspection, text=payload.text, place=payload.place
    )
    return Status(201, result)


@router.post(
    "/inspection-results/{result_id}",
    response=responses(ResultOut, not_found=True) | WRITE,
    operation_id="inspection_result_record",
    summary="填写一个检查项的结果：合格、不合格或不适用",
    description="不合格登记一条隐患（只登记一次），带上风险、部位和说明，`hidden_danger_id` 给出其 id；"
    "已登记隐患的项不能改为合格（422 `hidden_danger_open`）。",
)
@object_route(InspectionResult)
def inspection_result_record(request: HttpRequest, result_id: int, payload: RecordIn) -> Any:
    result = scoped_get(request.user, InspectionResult, pk=result_id)
    return inspections.record(
        actor=_user(request), result=result, outcome=payload.outcome or "", note=payload.note
    )


@router.post(
    "/inspections/{inspection_id}/finish",
    response=responses(InspectionDetailOut, not_found=True) | WRITE,
    operation_id="inspection_finish",
    summary="结束检查：每项都须有结果（422 `items_unanswered`）；自查的清单顺延下次应排查日期",
)
@object_route(Inspection)
def inspection_finish(request: HttpRequest, inspection_id: int, payload: FinishIn) -> Any:
    inspection = _inspection(request, inspection_id)
    inspections.finish(actor=_user(request), inspection=inspection, note=payload.note)
    return _inspection(request, inspection_id)


# --- Listed supervision ------------------------------------------------------------------------------


def _listing(request: HttpRequest, listing_id: int) -> ListedSupervision:
    return scoped_get(
        request.user,
        ListedSupervision.objects.select_related("hidden_danger", "enterprise", "listed_by").prefetch_related(
            "progress__author"
        ),
        pk=listing_id,
    )


@router.get(
    "/listings",
    response=responses(list[ListingOut]),
    operation_id="listing_list",
    summary="挂牌督办的重大隐患（可见范围内），最新挂牌的在前",
)
@list_route(ListedSupervision)
@paginate(Pagination)
def listing_list(request: HttpRequest, query: Query[ListingQuery]) -> Any:
    qs = scoped(_user(request), ListedSupervision).select_related("hidden_danger", "enterprise", "listed_by")
    if query.state:
        qs = qs.filter(state=query.state)
    if query.level:
        qs = qs.filter(level=query.level)
    return qs.order_by("-id")


@router.get(
    "/listings/{listing_id}",
    response=responses(ListingDetailOut, not_found=True),
    operation_id="listing_get",
    summary="一次挂牌督办及其进展",
)
@object_route(ListedSupervision)
def listing_get(request: HttpRequest, listing_id: int) -> Any:
    return _listing(request, listing_id)


@router.post(
    "/items/{item_id}/listings",
    response={201: ListingDetailOut} | responses(ListingDetailOut, not_found=True) | WRITE,
    operation_id="listing_create",
    summary="挂牌督办一条重大隐患（省、市、县级监管人员，在本级挂牌）",
    description="企业用户、行业部门和乡镇的监管人员 403 `cannot_list`；一般隐患 422 `not_major`；"
    "已在督办中 422 `already_listed`。",
)
@object_route(HiddenDanger)
def listing_create(request: HttpRequest, item_id: int, payload: ListingIn) -> Any:
    hd = _hd(request, item_id)
    created = supervision.listing_create(
        actor=_user(request),
        hd=hd,
        deadline=payload.deadline,  # type: ignore[arg-type]  # the service names a missing one
        requirements=payload.requirements,
        document_number=payload.document_number,
    )
    return Status(201, _listing(request, created.pk))


@router.post(
    "/listings/{listing_id}/progress",
    response=responses(ListingDetailOut, not_found=True) | WRITE,
    operation_id="listing_progress",
    summary="报告督办进展（企业或跟踪督办的监管人员）",
)
@object_route(ListedSupervision)
def listing_progress(request: HttpRequest, listing_id: int, payload: TextIn) -> Any:
    found = _listing(request, listing_id)
    supervision.listing_progress(actor=_user(request), listing=found, text=payload.text)
    return _listing(request, listing_id)


@router.post(
    "/listings/{listing_id}/check",
    response=responses(ListingDetailOut, not_found=True) | WRITE,
    operation_id="listing_check",
    summary="核查验收（挂牌部门或其上级；企业验收通过后才能核查通过）",
    description="下级监管人员跟踪督办但不能核查（403 `not_listing_authority`）；"
    "企业尚未验收通过时核查通过 422 `not_accepted_yet`。",
)
@object_route(ListedSupervision)
def listing_check(request: HttpRequest, listing_id: int, payload: CheckIn) -> Any:
    found = _listing(request, listing_id)
    if payload.passed is None:
        raise DomainError(
            "passed_required", "请选择核查验收是否通过（passed: true 或 false）", field="passed"
        )
    supervision.listing_check(actor=_user(request), listing=found, passed=payload.passed, note=payload.note)
    return _listing(request, listing_id)


@router.post(
    "/listings/{listing_id}/lift",
    response=responses(ListingDetailOut, not_found=True) | WRITE,
    operation_id="listing_lift",
    summary="摘牌（挂牌部门或其上级，核查验收通过后）；摘牌后隐患才能销号",
)
@object_route(ListedSupervision)
def listing_lift(request: HttpRequest, listing_id: int, payload: LiftIn) -> Any:
    found = _listing(request, listing_id)
    supervision.listing_lift(actor=_user(request), listing=found, note=payload.note)
    return _listing(request, listing_id)


# --- Statistics -----------------------------------------------------------------------------------------


def _region_ref(region: Region | None) -> dict[str, str] | None:
    return {"code": region.code, "name": region.name, "level": region.level} if region is not None else None


@router.get(
    "/statistics",
    response=responses(StatisticsOut),
    operation_id="hidden_danger_statistics",
    summary="隐患统计：发现、整改、按期整改、重大、逾期，按下一级地区、行业、等级、来源，及月度趋势",
    description="数字与网页“隐患统计”相同，来自随每次状态变化更新的汇总表（逾期为当前的实时数）。"
    "`region` 为本人辖区内的区划代码，省略时为本人辖区；辖区外 422 `region_outside`。"
    "行业部门的监管人员只统计本部门主管的行业。企业用户和专家得到空的统计（root 为 null）。",
)
@aggregate_route(HiddenDanger)
def hidden_danger_statistics(request: HttpRequest, query: Query[StatisticsQuery]) -> Any:
    user = _user(request)
    region = None
    code = (query.region or "").strip()
    if code:
        if not (code.isdigit() and len(code) in (6, 9, 12)):
            raise DomainError("region_invalid", "地区代码应为6位、9位或12位数字", field="region")
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise DomainError("region_unknown", "没有这个地区代码", field="region")
    division = (query.division or "").strip()
    if division and not (division.isdigit() and len(division) == 2):
        raise DomainError("division_invalid", "行业大类代码应为两位数字", field="division")
    figures = statistics.overview(
        user, year=query.year or timezone.localdate().year, region=region, division=division
    )
    if figures["outside"]:
        raise DomainError("region_outside", "该地区不在您可查看的范围内", field="region")
    return {
        **{k: figures[k] for k in ("year", "division", "today", "child_level", "department", "totals")},
        **{k: figures[k] for k in ("regions", "divisions", "grades", "sources", "states", "trend")},
        "root": _region_ref(figures["root"]),
        "region": _region_ref(figures["region"]),
        "trail": [_region_ref(r) for r in figures["trail"]],
    }
