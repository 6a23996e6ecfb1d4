"""Routes of the reporting enforcement pages (joined in reporting/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
