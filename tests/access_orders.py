"""Access rows for the order pages: adders (office sales roles) create; everyone with the orders
view sees the branch's orders except managers (own clients only) and drivers (assigned only)."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import HIDDEN, Rule

ADDERS = frozenset({Role.ADMIN, Role.HEAD_OF_SALES, Role.MANAGER, Role.OPERATOR})
VIEWERS = frozenset(
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
CHANGERS = frozenset({Role.ADMIN, Role.HEAD_OF_SALES, Role.MANAGER, Role.OPERATOR, Role.DISPATCHER})
DRIVER_HIDDEN = {Role.DRIVER: HIDDEN}


def extend_ctx(ctx: Any) -> None:
    from tests.clients.factories import make_client
    from tests.orders.factories import make_order

    ctx.order_client = make_client(
        branch=ctx.branch,
        manager=ctx.users["manager"],
        addresses=[{"address": "Невский пр., 1", "latitude": "59.93", "longitude": "30.31"}],
    )
    ctx.order = make_order(client=ctx.order_client)


def _order(ctx: Any) -> dict:
    return {"pk": ctx.order.pk}


ROWS: dict[str, Rule] = {
    "orders:status-names": Rule(frozenset({Role.ADMIN})),
    "orders:order-create": Rule(ADDERS),
    "orders:order-pick-client": Rule(ADDERS, data=lambda ctx: {"q": "Невский"}),
    "orders:order-quote": Rule(
        ADDERS, method="post", data=lambda ctx: {"client": ctx.order_client.pk}
    ),
    "orders:order-repeat-last": Rule(ADDERS, kwargs=lambda ctx: {"client_pk": ctx.order_client.pk}),
    "orders:order-detail": Rule(VIEWERS, kwargs=_order, overrides=DRIVER_HIDDEN),
    "orders:order-edit": Rule(CHANGERS, kwargs=_order, overrides=DRIVER_HIDDEN),
    "orders:order-move": Rule(
        CHANGERS,
        method="post",
        kwargs=_order,
        data=lambda ctx: {"target": "confirmed"},
        overrides=DRIVER_HIDDEN,
    ),
    "orders:order-prepayment": Rule(
        CHANGERS,
        method="post",
        kwargs=_order,
        data=lambda ctx: {"amount": "10"},
        overrides=DRIVER_HIDDEN,
    ),
}
