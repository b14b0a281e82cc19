"""Pricing through the DB: price lists, order_reprice, promo errors, gifts, bulk re-pricing."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client, ClientGroup
from crm.orders.models import (
    BonusCounter,
    BonusRule,
    Order,
    OrderItem,
    OrderStatus,
    OrderStop,
    PriceList,
    PriceListItem,
    PriceRule,
    PromoCode,
)
from crm.orders.services import OrderInput, order_transition, order_update
from crm.orders.services.orders import branch_today
from crm.orders.services.pricing import (
    PriceBook,
    bonus_on_completed,
    catalogue_price,
    order_quote,
    order_reprice,
    order_reprice_many,
)
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(branch):
    return branch_today(branch)


@pytest.fixture
def client(branch, users):
    return make_client(branch=branch, manager=users["manager"])


def _promo(today, **fields) -> PromoCode:
    fields.setdefault("code", "SPRING")
    fields.setdefault("percent", D("10"))
    fields.setdefault("valid_from", today - datetime.timedelta(days=10))
    fields.setdefault("valid_to", today + datetime.timedelta(days=10))
    return PromoCode.objects.create(**fields)


# --- Catalogue prices -----------------------------------------------------------------------------
def test_price_list_of_the_group_applies_within_its_dates(client, today):
    group = ClientGroup.objects.create(name="Опт")
    Client.objects.filter(pk=client.pk).update(group=group)
    client.refresh_from_db()
    product = make_product(price=D("300.00"))
    plist = PriceList.objects.create(
        name="Опт-2026", valid_from=today, valid_to=today + datetime.timedelta(days=30)
    )
    plist.client_groups.add(group)
    PriceListItem.objects.create(price_list=plist, product=product, price=D("250.00"))
    cheaper = PriceList.objects.create(name="Акция")
    cheaper.client_groups.add(group)
    PriceListItem.objects.create(price_list=cheaper, product=product, price=D("240.00"))
    off = PriceList.objects.create(name="Выключен", is_active=False)
    off.client_groups.add(group)
    PriceListItem.objects.create(price_list=off, product=product, price=D("1.00"))
    book = PriceBook()

    cases = [
        (client, today, D("240.00")),  # the cheapest valid list
        (client, today - datetime.timedelta(days=1), D("240.00")),  # undated list still valid
    ]
    for who, on_date, expected in cases:
        assert catalogue_price(client=who, product=product, on_date=on_date) == expected
        assert book.price(group_id=who.group_id, product=product, on_date=on_date) == expected
    cheaper.delete()
    assert catalogue_price(client=client, product=product, on_date=today) == D("250.00")
    later = today + datetime.timedelta(days=31)
    assert catalogue_price(client=client, product=product, on_date=later) == D("300.00")
    other = make_client(branch=client.branch)
    assert catalogue_price(client=other, product=product, on_date=today) == D("300.00")


def test_new_order_takes_the_price_list_price_and_personal_discount(client, users, today):
    group = ClientGroup.objects.create(name="Офисы")
    Client.objects.filter(pk=client.pk).update(group=group, discount_percent=D("5"))
    client.refresh_from_db()
    product = make_product(price=D("300.00"))
    plist = PriceList.objects.create(name="Офисы")
    plist.client_groups.add(group)
    PriceListItem.objects.create(price_list=plist, product=product, price=D("200.00"))
    order = make_order(client=client, actor=users["operator"], product=product, quantity=3)
    item = order.items.get()
    assert item.unit_price == D("200.00")
    assert item.amount == D("570.00")  # 600 − 5 %
    assert order.total == D("570.00")


# --- order_reprice ---------------------------------------------------------------------------
def test_breakdown_shows_each_rule(client, users, branch, today):
    night = PriceRule.objects.create(
        name="Вечер",
        kind="night",
        percent=D("10"),
        time_from=datetime.time(20, 0),
        time_to=datetime.time(6, 0),
    )
    card = PriceRule.objects.create(
        name="Карта", kind="payment", percent=D("2"), payment_method="card"
    )
    PriceRule.objects.create(
        name="Чужой филиал", kind="express", amount=D("999"), branch=None, is_active=False
    )
    order = make_order(
        client=client,
        actor=users["operator"],
        product=make_product(price=D("1000.00")),
        window_from=datetime.time(19, 0),
        window_to=datetime.time(21, 0),
        payment_method="card",
    )
    assert order.price_breakdown == [
        {"rule": night.pk, "kind": "night", "label": "Вечер", "amount": "100.00"},
        {"rule": card.pk, "kind": "payment", "label": "Карта", "amount": "20.00"},
    ]
    assert (order.subtotal, order.adjustments_total, order.total) == (
        D("1000.00"),
        D("120.00"),
        D("1120.00"),
    )


def test_rules_of_another_branch_do_not_apply(client, users, other_branch):
    PriceRule.objects.create(
        name="Москва", kind="payment", amount=D("50"), payment_method="cash", branch=other_branch
    )
    order = make_order(client=client, actor=users["operator"], payment_method="cash")
    assert order.price_breakdown == []


def test_multi_stop_distance_prices_per_km_and_worker_pay(client, users):
    PriceRule.objects.create(
        name="Км", kind="per_km", client_rate=D("40"), worker_rate=D("20"), order_types=["freight"]
    )
    stops = [
        {"address": "А", "latitude": D("59.935"), "longitude": D("30.325")},
        {"address": "Б", "latitude": D("59.935"), "longitude": D("30.425")},
        {"address": "В", "latitude": D("59.985"), "longitude": D("30.425")},
    ]
    order = make_order(client=client, actor=users["operator"], stops=stops, order_type="freight")
    # 5.6 km + 5.6 km great circle × 1.3 road factor
    assert D("14") < order.distance_km < D("15")
    per_km = order.price_breakdown[0]
    assert per_km["kind"] == "per_km"
    assert D(per_km["amount"]) == (order.distance_km * 40).quantize(D("0.01"))
    assert order.worker_pay == (order.distance_km * 20).quantize(D("0.01"))


def test_road_factor_setting_is_used(client, users, settings):
    stops = [
        {"address": "А", "latitude": D("59.935"), "longitude": D("30.325")},
        {"address": "Б", "latitude": D("59.935"), "longitude": D("30.425")},
    ]
    settings.ROUTING_ROAD_FACTOR = 1.0
    plain = make_order(client=client, actor=users["operator"], stops=stops)
    settings.ROUTING_ROAD_FACTOR = 2.0
    doubled = order_reprice(plain)
    assert abs(doubled.distance_km - 2 * D("5.59")) < D("0.05")


def test_valid_promo_code_applies_case_insensitively(client, users, today):
    promo = _promo(today)
    order = make_order(
        client=client,
        actor=users["operator"],
        product=make_product(price=D("500")),
        promo_code="spring",
    )
    assert order.promo_code == promo
    assert order.total == D("450.00")
    assert order.price_breakdown[-1]["kind"] == "promo"


PROMO_ERRORS = [
    ("unknown", {}, "NOPE", "There is no promo code “NOPE”."),
    ("expired", {"valid_to_days": -1}, "SPRING", "expired on"),
    ("not yet valid", {"valid_from_days": 1}, "SPRING", "is valid from"),
    ("switched off", {"is_active": False}, "SPRING", "switched off"),
    ("below minimum", {"min_order_amount": D("5000")}, "SPRING", "needs an order of at least"),
    ("used up", {"max_uses": 1, "used": True}, "SPRING", "used up"),
]


@pytest.mark.parametrize(
    ("setup", "code", "message"), [c[1:] for c in PROMO_ERRORS], ids=[c[0] for c in PROMO_ERRORS]
)
def test_bad_promo_codes_save_nothing(client, users, today, setup, code, message):
    setup = dict(setup)
    fields = {}
    if "valid_to_days" in setup:
        fields["valid_from"] = today - datetime.timedelta(days=10)
        fields["valid_to"] = today + datetime.timedelta(days=setup.pop("valid_to_days"))
    if "valid_from_days" in setup:
        fields["valid_from"] = today + datetime.timedelta(days=setup.pop("valid_from_days"))
        fields["valid_to"] = today + datetime.timedelta(days=10)
    used = setup.pop("used", False)
    promo = _promo(today, **fields, **setup)
    if used:
        make_order(client=client, actor=users["operator"], promo_code="SPRING")
    orders_before = Order.objects.count()
    items_before = OrderItem.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_order(client=client, actor=users["operator"], promo_code=code)
    assert message in caught.value.message_dict["promo_code"][0]
    assert Order.objects.count() == orders_before
    assert OrderItem.objects.count() == items_before
    assert promo.orders.count() == (1 if used else 0)


def test_bad_promo_on_update_leaves_the_order_as_it_was(client, users, today):
    _promo(
        today,
        code="OLD",
        valid_to=today - datetime.timedelta(days=1),
        valid_from=today - datetime.timedelta(days=5),
    )
    product = make_product(price=D("100"))
    order = make_order(client=client, actor=users["operator"], product=product, quantity=2)
    payload = OrderInput(
        client=client,
        data={"date": order.date, "payment_method": "cash"},
        items=[{"product": product, "quantity": D("5")}],
        stops=[{"address": "Новый адрес"}],
        promo_code="OLD",
    )
    with pytest.raises(ValidationError):
        order_update(actor=users["operator"], order=order, payload=payload)
    order.refresh_from_db()
    assert order.total == D("200.00")
    assert order.items.get().quantity == D("2")
    assert order.stops.get().address != "Новый адрес"


def test_empty_promo_code_keeps_the_current_one(client, users, today):
    promo = _promo(today)
    order = make_order(
        client=client,
        actor=users["operator"],
        product=make_product(price=D("100")),
        promo_code="SPRING",
    )
    order = order_reprice(order)
    assert order.promo_code == promo
    assert order.total == D("90.00")
    PromoCode.objects.filter(pk=promo.pk).update(max_uses=1)  # its own use does not count
    assert order_reprice(order, promo_code="SPRING").total == D("90.00")


# --- Gifts and the bonus counter ------------------------------------------------------------------
@pytest.fixture
def bottle_bonus():
    bottle = make_product(name="Вода 19 л", price=D("350"), is_returnable=True)
    cups = make_product(name="Стаканчики", price=D("90"))
    rule = BonusRule.objects.create(
        name="10-я бутыль", product=bottle, every_n=10, gift_product=cups, gift_quantity=D("2")
    )
    return bottle, cups, rule


def _complete(order, users):
    for role, target in (
        ("operator", OrderStatus.CONFIRMED),
        ("dispatcher", OrderStatus.IN_WORK),
        ("dispatcher", OrderStatus.COMPLETED),
    ):
        order = order_transition(actor=users[role], order=order, target=target)
    return order


def test_gift_line_and_counter(client, users, bottle_bonus):
    bottle, cups, rule = bottle_bonus
    first = make_order(client=client, actor=users["operator"], product=bottle, quantity=7)
    assert not first.items.filter(is_gift=True).exists()
    _complete(first, users)
    counter = BonusCounter.objects.get(client=client, rule=rule)
    assert counter.units == D("7")
    client.refresh_from_db()
    assert client.bonus_count == 7

    second = make_order(client=client, actor=users["operator"], product=bottle, quantity=5)
    gift = second.items.get(is_gift=True)
    assert (gift.product, gift.quantity, gift.unit_price, gift.amount, gift.bonus_rule) == (
        cups,
        D("2"),
        D("0"),
        D("0"),
        rule,
    )
    assert second.total == D("1750.00")  # the gift costs nothing
    order_reprice(second)  # repricing does not duplicate the gift
    assert second.items.filter(is_gift=True).count() == 1

    _complete(second, users)
    counter.refresh_from_db()
    client.refresh_from_db()
    assert (counter.units, counter.gifts_given, client.bonus_count) == (D("12"), 1, 2)
    order_reprice(Order.objects.get(pk=second.pk))  # a completed order keeps its own gift
    assert second.items.filter(is_gift=True).count() == 1


def test_bonus_on_completed_ignores_other_products(client, users, bottle_bonus):
    order = make_order(client=client, actor=users["operator"], product=make_product())
    bonus_on_completed(order)
    assert not BonusCounter.objects.exists()


# --- Live preview ---------------------------------------------------------------------------------
def test_order_quote_prices_without_saving(client, branch, today):
    PriceRule.objects.create(name="Экспресс", kind="express", amount=D("300"))
    _promo(today)
    product = make_product(price=D("1000"))
    before = (Order.objects.count(), OrderItem.objects.count())
    quote = order_quote(
        client=client,
        branch=branch,
        data={"date": today, "priority": "express", "payment_method": "cash"},
        items=[{"product": product, "quantity": D("2")}],
        stops=[{"address": "А", "latitude": D("59.93"), "longitude": D("30.32")}],
        promo_code="spring",
    )
    assert quote.subtotal == D("2000.00")
    assert [b["kind"] for b in quote.breakdown] == ["express", "promo"]
    assert quote.total == D("2100.00")
    assert (Order.objects.count(), OrderItem.objects.count()) == before
    with pytest.raises(ValidationError):
        order_quote(
            client=client,
            branch=branch,
            data={"date": today},
            items=[],
            stops=[],
            promo_code="nope",
        )


# --- Many orders ----------------------------------------------------------------------------------
def _clone_orders(template: Order, count: int) -> list[int]:
    """``count`` copies of an order (with its item and two stops), written in bulk."""
    item = template.items.get()
    orders = Order.objects.bulk_create(
        [
            Order(
                branch=template.branch,
                client=template.client,
                date=template.date,
                order_type="freight",
                priority="express" if n % 2 else "normal",
                payment_method="card",
                number=f"T-{n}",
            )
            for n in range(count)
        ]
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=o,
            product=item.product,
            name=item.name,
            quantity=D(n % 12 + 1),
            unit_price=item.unit_price,
        )
        for n, o in enumerate(orders)
    )
    OrderStop.objects.bulk_create(
        OrderStop(
            order=o,
            address=f"{k}",
            latitude=D("59.93") + k / D(100),
            longitude=D("30.32"),
            position=k,
        )
        for o in orders
        for k in range(2)
    )
    return [o.pk for o in orders]


def test_reprice_many_is_bulk_and_matches_single(
    client, users, today, bottle_bonus, django_assert_max_num_queries
):
    bottle, _cups, _rule = bottle_bonus
    PriceRule.objects.create(name="Км", kind="per_km", client_rate=D("40"), worker_rate=D("10"))
    PriceRule.objects.create(name="Экспресс", kind="express", percent=D("25"))
    PriceRule.objects.create(name="Карта", kind="payment", percent=D("2"), payment_method="card")
    template = make_order(client=client, actor=users["operator"], product=bottle)
    ids = _clone_orders(template, 200)
    with django_assert_max_num_queries(15):
        order_reprice_many(ids)
    expected = {}
    for pk in ids[:6]:
        order = Order.objects.get(pk=pk)
        expected[pk] = (
            order.total,
            order.worker_pay,
            order.distance_km,
            order.price_breakdown,
            list(order.items.values_list("is_gift", "quantity", "amount")),
        )
        order_reprice(order)
        order.refresh_from_db()
        got = (
            order.total,
            order.worker_pay,
            order.distance_km,
            order.price_breakdown,
            list(order.items.values_list("is_gift", "quantity", "amount")),
        )
        assert got == expected[pk]
    assert Order.objects.filter(pk__in=ids, total=0).count() == 0
    gifts = OrderItem.objects.filter(order_id__in=ids, is_gift=True).count()
    assert gifts == sum(1 for n in range(200) if n % 12 + 1 >= 10)
