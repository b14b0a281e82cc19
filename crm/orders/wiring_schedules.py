"""How the orders schedules area plugs into the shared registries (imported from wiring.py): the
"Standing orders" section, the client card's "Schedules" tab and "New schedule" action, the demo
seeder and the ``bench orders`` suite."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.cards import register_card_action, register_card_tab
from crm.core.registry import NavItem, register_nav
from crm.orders import bench, seed_schedules  # noqa: F401  (register the bench suite and seeder)

register_nav(
    NavItem(
        "order-schedules",
        _("Standing orders"),
        "orders:schedule-list",
        icon="🔁",
        permission="orders.view_recurringschedule",
        order=24,
        description=_("Recurring deliveries and visits; orders are generated ahead"),
    )
)


def _schedules_tab(request: Any, client: Any) -> str:
    from crm.orders.views.schedules import client_tab

    return client_tab(request, client)


register_card_tab(
    "schedules",
    _("Schedules"),
    _schedules_tab,
    order=35,
    permission="orders.view_recurringschedule",
)
register_card_action(
    "new_schedule",
    _("New schedule"),
    lambda client: f"{reverse('orders:schedule-create')}?client={client.pk}",
    order=30,
    permission="orders.change_recurringschedule",
)
