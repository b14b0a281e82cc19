"""Access rows for the storekeeper's containers ledger (routes.views_store).

Storekeepers, dispatchers and admins record (morning loads, evening returns, client balance
corrections); accountants, directors and heads of sales read the day page, the report, the
loading lists and the client balances. Drivers, managers, operators and lab technicians are
refused. Another branch's van or client answers 404 (tests/routes/test_store_pages.py)."""

from __future__ import annotations

import datetime
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

RECORDERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.STOREKEEPER})
READERS = RECORDERS | {Role.DIRECTOR, Role.HEAD_OF_SALES, Role.ACCOUNTANT}


def extend_ctx(ctx: Any) -> None:
    from tests.clients.factories import make_client
    from tests.routes.container_factories import make_returnable, make_van

    ctx.store_van = make_van(ctx.branch, driver=ctx.users["driver"])
    ctx.store_product = make_returnable("Бутыль 19 л (доступ)")
    ctx.store_client = make_client(branch=ctx.branch, name="Клиент склада")


def _van(ctx: Any) -> dict:
    return {"pk": ctx.store_van.pk}


def _counts(kind: str) -> Any:
    def data(ctx: Any) -> dict:
        prefix = f"v{ctx.store_van.pk}"
        return {
            f"{prefix}-date": datetime.date.today().isoformat(),
            f"{prefix}-{kind}_{ctx.store_product.pk}": "3",
        }

    return data


ROWS: dict[str, Rule] = {
    "routes:store-day": Rule(READERS),
    "routes:store-van-load": Rule(RECORDERS, method="post", kwargs=_van, data=_counts("loaded")),
    "routes:store-van-return": Rule(
        RECORDERS, method="post", kwargs=_van, data=_counts("ret_full")
    ),
    "routes:store-loading-list": Rule(READERS, kwargs=_van),
    "routes:store-loading-pdf": Rule(READERS, kwargs=_van),
    "routes:store-report": Rule(READERS),
    "routes:store-report-xlsx": Rule(READERS),
    "routes:store-clients": Rule(READERS),
    "routes:store-client-adjust": Rule(RECORDERS, kwargs=lambda ctx: {"pk": ctx.store_client.pk}),
}
