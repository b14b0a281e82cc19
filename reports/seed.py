"""Demo data of the reports app: the expense directory with limits, this and last month's plan
and a realistic month and a half of expenses (one category over its limit, so the warning
shows). With ``--months`` above the default 3 it also builds the volume history of orders,
routes, invoices and payments (``reports.volume``) for every demo client: ``seed_demo --clients
1000 --months 12`` gives the ≈ 60 000 orders, 12 000 invoices and 20 000 payments the
dashboards are benchmarked on. The default demo keeps its size."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from crm.core.registry import register_seeder

DEFAULT_MONTHS = 3
#: name, monthly limit, typical amounts, payment method
CATEGORIES = [
    ("Топливо", Decimal("180000"), [3500, 4200, 5100, 6100], "card"),
    ("Аренда склада", Decimal("95000"), [95000], "bank"),
    ("Ремонт и ТО автомобилей", Decimal("40000"), [7800, 12500, 18900], "bank"),
    ("Реклама", Decimal("60000"), [15000, 25000], "bank"),
    ("Связь и интернет", Decimal("8000"), [1900, 2400, 3600], "bank"),
    ("Хозяйственные расходы", Decimal("10000"), [650, 1200, 2300, 3100], "cash"),
    ("Химчистка ковров", None, [14000, 22000], "bank"),
]
NOTES = ["", "", "по чеку", "счёт поставщика", "срочно", "за прошлый месяц"]


@register_seeder("reports", order=90)
def seed_reports(ctx: Any) -> None:
    from reports.models import ExpenseCategory

    if ExpenseCategory.objects.exists():
        return  # a second run leaves the demo as it is
    branches = getattr(ctx, "branches", {})
    branch = branches.get("spb")
    if branch is None:
        return
    seed = int((getattr(ctx, "options", None) or {}).get("seed") or 42)
    rng = random.Random(f"reports-{seed}")
    _expenses(ctx, branch, rng)
    months = int((getattr(ctx, "options", None) or {}).get("months") or DEFAULT_MONTHS)
    if months > DEFAULT_MONTHS:
        for code in ("spb", "msk"):
            if code in branches:
                _history(ctx, branches[code], months, rng)


def _expenses(ctx: Any, branch: Any, rng: random.Random) -> None:
    from reports.filters import local_today
    from reports.models import Expense, ExpenseCategory, PlannedExpense

    accountant = getattr(ctx, "users", {}).get("accountant")
    today = local_today(branch)
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    categories = ExpenseCategory.objects.bulk_create(
        ExpenseCategory(name=name, monthly_limit=limit) for name, limit, *_r in CATEGORIES
    )
    plans, expenses = [], []
    for category, (_name, limit, amounts, method) in zip(categories, CATEGORIES, strict=True):
        for month in (last_month, this_month):
            planned = limit if limit is not None else Decimal(max(amounts) * 2)
            plans.append(
                PlannedExpense(branch=branch, category=category, month=month, amount=planned)
            )
        day = last_month
        while day <= today:
            every = 30 if len(amounts) == 1 else rng.choice([3, 5, 7])
            expenses.append(
                Expense(
                    branch=branch,
                    date=day,
                    category=category,
                    amount=Decimal(rng.choice(amounts)),
                    method=method,
                    note=rng.choice(NOTES),
                    created_by=accountant,
                )
            )
            day += datetime.timedelta(days=every)
    # fuel ran over its limit this month: the warning the accountant and director see
    expenses.append(
        Expense(
            branch=branch,
            date=today,
            category=categories[0],
            amount=Decimal("150000"),
            method="card",
            note="Топливные карты на квартал",
            created_by=accountant,
        )
    )
    PlannedExpense.objects.bulk_create(plans)
    Expense.objects.bulk_create(expenses)


def _history(ctx: Any, branch: Any, months: int, rng: random.Random) -> None:
    from billing.models import Organisation
    from clients.models import Client
    from reports.volume import build_history

    clients = list(
        Client.objects.filter(branch=branch, is_archived=False)
        .order_by("pk")
        .values_list("pk", "manager_id")
    )
    organisation = Organisation.objects.filter(branches=branch).order_by("pk").first()
    actor = getattr(ctx, "users", {}).get("accountant")
    result = build_history(
        branch=branch,
        clients=clients,
        months=months,
        rng=rng,
        actor=actor,
        organisation=organisation,
    )
    ctx.stdout.write(
        f"    {branch.code}: {result.orders} orders, {result.routes} routes, "
        f"{result.invoices} invoices, {result.payments} payments ({result.seconds} s)"
    )
