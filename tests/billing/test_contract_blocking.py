"""Work is blocked for a client whose contract expired: a new order is refused for a manager with
a clear message, taken by an admin who ticks the override with a reason (logged on the timeline,
in the history and in billing's overrides), allowed for everyone after a director's override from
the card; the planner and the driver see "No valid contract" and "Stop deliveries"."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import ContractOverride
from billing.services.contracts import contract_override_grant
from clients.models import Client
from clients.services.billing_state import client_set_contract_state, client_set_stop_deliveries
from crm.core.models import AuditEntry, TimelineEntry
from crm.orders.models import Order
from crm.orders.services.orders import branch_today
from tests.billing.contract_factories import make_contract
from tests.clients.factories import make_client
from tests.orders.factories import make_product
from tests.orders.test_order_views import order_post
from tests.routes.live_factories import make_live_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired(branch, users):
    client = make_client(
        branch=branch,
        manager=users["manager"],
        name="Просроченный",
        addresses=[{"address": "Литейный пр., 5", "city": "СПб", "is_primary": True}],
    )
    ended = branch_today(branch) - datetime.timedelta(days=3)
    make_contract(client, starts_on=ended - datetime.timedelta(days=300), ends_on=ended)
    client = Client.objects.get(pk=client.pk)
    assert client.contract_state == "expired"
    return client


@pytest.fixture
def water():
    return make_product(name="Вода 19 л", price=Decimal("350.00"), is_returnable=True)


def _url(client: Client) -> str:
    return reverse("orders:order-create") + f"?client={client.pk}"


def test_a_manager_is_warned_and_refused(expired, water, client_for):
    http = client_for("manager")
    page = http.get(_url(expired)).content.decode()
    ended = expired.contract_valid_until.strftime("%m/%d/%Y")
    message = f"The contract with this client expired on {ended}. A director&#x27;s permission"
    assert message in page
    assert 'name="contract_override"' not in page  # a manager is not offered the override
    response = http.post(
        _url(expired),
        order_post(expired, water, contract_override="on", contract_override_reason="надо"),
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Order.objects.filter(client=expired).exists()
    picks = http.get(reverse("orders:order-pick-client"), {"q": "Просроченный"})
    assert "No valid contract" in picks.content.decode()


def test_an_admin_takes_it_with_a_ticked_override_and_a_reason(expired, water, client_for, users):
    http = client_for("admin")
    page = http.get(_url(expired)).content.decode()
    assert 'name="contract_override"' in page
    refused = http.post(_url(expired), order_post(expired, water))
    assert refused.status_code == 200 and "Tick the override" in refused.content.decode()
    assert not Order.objects.exists()
    response = http.post(
        _url(expired),
        order_post(
            expired,
            water,
            contract_override="on",
            contract_override_reason="Договор продлевается, директор согласовал",
        ),
    )
    order = Order.objects.get(client=expired)
    assert response.status_code == 302
    expired.refresh_from_db()
    assert expired.contract_override_until == branch_today(expired.branch)
    row = ContractOverride.objects.get(client=expired)
    assert row.order == order and row.granted_by == users["admin"]
    entry = TimelineEntry.objects.get(
        object_id=expired.pk, kind="system", data__event="contract_override"
    )
    assert "директор согласовал" in entry.body and order.number in entry.body
    assert AuditEntry.objects.filter(
        object_id=expired.pk, note__contains="директор согласовал"
    ).exists()


def test_after_a_directors_override_from_the_card_the_manager_may_take_orders(
    expired, water, client_for
):
    until = branch_today(expired.branch) + datetime.timedelta(days=5)
    response = client_for("director").post(
        reverse("billing:contract-override", args=[expired.pk]),
        {"valid_until": until.isoformat(), "reason": "Подписываем новый договор"},
    )
    assert response.status_code == 302
    assert ContractOverride.objects.filter(client=expired, order=None).count() == 1
    http = client_for("manager")
    assert "expired on" not in http.get(_url(expired)).content.decode()
    assert http.post(_url(expired), order_post(expired, water)).status_code == 302
    assert Order.objects.filter(client=expired).count() == 1
    # a manager cannot grant it
    refused = client_for("manager").post(
        reverse("billing:contract-override", args=[expired.pk]),
        {"valid_until": until.isoformat(), "reason": "сам"},
    )
    assert refused.status_code == 403


def test_a_valid_contract_does_not_block(branch, users, water, client_for):
    client = make_client(
        branch=branch,
        manager=users["manager"],
        addresses=[{"address": "Садовая, 1", "city": "СПб", "is_primary": True}],
    )
    make_contract(client)
    http = client_for("manager")
    assert http.post(_url(client), order_post(client, water)).status_code == 302


def test_the_driver_and_the_planner_see_the_flags(
    branch, users, client_for, director_override=None
):
    route = make_live_route(branch, users, stops=2)
    stop = route.stops.order_by("position").select_related("order__client").first()
    client_id = stop.order.client_id
    card_url = reverse("routes:driver-stop", args=[stop.pk])
    assert "No valid contract" not in client_for("driver").get(card_url).content.decode()
    client_set_contract_state(
        client_id=client_id, state="expired", valid_until=datetime.date(2026, 1, 31)
    )
    client_set_stop_deliveries(client_id=client_id, stop=True, reason="Долг 90+ дней")
    card = client_for("driver").get(card_url).content.decode()
    assert 'data-flag="no-contract"' in card and "No valid contract" in card
    assert 'data-flag="stop-deliveries"' in card and "Stop deliveries" in card
    listing = client_for("driver").get(reverse("routes:my-route")).content.decode()
    assert "No valid contract" in listing
    plan = client_for("dispatcher").get(reverse("routes:plan-detail", args=[route.plan_id]))
    assert "No valid contract" in plan.content.decode()


def test_the_override_service_refuses_managers(expired, users):
    with pytest.raises(Exception):  # noqa: B017
        contract_override_grant(
            actor=users["manager"],
            client=expired,
            reason="x",
            until=branch_today(expired.branch),
        )
