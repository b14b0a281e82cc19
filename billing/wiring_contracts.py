"""How the contract pages plug into the shared registries (imported from billing.wiring): the
"Contracts" section, the client card's "Contracts" tab, and billing's own record of overrides
given elsewhere (the order form) through ``clients.contract_guard``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from billing import tasks_contracts  # noqa: F401  (the daily contract-state task)
from billing.roles import VIEW_CONTRACTS
from billing.services.contracts import on_override_recorded
from clients.cards import register_card_tab
from clients.contract_guard import contract_override_recorded
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "billing-contracts",
        _("Contracts"),
        "billing:contract-list",
        icon="📝",
        permission=VIEW_CONTRACTS,
        order=310,
        description=_("Contracts from clause templates, validity, supplementary agreements"),
    )
)


def _contracts_tab(request: Any, client: Any) -> str:
    from billing.views_contracts import client_tab

    return client_tab(request, client)


register_card_tab("contracts", _("Contracts"), _contracts_tab, order=55, permission=VIEW_CONTRACTS)

contract_override_recorded.connect(
    on_override_recorded, dispatch_uid="billing.contracts.override_recorded"
)
