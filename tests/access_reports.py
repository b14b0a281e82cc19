"""Access rows for the reports app (reports.views, reports.views_expenses).

The director's dashboard: directors and admins. The sales dashboard: also heads of sales and
managers (a manager sees only his own figures: tests/reports/test_pages.py). Reports by their
permission: money and route reports for directors and accountants, the daily report also for
storekeepers, sales reports for heads of sales. Expenses: directors and accountants; the plan:
directors. Everyone else is refused."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from crm.accounts.roles import Role
from tests.access import Rule

BOSSES = frozenset({Role.ADMIN, Role.DIRECTOR})
SALES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER})
REPORTS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ACCOUNTANT})
ANY_REPORT = REPORTS | {Role.HEAD_OF_SALES, Role.STOREKEEPER}
DAILY = REPORTS | {Role.STOREKEEPER}
SALES_REPORTS = BOSSES | {Role.HEAD_OF_SALES}
EXPENSES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.ACCOUNTANT})


def extend_ctx(ctx: Any) -> None:
    from reports.models import ExpenseCategory

    ctx.expense_category = ExpenseCategory.objects.create(
        name="Топливо (доступ)", monthly_limit=Decimal("1000")
    )


def _fresh_expense(ctx: Any) -> dict:
    from reports.models import Expense

    expense = Expense.objects.create(
        branch=ctx.branch,
        date=datetime.date.today(),
        category=ctx.expense_category,
        amount=Decimal("10.00"),
        method="cash",
    )
    return {"pk": expense.pk}


def _slug(slug: str) -> Any:
    return lambda ctx: {"slug": slug}


ROWS: dict[str, Rule] = {
    "reports:index": Rule(ANY_REPORT),
    "reports:dashboard": Rule(BOSSES),
    "reports:sales": Rule(SALES),
    "reports:report": Rule(REPORTS, kwargs=_slug("receivables")),
    "reports:report-xlsx": Rule(DAILY, kwargs=_slug("daily")),
    "reports:report-pdf": Rule(SALES_REPORTS, kwargs=_slug("leads-by-source")),
    "reports:expense-list": Rule(EXPENSES),
    # a fresh expense per request: each allowed role deletes its own
    "reports:expense-delete": Rule(EXPENSES, method="post", data=_fresh_expense),
    "reports:category-list": Rule(EXPENSES),
    "reports:category-edit": Rule(EXPENSES, kwargs=lambda ctx: {"pk": ctx.expense_category.pk}),
    "reports:expense-plan": Rule(BOSSES),
}
