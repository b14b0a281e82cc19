"""The cash desk: a driver's hand-in matched against the cash taken on the route (a difference
is flagged, not refused), other cash in, cash out (pay to staff, expenses by category), the
running balance and the daily closing after which a day takes no more entries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from billing.models_cash import CASH_IN, CashClosing, CashEntry, CashKind
from billing.roles_pay import MANAGE_PAY
from crm.core.services import notification_send
from routes.models import PaymentTaken, Route, RouteState

ZERO = Decimal("0.00")


def _require(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(MANAGE_PAY):
        raise PermissionDenied


def _open_day(branch: Any, day: datetime.date) -> None:
    if CashClosing.objects.filter(branch=branch, day=day).exists():
        raise ValidationError(_("The cash day %(day)s is closed.") % {"day": day})


def route_cash_taken(route: Route) -> Decimal:
    """Cash the driver took at the stops of the route."""
    total = route.stops.filter(payment_taken=PaymentTaken.CASH).aggregate(s=Sum("amount_taken"))[
        "s"
    ]
    return total or ZERO


def routes_to_hand_in(branch: Any, day: datetime.date):
    """Finished routes of the day with a driver and no hand-in yet."""
    return (
        Route.objects.filter(plan__branch=branch, plan__date=day, driver__isnull=False)
        .filter(Q(state=RouteState.FINISHED) | Q(stops__payment_taken=PaymentTaken.CASH))
        .filter(cash_hand_in__isnull=True)
        .select_related("driver", "vehicle")
        .distinct()
    )


@transaction.atomic
def cash_hand_in(
    *, actor: Any, route: Route, amount: Decimal, day: datetime.date, note: str = ""
) -> CashEntry:
    """The driver hands in the route's cash at the close of the shift."""
    _require(actor)
    branch = route.plan.branch
    _open_day(branch, day)
    if amount <= 0:
        raise ValidationError(_("Give the amount handed in."))
    expected = route_cash_taken(route)
    try:
        with transaction.atomic():
            entry = CashEntry.objects.create(
                branch=branch,
                day=day,
                kind=CashKind.HAND_IN,
                amount=amount,
                employee=route.driver,
                route=route,
                expected=expected,
                note=note,
                created_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(_("This route's cash is already handed in.")) from error
    if entry.difference:
        notification_send(
            recipient=actor,
            title=_("Cash difference: %(name)s handed in %(amount)s, expected %(expected)s")
            % {"name": route.driver.display_name, "amount": amount, "expected": expected},
            level="warning",
        )
    return entry


@transaction.atomic
def cash_entry_add(
    *,
    actor: Any,
    branch: Any,
    day: datetime.date,
    kind: str,
    amount: Decimal,
    employee: Any = None,
    category: str = "",
    note: str = "",
) -> CashEntry:
    """Other cash in, or cash out: pay to staff (with the employee) or an expense (a category)."""
    _require(actor)
    _open_day(branch, day)
    if kind == CashKind.HAND_IN or kind not in CashKind.values:
        raise ValidationError(_("Hand-ins are taken against a route."))
    if amount <= 0:
        raise ValidationError(_("Give the amount."))
    if kind == CashKind.PAYOUT and employee is None:
        raise ValidationError(_("Whom is it paid to?"))
    if kind == CashKind.EXPENSE and not category.strip():
        raise ValidationError(_("Give the expense's category."))
    if kind not in CASH_IN and amount > cash_balance(branch, day):
        raise ValidationError(_("There is not that much cash in the desk."))
    return CashEntry.objects.create(
        branch=branch,
        day=day,
        kind=kind,
        amount=amount,
        employee=employee,
        category=category.strip(),
        note=note,
        created_by=actor,
    )


def _sum(qs) -> Decimal:
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def cash_balance(branch: Any, day: datetime.date) -> Decimal:
    """The desk's balance at the end of ``day`` (everything up to and including it)."""
    entries = CashEntry.objects.filter(branch=branch, day__lte=day)
    return _sum(entries.filter(kind__in=CASH_IN)) - _sum(entries.exclude(kind__in=CASH_IN))


@dataclass(frozen=True)
class CashDay:
    opening: Decimal
    cash_in: Decimal
    cash_out: Decimal
    differences: int

    @property
    def closing(self) -> Decimal:
        return self.opening + self.cash_in - self.cash_out


def cash_day(branch: Any, day: datetime.date) -> CashDay:
    entries = list(CashEntry.objects.filter(branch=branch, day=day))
    return CashDay(
        opening=cash_balance(branch, day - datetime.timedelta(days=1)),
        cash_in=sum((e.amount for e in entries if e.is_in), ZERO),
        cash_out=sum((e.amount for e in entries if not e.is_in), ZERO),
        differences=sum(1 for e in entries if e.difference),
    )


@transaction.atomic
def cash_day_close(*, actor: Any, branch: Any, day: datetime.date) -> CashClosing:
    _require(actor)
    _open_day(branch, day)
    figures = cash_day(branch, day)
    try:
        with transaction.atomic():
            return CashClosing.objects.create(
                branch=branch,
                day=day,
                opening=figures.opening,
                cash_in=figures.cash_in,
                cash_out=figures.cash_out,
                closing=figures.closing,
                differences=figures.differences,
                closed_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError(_("The cash day %(day)s is closed.") % {"day": day}) from error
