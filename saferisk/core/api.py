"""API operations of the core app: the caller, reference data, users and the audit log."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from saferisk.core import selectors
from saferisk.core.filters import AuditEventFilter, IndustryFilter, RegionFilter, UserFilter
from saferisk.core.models import (
    AccidentType,
    AuditEvent,
    Department,
    HazardFactor,
    Industry,
    KeySector,
    Region,
    User,
)
from saferisk.core.pagination import Pagination
from saferisk.core.routes import list_route, object_route, personal_route, reference_route
from saferisk.core.schemas import (
    AccidentTypeOut,
    AuditEventOut,
    CodeNameOut,
    HazardFactorOut,
    IndustryOut,
    MeOut,
    RegionOut,
    UserOut,
    responses,
)
from saferisk.core.scoping import scoped, scoped_get

router = Router(tags=["基础"])


@router.get("/me", response=responses(MeOut), operation_id="me_get", summary="当前用户")
@personal_route
def me_get(request: HttpRequest) -> Any:
    user = request.user
    assert isinstance(user, User)
    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        region_id=user.region_id,
        department_id=user.department_id,
        enterprise_id=user.enterprise_id,
        organisation=user.organisation,
        is_active=user.is_active,
        level=user.level,
        jurisdiction_prefix=user.jurisdiction_prefix,
        must_change_password=user.must_change_password,
    )


@router.get("/regions", response=responses(list[RegionOut]), operation_id="region_list", summary="行政区划")
@reference_route
@paginate(Pagination)
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    return filters.filter(scoped(request.user, Region))


@router.get(
    "/regions/{code}",
    response=responses(RegionOut, not_found=True),
    operation_id="region_get",
    summary="行政区划详情",
)
@reference_route
def region_get(request: HttpRequest, code: str) -> Any:
    return scoped_get(request.user, Region, code=code)


@router.get(
    "/industries",
    response=responses(list[IndustryOut]),
    operation_id="industry_list",
    summary="国民经济行业分类",
)
@reference_route
@paginate(Pagination)
def industry_list(request: HttpRequest, filters: Query[IndustryFilter]) -> Any:
    return filters.filter(scoped(request.user, Industry))


@router.get(
    "/industries/{code}",
    response=responses(IndustryOut, not_found=True),
    operation_id="industry_get",
    summary="行业详情",
)
@reference_route
def industry_get(request: HttpRequest, code: str) -> Any:
    return scoped_get(request.user, Industry, code=code)


@router.get(
    "/accident-types",
    response=responses(list[AccidentTypeOut]),
    operation_id="accident_type_list",
    summary="事故类型",
)
@reference_route
@paginate(Pagination)
def accident_type_list(request: HttpRequest) -> Any:
    return scoped(request.user, AccidentType)


@router.get(
    "/hazard-factors",
    response=responses(list[HazardFactorOut]),
    operation_id="hazard_factor_list",
    summary="危险有害因素",
)
@reference_route
@paginate(Pagination)
def hazard_factor_list(request: HttpRequest) -> Any:
    return scoped(request.user, HazardFactor)


@router.get(
    "/departments", response=responses(list[CodeNameOut]), operation_id="department_list", summary="监管部门"
)
@reference_route
@paginate(Pagination)
def department_list(request: HttpRequest) -> Any:
    return scoped(request.user, Department)


@router.get(
    "/key-sectors",
    response=responses(list[CodeNameOut]),
    operation_id="key_sector_list",
    summary="重点行业领域",
)
@reference_route
@paginate(Pagination)
def key_sector_list(request: HttpRequest) -> Any:
    return scoped(request.user, KeySector)


@router.get("/users", response=responses(list[UserOut]), operation_id="user_list", summary="用户")
@list_route(User)
@paginate(Pagination)
def user_list(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    return filters.filter(selectors.user_list(user=request.user))  # type: ignore[arg-type]


@router.get(
    "/users/{user_id}",
    response=responses(UserOut, not_found=True),
    operation_id="user_get",
    summary="用户详情",
)
@object_route(User)
def user_get(request: HttpRequest, user_id: int) -> Any:
    return scoped_get(request.user, User, pk=user_id)


@router.get(
    "/audit-events",
    response=responses(list[AuditEventOut]),
    operation_id="audit_event_list",
    summary="审计日志",
)
@list_route(AuditEvent)
@paginate(Pagination)
def audit_event_list(request: HttpRequest, filters: Query[AuditEventFilter]) -> Any:
    return filters.filter(selectors.audit_event_list(user=request.user))  # type: ignore[arg-type]


@router.get(
    "/audit-events/{event_id}",
    response=responses(AuditEventOut, not_found=True),
    operation_id="audit_event_get",
    summary="审计事件详情",
)
@object_route(AuditEvent)
def audit_event_get(request: HttpRequest, event_id: int) -> Any:
    return scoped_get(request.user, AuditEvent, pk=event_id)
