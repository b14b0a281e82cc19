"""Which van may carry which order: the equipment or permit its products need
(``ProductRequirement``: a solvent needs an ADR van) and the territory its address lies in
(``Territory``: the north of the city is served by its own vans).

Both become optimiser *skills*, so the solver, the feasibility check and insertion honour them
through the one mechanism they already have: a product requirement is the skill code itself
(``"adr"``); a territory is ``"territory:<id>"``, held by each of its vans. The first active
territory containing the point (by priority) decides; a territory without vans restricts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from crm.orders.models import Order
from crm.orders.pricing import point_in_polygon
from routes.models import ProductRequirement, Territory, Vehicle, VehicleSkill

TERRITORY_PREFIX = "territory:"
Point = tuple[float, float]


@dataclass(frozen=True)
class Area:
    id: int
    name: str
    polygon: list
    vehicle_ids: frozenset[int]


@dataclass
class Requirements:
    """What the rules say for one branch (loaded once per plan / board action)."""

    areas: list[Area] = field(default_factory=list)
    product_skills: dict[int, frozenset[str]] = field(default_factory=dict)
    #: every active territory for the maps (also those without vans)
    shapes: list[dict] = field(default_factory=list)

    def territory_of(self, point: Point | None) -> Area | None:
        if point is None:
            return None
        return next((a for a in self.areas if point_in_polygon(point, a.polygon)), None)

    def order_skills(self, order: Order, point: Point | None) -> frozenset[str]:
        """Skills a van needs for ``order`` (items prefetched)."""
        needed: set[str] = set()
        for item in order.items.all():
            needed |= self.product_skills.get(item.product_id, frozenset())
        area = self.territory_of(point)
        if area is not None:
            needed.add(f"{TERRITORY_PREFIX}{area.id}")
        return frozenset(needed)

    def vehicle_skills(self, vehicle: Vehicle) -> frozenset[str]:
        own = set(vehicle.skills or [])
        own |= {f"{TERRITORY_PREFIX}{a.id}" for a in self.areas if vehicle.pk in a.vehicle_ids}
        return frozenset(own)

    def problems(self, order: Order, point: Point | None, vehicle: Vehicle) -> list[str]:
        """Why ``vehicle`` may not carry ``order``, in words (empty: it may)."""
        missing = self.order_skills(order, point) - self.vehicle_skills(vehicle)
        return [self._describe(code) for code in sorted(missing)]

    def _describe(self, code: str) -> str:
        if code.startswith(TERRITORY_PREFIX):
            area = next((a for a in self.areas if f"{TERRITORY_PREFIX}{a.id}" == code), None)
            return _("the territory “%(name)s” is served by its own vans") % {
                "name": area.name if area else code
            }
        label = dict(VehicleSkill.choices).get(code, code)
        return _("needs a van with: %(skill)s") % {"skill": label}


def load_requirements(*, branch_id: int, product_ids: Iterable[int] | None = None) -> Requirements:
    """Two queries: the branch's active territories with vans, the products' requirements."""
    territories = (
        Territory.objects.filter(branch_id=branch_id, is_active=True)
        .prefetch_related("vehicles")
        .order_by("position", "name", "id")
    )
    drawn = [t for t in territories if len(t.polygon or []) >= 3]
    areas = [
        Area(t.pk, t.name, t.polygon, frozenset(v.pk for v in t.vehicles.all()))
        for t in drawn
        if t.vehicles.all()
    ]
    shapes = [territory_shape(t) for t in drawn]
    rows = ProductRequirement.objects.all()
    if product_ids is not None:
        rows = rows.filter(product_id__in=set(product_ids))
    skills: dict[int, set[str]] = {}
    for product_id, skill in rows.values_list("product_id", "skill"):
        skills.setdefault(product_id, set()).add(skill)
    return Requirements(areas, {pid: frozenset(s) for pid, s in skills.items()}, shapes)


def territory_shape(territory: Territory) -> dict:
    """A territory as the maps draw it (vans prefetched)."""
    return {
        "name": territory.name,
        "colour": territory.colour,
        "polygon": territory.polygon,
        "vans": ", ".join(v.plate for v in territory.vehicles.all()),
    }


def product_ids_of(orders: Iterable[Order]) -> set[int]:
    return {item.product_id for order in orders for item in order.items.all()}
