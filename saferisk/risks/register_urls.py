"""Routes of the register pages (joined in risks/urls.py)."""

from django.urls import URLPattern, path

from saferisk.risks import register_views as v

urlpatterns: list[URLPattern] = [
    path("register/", v.register_mine, name="register_mine"),
    path("enterprises/<int:pk>/register/", v.register, name="register"),
    path("enterprises/<int:pk>/register/bulk/", v.register_bulk, name="register_bulk"),
    path("enterprises/<int:pk>/register/new/", v.risk_create, name="risk_create"),
    path("enterprises/<int:pk>/register/adopt/<int:item>/", v.risk_adopt, name="risk_adopt"),
    path("enterprises/<int:pk>/reassessments/new/", v.reassessment_new, name="reassessment_new"),
    path("assess/", v.risk_assess, name="risk_assess"),
    path("<int:pk>/", v.risk_detail, name="risk_detail"),
    path("<int:pk>/edit/", v.risk_edit, name="risk_edit"),
    path("<int:pk>/retire/", v.risk_retire, name="risk_retire"),
    path("<int:pk>/restore/", v.risk_restore, name="risk_restore"),
    path("reassessments/<int:pk>/", v.reassessment_detail, name="reassessment_detail"),
    path("reassessments/items/<int:pk>/confirm/", v.reassessment_confirm, name="reassessment_confirm"),
    path("schemes/", v.scheme_list, name="scheme_list"),
    path("schemes/new/", v.scheme_create, name="scheme_create"),
]
