"""Routes of the hidden-danger inspection pages (joined in hidden_dangers/urls.py)."""

from django.urls import URLPattern, path

from saferisk.hidden_dangers import inspection_views as views

urlpatterns: list[URLPattern] = [
    path("due/", views.due_list, name="due_list"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/start/", views.inspection_start, name="inspection_start"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/<int:pk>/results/<int:result_id>/",
        views.inspection_record,
        name="inspection_record",
    ),
    path("inspections/<int:pk>/items/", views.inspection_add_item, name="inspection_add_item"),
    path("inspections/<int:pk>/finish/", views.inspection_finish, name="inspection_finish"),
]
