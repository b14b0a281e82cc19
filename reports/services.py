"""Writes of the reports app: expenses, their categories and the monthly expense plan."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.models import Branch
from crm.core.templatetags.kolo import money as money_text
from reports import roles
from reports.models import Expense, ExpenseCategory, PlannedExpense
from reports.selectors.expenses import month_spent


def _require(actor: Any, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied


@transaction.atomic
def expense_create(
    *,
    actor: Any,
    branch: Branch,
    date: datetime.date,
    category: ExpenseCategory,
    amount: Decimal,
    method: str,
    note: str = "",
    attachment: Any = None,
) -> tuple[Expense, str]:
    """Record an expense; returns it and a warning when the category's monthly limit is now
    exceeded (the expense is still recorded: a limit warns, it does not forbid)."""
    _require(actor, roles.ADD_EXPENSE)
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    if not category.is_active:
        raise ValidationError({"category": _("This category is archived.")})
    expense = Expense(
        branch=branch,
        date=date,
        category=category,
        amount=amount,
        method=method,
        note=note,
        created_by=actor,
    )
    if attachment:
        expense.attachment = attachment
    expense.full_clean()
    expense.save()
    warning = ""
    if category.monthly_limit is not None:
        spent = month_spent(branch, category, date)
        if spent > category.monthly_limit:
            warning = _(
                "The limit of %(category)s for %(month)s is exceeded: %(spent)s of %(limit)s."
            ) % {
                "category": category.name,
                "month": date.strftime("%m.%Y"),
                "spent": money_text(spent, expense.currency),
                "limit": money_text(category.monthly_limit, expense.currency),
            }
    return expense, warning


@transaction.atomic
def expense_delete(*, actor: Any, expense: Expense) -> None:
    _require(actor, roles.ADD_EXPENSE)
    if expense.attachment:
        transaction.on_commit(
            lambda name=expense.attachment.name: expense.attachment.storage.delete(name)
        )
    expense.delete()


@transaction.atomic
def category_save(
    *,
    actor: Any,
    category: ExpenseCategory | None,
    name: str,
    monthly_limit: Decimal | None,
    is_active: bool = True,
) -> ExpenseCategory:
    _require(actor, roles.MANAGE_CATEGORIES)
    name = name.strip()
    clash = ExpenseCategory.objects.filter(name__iexact=name)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"name": _("A category with this name already exists.")})
    category = category or ExpenseCategory()
    category.name = name
    category.monthly_limit = monthly_limit
    category.is_active = is_active
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def expense_plan_set(
    *, actor: Any, branch: Branch, month: datetime.date, amounts: dict[int, Decimal | None]
) -> int:
    """Set the planned amounts of ``month`` per category id (``None`` or 0 removes the plan).
    Returns how many plans were written."""
    _require(actor, roles.PLAN_EXPENSES)
    month = month.replace(day=1)
    written = 0
    categories = {c.pk: c for c in ExpenseCategory.objects.filter(pk__in=amounts)}
    for pk, amount in amounts.items():
        category = categories.get(pk)
        if category is None:
            continue
        if not amount:
            PlannedExpense.objects.filter(branch=branch, category=category, month=month).delete()
            continue
        if amount < 0:
            raise ValidationError(_("A planned amount cannot be negative."))
        PlannedExpense.objects.update_or_create(
            branch=branch, category=category, month=month, defaults={"amount": amount}
        )
        written += 1
    return written
