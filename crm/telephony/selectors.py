"""Reads: what an incoming call's pop-up shows, and the extensions page's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients.permissions import can_add_client, can_see_client
from crm.orders.models import Order, OrderStatus
from crm.orders.services.orders import last_order_of
from crm.telephony.models import Call, OperatorExtension
from crm.telephony.permissions import extensions_for

OPEN_ORDERS_SHOWN = 5
CLOSED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


def popup_context(*, call: Call, user: Any) -> dict[str, Any]:
    """The caller's card in brief (name, debt, open orders, last order) or, for an unknown
    number, what the user may do with it."""
    client = call.client
    context: dict[str, Any] = {
        "call": call,
        "client": client,
        "answered_by_other": call.operator_id is not None and call.operator_id != user.pk,
        "can_order": user.has_perm("orders.add_order"),
    }
    if client is None:
        context["can_add_client"] = can_add_client(user)
        return context
    orders = Order.objects.filter(client=client).only("pk", "number", "date", "status", "total")
    context.update(
        can_open_card=can_see_client(user, client),
        open_orders=list(
            orders.exclude(status__in=CLOSED).order_by("date", "pk")[:OPEN_ORDERS_SHOWN]
        ),
        last_order=last_order_of(client),
    )
    return context


def extension_rows(*, user: Any, branch: Any) -> QuerySet[OperatorExtension]:
    return extensions_for(user, branch).select_related("user", "branch").order_by("extension")
