"""Expenses: a directory of categories (each with an optional monthly limit), planned expenses per
category and month, and actual expenses with an attachment. Kept in ``reports`` (not billing) so
the cash desk and expenses can be joined later without two apps migrating the same tables."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ExpenseMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK = "bank", _("Bank transfer")


class ExpenseCategory(models.Model):
    name = models.CharField(_("name"), max_length=120)
    monthly_limit = models.DecimalField(
        _("monthly limit"),
        **MONEY,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text=_("A warning is shown when a month's expenses in the category exceed it"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("expense category")
        verbose_name_plural = _("expense categories")
        permissions = [
            ("view_director_dashboard", _("Can see the director's dashboard")),
            ("view_sales_dashboard", _("Can see the sales dashboard")),
            ("view_reports", _("Can see business reports")),
            ("view_daily_report", _("Can see the daily report by vehicle and driver")),
            ("view_sales_reports", _("Can see sales reports (leads, clients)")),
        ]
        constraints = [models.UniqueConstraint(fields=["name"], name="reports_category_unique")]

    def __str__(self) -> str:
        return self.name


class PlannedExpense(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(ExpenseCategory, on_delete=models.PROTECT, related_name="plans")
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    amount = models.DecimalField(_("planned amount"), **MONEY, validators=NOT_NEGATIVE)

    class Meta:
        ordering = ["month", "category__name"]
        verbose_name = _("planned expense")
        verbose_name_plural = _("planned expenses")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "category", "month"], name="reports_plan_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="reports_plan_month_first"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.month:%m.%Y}"


class Expense(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    category = models.ForeignKey(
        ExpenseCategory,
        on_delete=models.PROTECT,
        related_name="expenses",
        verbose_name=_("category"),
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    method = models.CharField(_("payment method"), max_length=8, choices=ExpenseMethod.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to="reports/expenses/%Y/%m/", blank=True, max_length=300
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        indexes = [models.Index(fields=["branch", "date"], name="reports_expense_date_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reports_expense_positive"),
            models.CheckConstraint(
                condition=Q(method__in=ExpenseMethod.values), name="reports_expense_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.category} {self.amount}"
