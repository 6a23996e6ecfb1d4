"""Routes of the register's Excel export and import (joined in risks/urls.py)."""

from django.urls import URLPattern, path

from saferisk.risks import register_excel_views as v

urlpatterns: list[URLPattern] = [
    path("enterprises/<int:pk>/register.xlsx", v.register_export, name="register_export"),
    path("register-template.xlsx", v.register_template, name="register_template"),
    path("enterprises/<int:pk>/register/import/", v.register_import, name="register_import"),
    path(
        "enterprises/<int:pk>/register/import/errors/<slug:token>/",
        v.register_import_errors,
        name="register_import_errors",
    ),
]
