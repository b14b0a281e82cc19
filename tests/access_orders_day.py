"""Access rows for the operator's day screen: every role with ``orders.view_order`` opens it (the
rows are scoped by ``orders_for``); exports and stickers need ``orders.export_orders``."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import EVERYONE, Rule

VIEWERS = EVERYONE - {Role.LAB_TECHNICIAN, Role.HR}
EXPORTERS = frozenset(
    {Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.OPERATOR, Role.DISPATCHER, Role.ACCOUNTANT}
)


def extend_ctx(ctx: Any) -> None:
    from tests.clients.factories import make_client
    from tests.orders.factories import make_order

    client = make_client(branch=ctx.branch, manager=ctx.users["manager"], name="Клиент дня")
    ctx.day_order = make_order(client=client, actor=ctx.users["operator"])


ROWS: dict[str, Rule] = {
    "orders:day": Rule(VIEWERS),
    "orders:day-rows": Rule(VIEWERS),
    "orders:day-export-xlsx": Rule(EXPORTERS),
    "orders:day-export-pdf": Rule(EXPORTERS),
    "orders:stickers": Rule(
        EXPORTERS,
        method="post",
        data=lambda ctx: {"ids": [ctx.day_order.pk], "format": "tape58"},
    ),
}
