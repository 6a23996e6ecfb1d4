"""Routes of the reporting enforcement pages (joined in reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import enforcement_views as views

urlpatterns: list[URLPattern] = [
    path("enforcement/", views.enforcement_list, name="enforcement_list"),
    path("enforcement/tasks/<int:pk>/record/", views.enforcement_record, name="enforcement_record"),
    path("enforcement/cases/<int:pk>/", views.enforcement_handle, name="enforcement_handle"),
    path("reports/<int:pk>/find-false/", views.report_find_false, name="report_find_false"),
]
