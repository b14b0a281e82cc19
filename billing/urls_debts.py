"""URLs of the debtors page and the dunning ladder (billing.views_debts); included by
``billing.urls`` (namespace ``billing``, mounted at /billing/)."""

from django.urls import URLPattern, path

from billing import views_debts

urlpatterns: list[URLPattern] = [
    path("debtors/", views_debts.debtors, name="debtors"),
    path("debtors.xlsx", views_debts.debtors_xlsx, name="debtors-xlsx"),
    path("debtors/<int:pk>/", views_debts.debtor_detail, name="debtor-detail"),
    path("debtors/<int:pk>/promise/", views_debts.debtor_promise, name="debtor-promise"),
    path("debtors/<int:pk>/reminders/", views_debts.debtor_reminders, name="debtor-reminders"),
    path("debtors/<int:pk>/lift-stop/", views_debts.debtor_lift_stop, name="debtor-lift-stop"),
    path("dunning/", views_debts.dunning_ladder, name="dunning-ladder"),
    path("dunning/add/", views_debts.dunning_step_add, name="dunning-step-add"),
    path("dunning/<int:pk>/", views_debts.dunning_step_edit, name="dunning-step-edit"),
]
