"""URLs of the billing app (namespace ``billing``); each part has its own urls module."""

from __future__ import annotations

from django.urls import include, path

app_name = "billing"

urlpatterns = [
    path("", include("billing.urls_documents")),
    path("", include("billing.urls_payments")),
    path("", include("billing.urls_contracts")),
    path("", include("billing.urls_debts")),
    path("", include("billing.urls_bulk")),
    path("", include("billing.urls_doc_templates")),
    path("", include("billing.urls_pay")),
    path("", include("billing.urls_cash")),
]
