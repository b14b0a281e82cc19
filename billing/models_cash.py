"""The cash desk of a branch: money in (drivers' hand-ins at the close of their route, matched
against the cash they took on it; other cash in) and out (payouts, expenses by category), a
running balance and the daily closing after which the day's entries are final. Imported at the
end of ``billing/models.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.orders.models import MONEY


class CashKind(models.TextChoices):
    HAND_IN = "hand_in", _("Driver's hand-in")
    OTHER_IN = "other_in", _("Other cash in")
    PAYOUT = "payout", _("Pay to staff")
    EXPENSE = "expense", _("Expense")


CASH_IN = (CashKind.HAND_IN, CashKind.OTHER_IN)


class CashEntry(models.Model):
    Kind = CashKind

    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=CashKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_entries",
        verbose_name=_("employee"),
    )
    route = models.OneToOneField(
        "routes.Route",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cash_hand_in",
        verbose_name=_("route"),
    )
    #: cash the driver took on the route (stops paid in cash), for hand-ins
    expected = models.DecimalField(_("expected"), **MONEY, null=True, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "created_at", "pk"]
        verbose_name = _("cash entry")
        verbose_name_plural = _("cash entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_cash_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(kind__in=CashKind.values), name="billing_cash_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["branch", "day"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def is_in(self) -> bool:
        return self.kind in CASH_IN

    @property
    def difference(self):
        if self.expected is None:
            return None
        return self.amount - self.expected


class CashClosing(models.Model):
    """The end of a cash day: figures as they were when it was closed."""

    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    opening = models.DecimalField(_("opening balance"), **MONEY)
    cash_in = models.DecimalField(_("cash in"), **MONEY)
    cash_out = models.DecimalField(_("cash out"), **MONEY)
    closing = models.DecimalField(_("closing balance"), **MONEY)
    differences = models.PositiveIntegerField(_("hand-ins with a difference"), default=0)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("cash day closing")
        verbose_name_plural = _("cash day closings")
        constraints = [
            models.UniqueConstraint(fields=["branch", "day"], name="billing_cash_closing_once")
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.day}"
