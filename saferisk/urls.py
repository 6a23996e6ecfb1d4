"""Root URLconf: pages of each app, the API under /api/v1/."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path

from saferisk.api import api
from saferisk.core.routes import public_route


@public_route
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """An API path that names no operation (or an id that is not a number) answers in the API's
    error shape, not with the HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "message": "接口不存在，请查阅 /api/v1/docs", "details": None}, status=404
    )


urlpatterns = [
    path("", include("saferisk.core.urls")),
    path("enterprises/", include("saferisk.enterprises.urls")),
    path("risks/", include("saferisk.risks.urls")),
    path("reporting/", include("saferisk.reporting.urls")),
    path("hidden-dangers/", include("saferisk.hidden_dangers.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found, name="api_not_found"),
]
