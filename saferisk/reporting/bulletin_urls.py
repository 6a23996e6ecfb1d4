"""Routes of the reporting bulletin pages (joined in reporting/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
