"""Schedule pages through HTTP: create with items, bad input re-rendered, the card tab with
skip/move/pause over htmx and plain POST, the list's query count, managers' scope, the bench."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.orders.models import Order, OrderStatus, RecurringSchedule, ScheduleException
from crm.orders.services.orders import branch_today
from crm.orders.services.schedules import schedule_create
from tests.clients.factories import make_client
from tests.orders.factories import make_product

HX = {"HTTP_HX_REQUEST": "true"}


def _client(branch, manager):
    return make_client(branch=branch, manager=manager, addresses=[{"address": "Невский пр., 10"}])


def _form(product, **overrides):
    data = {
        "order_type": "delivery",
        "address": "",
        "rule": "weekly",
        "weekdays": ["1", "4"],
        "interval_days": "",
        "month_workday": "",
        "start_date": "2026-03-01",
        "end_date": "",
        "window_from": "10:00",
        "window_to": "14:00",
        "payment_method": "cash",
        "containers_to_collect": "0",
        "driver_comment": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
        "items-0-product": str(product.pk),
        "items-0-quantity": "3",
        "items-1-product": "",
        "items-1-quantity": "",
    }
    data.update(overrides)
    return data


def _schedule(actor, client, product, **data):
    today = branch_today(client.branch)
    base = {"rule": "weekly", "weekdays": list(range(7)), "start_date": today}
    base.update(data)
    return schedule_create(
        actor=actor, client=client, data=base, items=[{"product": product, "quantity": 1}]
    )


@pytest.mark.django_db
def test_operator_creates_a_schedule_from_the_card(users, branch, client_for):
    client = _client(branch, users["manager"])
    product = make_product()
    http = client_for("operator")
    url = reverse("orders:schedule-create") + f"?client={client.pk}"
    page = http.get(url)
    assert page.status_code == 200
    assert b"js/schedules.js" in page.content
    response = http.post(url, _form(product))
    schedule = RecurringSchedule.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:schedule-detail", args=[schedule.pk])
    assert schedule.weekdays == [1, 4]
    assert schedule.items.get().quantity == Decimal("3")
    assert schedule.created_by == users["operator"]
    detail = http.get(response["Location"])
    assert detail.status_code == 200
    order = Order.objects.filter(schedule=schedule).order_by("date").first()
    if order is not None:  # orders exist when the start is within the horizon
        assert order.number.encode() in detail.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weekdays": []}, "Choose at least one weekday."),
        ({"items-0-quantity": "-2"}, "Line 1: the quantity must be more than zero."),
        ({"window_from": "06:00"}, "The window is outside working hours (08:00–21:00)."),
        ({"start_date": "2026-02-30"}, "Enter a valid date."),
        ({"window_to": "25:00"}, "Enter a valid time."),
        ({"end_date": "2026-01-01"}, "The schedule cannot end before it starts."),
        ({"items-0-product": "", "items-1-product": ""}, "Add at least one item."),
        (
            {"rule": "every_n_days", "interval_days": ""},
            "Give the number of days between visits (1 to 365).",
        ),
    ],
)
def test_bad_input_re_renders_with_a_clear_message(users, branch, client_for, overrides, message):
    client = _client(branch, users["manager"])
    product = make_product()
    data = _form(product, **overrides)
    if overrides.get("items-0-product") == "":
        data["items-0-quantity"] = ""
    response = client_for("operator").post(
        reverse("orders:schedule-create") + f"?client={client.pk}", data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert RecurringSchedule.objects.count() == 0
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_edit_changes_the_rule(users, branch, client_for):
    client = _client(branch, users["manager"])
    product = make_product()
    schedule = _schedule(users["operator"], client, product)
    item = schedule.items.get()
    data = _form(
        product,
        rule="monthly_workday",
        month_workday="1",
        **{
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-id": str(item.pk),
            "items-0-schedule": str(schedule.pk),
            "items-0-quantity": "5",
        },
    )
    response = client_for("operator").post(
        reverse("orders:schedule-edit", args=[schedule.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule.refresh_from_db()
    assert schedule.rule == "monthly_workday"
    assert schedule.weekdays == []
    assert schedule.items.get().quantity == Decimal("5")


@pytest.mark.django_db
def test_card_tab_lists_occurrences_and_skips_over_htmx(users, branch, client_for):
    client = _client(branch, users["manager"])
    schedule = _schedule(users["operator"], client, make_product())
    http = client_for("manager")
    tab = http.get(reverse("clients:client-tab", args=[client.pk, "schedules"]), **HX)
    assert tab.status_code == 200
    assert b'id="schedules-tab"' in tab.content
    first = Order.objects.filter(schedule=schedule).order_by("date").first()
    assert first.number.encode() in tab.content
    card = http.get(reverse("clients:client-detail", args=[client.pk]))
    assert b'data-action="new_schedule"' in card.content
    day = branch_today(branch) + datetime.timedelta(days=1)
    response = http.post(
        reverse("orders:schedule-skip", args=[schedule.pk]),
        {"occurrence": day.isoformat(), "back": "card"},
        **HX,
    )
    assert response.status_code == 200
    assert b'id="schedules-tab"' in response.content
    assert b"skipped" in response.content
    assert ScheduleException.objects.get().action == "skip"
    order = Order.objects.get(schedule=schedule, scheduled_for=day)
    assert order.status == OrderStatus.CANCELLED


@pytest.mark.django_db
def test_move_error_is_shown_in_the_tab_and_nothing_changes(users, branch, client_for):
    client = _client(branch, users["manager"])
    schedule = _schedule(users["operator"], client, make_product())
    day = branch_today(branch) + datetime.timedelta(days=1)
    response = client_for("operator").post(
        reverse("orders:schedule-move", args=[schedule.pk]),
        {"occurrence": day.isoformat(), "new_date": (day + datetime.timedelta(1)).isoformat()},
        **HX,
    )
    assert response.status_code == 200
    assert "The schedule already has a delivery on this date." in response.content.decode()
    assert not ScheduleException.objects.exists()


@pytest.mark.django_db
def test_plain_post_pause_redirects_back_to_the_card(users, branch, client_for):
    client = _client(branch, users["manager"])
    schedule = _schedule(users["operator"], client, make_product())
    today = branch_today(branch)
    response = client_for("operator").post(
        reverse("orders:schedule-pause", args=[schedule.pk]),
        {
            "date_from": (today + datetime.timedelta(2)).isoformat(),
            "date_to": (today + datetime.timedelta(3)).isoformat(),
            "reason": "Отпуск",
            "back": "card",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/clients/{client.pk}/?tab=schedules")
    assert schedule.pauses.get().reason == "Отпуск"
    cancelled = Order.objects.filter(schedule=schedule, status="cancelled").count()
    assert cancelled == 2


@pytest.mark.django_db
def test_bad_pause_plain_post_says_why(users, branch, client_for):
    client = _client(branch, users["manager"])
    schedule = _schedule(users["operator"], client, make_product())
    response = client_for("operator").post(
        reverse("orders:schedule-pause", args=[schedule.pk]),
        {"date_from": "2030-05-10", "date_to": "2030-05-01"},
        follow=True,
    )
    assert "The pause cannot end before it starts." in response.content.decode()
    assert not schedule.pauses.exists()


@pytest.mark.django_db
def test_toggle_stops_and_resumes(users, branch, client_for):
    client = _client(branch, users["manager"])
    schedule = _schedule(users["operator"], client, make_product())
    http = client_for("operator")
    http.post(reverse("orders:schedule-toggle", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert not schedule.is_active
    http.post(reverse("orders:schedule-toggle", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert schedule.is_active


@pytest.mark.django_db
def test_manager_sees_and_changes_only_own_clients_schedules(users, branch, make_user, client_for):
    colleague = make_user("manager", username="colleague")
    product = make_product()
    own = _schedule(users["operator"], _client(branch, users["manager"]), product)
    foreign = _schedule(users["operator"], _client(branch, colleague), product)
    http = client_for("manager")
    listing = http.get(reverse("orders:schedule-list"))
    assert reverse("orders:schedule-detail", args=[own.pk]).encode() in listing.content
    assert reverse("orders:schedule-detail", args=[foreign.pk]).encode() not in listing.content
    assert http.get(reverse("orders:schedule-detail", args=[foreign.pk])).status_code == 404
    day = branch_today(branch) + datetime.timedelta(days=1)
    response = http.post(
        reverse("orders:schedule-skip", args=[foreign.pk]), {"occurrence": day.isoformat()}
    )
    assert response.status_code == 404
    assert not ScheduleException.objects.exists()
    foreign_client_create = reverse("orders:schedule-create") + f"?client={foreign.client_id}"
    assert http.get(foreign_client_create).status_code == 404
    # a director sees every schedule but may not change one
    director = client_for("director")
    assert director.get(reverse("orders:schedule-detail", args=[foreign.pk])).status_code == 200
    assert director.post(reverse("orders:schedule-toggle", args=[foreign.pk])).status_code == 403
    foreign.refresh_from_db()
    assert foreign.is_active


@pytest.mark.django_db
def test_list_filters_and_query_count_does_not_grow(
    users, branch, client_for, django_assert_max_num_queries
):
    product = make_product()
    http = client_for("operator")
    url = reverse("orders:schedule-list")

    for _n in range(3):
        _schedule(users["operator"], _client(branch, users["manager"]), product)
    with django_assert_max_num_queries(14) as few:
        assert http.get(url).status_code == 200
    for _n in range(12):
        _schedule(
            users["operator"],
            _client(branch, users["manager"]),
            product,
            rule="monthly_workday",
            month_workday=1,
            weekdays=[],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = http.get(url)
    assert response.status_code == 200
    monthly = http.get(url, {"rule": "monthly_workday"}, **HX)
    assert monthly.content.decode().count("Working day 1 of each month") == 12
    assert b'id="schedule-table"' in monthly.content
    assert b"<html" not in monthly.content


@pytest.mark.django_db
def test_bench_orders_runs_with_tiny_numbers(capsys):
    call_command("bench", "orders", "--schedules", "12", "--days", "10", "--runs", "1", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["schedules"] == 12
    assert result["generate"]["created"] > 0
    assert result["generate_again"]["created"] == 0
    assert result["day_list"] is None or result["day_list"].get("orders", 0) > 0
