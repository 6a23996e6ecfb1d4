"""API operations of the risk register: the calculator, assessment schemes, an enterprise's
risks (list, create, change, retire, history), the catalogue, the completeness gap and
adoption, re-assessment tasks and gap counts by region. Same services and scoping as the pages.

Mounted at the API root (saferisk/api.py)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from saferisk.core.errors import DomainError
from saferisk.core.models import User
from saferisk.core.pagination import Pagination
from saferisk.core.routes import aggregate_route, create_route, object_route, reference_route
from saferisk.core.schemas import ErrorOut, responses
from saferisk.core.scoping import scoped, scoped_get
from saferisk.enterprises.models import Enterprise
from saferisk.risks import assessment, reassessment, schemes, services, summary
from saferisk.risks.choices import RiskStatus
from saferisk.risks.models import AssessmentScheme, ReassessmentTask, Risk, RiskCatalogItem, RiskVersion
from saferisk.risks.schemas import (
    AdoptIn,
    AssessmentOut,
    CatalogItemOut,
    ReassessmentIn,
    ReassessmentOut,
    RetireIn,
    RiskIn,
    RiskOut,
    SchemeIn,
    SchemeOut,
    SummaryOut,
    VersionOut,
)

router = Router(tags=["风险分级管控"])

WRITE = {403: ErrorOut}


def _calc(method: str, scheme_version: str | None, **inputs: Any) -> dict[str, Any]:
    if scheme_version:
        scheme = AssessmentScheme.objects.filter(version=scheme_version).first()
        if scheme is None:
            raise DomainError("scheme_unknown", f"评估方案“{scheme_version}”不存在", field="scheme")
    else:
        scheme = schemes.scheme_in_force()
    try:
        return assessment.assess(schemes.method_config(scheme, method), **inputs).as_dict()
    except assessment.AssessmentError as exc:
        raise DomainError(exc.code, exc.message, field=exc.field) from exc


@router.get(
    "/risk-assessment/lec",
    response=responses(AssessmentOut),
    operation_id="risk_assess_lec",
    summary="LEC 计算：D = L × E × C 及风险等级",
)
@reference_route
def risk_assess_lec(request: HttpRequest, l: str, e: str, c: str, scheme: str | None = None) -> Any:  # noqa: E741
    return _calc("lec", scheme, L=l, E=e, C=c)


@router.get(
    "/risk-assessment/ls",
    response=responses(AssessmentOut),
    operation_id="risk_assess_ls",
    summary="LS 矩阵计算：R = L × S 及风险等级",
)
@reference_route
def risk_assess_ls(request: HttpRequest, l: str, s: str, scheme: str | None = None) -> Any:  # noqa: E741
    return _calc("ls", scheme, L=l, S=s)


@router.get(
    "/assessment-schemes",
    response=responses(list[SchemeOut]),
    operation_id="assessment_scheme_list",
    summary="风险评估方案（含取值、分级界限、颜色）",
)
@reference_route
def assessment_scheme_list(request: HttpRequest) -> Any:
    in_force = schemes.scheme_in_force()
    out = []
    for scheme in AssessmentScheme.objects.all():
        scheme.in_force = scheme.pk == in_force.pk  # type: ignore[attr-defined]
        out.append(scheme)
    return out


@router.post(
    "/assessment-schemes",
    response=responses(SchemeOut) | WRITE,
    operation_id="assessment_scheme_create",
    summary="新增评估方案（系统管理员；自生效日期起用于新评估）",
)
@create_route(AssessmentScheme)
def assessment_scheme_create(request: HttpRequest, payload: SchemeIn) -> Any:
    return schemes.scheme_create(actor=request.user, data=payload.dict())  # type: ignore[arg-type]


def _enterprise(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return scoped_get(request.user, Enterprise, pk=enterprise_id)


def _risk(request: HttpRequest, risk_id: int) -> Risk:
    return scoped_get(
        request.user,
        Risk.objects.select_related("enterprise").prefetch_related(
            "accident_types", "hazard_factors", "measures"
        ),
        pk=risk_id,
    )


@router.get(
    "/enterprises/{enterprise_id}/risks",
    response=responses(list[RiskOut], not_found=True),
    operation_id="risk_list",
    summary="企业风险清单",
)
@object_route(Enterprise)
@paginate(Pagination)
def risk_list(
    request: HttpRequest, enterprise_id: int, level: str | None = None, status: str = RiskStatus.ACTIVE
) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    qs = scoped(request.user, Risk).filter(enterprise=enterprise)
    if status != "all":
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    return qs.prefetch_related("accident_types", "hazard_factors", "measures").order_by("id")


def _data(payload: RiskIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for key in ("measures", "basis"):
        if data.get(key) is not None:
            data[key] = [dict(m) for m in data[key]]
    return data


@router.post(
    "/enterprises/{enterprise_id}/risks",
    response={201: RiskOut} | responses(RiskOut, not_found=True) | WRITE,
    operation_id="risk_create",
    summary="新增风险（企业用户）",
    description="等级由评估方法计算；与计算结果不同的等级须附 level_reason。",
)
@object_route(Enterprise)
def risk_create(request: HttpRequest, enterprise_id: int, payload: RiskIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    risk = services.risk_save(actor=request.user, enterprise=enterprise, data=_data(payload))  # type: ignore[arg-type]
    return Status(201, _risk(request, risk.pk))


@router.get(
    "/risks/{risk_id}",
    response=responses(RiskOut, not_found=True),
    operation_id="risk_get",
    summary="风险详情",
)
@object_route(Risk)
def risk_get(request: HttpRequest, risk_id: int) -> Any:
    return _risk(request, risk_id)


@router.patch(
    "/risks/{risk_id}",
    response=responses(RiskOut, not_found=True) | WRITE,
    operation_id="risk_update",
    summary="修改风险（只改请求中出现的字段）",
)
@object_route(Risk)
def risk_update(request: HttpRequest, risk_id: int, payload: RiskIn) -> Any:
    risk = _risk(request, risk_id)
    services.risk_save(actor=request.user, enterprise=risk.enterprise, risk=risk, data=_data(payload))  # type: ignore[arg-type]
    return _risk(request, risk_id)


@router.post(
    "/risks/{risk_id}/retire",
    response=responses(RiskOut, not_found=True) | WRITE,
    operation_id="risk_retire",
    summary="停用风险（保留历史）",
)
@object_route(Risk)
def risk_retire(request: HttpRequest, risk_id: int, payload: RetireIn) -> Any:
    risk = _risk(request, risk_id)
    services.risk_retire(actor=request.user, risk=risk, reason=payload.reason)  # type: ignore[arg-type]
    return _risk(request, risk_id)


@router.get(
    "/risks/{risk_id}/versions",
    response=responses(list[VersionOut], not_found=True),
    operation_id="risk_versions",
    summary="风险的历史版本",
)
@object_route(Risk)
def risk_versions(request: HttpRequest, risk_id: int) -> Any:
    risk = _risk(request, risk_id)
    return list(RiskVersion.objects.filter(risk=risk).order_by("version"))


@router.get(
    "/risk-catalogue",
    response=responses(list[CatalogItemOut]),
    operation_id="risk_catalogue_list",
    summary="较大以上安全风险目录",
)
@reference_route
@paginate(Pagination)
def risk_catalogue_list(request: HttpRequest, sector: str | None = None, industry: str | None = None) -> Any:
    from saferisk.risks.catalogue import applicable_q

    qs = scoped(request.user, RiskCatalogItem).prefetch_related("accident_types").order_by("id")
    if sector:
        qs = qs.filter(sector=sector)
    if industry:
        code = industry.strip().lstrip("ABCDEFGHIJKLMNOPQRST")
        if not code.isdigit() or not 2 <= len(code) <= 4:
            raise DomainError("industry_invalid", "行业代码应为2至4位数字（GB/T 4754）", field="industry")
        qs = qs.filter(applicable_q(industry_code=code, key_sectors=[]))
    return qs


@router.get(
    "/enterprises/{enterprise_id}/risk-gap",
    response=responses(list[CatalogItemOut], not_found=True),
    operation_id="risk_gap",
    summary="应报尽报：适用于该企业而清单中没有的目录条目",
)
@object_route(Enterprise)
def risk_gap(request: HttpRequest, enterprise_id: int) -> Any:
    return services.completeness_gap(_enterprise(request, enterprise_id))


@router.post(
    "/enterprises/{enterprise_id}/risks/adopt",
    response={201: RiskOut} | responses(RiskOut, not_found=True) | WRITE,
    operation_id="risk_adopt",
    summary="从风险目录一键纳入风险清单",
)
@object_route(Enterprise)
def risk_adopt(request: HttpRequest, enterprise_id: int, payload: AdoptIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    item = RiskCatalogItem.objects.filter(pk=payload.catalog_item or 0, active=True).first()
    if item is None:
        raise DomainError("catalog_item_unknown", "风险目录条目不存在", field="catalog_item")
    risk = services.risk_adopt(actor=request.user, enterprise=enterprise, item=item)  # type: ignore[arg-type]
    return Status(201, _risk(request, risk.pk))


@router.get(
    "/enterprises/{enterprise_id}/reassessments",
    response=responses(list[ReassessmentOut], not_found=True),
    operation_id="reassessment_list",
    summary="重新评估任务",
)
@object_route(Enterprise)
def reassessment_list(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    return list(
        scoped(request.user, ReassessmentTask).filter(enterprise=enterprise).prefetch_related("items")
    )


@router.post(
    "/enterprises/{enterprise_id}/reassessments",
    response={201: ReassessmentOut} | responses(ReassessmentOut, not_found=True) | WRITE,
    operation_id="reassessment_open",
    summary="发起重新评估（工艺、主要设备、主要原料变化或事故）",
)
@object_route(Enterprise)
def reassessment_open(request: HttpRequest, enterprise_id: int, payload: ReassessmentIn) -> Any:
    enterprise = _enterprise(request, enterprise_id)
    risks = None
    if payload.risks is not None:
        risks = list(Risk.objects.filter(enterprise=enterprise, pk__in=payload.risks))
    task = reassessment.reassessment_open(
        actor=request.user,  # type: ignore[arg-type]
        enterprise=enterprise,
        trigger=payload.trigger,
        description=payload.description,
        risks=risks,
        deaths=payload.deaths,
        serious_injuries=payload.serious_injuries,
    )
    return Status(201, ReassessmentTask.objects.prefetch_related("items").get(pk=task.pk))


@router.get(
    "/risk-summary",
    response=responses(list[SummaryOut]),
    operation_id="risk_summary_by_region",
    summary="辖区风险与应报尽报缺口汇总（按下一级区划）",
)
@aggregate_route(Enterprise)
def risk_summary_by_region(request: HttpRequest, region: str | None = None) -> Any:
    """Sums over the enterprises the caller may see (an enterprise user: its own)."""
    user: User = request.user  # type: ignore[assignment]
    enterprises = scoped(user, Enterprise)
    if region and (not region.isdigit() or len(region) not in (6, 9, 12)):
        raise DomainError("region_invalid", "地区代码应为6位、9位或12位数字", field="region")
    if region:
        enterprises = enterprises.filter(region__code__startswith=region)
    return summary.region_totals(enterprises, summary.child_depth(region or user.region_id or ""))
