"""URLs of the documents pages (billing.views_documents); included by ``billing.urls``
(namespace ``billing``, mounted at /billing/)."""

from django.urls import URLPattern, path

from billing import views_documents as views

urlpatterns: list[URLPattern] = [
    path("documents/", views.document_list, name="document-list"),
    path("documents/export.xlsx", views.document_export, name="document-export"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document-edit"),
    path("documents/<int:pk>/issue/", views.document_issue, name="document-issue"),
    path("documents/<int:pk>/void/", views.document_void, name="document-void"),
    path("documents/<int:pk>/derive/<slug:kind>/", views.document_derive, name="document-derive"),
    path("documents/<int:pk>/pdf/", views.document_pdf, name="document-pdf"),
    path("documents/<int:pk>/xlsx/", views.document_xlsx, name="document-xlsx"),
    path("documents/<int:pk>/email/", views.document_email, name="document-email"),
    path(
        "clients/<int:client_pk>/documents/new/",
        views.document_create,
        name="document-create",
    ),
    path(
        "clients/<int:client_pk>/documents/from-orders/",
        views.document_from_orders,
        name="document-from-orders",
    ),
    path(
        "clients/<int:client_pk>/documents/from-contract/",
        views.document_from_contract,
        name="document-from-contract",
    ),
    path("clients/<int:client_pk>/package/", views.client_package, name="client-package"),
    path(
        "clients/<int:client_pk>/package/email/",
        views.client_package_email,
        name="client-package-email",
    ),
]
