"""Routes of the major hidden dangers and their listed supervision (joined in
hidden_dangers/urls.py)."""

from django.urls import URLPattern, path

from saferisk.hidden_dangers import supervision_views as views

urlpatterns: list[URLPattern] = [
    path("major/", views.major_list, name="major_list"),
    path("listings/", views.listing_list, name="listing_list"),
    path("items/<int:pk>/list/", views.listing_create, name="listing_create"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/progress/", views.listing_progress, name="listing_progress"),
    path("listings/<int:pk>/check/", views.listing_check, name="listing_check"),
    path("listings/<int:pk>/lift/", views.listing_lift, name="listing_lift"),
]
