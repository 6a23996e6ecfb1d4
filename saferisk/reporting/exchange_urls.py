"""Routes of the reporting exchange pages (joined in reporting/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
