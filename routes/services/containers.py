"""The containers ledger (mats, bottles, crates): what a driver hands over and takes back at a
stop, what a van loads and brings back, and the balance held at each client's sites.

Every movement is a ``ContainerMove`` row; balances are sums over them, so the ledger can always
be re-derived. The client's total is kept on the card (``Client.containers_held``) through the
clients app's own service after each change.

- drivers: ``expected_lines`` / ``record_stop_containers`` (once per stop, product and kind: the
  database refuses a second set);
- the storekeeper: ``van_load_record`` (morning) and ``van_return_record`` (evening), one row per
  van, date, product and movement, replaced when recorded again under the van's row lock;
- corrections: ``client_containers_adjust`` (signed, with a reason; never below zero);
- reads: ``van_day_balances`` (loaded, delivered, collected, damaged, missing, expected back,
  returned, difference per van and product), ``loading_list`` (the published route's stops in
  reverse order with the returnable products to load), ``client_held_lines``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.services.clients import client_set_containers_held
from crm.orders.models import Order, OrderItem, Product
from crm.orders.services.orders import branch_today
from routes.models import ContainerKind, ContainerMove, PlanStatus, Route, RouteStop, Vehicle
from routes.roles import RECORD_CONTAINERS
from routes.services.timing import order_stop

K = ContainerKind
#: the kinds a driver records at a stop, in the order the form shows them
STOP_KINDS = (K.DELIVERED, K.COLLECTED, K.DAMAGED, K.MISSING)
#: + at the client / − at the client
CLIENT_SIGN = {K.DELIVERED: 1, K.COLLECTED: -1, K.DAMAGED: -1, K.ADJUSTMENT: 1}


@dataclass
class ContainerLine:
    """One product's counts at a stop (``product_id`` None: containers not tied to a product)."""

    product_id: int | None
    name: str
    delivered: int = 0
    collected: int = 0
    damaged: int = 0
    missing: int = 0

    def quantities(self) -> dict[str, int]:
        return {
            K.DELIVERED: self.delivered,
            K.COLLECTED: self.collected,
            K.DAMAGED: self.damaged,
            K.MISSING: self.missing,
        }


def expected_lines(order: Order) -> list[ContainerLine]:
    """What the order says the driver hands over and takes back: one line per returnable product
    of its items (gifts included: a gift bottle is a bottle), the containers to collect on the
    first of them; a product-less line when the order counts containers without such items."""
    by_product: dict[int, ContainerLine] = {}
    for item in order.items.all():
        product = item.product
        if product is None or not product.is_returnable:
            continue
        line = by_product.setdefault(product.pk, ContainerLine(product.pk, product.name))
        line.delivered += int(item.quantity.to_integral_value())
    lines = list(by_product.values())
    if not lines and (order.containers_to_deliver or order.containers_to_collect):
        lines = [ContainerLine(None, _("Containers"), delivered=order.containers_to_deliver)]
    if lines:
        lines[0].collected = order.containers_to_collect
    return lines


def record_stop_containers(*, stop: RouteStop, driver: Any, lines: Iterable[ContainerLine]) -> None:
    """The driver's counts at a done stop, as ledger rows (unique per stop, product and kind, so
    a repeated submission cannot count twice), then the client's balance."""
    route = stop.route
    rows = [
        ContainerMove(
            branch_id=route.plan.branch_id,
            date=route.plan.date,
            kind=kind,
            product_id=line.product_id,
            quantity=quantity,
            vehicle_id=route.vehicle_id,
            driver=driver,
            client_id=stop.order.client_id,
            stop=stop,
            recorded_by=driver,
        )
        for line in lines
        for kind, quantity in line.quantities().items()
        if quantity > 0
    ]
    ContainerMove.objects.bulk_create(rows)
    refresh_client_containers(stop.order.client_id)


