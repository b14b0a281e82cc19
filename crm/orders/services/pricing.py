"""Glue between orders and the pricing engine (``crm.orders.pricing``).

- ``catalogue_price(*, client, product, on_date)``: the client's group price-list price valid on
  that date (the cheapest when several lists apply), else the catalogue price;
- ``order_reprice(order, *, promo_code="")``: prices a saved order and writes the result (line
  amounts, gift lines, totals, worker's pay, distance, the breakdown, the promo code);
- ``order_reprice_many(order_ids)``: the same for thousands of orders with a handful of queries
  per chunk (rules and bonus rules loaded once, bulk writes);
- ``order_quote(…)``: a non-persisting price for the order form's live preview;
- ``bonus_on_completed(order)``: adds a completed order's units to the client's bonus counters.

A promo code typed by the user is checked against the order's date (not today), its uses by other
non-cancelled orders and its minimum; any problem raises ``ValidationError({"promo_code": …})``
before anything is written. A code the order already holds is re-applied when it still fits and
silently gives nothing when it no longer does (it stays on the order)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.services import client_set_bonus_count
from crm.core.bulk import bulk_update_rows
from crm.orders import pricing
from crm.orders.models import (
    BonusCounter,
    BonusRule,
    Order,
    OrderItem,
    OrderStatus,
    PriceListItem,
    PriceRule,
    Product,
    PromoCode,
    VatRate,
)
from routes.optimizer.distance import HaversineProvider

CHUNK = 500
ORDER_PRICE_FIELDS = [
    "subtotal",
    "adjustments_total",
    "total",
    "worker_pay",
    "distance_km",
    "price_breakdown",
    "promo_code",
]


# --- Catalogue prices -----------------------------------------------------------------------------
def _valid_on(on_date: datetime.date, prefix: str = "price_list__") -> Q:
    return (
        Q(**{f"{prefix}is_active": True})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on_date}))
        & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on_date}))
    )


def catalogue_price(*, client: Any, product: Product, on_date: datetime.date) -> Decimal:
    """The price-list price of the client's group valid on ``on_date``, else the product's."""
    group_id = getattr(client, "group_id", None)
    if group_id is None:
        return product.price
    listed = (
        PriceListItem.objects.filter(_valid_on(on_date), product=product)
        .filter(price_list__client_groups=group_id)
        .order_by("price")
        .values_list("price", flat=True)
        .first()
    )
    return product.price if listed is None else listed


class PriceBook:
    """Every active price list's lines loaded once, for pricing many orders in Python."""

    def __init__(self) -> None:
        self._rows: dict[tuple[int, int], list[tuple[Any, Any, Decimal]]] = defaultdict(list)
        rows = PriceListItem.objects.filter(price_list__is_active=True).values_list(
            "product_id",
            "price",
            "price_list__valid_from",
            "price_list__valid_to",
            "price_list__client_groups",
        )
        for product_id, price, valid_from, valid_to, group_id in rows:
            if group_id is not None:
                self._rows[(group_id, product_id)].append((valid_from, valid_to, price))

    def price(self, *, group_id: int | None, product: Product, on_date: datetime.date) -> Decimal:
        prices = [
            price
            for valid_from, valid_to, price in self._rows.get((group_id or 0, product.pk), [])
            if (valid_from is None or valid_from <= on_date)
            and (valid_to is None or valid_to >= on_date)
        ]
        return min(prices) if prices else product.price


# --- Building the engine's input ------------------------------------------------------------------
def rule_input(rule: PriceRule) -> pricing.RuleIn:
    return pricing.RuleIn(
        id=rule.pk,
        kind=rule.kind,
        label=rule.name,
        client_rate=rule.client_rate,
        worker_rate=rule.worker_rate,
        amount=rule.amount,
        percent=rule.percent,
        minimum=rule.minimum,
        time_from=rule.time_from,
        time_to=rule.time_to,
        weekdays=tuple(int(d) for d in rule.weekdays or ()),
        polygon=tuple((float(p[0]), float(p[1])) for p in rule.polygon or ()),
        payment_method=rule.payment_method,
        order_types=tuple(rule.order_types or ()),
        position=rule.position,
        is_active=rule.is_active,
    )


