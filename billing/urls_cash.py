"""URLs of the cash desk (billing.views_cash); included by ``billing.urls``."""

from django.urls import URLPattern, path

from billing import views_cash

urlpatterns: list[URLPattern] = [
    path("cash/", views_cash.cash_desk, name="cash"),
    path("cash/hand-in/", views_cash.cash_hand_in, name="cash-hand-in"),
    path("cash/entry/", views_cash.cash_entry, name="cash-entry"),
    path("cash/close/", views_cash.cash_close, name="cash-close"),
]
