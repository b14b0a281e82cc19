"""URLs of staff pay (billing.views_pay); included by ``billing.urls``."""

from django.urls import URLPattern, path

from billing import views_pay

urlpatterns: list[URLPattern] = [
    path("pay/", views_pay.pay_period, name="pay"),
    path("pay/compute/", views_pay.pay_compute, name="pay-compute"),
    path("pay/payout/", views_pay.payout_create, name="payout-create"),
    path("pay/export.xlsx", views_pay.pay_xlsx, name="pay-xlsx"),
    path("pay/rules/", views_pay.pay_rules, name="pay-rules"),
    path("pay/rules/<int:pk>/", views_pay.pay_rule_edit, name="pay-rule-edit"),
    path("pay/mine/", views_pay.my_pay, name="my-pay"),
]
