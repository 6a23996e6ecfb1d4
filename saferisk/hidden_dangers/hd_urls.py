"""Routes of the hidden-danger ledger pages (joined in hidden_dangers/urls.py)."""

from django.urls import URLPattern, path

from saferisk.hidden_dangers import hd_views as views

urlpatterns: list[URLPattern] = [
    path("", views.hd_list, name="hd_list"),
    path("new/", views.hd_new, name="hd_new"),
    path("<int:pk>/", views.hd_detail, name="hd_detail"),
    path(
        "<int:pk>/step/<slug:action>/",
        views.hd_action,
        name="hd_action",
    ),
    path("<int:pk>/extension/", views.hd_extension, name="hd_extension"),
    path("<int:pk>/photos/", views.hd_photo_add, name="hd_photo_add"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
