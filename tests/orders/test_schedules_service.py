"""Schedule services: validation, generation (idempotent, bulk, concurrent), pause, skip, move."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.orders.models import (
    Holiday,
    Order,
    OrderStatus,
    PriceList,
    PriceListItem,
    RecurringSchedule,
    ScheduleException,
)
from crm.orders.services import order_transition
from crm.orders.services.orders import branch_today
from crm.orders.services.schedules import (
    generate_orders,
    schedule_create,
    schedule_move,
    schedule_pause,
    schedule_skip,
    schedule_update,
)
from tests.clients.factories import make_client
from tests.orders.factories import make_product

D = datetime.date
ADDRESS = {
    "address": "Невский пр., 10",
    "latitude": Decimal("59.93"),
    "longitude": Decimal("30.33"),
}


def _client(branch, manager, **kw):
    return make_client(branch=branch, manager=manager, addresses=[ADDRESS], **kw)


def _data(**overrides):
    data = {
        "rule": "weekly",
        "weekdays": [1, 4],
        "start_date": D(2026, 3, 1),
        "window_from": datetime.time(10, 0),
        "window_to": datetime.time(14, 0),
        "payment_method": "cash",
    }
    data.update(overrides)
    return data


def _schedule(actor, client, product, generate=False, **overrides):
    return schedule_create(
        actor=actor,
        client=client,
        data=_data(**overrides),
        items=[{"product": product, "quantity": Decimal("2")}],
        generate=generate,
    )


@pytest.fixture
def setup(users, branch):
    branch.timezone = "Europe/Berlin"
    branch.save()
    client = _client(branch, users["manager"])
    product = make_product(price=Decimal("250.00"), is_returnable=True)
    return branch, client, product


@pytest.mark.django_db
def test_generation_creates_priced_orders_with_stop_and_number(users, setup):
    branch, client, product = setup
    schedule = _schedule(users["operator"], client, product)
    result = generate_orders(branch=branch, today=D(2026, 3, 1), until=D(2026, 3, 14))
    assert result["created"] == 4  # Tue 3, Fri 6, Tue 10, Fri 13
    orders = list(Order.objects.filter(schedule=schedule).order_by("date"))
    assert [o.date for o in orders] == [
        D(2026, 3, 3),
        D(2026, 3, 6),
        D(2026, 3, 10),
        D(2026, 3, 13),
    ]
    first = orders[0]
    assert first.source == "schedule"
    assert first.number == f"SPB-{first.pk:06d}"
    assert first.scheduled_for == first.date
    assert first.total == Decimal("500.00")
    assert first.containers_to_deliver == 2
    assert first.window_from == datetime.time(10, 0)
    assert first.items.get().unit_price == Decimal("250.00")
    assert first.stops.get().address == "Невский пр., 10"
    schedule.refresh_from_db()
    assert schedule.generated_until == D(2026, 3, 14)


@pytest.mark.django_db
def test_generation_is_idempotent_across_dst_and_month_end(users, setup):
    """Run every day (and twice a day) from 20 March to 5 April, spanning the DST change of
    29 March and the month end: each occurrence gets exactly one order."""
    branch, client, product = setup
    schedule = _schedule(users["operator"], client, product, weekdays=[6, 1])  # Sun, Tue
    day = D(2026, 3, 20)
    while day <= D(2026, 4, 5):
        generate_orders(branch=branch, today=day, until=day + datetime.timedelta(days=7))
        again = generate_orders(branch=branch, today=day, until=day + datetime.timedelta(days=7))
        assert again["created"] == 0
        day += datetime.timedelta(days=1)
    dates = list(Order.objects.filter(schedule=schedule).values_list("scheduled_for", flat=True))
    assert len(dates) == len(set(dates))
    assert D(2026, 3, 29) in dates and D(2026, 3, 31) in dates and D(2026, 4, 12) in dates


@pytest.mark.django_db
def test_generation_uses_the_branch_date_by_default(users, setup):
    branch, client, product = setup
    _schedule(users["operator"], client, product, start_date=D(2020, 1, 1), weekdays=list(range(7)))
    generate_orders(branch=branch)
    today = branch_today(branch)
    dates = set(Order.objects.values_list("date", flat=True))
    assert min(dates) == today
    assert max(dates) == today + datetime.timedelta(days=14)


@pytest.mark.django_db
def test_monthly_first_working_day_respects_holidays(users, setup):
    branch, client, product = setup
    Holiday.objects.create(branch=None, date=D(2026, 6, 1), name="Holiday")
    Holiday.objects.create(branch=branch, date=D(2026, 6, 2), name="Local")
    _schedule(users["operator"], client, product, rule="monthly_workday", month_workday=1)
    generate_orders(branch=branch, today=D(2026, 5, 1), until=D(2026, 7, 31))
    assert sorted(Order.objects.values_list("date", flat=True)) == [
        D(2026, 5, 1),
        D(2026, 6, 3),
        D(2026, 7, 1),
    ]


@pytest.mark.django_db
def test_price_list_of_the_clients_group_is_used(users, branch):
    from clients.models import ClientGroup

    group = ClientGroup.objects.create(name="Offices")
    client = _client(branch, users["manager"])
    client.group = group
    client.save(update_fields=["group"])
    product = make_product(price=Decimal("300.00"))
    price_list = PriceList.objects.create(name="Offices", valid_from=D(2026, 3, 5))
    price_list.client_groups.add(group)
    PriceListItem.objects.create(price_list=price_list, product=product, price=Decimal("200.00"))
    _schedule(users["operator"], client, product)
    generate_orders(branch=branch, today=D(2026, 3, 1), until=D(2026, 3, 7))
    prices = dict(Order.objects.values_list("date", "items__unit_price"))
    assert prices == {D(2026, 3, 3): Decimal("300.00"), D(2026, 3, 6): Decimal("200.00")}


@pytest.mark.django_db
def test_generation_query_count_does_not_grow_with_schedules(users, setup):
    branch, _unused, product = setup

    def run(n_clients):
        clients = [_client(branch, users["manager"]) for _i in range(n_clients)]
        for c in clients:
            _schedule(users["operator"], c, product)
            _schedule(
                users["operator"],
                c,
                product,
                address=None,
                rule="every_n_days",
                interval_days=3,
                weekdays=[],
            )
        Order.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            result = generate_orders(branch=branch, today=D(2026, 3, 1), until=D(2026, 3, 14))
        assert result["created"] > 0
        return len(ctx.captured_queries)

    small = run(1)
    RecurringSchedule.objects.all().delete()
    large = run(8)
    assert large == small


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "items", "field", "message"),
    [
        ({"weekdays": []}, None, "weekdays", "Choose at least one weekday."),
        ({"rule": "every_n_days", "interval_days": None}, None, "interval_days", "number of days"),
        ({"rule": "monthly_workday", "month_workday": 30}, None, "month_workday", "1 to 23"),
        ({"end_date": D(2026, 2, 1)}, None, "end_date", "cannot end before it starts"),
        ({"window_from": datetime.time(6, 0)}, None, "window_from", "outside working hours"),
        ({"window_to": datetime.time(9, 0)}, None, "window_to", "must end after it starts"),
        ({"window_to": None}, None, "window_to", "both ends"),
        ({}, [], "items", "at least one item"),
        ({}, [{"quantity": Decimal("-1")}], "items", "more than zero"),
        ({}, [{"quantity": Decimal("0")}], "items", "more than zero"),
        ({"start_date": None}, None, "start_date", "first date"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(users, setup, overrides, items, field, message):
    _branch, client, product = setup
    if items is not None:
        items = [{"product": product, **i} for i in items]
    with pytest.raises(ValidationError) as exc:
        schedule_create(
            actor=users["operator"],
            client=client,
            data=_data(**overrides),
            items=items if items is not None else [{"product": product, "quantity": 1}],
        )
    assert field in exc.value.message_dict
    assert any(message in m for m in exc.value.message_dict[field])
    assert RecurringSchedule.objects.count() == 0
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_address_of_another_client_is_refused(users, setup):
    branch, client, product = setup
    other = _client(branch, users["manager"])
    with pytest.raises(ValidationError) as exc:
        _schedule(users["operator"], client, product, address=other.addresses.get())
    assert "another client" in exc.value.message_dict["address"][0]


@pytest.mark.django_db
def test_update_keeps_generated_orders_and_follows_the_new_rule(users, setup):
    branch, client, product = setup
    schedule = _schedule(
        users["operator"], client, product, generate=True, start_date=branch_today(branch)
    )
    before = Order.objects.count()
    assert before > 0
    schedule_update(
        actor=users["operator"],
        schedule=schedule,
        data=_data(start_date=branch_today(branch), weekdays=list(range(7))),
        items=[{"product": product, "quantity": Decimal("3")}],
    )
    assert Order.objects.count() == 15
    assert schedule.items.get().quantity == Decimal("3")


@pytest.fixture
def live(users, setup):
    """A schedule every day from today, with orders generated for two weeks."""
    branch, client, product = setup
    today = branch_today(branch)
    schedule = _schedule(
        users["operator"],
        client,
        product,
        start_date=today,
        weekdays=list(range(7)),
        generate=True,
    )
    return schedule, today


@pytest.mark.django_db
def test_skip_cancels_a_new_order_and_is_not_regenerated(users, live):
    schedule, today = live
    day = today + datetime.timedelta(days=2)
    schedule_skip(actor=users["operator"], schedule=schedule, occurrence=day, reason="Closed")
    order = Order.objects.get(schedule=schedule, scheduled_for=day)
    assert order.status == OrderStatus.CANCELLED
    assert order.status_reason == "Closed"
    assert generate_orders(branch=schedule.branch)["created"] == 0


@pytest.mark.django_db
def test_skip_before_generation_prevents_the_order(users, live):
    schedule, today = live
    far = today + datetime.timedelta(days=20)
    schedule_skip(actor=users["operator"], schedule=schedule, occurrence=far)
    generate_orders(branch=schedule.branch, until=today + datetime.timedelta(days=25))
    assert not Order.objects.filter(schedule=schedule, scheduled_for=far).exists()
    assert Order.objects.filter(
        schedule=schedule, scheduled_for=far + datetime.timedelta(1)
    ).exists()


@pytest.mark.django_db
def test_move_changes_the_date_of_a_new_order_keeping_its_occurrence(users, live):
    schedule, today = live
    day = today + datetime.timedelta(days=3)
    # a day outside the rule: make it weekly on the occurrence's weekday only
    schedule_update(
        actor=users["operator"],
        schedule=schedule,
        data=_data(start_date=today, weekdays=[day.weekday()]),
        items=[{"product": schedule.items.first().product, "quantity": 1}],
    )
    target = day + datetime.timedelta(days=1)
    schedule_move(actor=users["operator"], schedule=schedule, occurrence=day, new_date=target)
    order = Order.objects.get(schedule=schedule, scheduled_for=day)
    assert order.date == target
    assert generate_orders(branch=schedule.branch)["created"] == 0


@pytest.mark.django_db
def test_move_of_an_order_already_in_progress_is_refused(users, live):
    schedule, today = live
    order = Order.objects.get(schedule=schedule, scheduled_for=today + datetime.timedelta(days=1))
    order_transition(actor=users["operator"], order=order, target=OrderStatus.CONFIRMED)
    with pytest.raises(ValidationError) as exc:
        schedule_skip(actor=users["operator"], schedule=schedule, occurrence=order.scheduled_for)
    assert "already “Confirmed”" in exc.value.messages[0]
    assert not ScheduleException.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("occurrence_days", "new_days", "field", "message"),
    [
        (-1, 1, "occurrence", "already passed"),
        (1, -2, "new_date", "in the past"),
        (1, 2, "new_date", "already has a delivery"),
        (1, 1, "new_date", "other than the usual"),
        (1, None, "new_date", "Give the new date"),
    ],
)
def test_bad_moves_are_refused(users, live, occurrence_days, new_days, field, message):
    schedule, today = live
    occurrence = today + datetime.timedelta(days=occurrence_days)
    new_date = None if new_days is None else today + datetime.timedelta(days=new_days)
    with pytest.raises(ValidationError) as exc:
        schedule_move(
            actor=users["operator"], schedule=schedule, occurrence=occurrence, new_date=new_date
        )
    assert any(message in m for m in exc.value.message_dict[field])
    assert not ScheduleException.objects.exists()


@pytest.mark.django_db
def test_skip_of_a_date_without_occurrence_is_refused(users, setup):
    branch, client, product = setup
    today = branch_today(branch)
    schedule = _schedule(
        users["operator"], client, product, start_date=today, weekdays=[today.weekday()]
    )
    with pytest.raises(ValidationError) as exc:
        schedule_skip(
            actor=users["operator"],
            schedule=schedule,
            occurrence=today + datetime.timedelta(days=1),
        )
    assert "no delivery on this date" in exc.value.message_dict["occurrence"][0]


@pytest.mark.django_db
def test_pause_cancels_new_orders_in_the_period_and_stops_generation(users, live):
    schedule, today = live
    start, end = today + datetime.timedelta(days=2), today + datetime.timedelta(days=4)
    schedule_pause(
        actor=users["operator"], schedule=schedule, date_from=start, date_to=end, reason="Vacation"
    )
    statuses = dict(Order.objects.filter(schedule=schedule).values_list("scheduled_for", "status"))
    assert [statuses[start + datetime.timedelta(days=i)] for i in range(3)] == ["cancelled"] * 3
    assert statuses[today + datetime.timedelta(days=5)] == "new"
    assert generate_orders(branch=schedule.branch)["created"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_days", "to_days", "field"),
    [(3, 1, "date_to"), (-5, -1, "date_to"), (None, 1, "date_from")],
)
def test_bad_pauses_are_refused(users, live, from_days, to_days, field):
    schedule, today = live
    date_from = None if from_days is None else today + datetime.timedelta(days=from_days)
    with pytest.raises(ValidationError) as exc:
        schedule_pause(
            actor=users["operator"],
            schedule=schedule,
            date_from=date_from,
            date_to=today + datetime.timedelta(days=to_days),
        )
    assert field in exc.value.message_dict
    assert not schedule.pauses.exists()


@pytest.mark.django_db
def test_inactive_and_ended_schedules_generate_nothing(users, setup):
    branch, client, product = setup
    _schedule(users["operator"], client, product, is_active=False)
    _schedule(users["operator"], client, product, end_date=D(2026, 3, 2))
    assert generate_orders(branch=branch, today=D(2026, 3, 3), until=D(2026, 3, 20))["created"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_never_duplicate(users, branch):
    client = _client(branch, users["manager"])
    product = make_product()
    for _i in range(5):
        _schedule(users["operator"], client, product, weekdays=list(range(7)))
    results, errors = [], []

    def run():
        try:
            results.append(
                generate_orders(branch=branch, today=D(2026, 3, 1), until=D(2026, 3, 10))
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["created"] for r in results) == 5 * 10
    assert Order.objects.count() == 5 * 10


@pytest.mark.django_db
def test_seeder_creates_standing_orders_once_and_generates(users, branch):
    import random
    from types import SimpleNamespace

    from crm.orders.seed_schedules import seed_schedules

    make_product(code="water-19", unit="bottle")
    make_product(code="mat-85x150", unit="mat")
    for _i in range(12):
        _client(branch, users["manager"])
    ctx = SimpleNamespace(rng=random.Random(1), branches={"spb": branch}, stdout=None)
    seed_schedules(ctx)
    assert RecurringSchedule.objects.count() == 3
    created = Order.objects.count()
    assert created > 0
    assert Holiday.objects.filter(branch=None).exists()
    seed_schedules(ctx)
    assert RecurringSchedule.objects.count() == 3
    assert Order.objects.count() == created
