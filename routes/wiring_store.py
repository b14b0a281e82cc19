"""How the store pages plug into the shared registries (imported from routes.wiring): the
"Containers" section, the storekeeper's start page (the day page) and the client card's
"Containers" tab; the demo seeder (``routes.seed_store``).

The card tab is registered without a permission of its own: whoever may open the client card
(a manager sees his own clients' cards) sees there how many containers the client holds, per
product, and the deposit they stand for — managers sell the deposits and chase unreturned
bottles. The ledger itself (the latest movements, with vans and drivers) is shown in the tab only
to those with ``VIEW_CONTAINERS``, and the "Correct the balance" link only to those with
``RECORD_CONTAINERS`` working in the client's branch."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from clients.cards import register_card_tab
from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_home, register_nav
from routes import seed_store  # noqa: F401  (register_seeder)
from routes.roles import VIEW_CONTAINERS

register_nav(
    NavItem(
        "routes-containers",
        _("Containers"),
        "routes:store-day",
        icon="🧴",
        permission=VIEW_CONTAINERS,
        order=260,
        description=_("Vans' morning loads and evening returns, client balances, daily report"),
    )
)
register_home(Role.STOREKEEPER, "routes:store-day")


def _containers_tab(request: Any, client: Any) -> str:
    from routes.views_store import client_tab

    return client_tab(request, client)


register_card_tab("containers", _("Containers"), _containers_tab, order=58)
