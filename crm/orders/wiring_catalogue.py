"""How the orders catalogue area plugs into the shared registries (imported from wiring.py):
the catalogue and pricing sections, the client card's "Bonus" fact and the demo catalogue."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from clients.cards import register_card_fact
from crm.core.registry import NavItem, register_nav
from crm.orders import seed_catalogue  # noqa: F401  (registers the seeder)
from crm.orders.roles import MANAGE_CATALOGUE, MANAGE_RULES, VIEW_CATALOGUE

register_nav(
    NavItem(
        "catalogue",
        _("Catalogue"),
        "orders:product-list",
        icon="🛒",
        permission=VIEW_CATALOGUE,
        order=700,
        description=_("Products and services, prices, deposits"),
    )
)
register_nav(
    NavItem(
        "price-lists",
        _("Price lists"),
        "orders:pricelist-list",
        icon="🏷",
        permission=MANAGE_CATALOGUE,
        order=705,
        description=_("Special prices for client groups"),
    )
)
register_nav(
    NavItem(
        "price-rules",
        _("Price rules"),
        "orders:rule-list",
        icon="🧮",
        permission=MANAGE_RULES,
        order=710,
        description=_("Per km and hour, night, weekend, zone and express surcharges, minimums"),
    )
)
register_nav(
    NavItem(
        "promo-codes",
        _("Promo codes"),
        "orders:promo-list",
        icon="🎟",
        permission=MANAGE_RULES,
        order=715,
        description=_("Discount codes with validity dates"),
    )
)
register_nav(
    NavItem(
        "bonus-rules",
        _("Bonus rules"),
        "orders:bonus-list",
        icon="🎁",
        permission=MANAGE_RULES,
        order=720,
        description=_("Every N-th unit earns a gift"),
    )
)


def _bonus_fact(client: Any) -> str | None:
    """ "7 / 10 · Water 19 L": units towards the next gift of the client's first bonus rule."""
    from crm.orders.services.pricing import bonus_progress

    units, every_n, product = bonus_progress(client.pk)
    if not every_n:
        return None
    return f"{units} / {every_n} · {product}"


register_card_fact("bonus", _("Bonus"), _bonus_fact, order=60, permission=VIEW_CATALOGUE)
