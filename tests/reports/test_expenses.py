"""Expenses: recording one with an attachment, the limit warning, errors re-rendered, another
branch's expense hidden, the category directory and the monthly plan."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.filters import local_today
from reports.models import Expense, ExpenseCategory, PlannedExpense
from reports.selectors.expenses import by_category, over_limit
from tests.reports.factories import period

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def fuel(db):
    return ExpenseCategory.objects.create(name="Топливо", monthly_limit=D("1000.00"))


def _expense(branch, category, amount, day=None):
    return Expense.objects.create(
        branch=branch,
        category=category,
        amount=D(amount),
        method="card",
        date=day or local_today(branch),
    )


def test_accountant_records_an_expense_with_a_receipt(branch, fuel, client_for):
    response = client_for("accountant").post(
        reverse("reports:expense-list"),
        {
            "date": local_today(branch).isoformat(),
            "category": fuel.pk,
            "amount": "450.50",
            "method": "card",
            "note": "АЗС",
            "attachment": SimpleUploadedFile("чек.pdf", b"%PDF-1.4 receipt", "application/pdf"),
        },
    )
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert (expense.amount, expense.branch, expense.note) == (D("450.50"), branch, "АЗС")
    assert expense.attachment.name.endswith(".pdf")


def test_going_over_the_limit_warns_but_records(branch, fuel, client_for):
    _expense(branch, fuel, "900.00")
    response = client_for("accountant").post(
        reverse("reports:expense-list"),
        {
            "date": local_today(branch).isoformat(),
            "category": fuel.pk,
            "amount": "200.00",
            "method": "cash",
        },
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "limit" in text and "1,100.00" in text
    assert Expense.objects.count() == 2
    (row,) = over_limit(branch, local_today(branch))
    assert row["excess"] == D("100.00")
    assert f'data-over-limit="{fuel.pk}"' in response.content.decode()


def test_invalid_expense_rerenders_with_errors(branch, fuel, client_for):
    response = client_for("accountant").post(
        reverse("reports:expense-list"),
        {"date": "", "category": fuel.pk, "amount": "-5", "method": "card"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"date", "amount"}
    assert not Expense.objects.exists()


def test_other_branch_expense_is_hidden_from_the_accountant(branch, other_branch, fuel, client_for):
    theirs = _expense(other_branch, fuel, "10.00")
    mine = _expense(branch, fuel, "20.00")
    accountant = client_for("accountant")
    response = accountant.get(reverse("reports:expense-list"))
    assert [e.pk for e in response.context["page"]] == [mine.pk]
    delete = reverse("reports:expense-delete")
    assert accountant.post(delete, {"pk": theirs.pk}).status_code == 404
    assert Expense.objects.filter(pk=theirs.pk).exists()
    assert accountant.post(delete, {"pk": mine.pk}).status_code == 302
    assert not Expense.objects.filter(pk=mine.pk).exists()


def test_expense_list_query_count_does_not_grow(branch, fuel, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    accountant = client_for("accountant")
    _expense(branch, fuel, "1.00")
    accountant.get(reverse("reports:expense-list"))
    with CaptureQueriesContext(connection) as one:
        accountant.get(reverse("reports:expense-list"))
    for n in range(1, 30):
        _expense(branch, fuel, f"{n + 1}.00")
    with CaptureQueriesContext(connection) as many:
        response = accountant.get(reverse("reports:expense-list"))
    assert len(many) == len(one) <= 20
    assert response.context["total"] == D(sum(range(1, 31)))


def test_categories_directory(fuel, client_for):
    accountant = client_for("accountant")
    response = accountant.post(
        reverse("reports:category-list"), {"name": "Аренда", "monthly_limit": "", "is_active": "on"}
    )
    assert response.status_code == 302
    assert ExpenseCategory.objects.get(name="Аренда").monthly_limit is None
    clash = accountant.post(reverse("reports:category-list"), {"name": "топливо"})
    assert clash.status_code == 400 and "name" in clash.context["form"].errors
    edit = accountant.post(
        reverse("reports:category-edit", args=[fuel.pk]),
        {"name": "Топливо и масла", "monthly_limit": "2000", "is_active": "on"},
    )
    assert edit.status_code == 302
    fuel.refresh_from_db()
    assert (fuel.name, fuel.monthly_limit) == ("Топливо и масла", D("2000.00"))


def test_director_plans_a_month_and_the_report_compares(world, branch, fuel, client_for):
    month = world.start
    response = client_for("director").post(
        reverse("reports:expense-plan") + f"?month={month:%Y-%m}", {f"cat_{fuel.pk}": "800"}
    )
    assert response.status_code == 302
    assert PlannedExpense.objects.get(category=fuel, month=month).amount == D("800.00")
    _expense(branch, fuel, "300.00", world.today)
    _expense(branch, fuel, "999.00", month - datetime.timedelta(days=1))  # before the period
    (row,) = [r for r in by_category(period(world, branch)) if r["category_id"] == fuel.pk]
    assert (row["planned"], row["actual"], row["difference"]) == (
        D("800.00"),
        D("300.00"),
        D("500.00"),
    )
    assert row["over_limit"] is False
    report = client_for("director").get(
        reverse("reports:report", args=["expenses"]),
        {"date_from": month.isoformat(), "date_to": world.today.isoformat(), "branch": branch.pk},
    )
    assert report.context["table"].totals["actual"] == D("300.00")


def test_plan_rejects_negative_amounts(fuel, client_for):
    response = client_for("director").post(
        reverse("reports:expense-plan"), {f"cat_{fuel.pk}": "-1"}
    )
    assert response.status_code == 400
    assert not PlannedExpense.objects.exists()


def test_accountant_cannot_plan(fuel, client_for):
    assert client_for("accountant").get(reverse("reports:expense-plan")).status_code == 403
