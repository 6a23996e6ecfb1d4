"""Routes of the reporting task pages (joined in reporting/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
