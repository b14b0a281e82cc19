"""The pure pricing engine, table-driven: each rule alone, combinations, rounding, edge cases."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal as D

import pytest

from crm.orders import pricing
from crm.orders.pricing import BonusIn, LineIn, OrderIn, PromoIn, RuleIn

MONDAY = datetime.date(2026, 11, 23)
SATURDAY = datetime.date(2026, 11, 28)
T = datetime.time
# A square around the centre of St Petersburg (lat, lon).
CENTRE = ((59.92, 30.28), (59.92, 30.37), (59.96, 30.37), (59.96, 30.28))
INSIDE = (59.935, 30.325)
OUTSIDE = (59.85, 30.20)


def order(**kwargs) -> OrderIn:
    kwargs.setdefault("date", MONDAY)
    kwargs.setdefault("lines", [LineIn(1, D("2"), D("500.00"))])  # 1000.00 of items
    return OrderIn(**kwargs)


def rule(kind: str, rule_id: int = 1, **kwargs) -> RuleIn:
    return RuleIn(id=rule_id, kind=kind, label=kind, **kwargs)


def kinds(q: pricing.Quote) -> list[tuple[str, str]]:
    return [(line["kind"], line["amount"]) for line in q.breakdown]


# --- Each rule alone ------------------------------------------------------------------------------
SINGLE_RULES = [
    # (name, order kwargs, rules, expected breakdown, total, worker pay)
    ("no rules", {}, [], [], "1000.00", "0.00"),
    (
        "per km client and worker",
        {"distance_km": D("12.5")},
        [rule("per_km", client_rate=D("40"), worker_rate=D("25"))],
        [("per_km", "500.00")],
        "1500.00",
        "312.50",
    ),
    (
        "per km without a distance adds nothing",
        {},
        [rule("per_km", client_rate=D("40"))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "per hour",
        {"duration_hours": D("2.5")},
        [rule("per_hour", client_rate=D("600"), worker_rate=D("300"))],
        [("per_hour", "1500.00")],
        "2500.00",
        "750.00",
    ),
    (
        "minimum hours tops the hours up",
        {"duration_hours": D("1")},
        [
            rule("per_hour", 1, client_rate=D("600"), worker_rate=D("300")),
            rule("min_hours", 2, minimum=D("3")),
        ],
        [("per_hour", "600.00"), ("min_hours", "1200.00")],
        "2800.00",
        "900.00",
    ),
    (
        "minimum hours already reached",
        {"duration_hours": D("4")},
        [rule("per_hour", 1, client_rate=D("100")), rule("min_hours", 2, minimum=D("3"))],
        [("per_hour", "400.00")],
        "1400.00",
        "0.00",
    ),
    (
        "minimum hours without a per-hour rule does nothing",
        {"duration_hours": D("1")},
        [rule("min_hours", minimum=D("3"))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "minimum order amount tops up",
        {},
        [rule("min_amount", minimum=D("1500"))],
        [("min_amount", "500.00")],
        "1500.00",
        "0.00",
    ),
    (
        "minimum order amount already reached",
        {},
        [rule("min_amount", minimum=D("800"))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "night percent, window overlaps the wrapping range",
        {"window_from": T(21, 0), "window_to": T(23, 0)},
        [rule("night", percent=D("20"), time_from=T(22, 0), time_to=T(6, 0), worker_rate=D("200"))],
        [("night", "200.00")],
        "1200.00",
        "200.00",
    ),
    (
        "night: early morning window inside the wrapped part",
        {"window_from": T(5, 0), "window_to": T(7, 0)},
        [rule("night", amount=D("300"), time_from=T(22, 0), time_to=T(6, 0))],
        [("night", "300.00")],
        "1300.00",
        "0.00",
    ),
    (
        "night: a window ending exactly at 22:00 is not at night",
        {"window_from": T(9, 0), "window_to": T(22, 0)},
        [rule("night", percent=D("20"), time_from=T(22, 0), time_to=T(6, 0))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "night: no window, no surcharge",
        {},
        [rule("night", percent=D("20"), time_from=T(22, 0), time_to=T(6, 0))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "weekend on Saturday",
        {"date": SATURDAY},
        [rule("weekend", percent=D("10"), weekdays=(5, 6))],
        [("weekend", "100.00")],
        "1100.00",
        "0.00",
    ),
    (
        "weekend rule on a Monday",
        {},
        [rule("weekend", percent=D("10"), weekdays=(5, 6))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "zone: a stop inside",
        {"stops": [OUTSIDE, INSIDE]},
        [rule("zone", amount=D("250"), polygon=CENTRE)],
        [("zone", "250.00")],
        "1250.00",
        "0.00",
    ),
    (
        "zone: every stop outside",
        {"stops": [OUTSIDE]},
        [rule("zone", amount=D("250"), polygon=CENTRE)],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "express",
        {"priority": "express"},
        [rule("express", percent=D("50"))],
        [("express", "500.00")],
        "1500.00",
        "0.00",
    ),
    (
        "express rule on a normal order",
        {"priority": "normal"},
        [rule("express", percent=D("50"))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "card payment fee",
        {"payment_method": "card"},
        [rule("payment", percent=D("2.5"), payment_method="card")],
        [("payment", "25.00")],
        "1025.00",
        "0.00",
    ),
    (
        "cash discount (negative amount)",
        {"payment_method": "cash"},
        [rule("payment", amount=D("-50"), payment_method="cash")],
        [("payment", "-50.00")],
        "950.00",
        "0.00",
    ),
    (
        "payment rule of another method",
        {"payment_method": "cash"},
        [rule("payment", percent=D("2.5"), payment_method="card")],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "inactive rule",
        {"priority": "express"},
        [rule("express", percent=D("50"), is_active=False)],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "rule for another order type",
        {"distance_km": D("10"), "order_type": "delivery"},
        [rule("per_km", client_rate=D("40"), order_types=("freight",))],
        [],
        "1000.00",
        "0.00",
    ),
    (
        "rule for this order type",
        {"distance_km": D("10"), "order_type": "freight"},
        [rule("per_km", client_rate=D("40"), order_types=("freight",))],
        [("per_km", "400.00")],
        "1400.00",
        "0.00",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "rules", "breakdown", "total", "worker"),
    [case[1:] for case in SINGLE_RULES],
    ids=[case[0] for case in SINGLE_RULES],
)
def test_each_rule_alone(kwargs, rules, breakdown, total, worker):
    q = pricing.quote(order(rules=rules, **kwargs))
    assert q.subtotal == D("1000.00")
    assert kinds(q) == breakdown
    assert q.total == D(total)
    assert q.worker_pay == D(worker)
    assert q.adjustments_total == q.total - q.subtotal


# --- Combinations ---------------------------------------------------------------------------------
FREIGHT_NIGHT_WEEKEND = [
    rule("payment", 7, percent=D("3"), payment_method="card"),
    rule("per_km", 1, client_rate=D("30"), worker_rate=D("15")),
    rule("night", 2, percent=D("20"), time_from=T(22, 0), time_to=T(6, 0)),
    rule("weekend", 3, percent=D("10"), weekdays=(5, 6)),
    rule("zone", 4, amount=D("150"), polygon=CENTRE),
    rule("express", 5, amount=D("400")),
    rule("min_amount", 6, minimum=D("100000")),
]


def test_all_stages_apply_in_documented_order():
    q = pricing.quote(
        order(
            date=SATURDAY,
            window_from=T(23, 0),
            window_to=T(23, 59),
            distance_km=D("10"),
            stops=[INSIDE],
            priority="express",
            payment_method="card",
            rules=FREIGHT_NIGHT_WEEKEND,
            promo=PromoIn(7, "SALE", percent=D("5")),
        )
    )
    assert kinds(q) == [
        ("per_km", "300.00"),
        ("night", "200.00"),  # percents are of the items' amount (1000), not the running total
        ("weekend", "100.00"),
        ("zone", "150.00"),
        ("express", "400.00"),
        ("min_amount", "97850.00"),  # up to 100 000
        ("promo", "-50.00"),
        ("payment", "30.00"),
    ]
    assert q.total == D("99980.00")
    assert q.worker_pay == D("150.00")


def test_position_orders_rules_within_a_stage():
    q = pricing.quote(
        order(
            date=SATURDAY,
            priority="express",
            rules=[
                rule("express", 1, percent=D("1"), position=2),
                rule("weekend", 2, percent=D("1"), weekdays=(5,), position=1),
            ],
        )
    )
    assert [line["rule"] for line in q.breakdown] == [2, 1]


def test_minimum_is_checked_after_surcharges():
    q = pricing.quote(
        order(
            priority="express",
            rules=[rule("express", 1, percent=D("30")), rule("min_amount", 2, minimum=D("1200"))],
        )
    )
    assert kinds(q) == [("express", "300.00")]


# --- Lines, discounts and rounding ----------------------------------------------------------------
LINES = [
    # (quantity, price, line discount, client discount, expected amount)
    (D("3"), D("33.33"), D("0"), D("0"), "99.99"),
    (D("1"), D("0.05"), D("10"), D("0"), "0.05"),  # 0.045 → 0.05 half up
    (D("1"), D("0.15"), D("10"), D("0"), "0.14"),  # 0.135 → 0.14 half up
    (D("0.333"), D("10.00"), D("0"), D("0"), "3.33"),
    (D("0.335"), D("10.00"), D("0"), D("0"), "3.35"),  # 3.35 exactly
    (D("1.005"), D("1.00"), D("0"), D("0"), "1.01"),  # 1.005 → 1.01 half up (not banker's)
    (D("2"), D("500"), D("0"), D("5"), "950.00"),  # personal discount
    (D("2"), D("500"), D("10"), D("5"), "900.00"),  # the bigger discount wins, no stacking
    (D("2"), D("500"), D("3"), D("5"), "950.00"),
    (D("2"), D("500"), D("100"), D("0"), "0.00"),
]


@pytest.mark.parametrize(("quantity", "price", "line_discount", "client_discount", "amount"), LINES)
def test_line_amounts_round_half_up(quantity, price, line_discount, client_discount, amount):
    q = pricing.quote(
        order(
            lines=[LineIn(1, quantity, price, discount_percent=line_discount)],
            client_discount_percent=client_discount,
        )
    )
    assert q.lines[0].amount == D(amount)
    assert q.subtotal == D(amount)


def test_each_line_is_rounded_before_summing():
    lines = [LineIn(1, D("1"), D("0.125")), LineIn(2, D("1"), D("0.125"))]
    q = pricing.quote(order(lines=lines))
    assert [ln.amount for ln in q.lines] == [D("0.13"), D("0.13")]
    assert q.subtotal == D("0.26")  # not round(0.25)


def test_percent_adjustment_is_rounded_half_up():
    q = pricing.quote(
        order(
            lines=[LineIn(1, D("1"), D("10.50"))],
            payment_method="card",
            rules=[rule("payment", percent=D("2.5"), payment_method="card")],
        )
    )
    assert kinds(q) == [("payment", "0.26")]  # 0.2625 → 0.26
    q = pricing.quote(
        order(
            lines=[LineIn(1, D("1"), D("10.10"))],
            payment_method="card",
            rules=[rule("payment", percent=D("2.5"), payment_method="card")],
        )
    )
    assert kinds(q) == [("payment", "0.25")]  # 0.2525 → 0.25


def test_vat_is_included_in_the_amount():
    q = pricing.quote(order(lines=[LineIn(1, D("1"), D("120.00"), vat_percent=D("20"))]))
    assert q.lines[0].vat_amount == D("20.00")
    assert q.total == D("120.00")


def test_gift_lines_cost_nothing():
    q = pricing.quote(
        order(lines=[LineIn(1, D("1"), D("100")), LineIn(2, D("2"), D("50"), is_gift=True)])
    )
    assert q.subtotal == D("100.00")


# --- Promo codes ----------------------------------------------------------------------------------
PROMO = PromoIn(
    3,
    "SPRING",
    percent=D("10"),
    valid_from=datetime.date(2026, 11, 1),
    valid_to=datetime.date(2026, 11, 30),
)
PROMOS = [
    ("percent", PROMO, {}, [("promo", "-100.00")], ""),
    (
        "fixed amount",
        replace(PROMO, percent=D("0"), amount=D("150")),
        {},
        [("promo", "-150.00")],
        "",
    ),
    ("percent and amount", replace(PROMO, amount=D("5")), {}, [("promo", "-105.00")], ""),
    (
        "never below zero",
        replace(PROMO, percent=D("0"), amount=D("5000")),
        {},
        [("promo", "-1000.00")],
        "",
    ),
    ("expired", PROMO, {"date": datetime.date(2026, 12, 1)}, [], pricing.PROMO_EXPIRED),
    ("not yet valid", PROMO, {"date": datetime.date(2026, 10, 31)}, [], pricing.PROMO_NOT_YET),
    ("last valid day", PROMO, {"date": datetime.date(2026, 11, 30)}, [("promo", "-100.00")], ""),
    ("switched off", replace(PROMO, is_active=False), {}, [], pricing.PROMO_INACTIVE),
    ("used up", replace(PROMO, max_uses=5, uses=5), {}, [], pricing.PROMO_USED_UP),
    (
        "held by the order: uses not checked",
        replace(PROMO, max_uses=5, uses=5, check_uses=False),
        {},
        [("promo", "-100.00")],
        "",
    ),
    (
        "below minimum",
        replace(PROMO, min_order_amount=D("1000.01")),
        {},
        [],
        pricing.PROMO_BELOW_MIN,
    ),
    (
        "minimum reached",
        replace(PROMO, min_order_amount=D("1000.00")),
        {},
        [("promo", "-100.00")],
        "",
    ),
]


@pytest.mark.parametrize(
    ("promo", "kwargs", "breakdown", "error"),
    [case[1:] for case in PROMOS],
    ids=[case[0] for case in PROMOS],
)
def test_promo_codes(promo, kwargs, breakdown, error):
    q = pricing.quote(order(promo=promo, **kwargs))
    assert kinds(q) == breakdown
    assert q.promo_error == error
    assert q.promo_applied is (not error)


def test_promo_minimum_counts_surcharges():
    promo = replace(PROMO, min_order_amount=D("1200"))
    q = pricing.quote(
        order(priority="express", rules=[rule("express", amount=D("200"))], promo=promo)
    )
    assert q.promo_applied and q.total == D("1100.00")


# --- Gifts ----------------------------------------------------------------------------------------
GIFTS = [
    # (completed units, units in this order, every N, gifts)
    (D("0"), D("9"), 10, 0),
    (D("0"), D("10"), 10, 1),
    (D("7"), D("3"), 10, 1),
    (D("7"), D("2"), 10, 0),
    (D("9"), D("21"), 10, 3),
    (D("10"), D("5"), 10, 0),  # the 10th was already rewarded
    (D("19"), D("1"), 10, 1),
]


@pytest.mark.parametrize(("counter", "units", "every_n", "gifts"), GIFTS)
def test_every_nth_unit_earns_a_gift(counter, units, every_n, gifts):
    bonus = BonusIn(
        1,
        product_id=1,
        every_n=every_n,
        gift_product_id=9,
        gift_quantity=D("2"),
        counter_units=counter,
    )
    q = pricing.quote(order(lines=[LineIn(1, units, D("100"))], bonuses=[bonus]))
    got = q.gifts[0].gifts if q.gifts else 0
    assert got == gifts
    if gifts:
        assert q.gifts[0].quantity == D("2") * gifts
        assert q.gifts[0].product_id == 9


def test_gifts_ignore_other_products():
    bonus = BonusIn(1, product_id=2, every_n=2, gift_product_id=9, gift_quantity=D("1"))
    assert pricing.quote(order(bonuses=[bonus])).gifts == []


# --- Geometry and time helpers --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "night", "expected"),
    [
        ((T(21), T(23)), (T(22), T(6)), True),
        ((T(9), T(22)), (T(22), T(6)), False),
        ((T(6), T(9)), (T(22), T(6)), False),
        ((T(5, 30), T(6)), (T(22), T(6)), True),
        ((T(10), T(12)), (T(11), T(13)), True),  # a non-wrapping range
        ((T(13), T(14)), (T(11), T(13)), False),
        ((T(0), T(1)), (T(22), T(6)), True),
    ],
)
def test_window_at_night(window, night, expected):
    assert pricing.window_at_night(*window, *night) is expected


@pytest.mark.parametrize(
    ("point", "expected"),
    [(INSIDE, True), (OUTSIDE, False), ((59.95, 30.29), True), ((59.97, 30.30), False)],
)
def test_point_in_polygon(point, expected):
    assert pricing.point_in_polygon(point, CENTRE) is expected


def test_degenerate_polygon_matches_nothing():
    assert pricing.point_in_polygon(INSIDE, CENTRE[:2]) is False
