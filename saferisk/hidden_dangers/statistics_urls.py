"""Routes of the hidden-danger statistics pages (joined in hidden_dangers/urls.py)."""

from django.urls import URLPattern, path

from saferisk.hidden_dangers import statistics_views as views

urlpatterns: list[URLPattern] = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("overdue/", views.overdue_list, name="overdue_list"),
    path("enterprises/<int:pk>/monthly/", views.monthly_summary, name="monthly_summary"),
]