def active_rules() -> list[PriceRule]:
    return list(PriceRule.objects.filter(is_active=True).order_by("position", "id"))


def rules_for_branch(rules: Iterable[PriceRule], branch_id: int | None) -> list[pricing.RuleIn]:
    """A rule without a branch applies everywhere; the engine filters by order type."""
    return [rule_input(r) for r in rules if r.branch_id is None or r.branch_id == branch_id]


def promo_label(code: str) -> str:
    return _("Promo code %(code)s") % {"code": code}


def promo_input(promo: PromoCode, *, exclude_order_id: int | None, check_uses: bool) -> Any:
    uses = 0
    if check_uses and promo.max_uses is not None:
        uses = (
            Order.objects.filter(promo_code=promo)
            .exclude(status=OrderStatus.CANCELLED)
            .exclude(pk=exclude_order_id)
            .count()
        )
    return pricing.PromoIn(
        id=promo.pk,
        code=promo.code,
        percent=promo.percent,
        amount=promo.amount,
        min_order_amount=promo.min_order_amount,
        valid_from=promo.valid_from,
        valid_to=promo.valid_to,
        max_uses=promo.max_uses,
        uses=uses,
        is_active=promo.is_active,
        check_uses=check_uses,
        label=promo_label(promo.code),
    )


def find_promo(code: str) -> PromoCode:
    promo = PromoCode.objects.filter(code__iexact=code.strip()).first()
    if promo is None:
        raise ValidationError(
            {"promo_code": [_("There is no promo code “%(code)s”.") % {"code": code.strip()}]}
        )
    return promo


def promo_error(promo: PromoCode, problem: str) -> ValidationError:
    """A message a user can act on for each reason the engine refused the code."""
    values = {
        "code": promo.code,
        "from": date_format(promo.valid_from, "SHORT_DATE_FORMAT"),
        "to": date_format(promo.valid_to, "SHORT_DATE_FORMAT"),
        "amount": promo.min_order_amount,
    }
    messages = {
        pricing.PROMO_INACTIVE: _("The promo code “%(code)s” is switched off."),
        pricing.PROMO_NOT_YET: _("The promo code “%(code)s” is valid from %(from)s."),
        pricing.PROMO_EXPIRED: _("The promo code “%(code)s” expired on %(to)s."),
        pricing.PROMO_USED_UP: _("The promo code “%(code)s” has been used up."),
        pricing.PROMO_BELOW_MIN: _(
            "The promo code “%(code)s” needs an order of at least %(amount)s."
        ),
    }
    return ValidationError({"promo_code": [messages[problem] % values]})


def bonus_rules() -> list[BonusRule]:
    return list(BonusRule.objects.filter(is_active=True).select_related("gift_product"))


def counters_for(client_ids: Iterable[int]) -> dict[tuple[int, int], Decimal]:
    return {
        (c.client_id, c.rule_id): c.units
        for c in BonusCounter.objects.filter(client_id__in=list(client_ids))
    }


def bonus_inputs(
    rules: Sequence[BonusRule],
    counters: dict[tuple[int, int], Decimal],
    client_id: int,
    own_units: dict[int, Decimal] | None = None,
) -> list[pricing.BonusIn]:
    """``own_units``: a completed order's own units, already in the counter, taken back out."""
    own_units = own_units or {}
    return [
        pricing.BonusIn(
            id=rule.pk,
            product_id=rule.product_id,
            every_n=rule.every_n,
            gift_product_id=rule.gift_product_id,
            gift_quantity=rule.gift_quantity,
            counter_units=max(
                counters.get((client_id, rule.pk), Decimal("0"))
                - own_units.get(rule.product_id, Decimal("0")),
                Decimal("0"),
            ),
            label=rule.name,
            gift_name=rule.gift_product.name,
        )
        for rule in rules
    ]


