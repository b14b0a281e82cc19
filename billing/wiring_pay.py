"""Staff pay in the shared registries: the accountant's page and everyone's own pay."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from billing.roles_pay import MANAGE_PAY
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "billing-pay",
        _("Staff pay"),
        "billing:pay",
        icon="₽",
        permission=MANAGE_PAY,
        order=345,
        description=_("Accruals per job and route, advances and payouts"),
    )
)
register_nav(
    NavItem(
        "my-pay",
        _("My pay"),
        "billing:my-pay",
        icon="💳",
        order=896,
        description=_("What you earned and were paid"),
    )
)
register_nav(
    NavItem(
        "billing-cash",
        _("Cash desk"),
        "billing:cash",
        icon="🪙",
        permission=MANAGE_PAY,
        order=346,
        description=_("Drivers' hand-ins, cash out, the balance and the daily closing"),
    )
)

# the demo seeder, and route sheets attached to the worker's day e-mail
from billing import seed_workforce, worker_day_routes  # noqa: E402,F401
