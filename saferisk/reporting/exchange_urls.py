"""Routes of the reporting exchange pages (joined in reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import exchange_views

urlpatterns: list[URLPattern] = [
    path("campaigns/<int:pk>/export.json", exchange_views.campaign_export_json, name="campaign_export_json"),
    path("campaigns/<int:pk>/import/", exchange_views.campaign_import_json, name="campaign_import_json"),
]
