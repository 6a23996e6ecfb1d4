"""Routes of the reporting bulletin pages (joined in reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import bulletin_views as views

urlpatterns: list[URLPattern] = [
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/publish/", views.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/excel/", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("bulletins/<int:pk>/pdf/", views.bulletin_pdf, name="bulletin_pdf"),
]
