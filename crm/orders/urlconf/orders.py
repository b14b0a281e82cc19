"""URLs of the orders app: the order pages."""

from django.urls import path

from crm.orders.views import orders as views
from crm.orders.views import statuses

urlpatterns = [
    path("new/", views.order_create, name="order-create"),
    path("new/client/", views.order_pick_client, name="order-pick-client"),
    path("quote/", views.order_quote, name="order-quote"),
    path("repeat/<int:client_pk>/", views.order_repeat_last, name="order-repeat-last"),
    path("<int:pk>/", views.order_detail, name="order-detail"),
    path("<int:pk>/edit/", views.order_edit, name="order-edit"),
    path("<int:pk>/status/", views.order_move, name="order-move"),
    path("<int:pk>/prepayment/", views.order_prepayment, name="order-prepayment"),
    path("settings/statuses/", statuses.status_names, name="status-names"),
]
