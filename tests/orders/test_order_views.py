"""Order pages through HTTP: create, bad input, repeat, edit rules, moves, prepayment, card tab."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.orders.models import Order, OrderStatus
from crm.orders.services.orders import branch_today
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = pytest.mark.django_db


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def order_post(client_obj, product, **overrides) -> dict:
    """A complete new-order POST: one line, the card's main address."""
    address = client_obj.addresses.first()
    data = {
        "client": client_obj.pk,
        "order_type": "delivery",
        "date": branch_today(client_obj.branch).isoformat(),
        "window_from": "10:00",
        "window_to": "12:00",
        "priority": "normal",
        "payment_method": "cash",
        "containers_to_collect": "0",
        **_management("items", 1),
        "items-0-product": product.pk,
        "items-0-quantity": "4",
        **_management("stops", 1, 1),  # the form opens with the card's address as a stop
        "stops-0-client_address": address.pk if address else "",
        "stops-0-kind": "delivery",
        "stops-0-ORDER": "1",
    }
    data.update(overrides)
    return data


def test_operator_creates_an_order_from_the_card(client_for, own_client):
    water = make_product(name="Вода 19 л", price=Decimal("350.00"), is_returnable=True)
    http = client_for("operator")
    page = http.get(reverse("orders:order-create") + f"?client={own_client.pk}")
    assert page.status_code == 200
    assert "Невский пр., 28" in page.content.decode()
    response = http.post(
        reverse("orders:order-create") + f"?client={own_client.pk}", order_post(own_client, water)
    )
    order = Order.objects.get(client=own_client)
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/")
    assert order.total == Decimal("1400.00")
    assert order.containers_to_deliver == 4
    stop = order.stops.get()
    assert stop.address == "Невский пр., 28" and stop.latitude == Decimal("59.935000")
    detail = http.get(response["Location"]).content.decode()
    assert order.number in detail and "Вода 19 л" in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"items-0-quantity": "-2"}, "greater than or equal to 0.001"),
        ({"window_from": "12:00", "window_to": "10:00"}, "The window must end after it starts."),
        ({"window_from": "05:00", "window_to": "07:00"}, "outside working hours"),
        ({"window_to": ""}, "Give both ends of the delivery window"),
        ({"date": "2020-01-01"}, "The date is in the past."),
        ({"date": "2027-02-30"}, "Enter a valid date."),
        ({"items-0-unit_price": "10.555"}, "no more than 2 decimal places"),
        ({"prepayment_required": "on"}, "Give the amount of the required prepayment."),
        (
            {"stops-0-client_address": "", "stops-0-address": ""},
            "Choose an address from the card or type one.",
        ),
    ],
)
def test_bad_input_re_renders_with_a_message_and_saves_nothing(
    overrides, message, client_for, own_client
):
    product = make_product()
    response = client_for("operator").post(
        reverse("orders:order-create") + f"?client={own_client.pk}",
        order_post(own_client, product, **overrides),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_address_without_coordinates_is_allowed(client_for, own_client):
    product = make_product()
    data = order_post(
        own_client, product, **{"stops-0-client_address": "", "stops-0-address": "Лиговский, 5"}
    )
    response = client_for("operator").post(
        reverse("orders:order-create") + f"?client={own_client.pk}", data
    )
    assert response.status_code == 302
    assert not Order.objects.get().stops.get().has_point


def test_another_clients_address_is_refused(client_for, own_client, branch, users):
    stranger = make_client(
        branch=branch, manager=users["manager"], addresses=[{"address": "Чужой адрес, 1"}]
    )
    data = order_post(
        own_client, make_product(), **{"stops-0-client_address": stranger.addresses.get().pk}
    )
    response = client_for("operator").post(
        reverse("orders:order-create") + f"?client={own_client.pk}", data
    )
    assert response.status_code == 200 and not Order.objects.exists()


def test_multi_stop_order_keeps_the_order_of_stops(client_for, own_client):
    data = order_post(
        own_client,
        make_product(),
        **_management("stops", 3),
        **{
            "stops-0-address": "Склад, Софийская 6",
            "stops-0-client_address": "",
            "stops-0-kind": "pickup",
            "stops-0-ORDER": "2",
            "stops-1-address": "Офис, Невский 28",
            "stops-1-kind": "delivery",
            "stops-1-ORDER": "3",
            "stops-2-address": "Дача, Репино",
            "stops-2-kind": "delivery",
            "stops-2-ORDER": "1",
        },
    )
    response = client_for("operator").post(
        reverse("orders:order-create") + f"?client={own_client.pk}", data
    )
    assert response.status_code == 302
    addresses = list(Order.objects.get().stops.values_list("address", flat=True))
    assert addresses == ["Дача, Репино", "Склад, Софийская 6", "Офис, Невский 28"]


def test_repeat_last_order_opens_it_as_a_new_one_and_second_click_saves(
    client_for, own_client, users
):
    product = make_product(price=Decimal("200.00"))
    last = make_order(
        client=own_client,
        product=product,
        quantity=3,
        payment_method="card",
        window_from=datetime.time(14, 0),
        window_to=datetime.time(16, 0),
    )
    http = client_for("operator")
    response = http.get(reverse("orders:order-repeat-last", args=[own_client.pk]))
    assert response["Location"].endswith(f"?repeat={last.pk}")
    form = http.get(response["Location"])
    html = form.content.decode()
    assert "Repeat of" in html and 'value="14:00"' in html
    assert form.context["form"].initial["payment_method"] == "card"
    # the second click: the browser posts the form as it was filled in
    data = order_post(
        own_client,
        product,
        payment_method="card",
        window_from="14:00",
        window_to="16:00",
        **{"items-0-quantity": "3"},
        **_management("items", 1, 1),
    )
    saved = http.post(response["Location"], data)
    assert saved.status_code == 302
    repeat = Order.objects.exclude(pk=last.pk).get()
    assert repeat.source == "repeat" and repeat.repeated_from == last
    assert repeat.total == Decimal("600.00")


def test_repeat_without_orders_opens_an_empty_form(client_for, own_client):
    response = client_for("operator").get(reverse("orders:order-repeat-last", args=[own_client.pk]))
    assert response["Location"].endswith(f"?client={own_client.pk}")


@pytest.mark.parametrize(
    ("status", "role", "editable"),
    [
        (OrderStatus.NEW, "operator", True),
        (OrderStatus.IN_WORK, "operator", True),
        (OrderStatus.CONFIRMED, "operator", False),
        (OrderStatus.COMPLETED, "operator", False),
        (OrderStatus.CANCELLED, "operator", False),
        (OrderStatus.COMPLETED, "admin", True),
    ],
)
def test_only_new_and_in_work_orders_are_editable_except_by_admins(
    status, role, editable, client_for, own_client
):
    order = make_order(client=own_client)
    Order.objects.filter(pk=order.pk).update(status=status)
    data = order_post(
        own_client,
        order.items.get().product,
        window_from="15:00",
        window_to="17:00",
        **_management("items", 1, 1),
        **_management("stops", 1, 1),
    )
    response = client_for(role).post(reverse("orders:order-edit", args=[order.pk]), data)
    order.refresh_from_db()
    assert (order.window_from == datetime.time(15, 0)) is editable
    assert response.status_code == 302
    if editable and status == OrderStatus.COMPLETED:
        history = order_history(order)
        assert any("Edited in status" in h.note for h in history)


def order_history(order):
    from crm.core.models import AuditEntry

    return list(AuditEntry.objects.filter(object_id=order.pk, content_type__model="order"))


def test_edit_records_what_changed(client_for, own_client):
    order = make_order(client=own_client, quantity=2)
    data = order_post(
        own_client,
        order.items.get().product,
        window_from="15:00",
        window_to="17:00",
        **{"items-0-quantity": "5"},
        **_management("items", 1, 1),
        **_management("stops", 1, 1),
    )
    client_for("operator").post(reverse("orders:order-edit", args=[order.pk]), data)
    change = [h for h in order_history(order) if h.action == "update"][-1]
    assert change.changes["window_from"][1] == "15:00:00"
    assert "× 5" in change.changes["items"][1][0]


def test_status_moves_through_http_with_reason(client_for, own_client):
    order = make_order(client=own_client)
    http = client_for("operator")
    url = reverse("orders:order-move", args=[order.pk])
    http.post(url, {"target": "confirmed"})
    order.refresh_from_db()
    assert order.status == "confirmed"
    response = http.post(url, {"target": "on_hold", "reason": ""}, follow=True)
    assert "Give the reason." in response.content.decode()
    http.post(url, {"target": "on_hold", "reason": "Нет пропуска"})
    order.refresh_from_db()
    assert order.status == "on_hold" and order.status_reason == "Нет пропуска"
    page = http.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "Нет пропуска" in page


def test_driver_cannot_confirm_through_http(client_for, own_client, users):
    order = make_order(client=own_client, assignee=users["driver"])
    response = client_for("driver").post(
        reverse("orders:order-move", args=[order.pk]), {"target": "confirmed"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "new"


def test_prepayment_form_records_money_and_unlocks_work(client_for, own_client):
    order = make_order(
        client=own_client, prepayment_required=True, prepayment_amount=Decimal("1000.00")
    )
    Order.objects.filter(pk=order.pk).update(status="confirmed")
    http = client_for("operator")
    blocked = http.post(
        reverse("orders:order-move", args=[order.pk]), {"target": "in_work"}, follow=True
    )
    assert "is not recorded yet" in blocked.content.decode()
    bad = http.post(
        reverse("orders:order-prepayment", args=[order.pk]), {"amount": "-5"}, follow=True
    )
    assert "greater than or equal to 0.01" in bad.content.decode()
    http.post(reverse("orders:order-prepayment", args=[order.pk]), {"amount": "1000"})
    http.post(reverse("orders:order-move", args=[order.pk]), {"target": "in_work"})
    order.refresh_from_db()
    assert order.prepayment_paid == Decimal("1000.00") and order.status == "in_work"


def test_manager_sees_only_orders_of_own_clients(client_for, own_client, users, branch):
    foreign_client = make_client(branch=branch, manager=users["head_of_sales"])
    foreign = make_order(client=foreign_client)
    own = make_order(client=own_client)
    http = client_for("manager")
    assert http.get(reverse("orders:order-detail", args=[own.pk])).status_code == 200
    assert http.get(reverse("orders:order-detail", args=[foreign.pk])).status_code == 404
    assert http.get(reverse("orders:order-edit", args=[foreign.pk])).status_code == 404
    assert (
        http.post(
            reverse("orders:order-move", args=[foreign.pk]), {"target": "confirmed"}
        ).status_code
        == 404
    )
    assert (
        http.get(reverse("orders:order-create") + f"?client={foreign_client.pk}").status_code == 404
    )


def test_other_branch_orders_are_hidden(client_for, other_branch):
    order = make_order(client=make_client(branch=other_branch))
    assert (
        client_for("operator").get(reverse("orders:order-detail", args=[order.pk])).status_code
        == 404
    )


def test_client_card_orders_tab_and_facts(client_for, own_client, django_assert_max_num_queries):
    for _ in range(3):
        make_order(client=own_client)
    http = client_for("operator")
    url = reverse("clients:client-tab", args=[own_client.pk, "orders"])
    with django_assert_max_num_queries(12):
        html = http.get(url, headers={"HX-Request": "true"}).content.decode()
    assert html.count("/orders/") >= 3 and "Repeat last order" in html
    card = http.get(reverse("clients:client-detail", args=[own_client.pk])).content.decode()
    assert "New order" in card


def test_pick_client_finds_by_phone_typed_any_way(client_for, branch, users):
    target = make_client(branch=branch, manager=users["manager"], phones=["+79111234567"])
    html = (
        client_for("operator")
        .get(reverse("orders:order-pick-client"), {"q": "8 (911) 123-45-67"})
        .content.decode()
    )
    assert f"?client={target.pk}" in html


def test_price_preview_shows_the_total_without_saving(client_for, own_client):
    product = make_product(price=Decimal("125.50"))
    data = order_post(own_client, product, **{"items-0-quantity": "2"})
    response = client_for("operator").post(reverse("orders:order-quote"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "251.00" in html.replace("\xa0", " ").replace(",", ".")
    assert not Order.objects.exists()


def test_admin_renames_a_status_for_one_type_and_pages_show_it(client_for, own_client):
    order = make_order(client=own_client)
    http = client_for("admin")
    page = http.get(reverse("orders:status-names"))
    assert page.status_code == 200
    http.post(
        reverse("orders:status-names"),
        {"name__all__new": "Принят", "name__delivery__new": "Ждёт звонка"},
    )
    detail = http.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "Ждёт звонка" in detail
    http.post(reverse("orders:status-names"), {"name__all__new": "Принят"})
    detail = http.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "Принят" in detail and "Ждёт звонка" not in detail
