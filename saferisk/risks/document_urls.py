"""Routes of the risk documents (joined in risks/urls.py): one enterprise's PDFs and the
batches of dossiers."""

from django.urls import URLPattern, path

from saferisk.risks import document_views as views

urlpatterns: list[URLPattern] = [
    path("enterprises/<int:pk>/dossier.pdf", views.dossier_pdf, name="dossier_pdf"),
    path("enterprises/<int:pk>/notice-cards.pdf", views.notice_cards_pdf, name="notice_cards_pdf"),
    path("enterprises/<int:pk>/notice-board.pdf", views.notice_board_pdf, name="notice_board_pdf"),
    path("documents/", views.document_job_list_view, name="document_job_list"),
    path("documents/<int:pk>/", views.document_job_detail, name="document_job_detail"),
    path("documents/<int:pk>/file/", views.document_job_file, name="document_job_file"),
    path("documents/<int:pk>/retry/", views.document_job_retry_view, name="document_job_retry"),
]
