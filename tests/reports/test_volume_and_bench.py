"""The volume history (seed_demo --months > 3, bench reports) and the bench suite at a toy size.
Times are never asserted (the machine may be busy)."""

from __future__ import annotations

import io
import json
import random
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from billing.models import Document, Payment
from crm.accounts.models import Branch
from crm.orders.models import Order
from reports.models import Expense, ExpenseCategory
from reports.seed import seed_reports
from reports.volume import build_history
from routes.models import RouteStop


@pytest.mark.django_db
def test_history_is_consistent(branch, users):
    from tests.billing.core_factories import make_billing_client, make_organisation
    from tests.routes.factories import make_depot, make_vehicle

    organisation = make_organisation(branch)
    make_vehicle(branch, make_depot(branch), driver=users["driver"])
    clients = [make_billing_client(branch, manager=users["manager"]) for _n in range(6)]
    result = build_history(
        branch=branch,
        clients=[(c.pk, c.manager_id) for c in clients],
        months=3,
        rng=random.Random(7),
        organisation=organisation,
    )
    assert result.orders == Order.objects.count() > 40
    assert result.stops == RouteStop.objects.count()
    assert result.invoices == Document.objects.filter(kind="invoice").count() > 0
    assert result.payments == Payment.objects.count() > 0
    # every invoice is paid at most in full, and the allocations say so
    for document in Document.objects.all():
        allocated = sum(a.amount for a in document.allocations.all())
        assert allocated == document.paid_amount <= document.total


@pytest.mark.django_db
def test_default_demo_adds_only_expenses(branch, users):
    ctx = SimpleNamespace(
        branches={"spb": branch},
        options={"seed": 42, "months": 3},
        users=users,
        stdout=io.StringIO(),
    )
    seed_reports(ctx)
    assert ExpenseCategory.objects.count() >= 5 and Expense.objects.count() > 20
    assert not Order.objects.exists()
    seed_reports(ctx)  # idempotent
    assert ExpenseCategory.objects.count() == len({c.name for c in ExpenseCategory.objects.all()})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_bench_reports_has_its_keys_and_cleans_up(users):
    out = io.StringIO()
    call_command(
        "bench",
        "reports",
        "--json",
        "--history-clients",
        "20",
        "--history-months",
        "2",
        "--renders",
        "1",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["suite"] == "reports"
    assert result.keys() >= {"dashboard_ms", "slowest_report", "slowest_report_ms", "orders"}
    assert result["slowest_report"] in result["reports_ms"]
    assert result["dashboard_queries"] == result["dashboard_year_queries"]
    assert not Branch.objects.filter(code__startswith="bench-rep-").exists()
