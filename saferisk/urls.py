"""Root URLconf: pages of each app, the API under /api/v1/."""

from django.urls import include, path

from saferisk.api import api

urlpatterns = [
    path("", include("saferisk.core.urls")),
    path("enterprises/", include("saferisk.enterprises.urls")),
    path("risks/", include("saferisk.risks.urls")),
    path("api/v1/", api.urls),
]
