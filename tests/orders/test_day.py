"""The operator's day screen: sort order, problem reasons, staleness, filters, counters, the date
switcher, visibility by role and branch, the live partial and a constant number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.orders.day import day_counters, day_orders, decorate, is_stale, problem_reasons
from crm.orders.models import Order, OrderStatus, OrderStop, PaymentMethod, Priority
from crm.orders.services import order_record_prepayment, order_transition
from crm.orders.services.orders import branch_today
from tests.clients.factories import make_client
from tests.orders.factories import make_order, make_product

pytestmark = pytest.mark.django_db
URL = reverse("orders:day")
T = datetime.time


@pytest.fixture
def today(branch):
    return branch_today(branch)


@pytest.fixture
def client_a(branch, users):
    return make_client(branch=branch, manager=users["manager"], name="Альфа")


@pytest.fixture
def product():
    return make_product(name="Вода 19 л", price=Decimal("250.00"))


def _order(client, actor, product, **data):
    return make_order(client=client, actor=actor, product=product, **data)


def _numbers(orders):
    return [o.number for o in orders]


def _visible(user, branch, date, **filters):
    return list(day_orders(user=user, branch=branch, date=date, filters=filters))


def _move(order, actor, *targets, reason="причина"):
    for target in targets:
        order = order_transition(actor=actor, order=order, target=target, reason=reason)
    return order


# --- Sort order -----------------------------------------------------------------------------
def test_problems_first_then_express_then_window_closed_last(users, branch, client_a, product):
    op = users["operator"]
    late = _order(client_a, op, product, window_from=T(15), window_to=T(17))
    early = _order(client_a, op, product, window_from=T(9), window_to=T(11))
    express = _order(client_a, op, product, window_from=T(18), window_to=T(19), priority="express")
    done = _order(client_a, op, product, window_from=T(8), window_to=T(9))
    _move(done, op, OrderStatus.CONFIRMED, OrderStatus.IN_WORK, OrderStatus.COMPLETED)
    cancelled = _order(client_a, op, product, window_from=T(8), window_to=T(9))
    _move(cancelled, op, OrderStatus.CANCELLED)
    problem = _order(client_a, op, product, window_from=T(19), window_to=T(20))
    OrderStop.objects.filter(order=problem).update(latitude=None, longitude=None)
    no_window = _order(client_a, op, product)

    rows = _visible(op, branch, early.date)
    assert _numbers(rows[:5]) == _numbers([problem, express, early, late, no_window])
    assert {o.number for o in rows[5:]} == {done.number, cancelled.number}


def test_sort_is_the_same_on_the_page(users, branch, client_a, product, client_for):
    op = users["operator"]
    normal = _order(client_a, op, product, window_from=T(9), window_to=T(10))
    held = _order(client_a, op, product, window_from=T(12), window_to=T(13))
    _move(held, op, OrderStatus.CONFIRMED, OrderStatus.ON_HOLD)
    html = client_for("operator").get(URL).content.decode()
    assert html.index(f'id="order-{held.pk}"') < html.index(f'id="order-{normal.pk}"')


# --- Problem reasons and staleness ---------------------------------------------------------
def _reasons(order):
    fresh = Order.objects.get(pk=order.pk)
    return [str(r) for r in problem_reasons(fresh)]


def test_healthy_order_has_no_problems(users, client_a, product):
    assert _reasons(_order(client_a, users["operator"], product)) == []


@pytest.mark.parametrize(
    "update, expected",
    [
        ({"latitude": None, "longitude": None}, ["No coordinates"]),
        ({"address": "", "latitude": None, "longitude": None}, ["No address", "No coordinates"]),
        ({"address": ""}, ["No address"]),
    ],
)
def test_stop_problems(users, client_a, product, update, expected):
    order = _order(client_a, users["operator"], product)
    OrderStop.objects.filter(order=order).update(**update)
    assert _reasons(order) == expected
    annotated = next(
        o for o in _visible(users["operator"], order.branch, order.date) if o.pk == order.pk
    )
    assert [str(r) for r in problem_reasons(annotated)] == expected


def test_order_without_stops_has_no_address_and_no_coordinates(users, client_a, product):
    order = _order(client_a, users["operator"], product)
    OrderStop.objects.filter(order=order).delete()
    assert _reasons(order) == ["No address", "No coordinates"]


def test_unpaid_prepayment_is_a_problem_until_paid(users, client_a, product):
    op = users["operator"]
    order = _order(
        client_a, op, product, prepayment_required=True, prepayment_amount=Decimal("100.00")
    )
    assert _reasons(order) == ["Prepayment not received"]
    order_record_prepayment(actor=op, order=order, amount=Decimal("100.00"))
    assert _reasons(order) == []


def test_on_hold_is_a_problem_with_its_reason(users, client_a, product):
    op = users["operator"]
    order = _move(
        _order(client_a, op, product),
        op,
        OrderStatus.CONFIRMED,
        OrderStatus.ON_HOLD,
        reason="Нет пропуска",
    )
    assert _reasons(order) == ["On hold: Нет пропуска"]


def test_closed_orders_are_never_problems(users, client_a, product):
    op = users["operator"]
    order = _order(client_a, op, product)
    OrderStop.objects.filter(order=order).update(latitude=None, longitude=None)
    _move(order, op, OrderStatus.CANCELLED)
    assert _reasons(order) == []


def test_new_order_untouched_for_an_hour_is_stale(users, branch, client_a, product):
    op = users["operator"]
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    old = _order(client_a, op, product)
    Order.objects.filter(pk=old.pk).update(
        created_at=two_hours_ago, status_changed_at=two_hours_ago
    )
    fresh = _order(client_a, op, product)
    moved = _order(client_a, op, product)
    moved = _move(moved, op, OrderStatus.CONFIRMED, OrderStatus.NEW)
    Order.objects.filter(pk=moved.pk).update(created_at=two_hours_ago)  # moved just now
    rows = {o.pk: o for o in _visible(op, branch, old.date)}
    assert rows[old.pk].is_stale and is_stale(Order.objects.get(pk=old.pk))
    assert not rows[fresh.pk].is_stale
    assert not rows[moved.pk].is_stale and not is_stale(Order.objects.get(pk=moved.pk))
    # an unseen web request that went back to new is stale again
    Order.objects.filter(pk=moved.pk).update(is_seen=False)
    assert is_stale(Order.objects.get(pk=moved.pk))


def test_row_shows_problems_express_stale_and_gift(users, client_a, product, client_for):
    op = users["operator"]
    order = _order(client_a, op, product, priority=Priority.EXPRESS)
    order.items.create(name="Стаканы", quantity=1, unit_price=0, is_gift=True, position=9)
    OrderStop.objects.filter(order=order).update(latitude=None, longitude=None)
    three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
    Order.objects.filter(pk=order.pk).update(
        created_at=three_hours_ago, status_changed_at=three_hours_ago
    )
    html = client_for("operator").get(URL).content.decode()
    row = html[html.index(f'id="order-{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "is-problem" in row and "is-express" in row and "is-stale" in row
    assert 'title="No coordinates"' in row
    assert "🎁 Стаканы × 1" in row
    assert reverse("orders:order-detail", kwargs={"pk": order.pk}) in row


# --- Filters ----------------------------------------------------------------------------------
@pytest.fixture
def mixed_day(users, client_a, product, make_user):
    op = users["operator"]
    driver = users["driver"]
    other_driver = make_user("driver", username="driver2")
    orders = {
        "cash_delivery": _order(client_a, op, product, assignee=driver),
        "card_service": _order(
            client_a, op, product, order_type="service", payment_method=PaymentMethod.CARD
        ),
        "other_driver": _order(client_a, op, product, assignee=other_driver),
    }
    _move(orders["card_service"], op, OrderStatus.CONFIRMED)
    return orders


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {"cash_delivery", "card_service", "other_driver"}),
        ({"status": "confirmed"}, {"card_service"}),
        ({"status": "new"}, {"cash_delivery", "other_driver"}),
        ({"order_type": "service"}, {"card_service"}),
        ({"payment_method": "card"}, {"card_service"}),
        ({"assignee": "driver"}, {"cash_delivery"}),
        ({"status": "new", "payment_method": "card"}, set()),
    ],
)
def test_filters_narrow_the_list(mixed_day, users, client_for, params, expected):
    if params.get("assignee"):
        params = {**params, "assignee": users["driver"].pk}
    response = client_for("operator").get(URL, params)
    shown = {o.pk for o in response.context["orders"]}
    assert shown == {mixed_day[name].pk for name in expected}


def test_an_invalid_filter_value_is_ignored_not_an_error(mixed_day, client_for):
    response = client_for("operator").get(URL, {"status": "nonsense", "date": "2020-13-45"})
    assert response.status_code == 200
    assert len(response.context["orders"]) == 3


def test_assignee_choices_are_the_branch_drivers(mixed_day, users, client_for):
    form = client_for("operator").get(URL).context["filter"].form
    names = {u.username for u in form.fields["assignee"].queryset}
    assert names == {"driver", "driver2"}
    assert "branch" not in form.fields


def test_branch_switcher_may_pick_another_branch(users, other_branch, product, client_for):
    far = make_client(branch=other_branch, name="Москвич")
    order = _order(far, users["admin"], product)
    response = client_for("admin").get(URL, {"branch": other_branch.pk})
    assert [o.pk for o in response.context["orders"]] == [order.pk]
    assert client_for("admin").get(URL).context["orders"] == []


# --- Counters ---------------------------------------------------------------------------------
def test_counters_sum_decimal_totals(users, branch, client_a, product):
    op = users["operator"]
    a = _order(client_a, op, product, quantity=3)  # 750.00
    b = _order(client_a, op, make_product(price=Decimal("99.99")), quantity=1)
    c = _order(client_a, op, make_product(price=Decimal("0.01")), quantity=1)
    _move(a, op, OrderStatus.CONFIRMED, OrderStatus.IN_WORK, OrderStatus.COMPLETED)
    _move(c, op, OrderStatus.CANCELLED)
    counters = day_counters(user=op, branch=branch, date=a.date)
    assert counters["planned"] == Decimal("849.99")
    assert isinstance(counters["planned"], Decimal)
    assert counters["actual"] == Decimal("750.00")
    assert counters["cancelled"] == 1
    assert counters["total"] == 3
    assert counters["by_status"]["new"] == 1 and counters["by_status"]["completed"] == 1
    assert b.status == "new"


def test_counters_on_the_page(users, client_a, product, client_for):
    _order(client_a, users["operator"], product, quantity=2)
    html = client_for("operator").get(URL).content.decode()
    assert 'id="counter-planned">500.00' in html.replace("\xa0", "").replace(",", "")


def test_counters_of_an_empty_day_are_zero(users, branch, today):
    counters = day_counters(user=users["operator"], branch=branch, date=today)
    assert counters["planned"] == Decimal("0.00") and counters["percent"] == 0


# --- Date switcher ----------------------------------------------------------------------------
def test_date_switcher_shows_the_chosen_day(users, client_a, product, client_for, today):
    tomorrow = today + datetime.timedelta(days=1)
    order_today = _order(client_a, users["operator"], product)
    order_tomorrow = _order(client_a, users["operator"], product, date=tomorrow)
    client = client_for("operator")
    response = client.get(URL)
    assert [o.pk for o in response.context["orders"]] == [order_today.pk]
    assert f"date={tomorrow.isoformat()}" in response.context["next_query"]
    assert (
        f"date={(today - datetime.timedelta(days=1)).isoformat()}"
        in (response.context["prev_query"])
    )
    response = client.get(URL, {"date": tomorrow.isoformat(), "status": "new"})
    assert [o.pk for o in response.context["orders"]] == [order_tomorrow.pk]
    assert "status=new" in response.context["next_query"]  # filters survive the switch
    assert f"date={today.isoformat()}" in response.context["today_query"]


def test_empty_day_shows_the_empty_state(client_for, users):
    response = client_for("operator").get(URL, {"date": "2031-01-01"})
    assert "No orders for this day." in response.content.decode()


# --- Visibility ---------------------------------------------------------------------------------
def test_manager_sees_only_own_clients_orders(users, branch, make_user, product, client_for):
    own = _order(make_client(branch=branch, manager=users["manager"]), users["operator"], product)
    colleague = make_user("manager", username="colleague")
    _order(make_client(branch=branch, manager=colleague), users["operator"], product)
    response = client_for("manager").get(URL)
    assert [o.pk for o in response.context["orders"]] == [own.pk]
    assert response.context["counters"]["total"] == 1
    assert response.context["live_group"] == ""  # may not join the branch group


def test_driver_sees_only_assigned_orders(users, client_a, product, client_for):
    mine = _order(client_a, users["operator"], product, assignee=users["driver"])
    _order(client_a, users["operator"], product)
    response = client_for("driver").get(URL)
    assert [o.pk for o in response.context["orders"]] == [mine.pk]
    assert "print-stickers" not in response.content.decode()


def test_other_branch_orders_are_hidden(users, other_branch, client_a, product, client_for):
    _order(make_client(branch=other_branch), users["admin"], product)
    mine = _order(client_a, users["operator"], product)
    response = client_for("operator").get(URL, {"branch": other_branch.pk})
    assert [o.pk for o in response.context["orders"]] == [mine.pk]


def test_operator_page_joins_the_branch_group(client_for, branch):
    html = client_for("operator").get(URL).content.decode()
    assert f'data-live-groups="orders.branch.{branch.pk}"' in html
    assert "kolo:order.changed from:body" in html


# --- htmx partials ---------------------------------------------------------------------------
def test_rows_partial_renders_only_the_body(users, client_a, product, client_for):
    order = _order(client_a, users["operator"], product)
    response = client_for("operator").get(reverse("orders:day-rows"), {"status": "new"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="day-body"')
    assert f'id="order-{order.pk}"' in html and "<html" not in html


def test_htmx_filter_request_renders_the_page_part(users, client_a, product, client_for):
    _order(client_a, users["operator"], product)
    html = client_for("operator").get(URL, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="day-page"') and "<html" not in html


def test_timeline_places_blocks_by_window(users, branch, client_a, product, client_for):
    op = users["operator"]
    a = _order(client_a, op, product, window_from=T(9), window_to=T(11), assignee=users["driver"])
    b = _order(client_a, op, product, window_from=T(10), window_to=T(12), assignee=users["driver"])
    c = _order(client_a, op, product)
    response = client_for("operator").get(URL, {"view": "timeline"})
    timeline = response.context["timeline"]
    lane = timeline["lanes"][0]
    assert [[o.pk for o in row] for row in lane["rows"]] == [[a.pk], [b.pk]]  # overlap stacks
    span = (branch.workday_end.hour - branch.workday_start.hour) * 60
    assert a.pk and lane["rows"][0][0].tl_left == round(60 * 100 / span, 3)
    assert [o.pk for o in timeline["unwindowed"]] == [c.pk]
    html = response.content.decode()
    assert f'id="tl-order-{a.pk}"' in html and f'id="tl-order-{c.pk}"' in html


# --- Query count ------------------------------------------------------------------------------
def _make_many(n, users, branch, product):
    op = users["operator"]
    clients = [make_client(branch=branch, manager=users["manager"]) for _ in range(3)]
    for i in range(n):
        order = _order(
            clients[i % 3],
            op,
            product,
            window_from=T(8 + i % 10),
            window_to=T(9 + i % 10),
            assignee=users["driver"] if i % 2 else None,
            prepayment_required=bool(i % 5 == 0),
            prepayment_amount=Decimal("10.00") if i % 5 == 0 else Decimal("0"),
        )
        order.items.create(name="Подарок", quantity=1, unit_price=0, is_gift=True, position=5)


@pytest.mark.parametrize("view", ["list", "timeline"])
def test_query_count_does_not_grow_with_orders(
    users, branch, product, client_for, django_assert_max_num_queries, view
):
    client = client_for("operator")
    _make_many(5, users, branch, product)
    client.get(URL)  # warm caches (status names, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(client.get(URL, {"view": view}).context["orders"]) == 5
    _make_many(45, users, branch, product)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(URL, {"view": view}).context["orders"]) == 50


def test_selector_queries_are_constant(users, branch, product, django_assert_num_queries, today):
    _make_many(5, users, branch, product)
    with django_assert_num_queries(4):  # orders, stops, items, phones
        decorate(list(day_orders(user=users["operator"], branch=branch, date=today)))
    _make_many(45, users, branch, product)
    with django_assert_num_queries(4):
        rows = decorate(list(day_orders(user=users["operator"], branch=branch, date=today)))
    assert len(rows) == 50
