"""Routes of the hidden-danger inspection pages (joined in hidden_dangers/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
