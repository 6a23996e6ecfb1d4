"""Routes of the report task pages, of the reports and of their review (joined in
reporting/urls.py)."""

from django.urls import URLPattern, path

from saferisk.reporting import review_views, task_views

urlpatterns: list[URLPattern] = [
    path("tasks/", task_views.task_list, name="task_list"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/prepare/", task_views.task_prepare, name="task_prepare"),
    path("tasks/<int:pk>/submit/", task_views.task_submit, name="task_submit"),
    path("reports/<int:pk>/", review_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/review/", review_views.report_review, name="report_review"),
    path("review/", review_views.review_queue, name="review_queue"),
]
