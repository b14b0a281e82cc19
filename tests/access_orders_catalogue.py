"""Access rows for the catalogue and pricing settings: the catalogue is visible to office roles
with ``orders.view_product``; products, price lists and client groups are managed by admins
(``orders.manage_catalogue``); price rules, promo codes and bonus rules by admins
(``orders.manage_price_rules``). Objects are shared by branches, so there is no 404 case."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

CATALOGUE_VIEWERS = frozenset(
    {
        Role.ADMIN,
        Role.DIRECTOR,
        Role.HEAD_OF_SALES,
        Role.MANAGER,
        Role.OPERATOR,
        Role.DISPATCHER,
        Role.ACCOUNTANT,
        Role.STOREKEEPER,
    }
)
ADMIN_ONLY = frozenset({Role.ADMIN})


def extend_ctx(ctx: Any) -> None:
    from clients.models import ClientGroup
    from crm.orders.models import BonusRule, PriceList, PriceRule, PromoCode
    from tests.orders.factories import make_product

    ctx.cat_product = make_product(name="Вода 19 л")
    ctx.cat_gift = make_product(name="Стаканчики")
    ctx.cat_group = ClientGroup.objects.create(name="Опт (доступ)")
    ctx.cat_pricelist = PriceList.objects.create(name="Опт (доступ)")
    ctx.cat_rule = PriceRule.objects.create(name="Экспресс", kind="express", amount=Decimal("1"))
    today = datetime.date.today()
    ctx.cat_promo = PromoCode.objects.create(
        code="ACCESS", percent=Decimal("5"), valid_from=today, valid_to=today
    )
    ctx.cat_bonus = BonusRule.objects.create(
        name="10-я", product=ctx.cat_product, every_n=10, gift_product=ctx.cat_gift
    )


def _pk(attr: str) -> Any:
    return lambda ctx: {"pk": getattr(ctx, attr).pk}


ROWS: dict[str, Rule] = {
    "orders:product-list": Rule(CATALOGUE_VIEWERS),
    "orders:product-create": Rule(ADMIN_ONLY),
    "orders:product-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_product")),
    "orders:product-toggle": Rule(ADMIN_ONLY, method="post", kwargs=_pk("cat_product")),
    "orders:clientgroup-list": Rule(ADMIN_ONLY),
    "orders:clientgroup-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_group")),
    "orders:pricelist-list": Rule(ADMIN_ONLY),
    "orders:pricelist-create": Rule(ADMIN_ONLY),
    "orders:pricelist-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_pricelist")),
    "orders:rule-list": Rule(ADMIN_ONLY),
    "orders:rule-create": Rule(ADMIN_ONLY),
    "orders:rule-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_rule")),
    "orders:rule-toggle": Rule(ADMIN_ONLY, method="post", kwargs=_pk("cat_rule")),
    "orders:promo-list": Rule(ADMIN_ONLY),
    "orders:promo-create": Rule(ADMIN_ONLY),
    "orders:promo-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_promo")),
    "orders:promo-toggle": Rule(ADMIN_ONLY, method="post", kwargs=_pk("cat_promo")),
    "orders:bonus-list": Rule(ADMIN_ONLY),
    "orders:bonus-create": Rule(ADMIN_ONLY),
    "orders:bonus-edit": Rule(ADMIN_ONLY, kwargs=_pk("cat_bonus")),
    "orders:bonus-toggle": Rule(ADMIN_ONLY, method="post", kwargs=_pk("cat_bonus")),
}
