"""Routes of the hidden-danger checklist pages (joined in hidden_dangers/urls.py)."""

from django.urls import URLPattern, path

from saferisk.hidden_dangers import checklist_views as views

urlpatterns: list[URLPattern] = [
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/generate/", views.checklist_generate, name="checklist_generate"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/items/", views.checklist_item_save, name="checklist_item_save"),
]
