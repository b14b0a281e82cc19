"""Receivables aging: buckets by days past due (table-driven), and the groupings per client,
manager, standing route and branch — one query each."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from billing.services import aging
from billing.services.payments import payment_record
from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation

TODAY = datetime.date.today()
D = Decimal
pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def org(branch):
    return make_organisation(branch)


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-10, "current"),
        (0, "current"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d90_plus"),
        (400, "d90_plus"),
    ],
)
def test_an_invoice_falls_in_the_bucket_of_its_days_past_due(branch, org, days_past_due, bucket):
    client = make_billing_client(branch)
    make_invoice(
        client, amount="1200.00", date=ago(max(days_past_due, 0) + 10), due_date=ago(days_past_due)
    )
    [row] = aging.aging_by_client(today=TODAY)
    assert row["client_id"] == client.pk
    assert row["debt"] == D("1200.00")
    assert row["overdue"] == (D("1200.00") if days_past_due > 0 else D("0"))
    for key in aging.BUCKET_KEYS:
        assert row[key] == (D("1200.00") if key == bucket else D("0")), key


def test_only_the_outstanding_part_of_open_invoices_counts(branch, org):
    client = make_billing_client(branch)
    make_invoice(client, amount="1000.00", date=ago(50), due_date=ago(40))
    make_invoice(client, amount="500.00", date=ago(5), due_date=ago(2))
    make_invoice(client, amount="300.00", issue=False, date=ago(50), due_date=ago(40))  # a draft
    payment_record(actor=None, client=client, amount=D("400.00"), method="bank")  # oldest first
    totals = aging.aging_totals(today=TODAY)
    assert totals["debt"] == D("1100.00")
    assert totals["d31_60"] == D("600.00")
    assert totals["d1_30"] == D("500.00")
    assert totals["overdue"] == D("1100.00")


def test_groupings_are_one_query_each(branch, other_branch, org, users, django_assert_num_queries):
    from tests.routes.factories import make_depot, make_vehicle
    from tests.routes.standing_factories import make_site_client, make_standing_route

    manager = users["manager"]
    on_route = make_site_client(branch, [("59.94", "30.32")], manager=manager)
    vehicle = make_vehicle(branch, make_depot(branch))
    route = make_standing_route(
        users["admin"], branch, vehicle, addresses=[on_route.addresses.get()], name="Север-пн"
    )
    off_route = make_billing_client(branch)
    far = make_billing_client(other_branch)
    make_organisation(other_branch)
    make_invoice(on_route, amount="100.00", date=ago(20), due_date=ago(10))
    make_invoice(on_route, amount="50.00", date=ago(120), due_date=ago(100))
    make_invoice(off_route, amount="70.00", date=ago(3), due_date=TODAY)
    make_invoice(far, amount="30.00", date=ago(70), due_date=ago(65))

    with django_assert_num_queries(1):
        by_manager = aging.aging_by_manager(today=TODAY)
    with django_assert_num_queries(1):
        by_route = aging.aging_by_route(today=TODAY)
    with django_assert_num_queries(1):
        by_branch = aging.aging_by_branch(today=TODAY)
    with django_assert_num_queries(1):
        by_client = aging.aging_by_client(today=TODAY)

    mine = next(r for r in by_manager if r["client__manager_id"] == manager.pk)
    assert (mine["debt"], mine["d1_30"], mine["d90_plus"]) == (D("150.00"), D("100.00"), D("50.00"))
    routed = {r["route_id"]: r for r in by_route}
    assert routed[route.pk]["route_name"] == "Север-пн"
    assert routed[route.pk]["debt"] == D("150.00")
    assert routed[None]["debt"] == D("100.00")  # off the routes: 70 current + 30 in 61–90
    assert routed[None]["d61_90"] == D("30.00")
    branches = {r["branch_id"]: r["debt"] for r in by_branch}
    assert branches == {branch.pk: D("220.00"), other_branch.pk: D("30.00")}
    assert by_client[0]["client_id"] == on_route.pk  # most overdue first


def test_debtors_annotates_clients_and_skips_those_who_owe_nothing(branch, org):
    from clients.models import Client

    owes = make_billing_client(branch)
    paid = make_billing_client(branch)
    make_invoice(owes, amount="900.00", date=ago(40), due_date=ago(35))
    make_invoice(paid, amount="100.00", date=ago(40), due_date=ago(35))
    payment_record(actor=None, client=paid, amount=D("100.00"), method="cash")
    [row] = aging.debtors(Client.objects.all(), TODAY)
    assert row.pk == owes.pk
    assert (row.open_debt, row.overdue_amount, row.d31_60) == (D("900.00"),) * 3
