"""URLs of the contract pages (billing.views_contracts); included by ``billing.urls``
(namespace ``billing``, mounted at /billing/)."""

from django.urls import URLPattern, path

from billing import views_contracts as views

urlpatterns: list[URLPattern] = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("clients/<int:client_pk>/contracts/new/", views.contract_create, name="contract-create"),
    path(
        "clients/<int:client_pk>/contract-override/",
        views.contract_override,
        name="contract-override",
    ),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/text/", views.contract_text, name="contract-text"),
    path("contracts/<int:pk>/reassemble/", views.contract_reassemble, name="contract-reassemble"),
    path("contracts/<int:pk>/activate/", views.contract_activate, name="contract-activate"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract-terminate"),
    path("contracts/<int:pk>/agreements/new/", views.agreement_create, name="agreement-create"),
    path("contracts/<int:pk>/pdf/", views.contract_pdf, name="contract-pdf"),
    path("contract-types/", views.contract_type_list, name="contract-type-list"),
    path("contract-types/<int:pk>/", views.contract_type_edit, name="contract-type-edit"),
    path("clauses/", views.clause_list, name="clause-list"),
    path("clauses/new/", views.clause_edit, name="clause-create"),
    path("clauses/<int:pk>/", views.clause_edit, name="clause-edit"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_edit, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_edit, name="organisation-edit"),
]
