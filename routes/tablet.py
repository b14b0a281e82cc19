"""Reads for the driver's tablet: today's route with its stops in order, forecast ETAs, what
each stop asks of the driver (deliver, collect, take money) and the unread messages — in a
fixed number of queries whatever the route's length."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from crm.orders.models import Order, OrderItem, PaymentMethod, Priority
from routes.models import DriverMessage, Route, RouteStop, StopState
from routes.services.containers import ContainerLine, expected_lines
from routes.services.eta import Eta, forecast
from routes.services.live import OPEN_STOP_STATES, driver_routes
from routes.services.timing import order_point, order_stop, seconds_of

CASH_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD)


@dataclass
class TabletStop:
    stop: RouteStop
    number: int
    eta: Eta | None
    address: Any
    point: tuple[float, float] | None
    amount_due: Decimal
    lines: list[ContainerLine]
    gifts: list[OrderItem]
    phone: str
    urgent: bool
    overdue: bool

    @property
    def order(self) -> Order:
        return self.stop.order

    @property
    def is_open(self) -> bool:
        return self.stop.state in OPEN_STOP_STATES

    @property
    def geo_uri(self) -> str:
        if self.point is None:
            return ""
        lat, lon = self.point
        return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"


@dataclass
class TabletRoute:
    route: Route
    stops: list[TabletStop]
    unread: list[DriverMessage] = field(default_factory=list)
    messages: list[DriverMessage] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        states = [s.stop.state for s in self.stops]
        return {
            "done": states.count(StopState.DONE),
            "failed": states.count(StopState.FAILED),
            "left": sum(1 for s in states if s in OPEN_STOP_STATES),
        }

    @property
    def cash_taken(self) -> Decimal:
        return sum(
            (s.stop.amount_taken for s in self.stops if s.stop.payment_taken == "cash"),
            Decimal("0"),
        )

    @property
    def next_stop(self) -> TabletStop | None:
        return next((s for s in self.stops if s.is_open), None)


def amount_due(order: Order) -> Decimal:
    """What the driver takes at the door: the rest of the total for cash and card orders."""
    if order.payment_method not in CASH_METHODS:
        return Decimal("0")
    return max(order.total - order.prepayment_paid, Decimal("0"))


def _phone(order: Order, address: Any) -> str:
    if address is not None and getattr(address, "receiver_phone", ""):
        return address.receiver_phone
    phones = list(order.client.phones.all())
    return phones[0].number if phones else ""


def _stops_prefetch() -> Prefetch:
    return Prefetch(
        "stops",
        queryset=RouteStop.objects.select_related("order__client")
        .prefetch_related("order__stops", "order__items__product", "order__client__phones")
        .order_by("position"),
    )


def _messages_prefetch() -> Prefetch:
    return Prefetch(
        "messages",
        queryset=DriverMessage.objects.select_related("sender").order_by("-created_at"),
    )


def _tablet_stop(stop: RouteStop, eta: Eta | None, now_s: int) -> TabletStop:
    order = stop.order
    address = order_stop(order)
    overdue = False
    windows = order.windows
    if stop.state in OPEN_STOP_STATES and windows:
        overdue = (eta is not None and eta.late) or now_s > seconds_of(windows[-1][1])
    return TabletStop(
        stop=stop,
        number=stop.position + 1,
        eta=eta,
        address=address,
        point=order_point(order),
        amount_due=amount_due(order),
        lines=expected_lines(order),
        gifts=[item for item in order.items.all() if item.is_gift],
        phone=_phone(order, address),
        urgent=order.priority == Priority.EXPRESS,
        overdue=overdue,
    )


def tablet_routes(
    user: Any, branch: Any, now: datetime.datetime | None = None, route_id: int | None = None
) -> list[TabletRoute]:
    now = now or timezone.now()
    today = timezone.localtime(now, branch.tzinfo).date()
    qs = driver_routes(user, branch, today).prefetch_related(
        _stops_prefetch(), _messages_prefetch()
    )
    if route_id is not None:
        qs = qs.filter(pk=route_id)
    now_s = seconds_of(timezone.localtime(now, branch.tzinfo).time())
    out = []
    for route in qs:
        stops = list(route.stops.all())
        etas = forecast(route, stops, now).etas
        messages = list(route.messages.all())
        out.append(
            TabletRoute(
                route=route,
                stops=[_tablet_stop(s, etas.get(s.pk), now_s) for s in stops],
                unread=[m for m in messages if not m.from_driver and m.read_at is None],
                messages=messages[:20],
            )
        )
    return out


def find_stop(routes: list[TabletRoute], stop_id: int) -> tuple[TabletRoute, TabletStop] | None:
    for tablet_route in routes:
        for tablet_stop in tablet_route.stops:
            if tablet_stop.stop.pk == stop_id:
                return tablet_route, tablet_stop
    return None
