"""The pricing engine of Kolo orders: plain dataclasses in, a ``Quote`` out. No ORM, no Django.

``crm.orders.services.pricing`` turns orders, rules and promo codes into these dataclasses, runs
``quote()`` and writes the result back. The same function prices a live preview on the order form,
one order being saved, and thousands of schedule-generated orders (``order_reprice_many``).

Order of application (each stage in ``PriceRule.position`` order, then id):

1. **Lines.** ``amount = qty × unit price × (1 − discount)``, rounded half-up to kopecks per line.
   The discount of a line is the bigger of its own discount and the client's personal discount:
   discounts never stack. Gift lines cost nothing. ``subtotal`` = the sum of the line amounts;
   this is "the items' amount" every percent below refers to.
2. **Distance and time.** ``per_km``: ``client_rate × distance_km`` (the worker gets
   ``worker_rate × distance_km``); ``per_hour``: the same with ``duration_hours``. ``min_hours``
   tops billable hours up to its minimum, at the per-hour rules' rates (client and worker); it does
   nothing for an order without a per-hour rule.
3. **Surcharges.** ``night``, ``weekend``, ``zone``, ``express``: ``percent`` of the items'
   amount plus the fixed ``amount``. A rule's ``worker_rate`` is a fixed addition to the worker's
   pay when the surcharge applies (night or weekend work pays more).
4. **Minimum order amount.** ``min_amount`` tops the running total up to its minimum.
5. **Promo code.** ``percent`` of the items' amount plus the fixed ``amount``, taken off; never
   more than the running total. ``min_order_amount`` is compared with the running total before it.
6. **Payment method.** ``payment``: ``percent`` of the items' amount plus ``amount`` for the
   order's payment method (a card fee is positive, a cash discount negative).

Every adjustment is one breakdown line ``{"rule", "kind", "label", "amount"}`` rounded half-up to
kopecks; ``adjustments_total`` is their sum and ``total = subtotal + adjustments_total`` (never
below zero).

Time ranges: a night range may wrap midnight (22:00–06:00). An order "is at night" when its
delivery window *overlaps* the range by more than an instant (09:00–22:00 does not touch
22:00–06:00; 21:00–23:00 does). An order without a window is never at night.

Zones: a polygon of ``(lat, lon)`` vertices; the rule applies when *any* stop with coordinates is
inside (ray casting; a point exactly on an edge may fall either way).

Gifts (bonus rules): ``gifts = floor((counter + units)/N) − floor(counter/N)`` where ``counter``
is the units of completed orders and ``units`` the rule's product in this order; each gift is
``gift_quantity`` of the gift product at price 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")

# Rule kinds (the same strings as ``PriceRule.Kind``).
PER_KM = "per_km"
PER_HOUR = "per_hour"
MIN_AMOUNT = "min_amount"
MIN_HOURS = "min_hours"
NIGHT = "night"
WEEKEND = "weekend"
ZONE = "zone"
PAYMENT = "payment"
EXPRESS = "express"
SURCHARGES = (NIGHT, WEEKEND, ZONE, EXPRESS)
PROMO = "promo"
DEFAULT_WEEKEND = (5, 6)

# Why a promo code was not applied (the service turns these into messages).
PROMO_INACTIVE = "inactive"
PROMO_NOT_YET = "not_yet_valid"
PROMO_EXPIRED = "expired"
PROMO_USED_UP = "used_up"
PROMO_BELOW_MIN = "below_minimum"


def money(value: Decimal | int | str) -> Decimal:
    """Kopecks, half up (0.005 → 0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Inputs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineIn:
    product_id: int | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    vat_percent: Decimal = ZERO
    is_gift: bool = False
    key: object = None  # the caller's handle (an OrderItem, an index) passed back on the line


@dataclass(frozen=True)
class RuleIn:
    id: int | None
    kind: str
    label: str
    client_rate: Decimal = ZERO
    worker_rate: Decimal = ZERO
    amount: Decimal = ZERO
    percent: Decimal = ZERO
    minimum: Decimal = ZERO
    time_from: datetime.time | None = None
    time_to: datetime.time | None = None
    weekdays: tuple[int, ...] = ()
    polygon: tuple[tuple[float, float], ...] = ()
    payment_method: str = ""
    order_types: tuple[str, ...] = ()
    position: int = 0
    is_active: bool = True


@dataclass(frozen=True)
class PromoIn:
    id: int | None
    code: str
    percent: Decimal = ZERO
    amount: Decimal = ZERO
    min_order_amount: Decimal = ZERO
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    max_uses: int | None = None
    uses: int = 0  # by other orders
    is_active: bool = True
    check_uses: bool = True  # False for a code the order already holds (its use is counted)
    label: str = ""  # the breakdown's label; the code when empty


@dataclass(frozen=True)
class BonusIn:
    id: int | None
    product_id: int
    every_n: int
    gift_product_id: int
    gift_quantity: Decimal
    counter_units: Decimal = ZERO  # units of completed orders
    label: str = ""  # the bonus rule's name
    gift_name: str = ""  # the gift product's name, for previews


@dataclass(frozen=True)
class OrderIn:
    date: datetime.date
    lines: Sequence[LineIn]
    client_discount_percent: Decimal = ZERO
    stops: Sequence[tuple[float, float]] = ()
    distance_km: Decimal | None = None
    duration_hours: Decimal | None = None
    window_from: datetime.time | None = None
    window_to: datetime.time | None = None
    order_type: str = ""
    priority: str = "normal"
    payment_method: str = ""
    rules: Sequence[RuleIn] = ()
    promo: PromoIn | None = None
    bonuses: Sequence[BonusIn] = ()


# --- Outputs --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LineOut:
    key: object
    product_id: int | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal  # the one applied (line's or client's, whichever is bigger)
    amount: Decimal
    vat_amount: Decimal  # included in the amount


@dataclass(frozen=True)
class GiftOut:
    bonus_id: int | None
    product_id: int
    quantity: Decimal
    gifts: int
    label: str = ""
    name: str = ""  # the gift product's name


@dataclass
class Quote:
    lines: list[LineOut] = field(default_factory=list)
    subtotal: Decimal = ZERO
    breakdown: list[dict[str, object]] = field(default_factory=list)
    adjustments_total: Decimal = ZERO
    total: Decimal = ZERO
    worker_pay: Decimal = ZERO
    gifts: list[GiftOut] = field(default_factory=list)
    promo_applied: bool = False
    promo_error: str = ""  # one of PROMO_* when the promo was given but not applied


# --- Predicates -----------------------------------------------------------------------------------
def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _spans(start: int, end: int) -> list[tuple[int, int]]:
    """A daily range as half-open minute intervals; ``start > end`` wraps midnight."""
    if start == end:
        return [(0, 24 * 60)]
    if start < end:
        return [(start, end)]
    return [(start, 24 * 60), (0, end)]


def window_at_night(
    window_from: datetime.time | None,
    window_to: datetime.time | None,
    night_from: datetime.time | None,
    night_to: datetime.time | None,
) -> bool:
    """True when the window overlaps the (possibly wrapping) range by more than an instant."""
    if None in (window_from, window_to, night_from, night_to):
        return False
    windows = _spans(_minutes(window_from), _minutes(window_to))
    night = _spans(_minutes(night_from), _minutes(night_to))
    return any(
        min(w_end, n_end) > max(w_start, n_start)
        for w_start, w_end in windows
        for n_start, n_end in night
    )


def point_in_polygon(point: tuple[float, float], polygon: Sequence[Sequence[float]]) -> bool:
    """Ray casting on (lat, lon) pairs; fine for city-sized zones."""
    if len(polygon) < 3:
        return False
    y, x = float(point[0]), float(point[1])
    inside = False
    count = len(polygon)
    for i in range(count):
        y1, x1 = float(polygon[i][0]), float(polygon[i][1])
        y2, x2 = float(polygon[i - 1][0]), float(polygon[i - 1][1])
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing:
                inside = not inside
    return inside


def rule_matches(rule: RuleIn, order: OrderIn) -> bool:
    """Whether the rule's condition holds for the order (not whether it adds anything)."""
    if not rule.is_active:
        return False
    if rule.order_types and order.order_type not in rule.order_types:
        return False
    if rule.kind == NIGHT:
        return window_at_night(order.window_from, order.window_to, rule.time_from, rule.time_to)
    if rule.kind == WEEKEND:
        return order.date.weekday() in (rule.weekdays or DEFAULT_WEEKEND)
    if rule.kind == ZONE:
        return any(point_in_polygon(stop, rule.polygon) for stop in order.stops)
    if rule.kind == EXPRESS:
        return order.priority == "express"
    if rule.kind == PAYMENT:
        return bool(rule.payment_method) and rule.payment_method == order.payment_method
    return True


def promo_problem(promo: PromoIn, on_date: datetime.date, running_total: Decimal) -> str:
    """Why ``promo`` cannot be applied to an order of ``on_date`` worth ``running_total``."""
    if not promo.is_active:
        return PROMO_INACTIVE
    if promo.valid_from is not None and on_date < promo.valid_from:
        return PROMO_NOT_YET
    if promo.valid_to is not None and on_date > promo.valid_to:
        return PROMO_EXPIRED
    if promo.check_uses and promo.max_uses is not None and promo.uses >= promo.max_uses:
        return PROMO_USED_UP
    if running_total < promo.min_order_amount:
        return PROMO_BELOW_MIN
    return ""


# --- The engine -----------------------------------------------------------------------------------
def price_line(line: LineIn, client_discount: Decimal) -> LineOut:
    if line.is_gift:
        return LineOut(line.key, line.product_id, line.quantity, ZERO, ZERO, ZERO, ZERO)
    discount = max(line.discount_percent or ZERO, client_discount or ZERO)
    amount = money(line.quantity * line.unit_price * (HUNDRED - discount) / HUNDRED)
    rate = line.vat_percent or ZERO
    vat = money(amount * rate / (HUNDRED + rate)) if rate else ZERO
    return LineOut(line.key, line.product_id, line.quantity, line.unit_price, discount, amount, vat)


def compute_gifts(lines: Sequence[LineIn], bonuses: Sequence[BonusIn]) -> list[GiftOut]:
    gifts = []
    for bonus in bonuses:
        if bonus.every_n < 1:
            continue
        units = sum(
            (ln.quantity for ln in lines if ln.product_id == bonus.product_id and not ln.is_gift),
            ZERO,
        )
        if units <= 0:
            continue
        counter = bonus.counter_units or ZERO
        earned = int((counter + units) // bonus.every_n) - int(counter // bonus.every_n)
        if earned > 0:
            gifts.append(
                GiftOut(
                    bonus.id,
                    bonus.gift_product_id,
                    bonus.gift_quantity * earned,
                    earned,
                    bonus.label,
                    bonus.gift_name,
                )
            )
    return gifts


class _Builder:
    """Accumulates breakdown lines and the worker's pay while the stages run."""

    def __init__(self, subtotal: Decimal) -> None:
        self.subtotal = subtotal
        self.breakdown: list[dict[str, object]] = []
        self.adjustments = ZERO
        self.worker = ZERO

    @property
    def running(self) -> Decimal:
        return self.subtotal + self.adjustments

    def add(self, rule_id: int | None, kind: str, label: str, amount: Decimal) -> None:
        amount = money(amount)
        if amount == 0:
            return
        self.adjustments += amount
        self.breakdown.append(
            {"rule": rule_id, "kind": kind, "label": label, "amount": str(amount)}
        )

    def percent_and_amount(self, rule: RuleIn | PromoIn, sign: int = 1) -> Decimal:
        return sign * (self.subtotal * (rule.percent or ZERO) / HUNDRED + (rule.amount or ZERO))


def _ordered(rules: Sequence[RuleIn], *kinds: str) -> list[RuleIn]:
    chosen = [r for r in rules if r.kind in kinds]
    return sorted(chosen, key=lambda r: (r.position, r.id or 0))


def _time_charges(b: _Builder, order: OrderIn, rules: list[RuleIn]) -> None:
    km = order.distance_km or ZERO
    hours = order.duration_hours or ZERO
    for rule in _ordered(rules, PER_KM):
        b.add(rule.id, PER_KM, rule.label, rule.client_rate * km)
        b.worker += money(rule.worker_rate * km)
    per_hour = _ordered(rules, PER_HOUR)
    for rule in per_hour:
        b.add(rule.id, PER_HOUR, rule.label, rule.client_rate * hours)
        b.worker += money(rule.worker_rate * hours)
    if not per_hour:
        return
    for rule in _ordered(rules, MIN_HOURS):
        missing = rule.minimum - hours
        if missing > 0:
            b.add(rule.id, MIN_HOURS, rule.label, missing * sum(r.client_rate for r in per_hour))
            b.worker += money(missing * sum(r.worker_rate for r in per_hour))
            hours = rule.minimum


def _surcharges(b: _Builder, rules: list[RuleIn]) -> None:
    for rule in _ordered(rules, *SURCHARGES):
        b.add(rule.id, rule.kind, rule.label, b.percent_and_amount(rule))
        b.worker += money(rule.worker_rate)


def _minimums(b: _Builder, rules: list[RuleIn]) -> None:
    for rule in _ordered(rules, MIN_AMOUNT):
        if b.running < rule.minimum:
            b.add(rule.id, MIN_AMOUNT, rule.label, rule.minimum - b.running)


def _promo(b: _Builder, order: OrderIn, quote: Quote) -> None:
    promo = order.promo
    if promo is None:
        return
    problem = promo_problem(promo, order.date, b.running)
    if problem:
        quote.promo_error = problem
        return
    discount = min(money(b.percent_and_amount(promo)), max(b.running, ZERO))
    b.add(promo.id, PROMO, promo.label or promo.code, -discount)
    quote.promo_applied = True


def quote(order: OrderIn) -> Quote:
    """Price one order; see the module docstring for the stages and rounding."""
    result = Quote()
    result.lines = [price_line(ln, order.client_discount_percent) for ln in order.lines]
    subtotal = sum((ln.amount for ln in result.lines), ZERO)
    b = _Builder(subtotal)
    rules = [r for r in order.rules if rule_matches(r, order)]
    _time_charges(b, order, rules)
    _surcharges(b, rules)
    _minimums(b, rules)
    _promo(b, order, result)
    for rule in _ordered(rules, PAYMENT):
        b.add(rule.id, PAYMENT, rule.label, b.percent_and_amount(rule))
    result.subtotal = money(subtotal)
    result.breakdown = b.breakdown
    result.adjustments_total = money(b.adjustments)
    result.total = max(money(subtotal + b.adjustments), ZERO)
    result.worker_pay = money(b.worker)
    result.gifts = compute_gifts(order.lines, order.bonuses)
    return result
