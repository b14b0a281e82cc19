"""The cash desk: a driver's hand-in matched against the cash taken on the route (differences
flagged), once per route; cash out checked against the balance; expenses need a category; the
running balance over days; closing a day freezes it; only accountants and admins."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from billing.models_cash import CashClosing, CashEntry
from billing.services.cash import (
    cash_balance,
    cash_day,
    cash_day_close,
    cash_entry_add,
    cash_hand_in,
)
from tests.clients.factories import make_client
from tests.routes.factories import make_depot, make_manual_plan, make_stop_order, make_vehicle

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def route(branch, users):
    from crm.orders.services.orders import branch_today

    van = make_vehicle(branch, make_depot(branch), driver=users["driver"])
    client = make_client(branch=branch, name="Вода в офис")
    orders = [
        make_stop_order(
            client, point=("59.94", "30.32"), date=branch_today(branch), payment_method="cash"
        )
        for _ in range(3)
    ]
    plan = make_manual_plan(branch, [van], [orders])
    route = plan.routes.get()
    stops = list(route.stops.order_by("position"))
    for stop, (how, amount) in zip(
        stops, [("cash", "1200.00"), ("cash", "850.50"), ("card", "900.00")], strict=True
    ):
        stop.state, stop.payment_taken, stop.amount_taken = "done", how, D(amount)
        stop.save(update_fields=["state", "payment_taken", "amount_taken"])
    route.state = "finished"
    route.save(update_fields=["state"])
    return route


def test_hand_in_is_matched_and_a_difference_flagged(route, users, branch):
    day = route.plan.date
    entry = cash_hand_in(actor=users["accountant"], route=route, amount=D("2000.00"), day=day)
    assert entry.expected == D("2050.50") and entry.difference == D("-50.50")
    with pytest.raises(ValidationError, match="already handed in"):
        cash_hand_in(actor=users["accountant"], route=route, amount=D("50.50"), day=day)
    assert cash_day(branch, day).differences == 1
    with pytest.raises(PermissionDenied):
        cash_hand_in(actor=users["driver"], route=route, amount=D("1"), day=day)


def test_cash_out_balance_categories_and_closing(route, users, branch):
    day = route.plan.date
    accountant = users["accountant"]
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=day - datetime.timedelta(days=1),
        kind="other_in",
        amount=D("1000"),
        note="Размен",
    )
    cash_hand_in(actor=accountant, route=route, amount=D("2050.50"), day=day)
    with pytest.raises(ValidationError, match="category"):
        cash_entry_add(actor=accountant, branch=branch, day=day, kind="expense", amount=D("300"))
    with pytest.raises(ValidationError, match="Whom"):
        cash_entry_add(actor=accountant, branch=branch, day=day, kind="payout", amount=D("300"))
    with pytest.raises(ValidationError, match="not that much"):
        cash_entry_add(
            actor=accountant,
            branch=branch,
            day=day,
            kind="expense",
            amount=D("5000"),
            category="Топливо",
        )
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=day,
        kind="expense",
        amount=D("550.50"),
        category="Топливо",
    )
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=day,
        kind="payout",
        amount=D("1000"),
        employee=users["driver"],
    )
    figures = cash_day(branch, day)
    assert (figures.opening, figures.cash_in, figures.cash_out, figures.closing) == (
        D("1000.00"),
        D("2050.50"),
        D("1550.50"),
        D("1500.00"),
    )
    assert cash_balance(branch, day) == D("1500.00")
    closing = cash_day_close(actor=accountant, branch=branch, day=day)
    assert closing.closing == D("1500.00") and closing.differences == 0
    with pytest.raises(ValidationError, match="closed"):
        cash_entry_add(actor=accountant, branch=branch, day=day, kind="other_in", amount=D("1"))
    with pytest.raises(ValidationError, match="closed"):
        cash_day_close(actor=accountant, branch=branch, day=day)
    assert CashClosing.objects.count() == 1


def test_desk_page_flow_and_access(route, users, branch, django_assert_max_num_queries):
    day = route.plan.date
    accountant = Client()
    accountant.force_login(users["accountant"])
    url = reverse("billing:cash") + f"?date={day.isoformat()}"
    page = accountant.get(url).content.decode()
    assert "hand-in-form" in page and users["driver"].display_name in page
    accountant.post(
        reverse("billing:cash-hand-in"),
        {"day": day.isoformat(), "route": route.pk, "amount": "2100.50"},
    )
    entry = CashEntry.objects.get()
    assert entry.difference == D("50.00")
    accountant.post(
        reverse("billing:cash-entry"),
        {"day": day.isoformat(), "kind": "expense", "amount": "100", "category": "Мойка"},
    )
    with django_assert_max_num_queries(25):
        page = accountant.get(url).content.decode()
    assert 'data-difference="50.00"' in page and "2000.50" in page  # running balance
    accountant.post(reverse("billing:cash-close"), {"day": day.isoformat()})
    assert 'id="cash-closed"' in accountant.get(url).content.decode()
    dispatcher = Client()
    dispatcher.force_login(users["dispatcher"])
    assert dispatcher.get(url).status_code == 403
    assert (
        dispatcher.post(reverse("billing:cash-close"), {"day": day.isoformat()}).status_code == 403
    )