def road_factor() -> float:
    return float(getattr(settings, "ROUTING_ROAD_FACTOR", 1.3))


def route_km(points: Sequence[tuple[float, float]]) -> Decimal | None:
    """Kilometres along the stops in their order (the routing provider's legs), or None when
    fewer than two stops have coordinates."""
    if len(points) < 2:
        return None
    distances, _durations = HaversineProvider(road_factor=road_factor()).matrix(points)
    metres = sum(distances[i][i + 1] for i in range(len(points) - 1))
    return (Decimal(metres) / 1000).quantize(Decimal("0.01"))


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    if lat is None or lon is None or lat == "" or lon == "":
        return None
    return (float(lat), float(lon))


def item_line(item: OrderItem) -> pricing.LineIn:
    return pricing.LineIn(
        product_id=item.product_id,
        quantity=item.quantity,
        unit_price=item.unit_price,
        discount_percent=item.discount_percent,
        vat_percent=VatRate.percent(item.vat_rate),
        is_gift=item.is_gift,
        key=item,
    )


def order_input(
    order: Order,
    *,
    items: Sequence[OrderItem],
    points: Sequence[tuple[float, float]],
    rules: list[pricing.RuleIn],
    promo: Any,
    bonuses: list[pricing.BonusIn],
) -> pricing.OrderIn:
    distance = route_km(points)
    return pricing.OrderIn(
        date=order.date,
        lines=[item_line(i) for i in items if not i.is_gift],
        client_discount_percent=order.client.discount_percent,
        stops=points,
        distance_km=distance if distance is not None else order.distance_km,
        duration_hours=order.duration_hours,
        window_from=order.window_from,
        window_to=order.window_to,
        order_type=order.order_type,
        priority=order.priority,
        payment_method=order.payment_method,
        rules=rules,
        promo=promo,
        bonuses=bonuses,
    )


def _stop_points(stops: Iterable[Any]) -> list[tuple[float, float]]:
    return [p for s in stops if (p := _point(s.latitude, s.longitude)) is not None]


# --- Writing the result ---------------------------------------------------------------------------
def _gift_items(
    order: Order, quote: pricing.Quote, rules: dict[int, BonusRule], start: int
) -> list:
    rows = []
    for offset, gift in enumerate(quote.gifts):
        rule = rules[gift.bonus_id]
        product = rule.gift_product
        rows.append(
            OrderItem(
                order=order,
                product=product,
                name=product.name,
                unit=product.unit,
                quantity=gift.quantity,
                unit_price=Decimal("0"),
                vat_rate=product.vat_rate,
                amount=Decimal("0"),
                is_gift=True,
                bonus_rule=rule,
                position=start + offset,
            )
        )
    return rows


def _apply(order: Order, quote: pricing.Quote, distance: Decimal | None) -> list[OrderItem]:
    """Copy the quote onto the order and its lines (unsaved); returns the changed lines."""
    changed = []
    for line in quote.lines:
        item: OrderItem = line.key  # type: ignore[assignment]
        if item.amount != line.amount:
            item.amount = line.amount
            changed.append(item)
    order.subtotal = quote.subtotal
    order.adjustments_total = quote.adjustments_total
    order.total = quote.total
    order.worker_pay = quote.worker_pay
    if distance is not None:
        order.distance_km = distance
    order.price_breakdown = quote.breakdown
    return changed


def _own_units(order: Order, items: Sequence[OrderItem]) -> dict[int, Decimal]:
    """A completed order's units are already in the counter: take them back out."""
    if order.status != OrderStatus.COMPLETED:
        return {}
    units: dict[int, Decimal] = defaultdict(Decimal)
    for item in items:
        if item.product_id and not item.is_gift:
            units[item.product_id] += item.quantity
    return units


def _resolve_promo(order: Order, promo_code: str) -> tuple[PromoCode | None, bool]:
    """(the promo to apply, whether the user typed it now)."""
    code = (promo_code or "").strip()
    if code:
        promo = find_promo(code)
        return promo, promo.pk != order.promo_code_id
    return order.promo_code, False