def _client_total_expression() -> Sum:
    return Sum(
        Case(
            *[When(kind=kind, then=F("quantity") * sign) for kind, sign in CLIENT_SIGN.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def client_balances(client_id: int) -> dict[int | None, int]:
    """Containers held at the client's sites, by product (None: not tied to a product)."""
    rows = (
        ContainerMove.objects.filter(client_id=client_id, kind__in=list(CLIENT_SIGN))
        .values("product_id")
        .annotate(held=_client_total_expression())
    )
    out: dict[int | None, int] = defaultdict(int)
    for row in rows:
        out[row["product_id"]] += row["held"] or 0
    return dict(out)


def refresh_client_containers(client_id: int) -> int:
    total = sum(client_balances(client_id).values())
    client_set_containers_held(client_id=client_id, count=total)
    return total


# --- The storekeeper: morning loads and evening returns -----------------------------------------
#: what the storekeeper records per van, date and product
LOAD_KINDS = (K.LOADED,)
RETURN_KINDS = (K.RETURNED_FULL, K.RETURNED_EMPTY, K.RETURNED_DAMAGED)
STORE_KINDS = LOAD_KINDS + RETURN_KINDS
#: the most a storekeeper may type into one box (a typo guard, not a business limit)
MAX_QUANTITY = 100_000
#: how far ahead a morning load may be recorded (the evening before)
DAYS_AHEAD = 1


def field_key(kind: str, product_id: int | None) -> str:
    """The key of one (movement, product) count in forms and in ``ValidationError``s:
    ``loaded_12``, ``ret_full_12``… (``_none`` for containers not tied to a product)."""
    return f"{kind}_{product_id if product_id is not None else 'none'}"


def returnable_products() -> QuerySet[Product]:
    """The catalogue's active returnable containers, in the order the forms show them."""
    return Product.objects.filter(is_returnable=True, is_active=True).order_by("name", "id")


def _check_actor(actor: Any) -> None:
    if not actor.has_perm(RECORD_CONTAINERS):
        raise PermissionDenied(_("You may not record container movements."))


def _check_date(*, branch: Any, date: datetime.date) -> None:
    if date > branch_today(branch) + datetime.timedelta(days=DAYS_AHEAD):
        raise ValidationError({"date": _("Containers cannot be recorded that far ahead.")})


def _check_counts(counts: dict[tuple[str, int | None], int], kinds: tuple[str, ...]) -> None:
    errors: dict[str, list[str]] = {}
    returnable = set(returnable_products().values_list("pk", flat=True))
    for (kind, product_id), quantity in counts.items():
        key = field_key(kind, product_id)
        if kind not in kinds:
            errors[key] = [_("This movement is not recorded here.")]
        elif product_id is not None and product_id not in returnable:
            errors[key] = [_("Choose an active returnable product.")]
        elif not isinstance(quantity, int) or quantity < 0:
            errors[key] = [_("Enter a whole number, zero or more.")]
        elif quantity > MAX_QUANTITY:
            errors[key] = [_("That is more than a van can carry.")]
    if errors:
        raise ValidationError(errors)


def day_driver(vehicle: Vehicle, date: datetime.date) -> Any:
    """Who drives the van that day: the driver of its route, else the van's default driver."""
    route = (
        Route.objects.filter(vehicle=vehicle, plan__date=date, plan__branch_id=vehicle.branch_id)
        .select_related("driver")
        .first()
    )
    return route.driver if route and route.driver_id else vehicle.driver


@transaction.atomic
def van_containers_record(
    *,
    actor: Any,
    vehicle: Vehicle,
    date: datetime.date,
    counts: dict[tuple[str, int | None], int],
    kinds: tuple[str, ...] = STORE_KINDS,
) -> list[ContainerMove]:
    """The storekeeper's counts for one van and day: ``{(kind, product_id): quantity}``.

    Recording again replaces the earlier count of that van, date, product and movement (zero
    removes it); the van's row is locked first, so two storekeepers saving at once cannot leave
    two rows behind. Returns the van's storekeeper rows of the day afterwards."""
    _check_actor(actor)
    _check_date(branch=vehicle.branch, date=date)
    _check_counts(counts, kinds)
    Vehicle.objects.select_for_update().filter(pk=vehicle.pk).first()
    driver = day_driver(vehicle, date)
    existing = {
        (row.kind, row.product_id): row
        for row in ContainerMove.objects.filter(
            vehicle=vehicle, date=date, stop__isnull=True, client__isnull=True, kind__in=kinds
        )
    }
    for key, quantity in counts.items():
        _store_row(existing.get(key), key, quantity, vehicle, date, driver, actor)
    return list(
        ContainerMove.objects.filter(
            vehicle=vehicle, date=date, stop__isnull=True, kind__in=STORE_KINDS
        )
    )


def _store_row(
    row: ContainerMove | None,
    key: tuple[str, int | None],
    quantity: int,
    vehicle: Vehicle,
    date: datetime.date,
    driver: Any,
    actor: Any,
) -> None:
    if row is not None and quantity == 0:
        row.delete()
    elif row is not None and (
        row.quantity != quantity or row.driver_id != getattr(driver, "pk", None)
    ):
        row.quantity, row.driver, row.recorded_by = quantity, driver, actor
        row.recorded_at = timezone.now()
        row.save(update_fields=["quantity", "driver", "recorded_by", "recorded_at"])
    elif row is None and quantity > 0:
        ContainerMove.objects.create(
            branch_id=vehicle.branch_id,
            date=date,
            kind=key[0],
            product_id=key[1],
            quantity=quantity,
            vehicle=vehicle,
            driver=driver,
            recorded_by=actor,
        )


def van_load_record(
    *, actor: Any, vehicle: Vehicle, date: datetime.date, loaded: dict[int, int]
) -> list[ContainerMove]:
    """The morning: full containers loaded onto the van, ``{product_id: quantity}``."""
    counts = {(K.LOADED.value, pk): qty for pk, qty in loaded.items()}
    return van_containers_record(
        actor=actor, vehicle=vehicle, date=date, counts=counts, kinds=LOAD_KINDS
    )


def van_return_record(
    *,
    actor: Any,
    vehicle: Vehicle,
    date: datetime.date,
    returned: dict[int, dict[str, int]],
) -> list[ContainerMove]:
    """The evening: ``{product_id: {"ret_full": n, "ret_empty": n, "ret_damaged": n}}``."""
    counts = {(kind, pk): qty for pk, by_kind in returned.items() for kind, qty in by_kind.items()}
    return van_containers_record(
        actor=actor, vehicle=vehicle, date=date, counts=counts, kinds=RETURN_KINDS
    )


# --- Client balance corrections -----------------------------------------------------------------
@transaction.atomic
def client_containers_adjust(
    *,
    actor: Any,
    client: Client,
    product: Product | None,
    quantity: int,
    note: str,
    date: datetime.date | None = None,
) -> ContainerMove:
    """A signed correction of what the client holds (an opening balance, a lost bottle written
    off…), with a required note; keeps ``Client.containers_held`` current."""
    _check_actor(actor)
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say why the balance changes.")]
    if not isinstance(quantity, int) or quantity == 0:
        errors["quantity"] = [_("Enter a number other than zero (minus to take away).")]
    elif abs(quantity) > MAX_QUANTITY:
        errors["quantity"] = [_("That is more than a van can carry.")]
    if product is not None and not product.is_returnable:
        errors["product"] = [_("Choose a returnable product.")]
    if errors:
        raise ValidationError(errors)
    Client.objects.select_for_update().filter(pk=client.pk).first()
    held = client_balances(client.pk).get(product.pk if product else None, 0)
    if quantity < 0 and held + quantity < 0:
        raise ValidationError(
            {
                "quantity": _("The client holds only %(held)s: the balance cannot go below zero.")
                % {"held": held}
            }
        )
    move = ContainerMove.objects.create(
        branch_id=client.branch_id,
        date=date or branch_today(client.branch),
        kind=K.ADJUSTMENT,
        product=product,
        quantity=quantity,
        client=client,
        note=note[:500],
        recorded_by=actor,
    )
    refresh_client_containers(client.pk)
    return move


def client_recent_moves(client_id: int, limit: int = 20) -> list[ContainerMove]:
    """The latest movements at the client's sites, newest first."""
    return list(
        ContainerMove.objects.filter(client_id=client_id)
        .select_related("product", "vehicle", "driver", "recorded_by", "stop__order")
        .order_by("-date", "-id")[:limit]
    )


@dataclass
class HeldLine:
    """What the client holds of one product, and the deposit it stands for."""

    product_id: int | None
    name: str
    held: int
    deposit_price: Decimal = Decimal("0")
    currency: str = "RUB"

    @property
    def deposit(self) -> Decimal:
        return self.deposit_price * self.held


def client_held_lines(client_id: int) -> list[HeldLine]:
    """The balance per product with names and deposit prices (zero balances left out)."""
    balances = {pk: n for pk, n in client_balances(client_id).items() if n}
    products = Product.objects.in_bulk([pk for pk in balances if pk is not None])
    lines = []
    for pk, held in balances.items():
        product = products.get(pk) if pk is not None else None
        if product is None:
            lines.append(HeldLine(pk, str(_("Containers")), held))
        else:
            lines.append(HeldLine(pk, product.name, held, product.deposit_price, product.currency))
    return sorted(lines, key=lambda line: (line.product_id is None, line.name))


def _product_names(ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))


# --- The van's day balance ----------------------------------------------------------------------
@dataclass
class BalanceRow:
    """One product on one van for a day. Expected back: full = loaded − delivered,
    empty = collected, damaged = damaged; difference = returned − expected."""

    product_id: int | None
    name: str
    loaded: int = 0
    delivered: int = 0
    collected: int = 0
    damaged: int = 0
    missing: int = 0
    returned_full: int = 0
    returned_empty: int = 0
    returned_damaged: int = 0

    @property
    def expected_full(self) -> int:
        return self.loaded - self.delivered

    @property
    def expected_empty(self) -> int:
        return self.collected

    @property
    def expected_damaged(self) -> int:
        return self.damaged

    @property
    def diff_full(self) -> int:
        return self.returned_full - self.expected_full

    @property
    def diff_empty(self) -> int:
        return self.returned_empty - self.expected_empty

    @property
    def diff_damaged(self) -> int:
        return self.returned_damaged - self.expected_damaged

    @property
    def flagged(self) -> bool:
        return bool(self.diff_full or self.diff_empty or self.diff_damaged)

    def add(self, kind: str, quantity: int) -> None:
        attr = KIND_FIELD.get(kind)
        if attr:
            setattr(self, attr, getattr(self, attr) + quantity)

    def merge(self, other: BalanceRow) -> None:
        for attr in KIND_FIELD.values():
            setattr(self, attr, getattr(self, attr) + getattr(other, attr))


#: which ``BalanceRow`` count each movement adds to
KIND_FIELD = {
    K.LOADED: "loaded",
    K.DELIVERED: "delivered",
    K.COLLECTED: "collected",
    K.DAMAGED: "damaged",
    K.MISSING: "missing",
    K.RETURNED_FULL: "returned_full",
    K.RETURNED_EMPTY: "returned_empty",
    K.RETURNED_DAMAGED: "returned_damaged",
}
#: the numbers of a balance row, in the report's column order
NUMBER_FIELDS = (
    "loaded",
    "delivered",
    "collected",
    "damaged",
    "missing",
    "expected_full",
    "expected_empty",
    "expected_damaged",
    "returned_full",
    "returned_empty",
    "returned_damaged",
    "diff_full",
    "diff_empty",
    "diff_damaged",
)


@dataclass
class VanBalance:
    """One van's day: who drove it, its route, each product's balance and whether the
    storekeeper has recorded the morning load and the evening return."""

    vehicle: Vehicle
    route: Route | None
    driver: Any
    rows: list[BalanceRow] = field(default_factory=list)
    loaded_at: datetime.datetime | None = None
    returned_at: datetime.datetime | None = None

    @property
    def flagged(self) -> bool:
        return any(row.flagged for row in self.rows)

    def row(self, product_id: int | None) -> BalanceRow | None:
        return next((r for r in self.rows if r.product_id == product_id), None)


def day_routes(*, branch: Any, date: datetime.date) -> dict[int, Route]:
    """The routes of the branch's plan of the day, by vehicle (published or not)."""
    routes = (
        Route.objects.filter(plan__branch=branch, plan__date=date)
        .select_related("plan", "driver")
        .annotate(stop_count=Count("stops"))
    )
    return {route.vehicle_id: route for route in routes}


def van_day_balances(
    *,
    branch: Any,
    date: datetime.date,
    vehicles: Iterable[Vehicle],
    routes: dict[int, Route] | None = None,
) -> list[VanBalance]:
    """Each van's balance for the day (a fixed number of queries, whatever the number of vans,
    products and stops); ``routes`` as from ``day_routes`` when the caller has them already."""
    vehicles = list(vehicles)
    routes = day_routes(branch=branch, date=date) if routes is None else routes
    rows = (
        ContainerMove.objects.filter(
            branch=branch, date=date, vehicle__in=vehicles, kind__in=list(KIND_FIELD)
        )
        .values("vehicle_id", "product_id", "kind")
        .annotate(total=Sum("quantity"), last=Max("recorded_at"))
        .order_by()
    )
    rows = list(rows)
    names = _product_names({r["product_id"] for r in rows if r["product_id"] is not None})
    out = {
        v.pk: VanBalance(
            vehicle=v,
            route=routes.get(v.pk),
            driver=_driver_of(routes.get(v.pk), v),
        )
        for v in vehicles
    }
    for row in rows:
        _add_row(out[row["vehicle_id"]], row, names)
    for balance in out.values():
        balance.rows.sort(key=lambda r: (r.product_id is None, r.name))
    return list(out.values())


def _driver_of(route: Route | None, vehicle: Vehicle) -> Any:
    if route is not None and route.driver_id:
        return route.driver
    return vehicle.driver


def _add_row(balance: VanBalance, row: dict[str, Any], names: dict[int, str]) -> None:
    product_id = row["product_id"]
    line = balance.row(product_id)
    if line is None:
        name = names.get(product_id, "") if product_id is not None else str(_("Containers"))
        line = BalanceRow(product_id, name)
        balance.rows.append(line)
    line.add(row["kind"], row["total"] or 0)
    if row["kind"] in LOAD_KINDS:
        balance.loaded_at = _latest(balance.loaded_at, row["last"])
    elif row["kind"] in RETURN_KINDS:
        balance.returned_at = _latest(balance.returned_at, row["last"])


def _latest(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def balance_totals(balances: Iterable[VanBalance]) -> BalanceRow:
    """The report's totals row: every count summed over vans and products."""
    total = BalanceRow(None, str(_("Total")))
    for balance in balances:
        for row in balance.rows:
            total.merge(row)
    return total


# --- The loading list ---------------------------------------------------------------------------
@dataclass
class LoadingStop:
    number: int  # the stop's place on the route (1 = first visited)
    stop: RouteStop
    lines: list[ContainerLine]

    @property
    def order(self) -> Order:
        return self.stop.order

    @property
    def address(self) -> str:
        where = order_stop(self.order)
        return ", ".join(p for p in (where.city, where.address) if p) if where else ""

    @property
    def to_collect(self) -> int:
        return sum(line.collected for line in self.lines)


@dataclass
class LoadingList:
    """What goes into the van, first in = last out: the route's stops in reverse order with the
    returnable products to hand over at each, and the totals per product."""

    vehicle: Vehicle
    date: datetime.date
    route: Route | None
    stops: list[LoadingStop] = field(default_factory=list)
    totals: list[ContainerLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.delivered for line in self.totals)

    @property
    def to_collect(self) -> int:
        return sum(line.collected for line in self.totals)


def published_route(vehicle: Vehicle, date: datetime.date) -> Route | None:
    return (
        Route.objects.filter(
            vehicle=vehicle,
            plan__date=date,
            plan__branch_id=vehicle.branch_id,
            plan__status=PlanStatus.PUBLISHED,
        )
        .select_related("plan", "driver", "vehicle__depot")
        .first()
    )


def loading_list(*, vehicle: Vehicle, date: datetime.date) -> LoadingList:
    """The loading list of the van's published route of the day (empty when there is none)."""
    route = published_route(vehicle, date)
    result = LoadingList(vehicle=vehicle, date=date, route=route)
    if route is None:
        return result
    stops = (
        route.stops.select_related("order__client")
        .prefetch_related("order__items__product", "order__stops")
        .order_by("-position")
    )
    totals: dict[int | None, ContainerLine] = {}
    for stop in stops:
        lines = expected_lines(stop.order)
        result.stops.append(LoadingStop(stop.position + 1, stop, lines))
        for line in lines:
            total = totals.setdefault(line.product_id, ContainerLine(line.product_id, line.name))
            total.delivered += line.delivered
            total.collected += line.collected
    result.totals = sorted(totals.values(), key=lambda t: (t.product_id is None, t.name))
    return result


def planned_loads(routes: Iterable[Route]) -> dict[int, dict[int | None, int]]:
    """What each route's orders hand over, ``{vehicle_id: {product_id: quantity}}`` (one query;
    the day page's hint for the morning load)."""
    by_id = {route.pk: route.vehicle_id for route in routes}
    out: dict[int, dict[int | None, int]] = defaultdict(dict)
    if not by_id:
        return {}
    rows = (
        OrderItem.objects.filter(
            order__route_stops__route_id__in=list(by_id), product__is_returnable=True
        )
        .values("order__route_stops__route_id", "product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for row in rows:
        vehicle_id = by_id[row["order__route_stops__route_id"]]
        quantity = int((row["total"] or Decimal("0")).to_integral_value())
        out[vehicle_id][row["product_id"]] = quantity
    return dict(out)
