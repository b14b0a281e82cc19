"""URLs of payments and balances (``billing.views_payments``); included by ``billing.urls``
(namespace ``billing``)."""

from django.urls import URLPattern, path

from billing import views_payments as views

urlpatterns: list[URLPattern] = [
    path("payments/", views.payment_list, name="payment-list"),
    path("payments/export.xlsx", views.payment_list_xlsx, name="payment-list-xlsx"),
    path("payments/new/", views.payment_create, name="payment-create"),
    path("payments/<int:pk>/", views.payment_detail, name="payment-detail"),
    path("payments/<int:pk>/allocate/", views.payment_allocate, name="payment-allocate"),
    path("payments/import/", views.statement_upload, name="statement-upload"),
    path("payments/import/<str:token>/", views.statement_review, name="statement-review"),
    path(
        "clients/<int:pk>/apply-balance/",
        views.client_apply_balance,
        name="client-apply-balance",
    ),
    path("clients/<int:pk>/ledger.xlsx", views.client_ledger_xlsx, name="client-ledger-xlsx"),
]
