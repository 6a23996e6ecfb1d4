"""API operations of the enterprise directory."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from saferisk.core.pagination import Pagination
from saferisk.core.routes import list_route, object_route
from saferisk.core.schemas import responses
from saferisk.core.scoping import scoped_get
from saferisk.enterprises import selectors
from saferisk.enterprises.filters import EnterpriseFilter
from saferisk.enterprises.models import Enterprise
from saferisk.enterprises.schemas import EnterpriseListOut, EnterpriseOut

router = Router(tags=["企业"])


@router.get(
    "", response=responses(list[EnterpriseListOut]), operation_id="enterprise_list", summary="企业名录"
)
@list_route(Enterprise)
@paginate(Pagination)
def enterprise_list(request: HttpRequest, filters: Query[EnterpriseFilter]) -> Any:
    return filters.filter(selectors.enterprise_list(user=request.user)).distinct()  # type: ignore[arg-type]


@router.get(
    "/{enterprise_id}",
    response=responses(EnterpriseOut, not_found=True),
    operation_id="enterprise_get",
    summary="企业详情",
)
@object_route(Enterprise)
def enterprise_get(request: HttpRequest, enterprise_id: int) -> Any:
    return scoped_get(request.user, Enterprise.objects.prefetch_related("key_sectors"), pk=enterprise_id)
