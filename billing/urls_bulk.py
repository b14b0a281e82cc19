"""URLs of bulk invoicing (billing.views_bulk); included by ``billing.urls`` (namespace
``billing``)."""

from django.urls import URLPattern, path

from billing import views_bulk

urlpatterns: list[URLPattern] = [
    path("bulk/", views_bulk.bulk_home, name="bulk-home"),
    path("bulk/preview/", views_bulk.bulk_preview, name="bulk-preview"),
    path("bulk/run/", views_bulk.bulk_start, name="bulk-start"),
    path("bulk/<int:pk>/", views_bulk.bulk_run, name="bulk-run"),
    path(
        "bulk/<int:pk>/documents/<int:document_pk>.pdf",
        views_bulk.bulk_document_pdf,
        name="bulk-document-pdf",
    ),
]