@transaction.atomic
def order_reprice(order: Order, *, promo_code: str = "") -> Order:
    """Price the saved order and write the result; nothing is written when the promo fails."""
    promo, typed = _resolve_promo(order, promo_code)
    items = list(order.items.select_related("product").order_by("position", "id"))
    points = _stop_points(order.stops.all())
    rules = rules_for_branch(active_rules(), order.branch_id)
    gift_rules = bonus_rules()
    bonuses = bonus_inputs(
        gift_rules, counters_for([order.client_id]), order.client_id, _own_units(order, items)
    )
    promo_in = promo_input(promo, exclude_order_id=order.pk, check_uses=typed) if promo else None
    data = order_input(
        order, items=items, points=points, rules=rules, promo=promo_in, bonuses=bonuses
    )
    quote = pricing.quote(data)
    if typed and quote.promo_error:
        raise promo_error(promo, quote.promo_error)

    changed = _apply(order, quote, data.distance_km if len(points) >= 2 else None)
    if changed:
        OrderItem.objects.bulk_update(changed, ["amount"])
    OrderItem.objects.filter(order=order, is_gift=True).delete()
    start = max((i.position for i in items), default=-1) + 1
    OrderItem.objects.bulk_create(_gift_items(order, quote, {r.pk: r for r in gift_rules}, start))
    order.promo_code = promo
    order.save(update_fields=[*ORDER_PRICE_FIELDS, "updated_at"])
    return order


def order_reprice_many(order_ids: list[int]) -> None:
    """Re-price many orders at once (schedule generation): rules and bonus rules loaded once,
    each chunk read with three queries and written with bulk updates. Orders keep their promo
    code; it gives nothing when it no longer fits."""
    ids = sorted(set(order_ids))
    if not ids:
        return
    all_rules = active_rules()
    gift_rules = bonus_rules()
    by_id = {r.pk: r for r in gift_rules}
    by_branch: dict[int, list[pricing.RuleIn]] = {}
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            _reprice_chunk(ids[start : start + CHUNK], all_rules, by_branch, gift_rules, by_id)


def _reprice_chunk(
    ids: list[int],
    all_rules: list[PriceRule],
    by_branch: dict[int, list[pricing.RuleIn]],
    gift_rules: list[BonusRule],
    by_id: dict[int, BonusRule],
) -> None:
    orders = list(
        Order.objects.filter(pk__in=ids)
        .select_related("client", "promo_code")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("position", "id")), "stops"
        )
    )
    counters = counters_for({o.client_id for o in orders}) if gift_rules else {}
    changed_items: list[OrderItem] = []
    gifts: list[OrderItem] = []
    for order in orders:
        if order.branch_id not in by_branch:
            by_branch[order.branch_id] = rules_for_branch(all_rules, order.branch_id)
        items = list(order.items.all())
        points = _stop_points(order.stops.all())
        promo = order.promo_code
        data = order_input(
            order,
            items=items,
            points=points,
            rules=by_branch[order.branch_id],
            promo=promo_input(promo, exclude_order_id=order.pk, check_uses=False)
            if promo
            else None,
            bonuses=bonus_inputs(gift_rules, counters, order.client_id, _own_units(order, items)),
        )
        quote = pricing.quote(data)
        changed_items += _apply(order, quote, data.distance_km if len(points) >= 2 else None)
        start = max((i.position for i in items), default=-1) + 1
        gifts += _gift_items(order, quote, by_id, start)
    if changed_items:
        bulk_update_rows(changed_items, ["amount"])
    OrderItem.objects.filter(order_id__in=ids, is_gift=True).delete()
    if gifts:
        OrderItem.objects.bulk_create(gifts, batch_size=1000)
    if orders:
        bulk_update_rows(orders, ORDER_PRICE_FIELDS)


