"""A second delivery window the same day (9–12 and 14–17 around a lunch break): checked by the
service, entered on the order form, shown on the order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.orders.models import Order
from tests.orders.factories import make_order, make_product
from tests.orders.test_order_views import order_post

pytestmark = pytest.mark.django_db
T = datetime.time


def test_an_order_keeps_two_windows_in_order(own_client):
    order = make_order(
        client=own_client, window_from=T(9), window_to=T(12), window2_from=T(14), window2_to=T(17)
    )
    assert order.windows == [(T(9), T(12)), (T(14), T(17))]
    assert order.window_text == "09:00–12:00, 14:00–17:00"
    assert order.window_until == T(17)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ((9, 12), (14, None), "both ends of the second window"),
        ((None, None), (14, 17), "first window before the second"),
        ((9, 12), (11, 15), "after the first one ends"),
        ((9, 12), (16, 15), "end after it starts"),
        ((9, 12), (14, 23), "outside working hours"),
    ],
)
def test_a_bad_second_window_is_refused_with_a_reason(own_client, first, second, message):
    def t(h):
        return T(h) if h is not None else None

    with pytest.raises(ValidationError) as error:
        make_order(
            client=own_client,
            window_from=t(first[0]),
            window_to=t(first[1]),
            window2_from=t(second[0]),
            window2_to=t(second[1]),
        )
    assert message in " ".join(error.value.message_dict["window2_to"])
    assert not Order.objects.exists()


def test_the_order_form_takes_a_second_window(client_for, own_client):
    water = make_product(name="Вода 19 л", price=Decimal("350.00"))
    http = client_for("operator")
    url = reverse("orders:order-create") + f"?client={own_client.pk}"
    form = http.get(url).content.decode()
    assert 'name="window2_from"' in form

    bad = http.post(url, order_post(own_client, water, window2_from="11:00", window2_to="15:00"))
    assert bad.status_code == 200 and not Order.objects.exists()
    assert "after the first one ends" in bad.content.decode()

    response = http.post(
        url, order_post(own_client, water, window2_from="14:00", window2_to="16:00")
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.windows == [(T(10), T(12)), (T(14), T(16))]
    page = http.get(reverse("orders:order-detail", args=[order.pk])).content.decode()
    assert "10:00–12:00, 14:00–16:00" in page
