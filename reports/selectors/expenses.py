"""Expenses against plan and limits: per category over a period (one query with a subquery per
figure) and the categories over their monthly limit in a month."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Func, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from crm.accounts.models import Branch
from reports.filters import ReportFilter
from reports.models import Expense, ExpenseCategory, PlannedExpense
from reports.selectors.common import MONEY, ZERO, money, money_sum


def months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _sum(qs: QuerySet, field: str) -> Coalesce:
    summed = qs.order_by().annotate(_s=Func(F(field), function="SUM")).values("_s")[:1]
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def expenses_in(branch: Branch | None, start: datetime.date, end: datetime.date) -> QuerySet:
    qs = Expense.objects.filter(date__gte=start, date__lte=end)
    return qs.filter(branch=branch) if branch is not None else qs


def by_category(flt: ReportFilter) -> list[dict[str, Any]]:
    """Per category: planned (the months the period touches), actual, the limit for those
    months and whether the actual exceeds it."""
    actual = expenses_in(flt.branch, flt.date_from, flt.date_to).filter(category=OuterRef("pk"))
    planned = PlannedExpense.objects.filter(
        category=OuterRef("pk"),
        month__gte=flt.date_from.replace(day=1),
        month__lte=flt.date_to.replace(day=1),
        **flt.branch_q(),
    )
    months = months_between(flt.date_from, flt.date_to)
    rows = (
        ExpenseCategory.objects.annotate(
            planned=_sum(planned, "amount"), actual=_sum(actual, "amount")
        )
        .values("pk", "name", "monthly_limit", "planned", "actual", "is_active")
        .order_by("name")
    )
    result = []
    for row in rows:
        if not row["is_active"] and not row["actual"] and not row["planned"]:
            continue
        limit = row["monthly_limit"] * months if row["monthly_limit"] is not None else None
        over = limit is not None and row["actual"] > limit
        result.append(
            {
                "category_id": row["pk"],
                "category__name": row["name"],
                "planned": money(row["planned"]),
                "actual": money(row["actual"]),
                "difference": money(row["planned"] - row["actual"]),
                "limit": limit,
                "over_limit": over,
                "over_limit_label": _("exceeded") if over else "",
            }
        )
    return result


def over_limit(branch: Branch | None, month: datetime.date) -> list[dict[str, Any]]:
    """Categories whose expenses in ``month`` exceed their monthly limit."""
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    actual = expenses_in(branch, start, end).filter(category=OuterRef("pk"))
    rows = (
        ExpenseCategory.objects.filter(monthly_limit__isnull=False)
        .annotate(actual=_sum(actual, "amount"))
        .filter(actual__gt=F("monthly_limit"))
        .values("pk", "name", "monthly_limit", "actual")
        .order_by("name")
    )
    return [{**r, "excess": money(r["actual"] - r["monthly_limit"])} for r in rows]


def month_spent(branch: Branch | None, category: ExpenseCategory, day: datetime.date) -> Decimal:
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    qs = expenses_in(branch, start, end).filter(category=category)
    return money(qs.aggregate(s=money_sum("amount"))["s"])
