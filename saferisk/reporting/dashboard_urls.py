"""Routes of the reporting dashboard pages (joined in reporting/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