# --- Live preview ---------------------------------------------------------------------------------
def _preview_line(client: Any, on_date: datetime.date, item: dict[str, Any]) -> pricing.LineIn:
    product: Product | None = item.get("product")
    price = item.get("unit_price")
    if price is None or price == "":
        price = catalogue_price(client=client, product=product, on_date=on_date) if product else 0
    vat = item.get("vat_rate") or (product.vat_rate if product else VatRate.NONE)
    return pricing.LineIn(
        product_id=product.pk if product else None,
        quantity=Decimal(item.get("quantity") or 0),
        unit_price=Decimal(price),
        discount_percent=Decimal(item.get("discount_percent") or 0),
        vat_percent=VatRate.percent(vat),
    )


def _preview_point(stop: dict[str, Any]) -> tuple[float, float] | None:
    point = _point(stop.get("latitude"), stop.get("longitude"))
    address = stop.get("client_address")
    if point is None and address is not None:
        point = _point(address.latitude, address.longitude)
    return point


def order_quote(
    *,
    client: Any,
    branch: Any,
    data: dict[str, Any],
    items: list[dict[str, Any]],
    stops: list[dict[str, Any]],
    promo_code: str = "",
) -> pricing.Quote:
    """The price of an order being typed (``OrderInput`` shapes); nothing is saved. Raises
    ``ValidationError({"promo_code": …})`` like ``order_reprice`` for a bad code."""
    on_date = data.get("date") or datetime.date.today()
    points = [p for s in stops if (p := _preview_point(s)) is not None]
    promo = find_promo(promo_code) if (promo_code or "").strip() else None
    gift_rules = bonus_rules()
    quote = pricing.quote(
        pricing.OrderIn(
            date=on_date,
            lines=[_preview_line(client, on_date, i) for i in items],
            client_discount_percent=getattr(client, "discount_percent", Decimal("0")),
            stops=points,
            distance_km=route_km(points),
            duration_hours=data.get("duration_hours"),
            window_from=data.get("window_from"),
            window_to=data.get("window_to"),
            order_type=data.get("order_type") or "",
            priority=data.get("priority") or "normal",
            payment_method=data.get("payment_method") or "",
            rules=rules_for_branch(active_rules(), getattr(branch, "pk", None)),
            promo=promo_input(promo, exclude_order_id=None, check_uses=True) if promo else None,
            bonuses=bonus_inputs(gift_rules, counters_for([client.pk]), client.pk)
            if client is not None and client.pk
            else [],
        )
    )
    if promo is not None and quote.promo_error:
        raise promo_error(promo, quote.promo_error)
    return quote


# --- Bonus ----------------------------------------------------------------------------------------
def bonus_on_completed(order: Order) -> None:
    """Count the completed order's units towards each active bonus rule of its products (rows
    locked), then mirror "units towards the next gift" of the client's first rule on the card."""
    units: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in order.items.filter(
        is_gift=False, product__isnull=False
    ).values_list("product_id", "quantity"):
        units[product_id] += quantity
    rules = list(BonusRule.objects.filter(is_active=True, product_id__in=list(units)))
    for rule in rules:
        counter, _created = BonusCounter.objects.select_for_update().get_or_create(
            client_id=order.client_id, rule=rule
        )
        before = counter.units
        after = before + units[rule.product_id]
        earned = int(after // rule.every_n) - int(before // rule.every_n)
        counter.units = after
        counter.gifts_given = counter.gifts_given + max(earned, 0)
        counter.save(update_fields=["units", "gifts_given"])
    if rules:
        client_set_bonus_count(client_id=order.client_id, count=bonus_progress(order.client_id)[0])


def bonus_progress(client_id: int) -> tuple[int, int, str]:
    """(units towards the next gift, N, the product's name) of the client's first active rule
    with a counter — what the client card shows — or (0, 0, "") without one."""
    counter = (
        BonusCounter.objects.filter(client_id=client_id, rule__is_active=True)
        .select_related("rule__product")
        .order_by("rule__name", "rule_id")
        .first()
    )
    if counter is None:
        return 0, 0, ""
    rule = counter.rule
    return int(counter.units % rule.every_n), rule.every_n, rule.product.name
