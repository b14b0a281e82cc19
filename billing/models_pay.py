"""Staff pay: rules per role/category, accruals per completed job or route, advances and payouts.
Imported at the end of ``billing/models.py``.

An accrual is computed once per (employee, source, rule): the unique constraint makes "compute
the period" safe to run again. A payout settles the employee's unpaid accruals of a period minus
their unsettled advances, once: the accruals (locked while paying) point at it, so a second
payout finds nothing left to pay, and the form's unique idempotency key makes a repeated submit
return the same payout instead of creating another."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.orders.models import MONEY


class PayKind(models.TextChoices):
    JOB_FIXED = "job_fixed", _("Per completed job, fixed")
    JOB_PERCENT = "job_percent", _("Per completed job, percent of the order")
    HOUR = "hour", _("Per hour (day and night rates)")
    KM = "km", _("Per km of a route (drivers)")
    STOP = "stop", _("Per completed stop of a route")


class PayRule(models.Model):
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.CASCADE, related_name="pay_rules"
    )
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    category = models.CharField(
        _("category"), max_length=60, blank=True, help_text=_("Empty: every category.")
    )
    kind = models.CharField(_("pay for"), max_length=12, choices=PayKind.choices)
    rate = models.DecimalField(_("rate"), **MONEY)
    night_rate = models.DecimalField(
        _("night rate"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Per hour; empty: the day rate."),
    )
    night_from = models.TimeField(_("night from"), default=datetime.time(22, 0))
    night_to = models.TimeField(_("night until"), default=datetime.time(6, 0))
    night_surcharge_pct = models.DecimalField(
        _("night surcharge, %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("On per-job pay when the job starts at night."),
    )
    weekend_surcharge_pct = models.DecimalField(
        _("weekend surcharge, %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pay rule")
        verbose_name_plural = _("pay rules")
        permissions = [("manage_pay", _("Can manage staff pay: rules, accruals and payouts"))]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="billing_payrule_rate_gte_0"),
            models.CheckConstraint(
                condition=Q(kind__in=PayKind.values), name="billing_payrule_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PaySource(models.TextChoices):
    JOB = "job", _("Job on an order")
    ROUTE = "route", _("Route")


class PayAccrual(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pay_accruals"
    )
    day = models.DateField(_("day worked"))
    source = models.CharField(_("for"), max_length=8, choices=PaySource.choices)
    source_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(PayRule, on_delete=models.PROTECT, related_name="accruals")
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), **MONEY)
    description = models.CharField(_("description"), max_length=255)
    payout = models.ForeignKey(
        "billing.Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="accruals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "employee", "pk"]
        verbose_name = _("pay accrual")
        verbose_name_plural = _("pay accruals")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "source", "source_id", "rule"], name="billing_accrual_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_accrual_amount_gte_0"),
        ]
        indexes = [models.Index(fields=["branch", "day"])]

    def __str__(self) -> str:
        return f"{self.employee} {self.day} {self.amount}"


class PayoutKind(models.TextChoices):
    ADVANCE = "advance", _("Advance")
    PAYOUT = "payout", _("Payout")


class Payout(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PayoutKind.choices)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("until"))
    amount = models.DecimalField(_("amount"), **MONEY)
    #: the advances a payout settled (they are deducted from it)
    settled_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="settled_advances"
    )
    idempotency_key = models.UUIDField(unique=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-paid_at", "-pk"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payout_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(kind__in=PayoutKind.values), name="billing_payout_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.employee} {self.amount}"
