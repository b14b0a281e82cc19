"""How the orders day area plugs into the shared registries (imported from wiring.py): the
"Orders" section, the operator's home page and who may join a branch's live orders group."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_home, register_nav
from crm.orders import day_exports  # noqa: F401  (registers the background PDF export job)
from crm.orders.permissions import order_group_authorizer

register_nav(
    NavItem(
        "orders",
        _("Orders"),
        "orders:day",
        icon="📦",
        permission="orders.view_order",
        order=20,
        description=_("The day's orders: problems first, live"),
    )
)
register_home("operator", "orders:day")
register_group_authorizer("orders.branch", order_group_authorizer)
