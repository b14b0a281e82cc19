"""The containers ledger through its services: the van's day balance and its differences, the
client's balance (delivered − collected − damaged + corrections), re-recording without
duplicates, the database's once-per-stop guarantee and the loading list."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client
from routes.models import ContainerKind, ContainerMove
from routes.services import containers
from tests.clients.factories import make_client
from tests.routes.container_factories import make_returnable, make_van, make_van_day, stop_counts

pytestmark = pytest.mark.django_db

K = ContainerKind
TODAY = datetime.date.today()


@pytest.fixture
def bottle():
    return make_returnable("Бутыль 19 л")


@pytest.fixture
def mat():
    return make_returnable("Коврик 85×150")


@pytest.fixture
def van(branch, users):
    return make_van(branch, driver=users["driver"])


@pytest.fixture
def shop(branch):
    return make_client(branch=branch, name="Магазин «Ромашка»")


def _balance(branch, van):
    return containers.van_day_balances(branch=branch, date=TODAY, vehicles=[van])[0]


def test_van_balance_expected_back_and_difference(branch, users, van, shop, bottle):
    route = make_van_day(branch, van, shop, [[(bottle, 5)], [(bottle, 4)]], date=TODAY)
    first, second = route.stops.order_by("position")
    keeper, driver = users["storekeeper"], users["driver"]

    containers.van_load_record(actor=keeper, vehicle=van, date=TODAY, loaded={bottle.pk: 20})
    stop_counts(first, driver, **{f"p{bottle.pk}": (5, 3, 0, 0)})
    stop_counts(second, driver, **{f"p{bottle.pk}": (4, 2, 1, 1)})
    containers.van_return_record(
        actor=keeper,
        vehicle=van,
        date=TODAY,
        returned={bottle.pk: {K.RETURNED_FULL: 11, K.RETURNED_EMPTY: 4, K.RETURNED_DAMAGED: 1}},
    )

    balance = _balance(branch, van)
    row = balance.row(bottle.pk)
    assert (row.loaded, row.delivered, row.collected, row.damaged, row.missing) == (20, 9, 5, 1, 1)
    assert (row.expected_full, row.expected_empty, row.expected_damaged) == (11, 5, 1)
    assert (row.diff_full, row.diff_empty, row.diff_damaged) == (0, -1, 0)
    assert row.flagged and balance.flagged
    assert balance.driver == driver and balance.route == route
    assert balance.loaded_at and balance.returned_at

    containers.van_return_record(
        actor=keeper,
        vehicle=van,
        date=TODAY,
        returned={bottle.pk: {K.RETURNED_FULL: 11, K.RETURNED_EMPTY: 5, K.RETURNED_DAMAGED: 1}},
    )
    assert not _balance(branch, van).flagged


def test_a_van_with_nothing_back_yet_shows_what_is_expected(branch, users, van, bottle):
    containers.van_load_record(
        actor=users["storekeeper"], vehicle=van, date=TODAY, loaded={bottle.pk: 7}
    )
    row = _balance(branch, van).row(bottle.pk)
    assert (row.expected_full, row.diff_full, row.flagged) == (7, -7, True)


def test_rerecording_replaces_the_row_and_zero_removes_it(branch, users, van, bottle, mat):
    keeper = users["storekeeper"]
    containers.van_load_record(
        actor=keeper, vehicle=van, date=TODAY, loaded={bottle.pk: 10, mat.pk: 3}
    )
    containers.van_load_record(
        actor=keeper, vehicle=van, date=TODAY, loaded={bottle.pk: 12, mat.pk: 3}
    )
    loads = ContainerMove.objects.filter(vehicle=van, kind=K.LOADED)
    assert sorted(loads.values_list("product_id", "quantity")) == sorted(
        [(bottle.pk, 12), (mat.pk, 3)]
    )
    containers.van_load_record(actor=keeper, vehicle=van, date=TODAY, loaded={mat.pk: 0})
    assert list(loads.values_list("product_id", "quantity")) == [(bottle.pk, 12)]
    # the evening return is its own set of rows and leaves the morning load alone
    containers.van_return_record(
        actor=keeper, vehicle=van, date=TODAY, returned={bottle.pk: {K.RETURNED_FULL: 2}}
    )
    containers.van_return_record(
        actor=keeper, vehicle=van, date=TODAY, returned={bottle.pk: {K.RETURNED_FULL: 2}}
    )
    assert ContainerMove.objects.filter(vehicle=van, kind=K.RETURNED_FULL).count() == 1
    assert loads.get().quantity == 12


def test_storekeeper_rows_carry_the_days_driver_and_branch(branch, users, van, shop, bottle):
    other_driver = users["driver"].__class__.objects.create(
        username="driver2", role="driver", branch=branch
    )
    route = make_van_day(branch, van, shop, [[(bottle, 1)]], date=TODAY)
    route.driver = other_driver
    route.save(update_fields=["driver"])
    containers.van_load_record(
        actor=users["storekeeper"], vehicle=van, date=TODAY, loaded={bottle.pk: 4}
    )
    move = ContainerMove.objects.get(kind=K.LOADED)
    assert (move.driver, move.branch_id, move.recorded_by) == (
        other_driver,
        branch.pk,
        users["storekeeper"],
    )


@pytest.mark.parametrize(
    ("loaded", "key"),
    [({"bad": -1}, "loaded_{p}"), ({"bad": 100_001}, "loaded_{p}")],
)
def test_bad_counts_raise_with_field_keys(users, van, bottle, loaded, key):
    with pytest.raises(ValidationError) as error:
        containers.van_load_record(
            actor=users["storekeeper"],
            vehicle=van,
            date=TODAY,
            loaded={bottle.pk: loaded["bad"]},
        )
    assert key.format(p=bottle.pk) in error.value.error_dict
    assert not ContainerMove.objects.exists()


def test_non_returnable_products_and_far_dates_are_refused(users, van, bottle):
    from tests.orders.factories import make_product

    soap = make_product(name="Мыло")
    keeper = users["storekeeper"]
    with pytest.raises(ValidationError) as error:
        containers.van_load_record(actor=keeper, vehicle=van, date=TODAY, loaded={soap.pk: 1})
    assert f"loaded_{soap.pk}" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        containers.van_load_record(
            actor=keeper,
            vehicle=van,
            date=TODAY + datetime.timedelta(days=5),
            loaded={bottle.pk: 1},
        )
    assert "date" in error.value.error_dict
    with pytest.raises(ValidationError):
        containers.van_containers_record(
            actor=keeper,
            vehicle=van,
            date=TODAY,
            counts={(K.DELIVERED, bottle.pk): 1},
        )


def test_only_recorders_record(users, van, bottle, shop):
    for role in ("driver", "manager", "accountant"):
        with pytest.raises(PermissionDenied):
            containers.van_load_record(
                actor=users[role], vehicle=van, date=TODAY, loaded={bottle.pk: 1}
            )
        with pytest.raises(PermissionDenied):
            containers.client_containers_adjust(
                actor=users[role], client=shop, product=bottle, quantity=1, note="x"
            )


def test_client_balance_delivered_collected_damaged_and_adjustment(
    branch, users, van, shop, bottle, mat
):
    route = make_van_day(branch, van, shop, [[(bottle, 5)], [(bottle, 2), (mat, 2)]], date=TODAY)
    first, second = route.stops.order_by("position")
    driver = users["driver"]
    stop_counts(first, driver, **{f"p{bottle.pk}": (5, 0, 0, 0)})
    stop_counts(second, driver, **{f"p{bottle.pk}": (2, 3, 1, 0), f"p{mat.pk}": (2, 0, 0, 0)})
    # 5 + 2 − 3 − 1 = 3 bottles, 2 mats
    assert containers.client_balances(shop.pk) == {bottle.pk: 3, mat.pk: 2}
    assert Client.objects.get(pk=shop.pk).containers_held == 5

    containers.client_containers_adjust(
        actor=users["storekeeper"], client=shop, product=bottle, quantity=10, note="Остаток"
    )
    containers.client_containers_adjust(
        actor=users["dispatcher"], client=shop, product=mat, quantity=-2, note="Списано"
    )
    assert containers.client_balances(shop.pk) == {bottle.pk: 13, mat.pk: 0}
    assert Client.objects.get(pk=shop.pk).containers_held == 13
    lines = containers.client_held_lines(shop.pk)
    assert [(line.name, line.held, line.deposit) for line in lines] == [
        (bottle.name, 13, bottle.deposit_price * 13)
    ]
    # missing containers are the driver's remark, not a movement at the client
    assert containers.client_recent_moves(shop.pk)[0].kind == K.ADJUSTMENT


def test_adjustment_needs_a_note_a_quantity_and_cannot_go_below_zero(users, shop, bottle):
    keeper = users["storekeeper"]
    with pytest.raises(ValidationError) as error:
        containers.client_containers_adjust(
            actor=keeper, client=shop, product=bottle, quantity=0, note="  "
        )
    assert set(error.value.error_dict) == {"note", "quantity"}
    with pytest.raises(ValidationError) as error:
        containers.client_containers_adjust(
            actor=keeper, client=shop, product=bottle, quantity=-1, note="Списание"
        )
    assert "quantity" in error.value.error_dict
    assert not ContainerMove.objects.exists()


def test_a_stop_counts_once_the_database_refuses_a_second_set(branch, users, van, shop, bottle):
    route = make_van_day(branch, van, shop, [[(bottle, 3)]], date=TODAY)
    stop = route.stops.get()
    line = containers.ContainerLine(bottle.pk, bottle.name, delivered=3, collected=1)
    containers.record_stop_containers(stop=stop, driver=users["driver"], lines=[line])
    with pytest.raises(IntegrityError), transaction.atomic():
        containers.record_stop_containers(stop=stop, driver=users["driver"], lines=[line])
    assert ContainerMove.objects.filter(stop=stop).count() == 2
    assert containers.client_balances(shop.pk) == {bottle.pk: 2}


def test_loading_list_reverses_the_stops_and_totals_per_product(
    branch, users, van, shop, bottle, mat
):
    from tests.orders.factories import make_product

    soap = make_product(name="Мыло")
    route = make_van_day(
        branch,
        van,
        shop,
        [[(bottle, 2)], [(bottle, 1), (mat, 3), (soap, 5)], [(mat, 1)]],
        date=TODAY,
    )
    loading = containers.loading_list(vehicle=van, date=TODAY)
    assert loading.route == route
    assert [s.number for s in loading.stops] == [3, 2, 1]
    assert [[(ln.name, ln.delivered) for ln in s.lines] for s in loading.stops] == [
        [(mat.name, 1)],
        [(bottle.name, 1), (mat.name, 3)],
        [(bottle.name, 2)],
    ]
    assert {t.name: t.delivered for t in loading.totals} == {bottle.name: 3, mat.name: 4}
    assert loading.total == 7
    assert containers.planned_loads([route]) == {van.pk: {bottle.pk: 3, mat.pk: 4}}


def test_loading_list_needs_a_published_route(branch, van, shop, bottle):
    make_van_day(branch, van, shop, [[(bottle, 2)]], date=TODAY, published=False)
    loading = containers.loading_list(vehicle=van, date=TODAY)
    assert loading.route is None and loading.stops == [] and loading.total == 0


def test_demo_seeder_is_idempotent(branch, users, van, shop, bottle):
    from types import SimpleNamespace

    from routes.seed_store import seed_store

    ctx = SimpleNamespace(users={"storekeeper": users["storekeeper"]})
    seed_store(ctx)
    first = sorted(ContainerMove.objects.values_list("kind", "product_id", "quantity"))
    seed_store(ctx)
    assert sorted(ContainerMove.objects.values_list("kind", "product_id", "quantity")) == first
    assert containers.client_balances(shop.pk) == {bottle.pk: 1 + shop.pk % 4}
    yesterday = containers.van_day_balances(branch=branch, date=_yesterday(branch), vehicles=[van])[
        0
    ]
    assert yesterday.flagged and yesterday.row(bottle.pk).diff_full == -2


def _yesterday(branch):
    from crm.orders.services.orders import branch_today

    return branch_today(branch) - datetime.timedelta(days=1)
