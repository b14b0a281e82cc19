"""Access rows for territories and special loads: dispatchers and admins edit them; whoever
sees the vans (directors, heads of sales, storekeepers) reads the page."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

PLANNERS = frozenset({Role.ADMIN, Role.DISPATCHER})
FLEET_VIEWERS = PLANNERS | {Role.DIRECTOR, Role.HEAD_OF_SALES, Role.STOREKEEPER}

SQUARE = [[59.90, 30.20], [59.90, 30.40], [60.00, 30.40], [60.00, 30.20]]


def extend_ctx(ctx: Any) -> None:
    from routes.models import ProductRequirement, Territory
    from tests.orders.factories import make_product

    ctx.territory = Territory.objects.create(branch=ctx.branch, name="Север", polygon=SQUARE)
    ctx.territory.vehicles.add(ctx.vehicle)
    ctx.adr_product = make_product(name="Растворитель")
    ctx.requirement = ProductRequirement.objects.create(product=ctx.adr_product, skill="adr")


ROWS = {
    "routes:territory-list": Rule(FLEET_VIEWERS),
    "routes:territory-create": Rule(PLANNERS),
    "routes:territory-edit": Rule(PLANNERS, kwargs=lambda ctx: {"pk": ctx.territory.pk}),
    "routes:requirement-add": Rule(
        PLANNERS,
        method="post",
        data=lambda ctx: {"product": ctx.adr_product.pk, "skill": "refrigerated"},
    ),
    "routes:requirement-remove": Rule(
        PLANNERS, method="post", data=lambda ctx: {"product": ctx.adr_product.pk, "skill": "adr"}
    ),
}
