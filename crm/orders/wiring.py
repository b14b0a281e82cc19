"""How the orders app plugs into the shared registries (imported from OrdersConfig.ready).

Each area keeps its own registrations (nav, card tabs, seeders, bench, realtime) in
``wiring_<area>.py``; the order pages' own are here: visibility of orders for the shared
timeline/files/history, and the client card's Orders tab, facts and quick actions."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.cards import register_card_action, register_card_fact, register_card_tab
from crm.core.registry import NavItem, register_nav, register_visibility
from crm.core.templatetags.kolo import money
from crm.orders import seed_orders, wiring_catalogue, wiring_day, wiring_schedules  # noqa: F401
from crm.orders.models import Order, OrderStatus
from crm.orders.permissions import can_change_order, orders_for

CARD_ORDERS_SHOWN = 50

register_visibility(Order, lambda user: orders_for(user), can_change=can_change_order)
register_nav(
    NavItem(
        "order-status-names",
        _("Status names"),
        "orders:status-names",
        icon="🏷",
        permission="orders.change_statusname",
        order=830,
        description=_("Your own names for the order statuses"),
    )
)


def _client_orders_tab(request: Any, client: Any) -> str:
    branch = getattr(request, "branch", None)
    orders = list(
        orders_for(request.user, branch)
        .filter(client=client)
        .order_by("-date", "-pk")[: CARD_ORDERS_SHOWN + 1]
    )
    context = {
        "client": client,
        "orders": orders[:CARD_ORDERS_SHOWN],
        "more": len(orders) > CARD_ORDERS_SHOWN,
    }
    return render_to_string("orders/_client_orders.html", context, request=request)


def _totals(client: Any) -> dict[str, Any]:
    """One aggregate per card (count and sum of completed orders), cached on the instance."""
    if not hasattr(client, "_order_totals"):
        client._order_totals = Order.objects.filter(
            client=client, status=OrderStatus.COMPLETED
        ).aggregate(count=Count("pk"), total=Sum("total"))
    return client._order_totals


register_card_tab(
    "orders", _("Orders"), _client_orders_tab, order=50, permission="orders.view_order"
)
register_card_fact(
    "orders_count",
    _("Orders completed"),
    lambda c: _totals(c)["count"],
    order=20,
    permission="orders.view_order",
)
register_card_fact(
    "orders_total",
    _("Orders total"),
    lambda c: money(_totals(c)["total"], c.currency) if _totals(c)["total"] else None,
    order=30,
    permission="orders.view_order",
)
register_card_action(
    "new_order",
    _("New order"),
    lambda client: f"{reverse('orders:order-create')}?client={client.pk}",
    order=1,
    permission="orders.add_order",
)
register_card_action(
    "repeat_order",
    _("↻ Repeat last order"),
    lambda client: reverse("orders:order-repeat-last", args=[client.pk]),
    order=2,
    permission="orders.add_order",
)
