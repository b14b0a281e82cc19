"""Demo catalogue for ``manage.py seed_demo``: water with returnable bottles, cooler rent, mat
swaps, bouquets, cleaning by the hour, freight by the km; a wholesale price list; price rules
(per km for freight, night, weekend, a zone around the centre of St Petersburg, express, a card
fee), a promo code and a bonus rule (every 10th bottle → 2 packs of cups).

Idempotent (looked up by code / name, created when missing) and deterministic: no randomness."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from clients.models import ClientGroup
from crm.core.registry import register_seeder
from crm.orders.models import (
    BonusRule,
    PaymentMethod,
    PriceList,
    PriceListItem,
    PriceRule,
    Product,
    PromoCode,
    Unit,
)

D = Decimal
#: code, name, kind, unit, price, VAT, returnable, deposit, minutes per unit, weight kg
PRODUCTS = [
    (
        "water-19",
        "Вода питьевая 19 л",
        "product",
        Unit.BOTTLE,
        "350.00",
        "20",
        True,
        "300.00",
        3,
        "19.5",
    ),
    ("water-5", "Вода питьевая 5 л", "product", Unit.PIECE, "120.00", "20", False, "0", 1, "5.2"),
    (
        "bottle-19",
        "Бутыль 19 л (залог)",
        "product",
        Unit.BOTTLE,
        "300.00",
        "20",
        True,
        "300.00",
        0,
        "0.8",
    ),
    ("cups-100", "Стаканчики, 100 шт", "product", Unit.SET, "90.00", "20", False, "0", 0, "0.3"),
    (
        "cooler-rent",
        "Аренда кулера, месяц",
        "service",
        Unit.SERVICE,
        "500.00",
        "20",
        False,
        "0",
        10,
        "0",
    ),
    ("pump", "Помпа механическая", "product", Unit.PIECE, "450.00", "20", False, "0", 0, "0.4"),
    ("mat-85x150", "Замена ковра 85×150", "service", Unit.MAT, "280.00", "20", True, "0", 2, "4"),
    ("mat-115x200", "Замена ковра 115×200", "service", Unit.MAT, "420.00", "20", True, "0", 3, "7"),
    (
        "bouquet-s",
        "Букет «Весенний», малый",
        "product",
        Unit.PIECE,
        "2500.00",
        "20",
        False,
        "0",
        5,
        "0.5",
    ),
    (
        "bouquet-l",
        "Букет «Пионы», большой",
        "product",
        Unit.PIECE,
        "6900.00",
        "20",
        False,
        "0",
        5,
        "1.5",
    ),
    ("cleaning", "Уборка, час работы", "service", Unit.HOUR, "900.00", "none", False, "0", 60, "0"),
    ("freight-km", "Грузоперевозка, км", "service", Unit.KM, "0.00", "20", False, "0", 0, "0"),
    ("loader-hour", "Грузчик, час", "service", Unit.HOUR, "700.00", "none", False, "0", 60, "0"),
]

#: A square around the centre of St Petersburg (Admiralteysky / Tsentralny districts).
SPB_CENTRE = [[59.957, 30.285], [59.957, 30.375], [59.920, 30.375], [59.920, 30.285]]


def _products() -> dict[str, Product]:
    existing = {p.code.lower(): p for p in Product.objects.all()}
    missing = [
        Product(
            code=code,
            name=name,
            kind=kind,
            unit=unit,
            price=D(price),
            vat_rate=vat,
            is_returnable=returnable,
            deposit_price=D(deposit),
            duration_minutes=minutes,
            weight_kg=D(weight),
        )
        for code, name, kind, unit, price, vat, returnable, deposit, minutes, weight in PRODUCTS
        if code not in existing
    ]
    Product.objects.bulk_create(missing)
    return {p.code.lower(): p for p in Product.objects.all()}


def _price_list(products: dict[str, Product], today: datetime.date) -> None:
    group, _created = ClientGroup.objects.get_or_create(name="Оптовые")
    ClientGroup.objects.get_or_create(name="Офисы")
    plist, created = PriceList.objects.get_or_create(
        name="Опт 2026", defaults={"valid_from": today.replace(month=1, day=1)}
    )
    if created:
        plist.client_groups.add(group)
        PriceListItem.objects.bulk_create(
            [
                PriceListItem(price_list=plist, product=products["water-19"], price=D("290.00")),
                PriceListItem(price_list=plist, product=products["cups-100"], price=D("75.00")),
                PriceListItem(price_list=plist, product=products["mat-85x150"], price=D("240.00")),
            ]
        )


def _rules(branch: Any) -> None:
    T = datetime.time
    rules = [
        {
            "name": "Перевозка: за км",
            "kind": PriceRule.Kind.PER_KM,
            "position": 10,
            "order_types": ["freight"],
            "client_rate": D("45.00"),
            "worker_rate": D("18.00"),
        },
        {
            "name": "Перевозка: за час",
            "kind": PriceRule.Kind.PER_HOUR,
            "position": 11,
            "order_types": ["freight"],
            "client_rate": D("1200.00"),
            "worker_rate": D("500.00"),
        },
        {
            "name": "Перевозка: минимум 2 часа",
            "kind": PriceRule.Kind.MIN_HOURS,
            "position": 12,
            "order_types": ["freight"],
            "minimum": D("2"),
        },
        {
            "name": "Вечерняя доставка",
            "kind": PriceRule.Kind.NIGHT,
            "position": 20,
            "percent": D("15"),
            "worker_rate": D("150.00"),
            "time_from": T(20, 0),
            "time_to": T(8, 0),
        },
        {
            "name": "Выходные",
            "kind": PriceRule.Kind.WEEKEND,
            "position": 21,
            "percent": D("10"),
            "weekdays": [5, 6],
        },
        {
            "name": "Центр города",
            "kind": PriceRule.Kind.ZONE,
            "position": 22,
            "amount": D("200.00"),
            "polygon": SPB_CENTRE,
            "branch": branch,
        },
        {
            "name": "Срочно",
            "kind": PriceRule.Kind.EXPRESS,
            "position": 23,
            "amount": D("500.00"),
            "worker_rate": D("200.00"),
        },
        {
            "name": "Минимальный заказ",
            "kind": PriceRule.Kind.MIN_AMOUNT,
            "position": 30,
            "order_types": ["delivery"],
            "minimum": D("500.00"),
        },
        {
            "name": "Оплата картой",
            "kind": PriceRule.Kind.PAYMENT,
            "position": 40,
            "percent": D("2"),
            "payment_method": PaymentMethod.CARD,
        },
    ]
    existing = set(PriceRule.objects.values_list("name", flat=True))
    PriceRule.objects.bulk_create(PriceRule(**r) for r in rules if r["name"] not in existing)


@register_seeder("orders-catalogue", order=40)
def seed_catalogue(ctx: Any) -> None:
    branches = getattr(ctx, "branches", {})
    branch = branches.get("spb")
    today = datetime.date.today()
    products = _products()
    _price_list(products, today)
    _rules(branch)
    PromoCode.objects.get_or_create(
        code__iexact="VESNA10",
        defaults={
            "code": "VESNA10",
            "description": "Скидка 10% на первый заказ",
            "percent": D("10"),
            "min_order_amount": D("700.00"),
            "valid_from": today - datetime.timedelta(days=30),
            "valid_to": today + datetime.timedelta(days=90),
            "max_uses": 500,
        },
    )
    PromoCode.objects.get_or_create(
        code__iexact="ZIMA500",
        defaults={
            "code": "ZIMA500",
            "description": "Прошлогодняя акция",
            "amount": D("500.00"),
            "valid_from": today - datetime.timedelta(days=400),
            "valid_to": today - datetime.timedelta(days=300),
        },
    )
    BonusRule.objects.get_or_create(
        name="Каждая 10-я бутыль — 2 упаковки стаканчиков",
        defaults={
            "product": products["water-19"],
            "every_n": 10,
            "gift_product": products["cups-100"],
            "gift_quantity": D("2"),
        },
    )
