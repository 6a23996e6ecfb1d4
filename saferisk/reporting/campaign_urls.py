"""Routes of the reporting campaign pages (joined in reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import campaign_views as v

urlpatterns: list[URLPattern] = [
    path("campaigns/", v.campaign_list, name="campaign_list"),
    path("campaigns/new/", v.campaign_create, name="campaign_create"),
    path("campaigns/new/preview/", v.campaign_preview, name="campaign_preview"),
    path("campaigns/annual/", v.campaign_annual_open, name="campaign_annual_open"),
    path("campaigns/<int:pk>/", v.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/close/", v.campaign_close, name="campaign_close"),
]
