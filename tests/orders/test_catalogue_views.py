"""Catalogue and pricing settings through HTTP: CRUD, validation errors re-render with nothing
saved, permission refusals, history of price changes, the card's bonus fact and the seeder."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.urls import reverse

from clients.cards import facts_for
from clients.models import ClientGroup
from crm.core.models import AuditEntry
from crm.orders.models import (
    BonusCounter,
    BonusRule,
    PriceList,
    PriceRule,
    Product,
    PromoCode,
)
from crm.orders.seed_catalogue import seed_catalogue
from tests.clients.factories import make_client
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db

PRODUCT = {
    "code": "water-19",
    "name": "Вода 19 л",
    "kind": "product",
    "unit": "bottle",
    "price": "350.00",
    "vat_rate": "20",
    "is_returnable": "on",
    "deposit_price": "300",
    "duration_minutes": "3",
    "weight_kg": "19.5",
    "is_active": "on",
}


# --- Products -------------------------------------------------------------------------------------
def test_product_list_searches_filters_and_pages(client_for, django_assert_max_num_queries):
    for n in range(60):
        make_product(code=f"W{n:03d}", name=f"Вода {n}", is_active=n % 2 == 0)
    make_product(code="MAT-1", name="Ковёр 85×150")
    http = client_for("operator")
    with django_assert_max_num_queries(12):
        page = http.get(reverse("orders:product-list"))
    assert page.status_code == 200
    assert "Page 1 of 2" in page.content.decode()
    assert 'id="product-add"' not in page.content.decode()  # operators only look
    found = http.get(reverse("orders:product-list"), {"q": "ковёр"}).content.decode()
    assert "Ковёр 85×150" in found and "Вода 1" not in found
    off = http.get(reverse("orders:product-list"), {"active": "0"}).context["page"]
    assert off.paginator.count == 30 and not any(p.is_active for p in off)
    partial = http.get(reverse("orders:product-list"), {"q": "MAT"}, headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="product-table"')


def test_product_create_and_edit_record_price_history(client_for):
    http = client_for("admin")
    response = http.post(reverse("orders:product-create"), PRODUCT)
    assert response.status_code == 302
    product = Product.objects.get(code="water-19")
    assert (product.price, product.deposit_price, product.is_returnable) == (
        D("350.00"),
        D("300.00"),
        True,
    )
    response = http.post(
        reverse("orders:product-edit", args=[product.pk]), {**PRODUCT, "price": "370"}
    )
    assert response.status_code == 302
    change = AuditEntry.objects.filter(object_id=product.pk, action="update").latest("pk")
    assert change.changes["price"] == ["350.00", "370.00"]
    page = http.get(reverse("orders:product-edit", args=[product.pk])).content.decode()
    assert "History of changes" in page and "370.00" in page


PRODUCT_ERRORS = [
    ({"price": "350.005"}, "price", "decimal places"),
    ({"price": "-1"}, "price", "negative"),
    ({"price": "abc"}, "price", "Enter a number"),
    ({"deposit_price": "10.123"}, "deposit_price", "decimal places"),
    ({"is_returnable": ""}, "deposit_price", "only for returnable"),
    ({"code": "WATER-19"}, "code", "already has the code"),
    ({"name": "  "}, "name", "required"),
]


@pytest.mark.parametrize(("change", "field", "message"), PRODUCT_ERRORS)
def test_product_form_errors_re_render_and_save_nothing(client_for, change, field, message):
    make_product(code="water-19", price=D("1.00"))
    http = client_for("admin")
    before = list(Product.objects.values_list("code", "price"))
    data = {**PRODUCT, "code": "new-code", **change}
    if change.get("is_returnable") == "":
        data.pop("is_returnable")
    response = http.post(reverse("orders:product-create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert list(Product.objects.values_list("code", "price")) == before


def test_drivers_do_not_see_the_catalogue(client_for):
    assert client_for("driver").get(reverse("orders:product-list")).status_code == 403


def test_toggle_switches_a_product_off_and_on(client_for):
    product = make_product()
    http = client_for("admin")
    http.post(reverse("orders:product-toggle", args=[product.pk]))
    product.refresh_from_db()
    assert product.is_active is False
    http.post(reverse("orders:product-toggle", args=[product.pk]))
    product.refresh_from_db()
    assert product.is_active is True


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("operator", "orders:product-create"),
        ("director", "orders:product-create"),
        ("operator", "orders:rule-create"),
        ("manager", "orders:promo-create"),
        ("accountant", "orders:bonus-create"),
    ],
)
def test_refusals_change_nothing(client_for, role, url_name):
    before = (Product.objects.count(), PriceRule.objects.count(), PromoCode.objects.count())
    response = client_for(role).post(reverse(url_name), {**PRODUCT, "kind": "express"})
    assert response.status_code == 403
    assert (Product.objects.count(), PriceRule.objects.count(), PromoCode.objects.count()) == before


# --- Price rules ----------------------------------------------------------------------------------
CENTRE = [[59.957, 30.285], [59.957, 30.375], [59.92, 30.375]]
RULES_OK = [
    ("per_km", {"client_rate": "45", "worker_rate": "18"}, {"client_rate": D("45")}),
    ("per_hour", {"client_rate": "1200"}, {"client_rate": D("1200")}),
    ("min_amount", {"minimum": "500"}, {"minimum": D("500")}),
    ("min_hours", {"minimum": "2"}, {"minimum": D("2")}),
    (
        "night",
        {"percent": "15", "time_from": "22:00", "time_to": "06:00"},
        {"time_from": datetime.time(22, 0), "percent": D("15")},
    ),
    ("weekend", {"amount": "300", "weekdays": ["5", "6"]}, {"weekdays": [5, 6]}),
    ("zone", {"amount": "200", "polygon": json.dumps(CENTRE)}, {"polygon": CENTRE}),
    ("express", {"amount": "500", "client_rate": "99"}, {"client_rate": D("0")}),  # not kept
    ("payment", {"percent": "-3", "payment_method": "cash"}, {"percent": D("-3")}),
]


@pytest.mark.parametrize(("kind", "data", "expected"), RULES_OK, ids=[r[0] for r in RULES_OK])
def test_rule_of_each_kind_is_saved(client_for, kind, data, expected):
    response = client_for("admin").post(
        reverse("orders:rule-create"),
        {"name": f"Правило {kind}", "kind": kind, "is_active": "on", **data},
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = PriceRule.objects.get(kind=kind)
    for name, value in expected.items():
        assert getattr(rule, name) == value


RULES_BAD = [
    ("per_km", {}, "client_rate", "rate for the client"),
    ("per_km", {"client_rate": "1.005"}, "client_rate", "decimal places"),
    ("min_amount", {}, "minimum", "Give the minimum"),
    ("night", {"percent": "10"}, "time_from", "start and end"),
    ("weekend", {"percent": "10"}, "weekdays", "at least one day"),
    ("zone", {"amount": "10", "polygon": json.dumps(CENTRE[:2])}, "polygon", "at least 3 points"),
    ("zone", {"amount": "10", "polygon": "not json"}, "polygon", "could not be read"),
    ("payment", {"percent": "2"}, "payment_method", "payment method"),
    ("express", {}, "percent", "either a percent or a fixed amount"),
    ("express", {"percent": "5", "amount": "100"}, "percent", "not both"),
]


@pytest.mark.parametrize(("kind", "data", "field", "message"), RULES_BAD)
def test_rule_validation_per_kind(client_for, kind, data, field, message):
    response = client_for("admin").post(
        reverse("orders:rule-create"), {"name": "Правило", "kind": kind, **data}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not PriceRule.objects.exists()


def test_rule_edit_page_shows_the_map_and_toggle_works(client_for):
    rule = PriceRule.objects.create(name="Центр", kind="zone", amount=D("200"), polygon=CENTRE)
    http = client_for("admin")
    page = http.get(reverse("orders:rule-edit", args=[rule.pk])).content.decode()
    assert "data-zone-map" in page and "zone-map.js" in page and "59.957" in page
    http.post(reverse("orders:rule-toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    listing = http.get(reverse("orders:rule-list")).content.decode()
    assert "Центр" in listing and "switched off" in listing


# --- Promo codes ----------------------------------------------------------------------------------
def _promo_data(**extra):
    today = datetime.date.today()
    return {
        "code": "VESNA10",
        "percent": "10",
        "valid_from": today.isoformat(),
        "valid_to": (today + datetime.timedelta(days=30)).isoformat(),
        "is_active": "on",
        **extra,
    }


def test_promo_code_create_and_list(client_for):
    http = client_for("admin")
    assert http.post(reverse("orders:promo-create"), _promo_data()).status_code == 302
    listing = http.get(reverse("orders:promo-list")).content.decode()
    assert "VESNA10" in listing and "valid" in listing


PROMO_BAD = [
    ({"code": "vesna10"}, "code", "already exists"),
    ({"valid_to": "2020-01-01"}, "valid_to", "before the start"),
    ({"percent": "0"}, "percent", "Give a discount"),
    ({"percent": "150"}, "percent", "At most 100%"),
    ({"amount": "10.555"}, "amount", "decimal places"),
    ({"code": "TWO WORDS"}, "code", "no spaces"),
]


@pytest.mark.parametrize(("change", "field", "message"), PROMO_BAD)
def test_promo_code_errors(client_for, change, field, message):
    PromoCode.objects.create(
        code="VESNA10",
        percent=D("5"),
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
    )
    response = client_for("admin").post(
        reverse("orders:promo-create"), _promo_data(**{"code": "NEW", **change})
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert PromoCode.objects.count() == 1


# --- Price lists and client groups ----------------------------------------------------------------
def test_price_list_with_lines_and_groups(client_for):
    group = ClientGroup.objects.create(name="Опт")
    water, cups = make_product(name="Вода"), make_product(name="Стаканчики")
    http = client_for("admin")
    data = {
        "name": "Опт 2026",
        "client_groups": [group.pk],
        "valid_from": "2026-01-01",
        "is_active": "on",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": water.pk,
        "lines-0-price": "290.00",
        "lines-1-product": cups.pk,
        "lines-1-price": "75",
    }
    assert http.post(reverse("orders:pricelist-create"), data).status_code == 302
    plist = PriceList.objects.get()
    assert list(plist.client_groups.all()) == [group]
    assert dict(plist.items.values_list("product__name", "price")) == {
        "Вода": D("290.00"),
        "Стаканчики": D("75.00"),
    }
    page = http.get(reverse("orders:pricelist-edit", args=[plist.pk])).content.decode()
    assert "290" in page

    bad = {**data, "lines-1-price": "75.555", "name": "Изменён"}
    response = http.post(reverse("orders:pricelist-edit", args=[plist.pk]), bad)
    assert response.status_code == 200
    assert "decimal places" in response.content.decode()
    plist.refresh_from_db()
    assert plist.name == "Опт 2026" and plist.items.count() == 2

    removed = {**data, "lines-1-DELETE": "on", "valid_to": "2025-01-01"}
    response = http.post(reverse("orders:pricelist-edit", args=[plist.pk]), removed)
    assert "before the start date" in response.content.decode()
    assert plist.items.count() == 2
    removed.pop("valid_to")
    assert http.post(reverse("orders:pricelist-edit", args=[plist.pk]), removed).status_code == 302
    assert plist.items.count() == 1


def test_client_groups_unique_case_insensitively(client_for):
    http = client_for("admin")
    assert http.post(reverse("orders:clientgroup-list"), {"name": "Офисы"}).status_code == 302
    response = http.post(reverse("orders:clientgroup-list"), {"name": "офисы"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert ClientGroup.objects.count() == 1
    group = ClientGroup.objects.get()
    http.post(reverse("orders:clientgroup-edit", args=[group.pk]), {"name": "Офисы центр"})
    group.refresh_from_db()
    assert group.name == "Офисы центр"


# --- Bonus rules and the card fact ----------------------------------------------------------------
def test_bonus_rule_and_card_fact(client_for, users, branch):
    bottle, cups = make_product(name="Вода 19 л"), make_product(name="Стаканчики")
    http = client_for("admin")
    data = {
        "name": "10-я бутыль",
        "product": bottle.pk,
        "every_n": "10",
        "gift_product": cups.pk,
        "gift_quantity": "2",
        "is_active": "on",
    }
    assert http.post(reverse("orders:bonus-create"), {**data, "every_n": "1"}).status_code == 200
    assert not BonusRule.objects.exists()
    assert http.post(reverse("orders:bonus-create"), data).status_code == 302
    rule = BonusRule.objects.get()
    client = make_client(branch=branch)
    facts = dict((k, v) for k, _label, v in facts_for(users["operator"], client))
    assert facts["bonus"] is None
    BonusCounter.objects.create(client=client, rule=rule, units=D("17"))
    facts = dict((k, v) for k, _label, v in facts_for(users["operator"], client))
    assert facts["bonus"] == "7 / 10 · Вода 19 л"
    assert "every 10th Вода 19 л" in http.get(reverse("orders:bonus-list")).content.decode()


# --- Seeder ---------------------------------------------------------------------------------------
def test_catalogue_seeder_is_idempotent(branch):
    ctx = SimpleNamespace(branches={"spb": branch})
    seed_catalogue(ctx)
    counts = [m.objects.count() for m in (Product, PriceList, PriceRule, PromoCode, BonusRule)]
    seed_catalogue(ctx)
    assert [
        m.objects.count() for m in (Product, PriceList, PriceRule, PromoCode, BonusRule)
    ] == counts
    assert Product.objects.get(code="water-19").is_returnable
    assert PriceRule.objects.filter(kind="zone", branch=branch).exists()
    assert BonusRule.objects.get().every_n == 10
