"""API operations of the enterprise profile, safety commitments, obligation lists and rules.

Mounted at the API root (`saferisk/api.py`), so the paths read /enterprises/{id}/profile,
/enterprises/{id}/commitments, /commitments/{id}/file, /obligations/{kind} and
/safety-director-rules. Same services, selectors and scoping as the pages."""

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from saferisk.core.choices import Role
from saferisk.core.errors import Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.pagination import Pagination
from saferisk.core.routes import admin_route, list_route, object_route, reference_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import can, scoped, scoped_get
from saferisk.enterprises import obligations, profile
from saferisk.enterprises.models import Enterprise, SafetyCommitment, SafetyDirectorRule
from saferisk.enterprises.obligations import ObligationKind
from saferisk.enterprises.profile_schemas import (
    CommitmentIn,
    CommitmentOut,
    ObligationFilter,
    ObligationOut,
    ProfileIn,
    ProfileOut,
    RuleIn,
    RuleOut,
)

router = Router(tags=["企业信息维护与履职检查"])


def _profile_out(user: User, enterprise: Enterprise) -> dict[str, Any]:
    data = {name: getattr(enterprise, name) for name in ProfileOut.model_fields if hasattr(enterprise, name)}
    data["key_sectors"] = sorted(s.code for s in enterprise.key_sectors.all())
    editable = set(profile.PROFILE_FIELDS) | (set(profile.ADMIN_FIELDS) if user.is_admin else set())
    if not can(user, "change", enterprise):
        editable = set()
    data["read_only_fields"] = [
        n for n in (*profile.ADMIN_FIELDS, *profile.PROFILE_FIELDS) if n not in editable
    ]
    data["safety_director_required"] = obligations.safety_director_required(enterprise)
    return data


