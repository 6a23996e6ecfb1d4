"""Routes of one part of the risks app (joined in risks/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
