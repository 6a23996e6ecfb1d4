"""Routes of the reporting dashboard pages (joined in reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import dashboard_views

urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/tasks/", dashboard_views.dashboard_tasks, name="dashboard_tasks"),
]
