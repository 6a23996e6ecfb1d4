"""Routes of the risk catalogue and of regulators' completeness gaps (joined in risks/urls.py)."""

from django.urls import URLPattern, path

from saferisk.risks import catalogue_views, gap_views

urlpatterns: list[URLPattern] = [
    path("catalogue/", catalogue_views.catalog_list, name="catalog_list"),
    path("catalogue/export/json/", catalogue_views.catalog_export_json, name="catalog_export_json"),
    path("catalogue/template/", catalogue_views.catalog_template, name="catalog_template"),
    path("catalogue/import/", catalogue_views.catalog_import, name="catalog_import"),
    path("catalogue/new/", catalogue_views.catalog_item_create, name="catalog_item_create"),
    path("catalogue/<int:pk>/", catalogue_views.catalog_item_detail, name="catalog_item_detail"),
    path("catalogue/<int:pk>/edit/", catalogue_views.catalog_item_edit, name="catalog_item_edit"),
    path("gaps/", gap_views.gap_overview, name="gap_overview"),
    path("enterprises/<int:pk>/gap/", gap_views.enterprise_gap, name="enterprise_gap"),
]