def _enterprise(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return scoped_get(request.user, Enterprise.objects.prefetch_related("key_sectors"), pk=enterprise_id)


@router.get(
    "/enterprises/{enterprise_id}/profile",
    response=responses(ProfileOut, not_found=True),
    operation_id="enterprise_profile_get",
    summary="企业信息（含只读字段说明）",
)
@object_route(Enterprise)
def enterprise_profile_get(request: HttpRequest, enterprise_id: int) -> Any:
    return _profile_out(request.user, _enterprise(request, enterprise_id))  # type: ignore[arg-type]


@router.patch(
    "/enterprises/{enterprise_id}/profile",
    response=responses(ProfileOut, not_found=True) | {400: ErrorOut, 403: ErrorOut},
    operation_id="enterprise_profile_update",
    summary="修改企业信息",
    description=(
        "只修改请求中出现的字段。企业用户和辖区监管人员可改联系人、主要负责人、安全总监、坐标、"
        "重点行业领域、标准化等级及证书有效期；统计名录字段（统一社会信用代码、名称、区划、行业、规上、"
        "从业人员、营业收入、法定代表人）及重点监管、经营状态只有系统管理员可改，其他人提交不同的值时"
        "返回 403 `field_read_only`，不做任何修改。"
    ),
)
@object_route(Enterprise)
def enterprise_profile_update(request: HttpRequest, enterprise_id: int, payload: ProfileIn) -> Any:
    user: User = request.user  # type: ignore[assignment]
    enterprise = _enterprise(request, enterprise_id)
    data = payload.dict(exclude_unset=True)
    profile.enterprise_update_profile(actor=user, enterprise=enterprise, data=data)
    return _profile_out(user, _enterprise(request, enterprise_id))


@router.get(
    "/enterprises/{enterprise_id}/commitments",
    response=responses(list[CommitmentOut], not_found=True),
    operation_id="commitment_list",
    summary="安全承诺书（历年）",
)
@object_route(Enterprise)
def commitment_list(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    return list(scoped(request.user, SafetyCommitment).filter(enterprise=enterprise))


@router.post(
    "/enterprises/{enterprise_id}/commitments",
    response=responses(CommitmentOut, not_found=True) | {400: ErrorOut, 403: ErrorOut},
    operation_id="commitment_confirm_online",
    summary="在线确认安全承诺书",
)
@object_route(Enterprise)
def commitment_confirm_online(request: HttpRequest, enterprise_id: int, payload: CommitmentIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    return profile.commitment_confirm_online(
        actor=request.user,  # type: ignore[arg-type]
        enterprise=enterprise,
        year=payload.year or timezone.localdate().year,
        signed_by=payload.signed_by,
    )


@router.post(
    "/enterprises/{enterprise_id}/commitments/upload",
    response=responses(CommitmentOut, not_found=True) | {400: ErrorOut, 403: ErrorOut},
    operation_id="commitment_upload",
    summary="上传签字盖章的安全承诺书扫描件（PDF/JPG/PNG，不超过10MB）",
)
@object_route(Enterprise)
def commitment_upload(
    request: HttpRequest,
    enterprise_id: int,
    year: Form[int] = 0,
    signed_by: Form[str] = "",
    file: File[UploadedFile | None] = None,
) -> Any:
    # Body fields are optional in the schema so that scope is checked first (an outsider gets
    # 404 whatever it sends); the service then names what is missing.
    enterprise = _enterprise(request, enterprise_id)
    return profile.commitment_upload(
        actor=request.user,  # type: ignore[arg-type]
        enterprise=enterprise,
        year=year or timezone.localdate().year,
        signed_by=signed_by,
        file=file,
    )


@router.get(
    "/commitments/{commitment_id}/file",
    response=responses(None, not_found=True),
    operation_id="commitment_file",
    summary="安全承诺书扫描件",
)
@object_route(SafetyCommitment)
def commitment_file(request: HttpRequest, commitment_id: int) -> Any:
    commitment = scoped_get(
        request.user, SafetyCommitment.objects.select_related("enterprise"), pk=commitment_id
    )
    if not commitment.file:
        raise NotFound("该承诺书为在线确认，没有扫描件", code="no_file")
    try:
        handle = commitment.file.open("rb")
    except FileNotFoundError:
        raise NotFound("扫描件文件缺失", code="file_missing") from None
    extension = str(commitment.file.name).rsplit(".", 1)[-1]
    return FileResponse(handle, filename=f"{commitment.enterprise.uscc}-{commitment.year}.{extension}")


@router.get(
    "/obligations/{kind}",
    response=responses(list[ObligationOut]),
    operation_id="obligation_list",
    summary="履职检查名单",
    description=(
        "`safety-director`：按现行规则须配备而未配备安全总监的企业；`certificate`：标准化证书已过期或"
        "60天内到期的企业；`commitment`：未签署本年度安全承诺书的企业。均限于调用者的管辖范围。"
    ),
)
@list_route(Enterprise)
@paginate(Pagination)
def obligation_list(request: HttpRequest, kind: ObligationKind, filters: Query[ObligationFilter]) -> Any:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_admin or user.role == Role.REGULATOR):
        raise Forbidden("履职检查名单仅供监管人员使用", code="regulator_only")
    return filters.filter(obligations.obligation_list(user=user, kind=kind))


@router.get(
    "/safety-director-rules",
    response=responses(list[RuleOut]),
    operation_id="safety_director_rule_list",
    summary="安全总监配备规则",
)
@reference_route
def safety_director_rule_list(request: HttpRequest) -> Any:
    return list(scoped(request.user, SafetyDirectorRule).prefetch_related("key_sectors"))


@router.patch(
    "/safety-director-rules/{rule_id}",
    response=responses(RuleOut, not_found=True) | {400: ErrorOut, 403: ErrorOut},
    operation_id="safety_director_rule_update",
    summary="修改安全总监配备规则（系统管理员）",
)
@admin_route
def safety_director_rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> Any:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_admin:
        raise Forbidden("只有系统管理员可以修改安全总监配备规则", code="admin_required")
    rule = scoped_get(user, SafetyDirectorRule, pk=rule_id)
    return profile.safety_director_rule_save(actor=user, rule=rule, data=payload.dict(exclude_unset=True))
