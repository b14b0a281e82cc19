"""How the payments part plugs in (imported from ``billing.wiring``): the "Payments" section, the
client card's "Account" tab (the ledger; for those who see payments) and billing's receiver of the
driver's cash / card taken at a stop."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from billing.reactions import on_stop_payment_taken
from billing.roles import VIEW_PAYMENTS
from clients.cards import register_card_tab
from crm.core.registry import NavItem, register_nav
from routes.services.live import stop_payment_taken

register_nav(
    NavItem(
        "billing-payments",
        _("Payments"),
        "billing:payment-list",
        icon="💳",
        permission=VIEW_PAYMENTS,
        order=320,
        description=_("Payments, allocation to invoices, bank statements"),
    )
)


def _account_tab(request: Any, client: Any) -> str:
    from billing.views_payments import account_tab

    return account_tab(request, client)


register_card_tab("account", _("Balance"), _account_tab, order=65, permission=VIEW_PAYMENTS)

stop_payment_taken.connect(
    on_stop_payment_taken, dispatch_uid="billing.reactions.on_stop_payment_taken"
)
