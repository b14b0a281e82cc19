"""Staff pay: the amount of one rule for one completed job or route (hours split into day and
night across midnight, weekend and night surcharges, rounded half up to kopecks), computing a
period's accruals (safe to run again), and recording an advance or a payout (once)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models_pay import PayAccrual, PayKind, Payout, PayoutKind, PayRule, PaySource
from billing.roles_pay import MANAGE_PAY
from crm.accounts.models_schedules import StaffProfile
from crm.orders.models_workers import AssignmentStatus, WorkerAssignment
from routes.models import Route, RouteState

CENT = Decimal("0.01")
HOUR = Decimal(60)
JOB_KINDS = (PayKind.JOB_FIXED, PayKind.JOB_PERCENT, PayKind.HOUR)
ROUTE_KINDS = (PayKind.KM, PayKind.STOP, PayKind.HOUR)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _overlap_minutes(a0, a1, b0, b1) -> int:
    start, end = max(a0, b0), min(a1, b1)
    return max(0, int((end - start).total_seconds() // 60))


def night_minutes(
    start: datetime.datetime,
    end: datetime.datetime,
    night_from: datetime.time,
    night_to: datetime.time,
) -> int:
    """Minutes of ``[start, end)`` (aware, in the branch's zone) inside the nightly window,
    which may run across midnight (22:00–06:00)."""
    tz = start.tzinfo
    total = 0
    day = start.date() - datetime.timedelta(days=1)
    while day <= end.date():
        n0 = datetime.datetime.combine(day, night_from, tzinfo=tz)
        n1 = datetime.datetime.combine(day, night_to, tzinfo=tz)
        if n1 <= n0:
            n1 += datetime.timedelta(days=1)
        total += _overlap_minutes(start, end, n0, n1)
        day += datetime.timedelta(days=1)
    return total


@dataclass(frozen=True)
class Work:
    """What a rule needs to know about one piece of completed work."""

    start: datetime.datetime
    end: datetime.datetime
    order_total: Decimal = Decimal("0")
    km: Decimal = Decimal("0")
    stops: int = 0


def rule_amount(rule: PayRule, work: Work) -> tuple[Decimal, Decimal]:
    """(quantity, amount) the rule pays for the work."""
    if rule.kind == PayKind.HOUR:
        minutes = max(0, int((work.end - work.start).total_seconds() // 60))
        night = night_minutes(work.start, work.end, rule.night_from, rule.night_to)
        night_rate = rule.night_rate if rule.night_rate is not None else rule.rate
        amount = (rule.rate * (minutes - night) + night_rate * night) / HOUR
        quantity = Decimal(minutes) / HOUR
    elif rule.kind == PayKind.JOB_FIXED:
        quantity, amount = Decimal(1), rule.rate
    elif rule.kind == PayKind.JOB_PERCENT:
        quantity, amount = work.order_total, work.order_total * rule.rate / 100
    elif rule.kind == PayKind.KM:
        quantity, amount = work.km, work.km * rule.rate
    else:
        quantity, amount = Decimal(work.stops), rule.rate * work.stops
    surcharge = Decimal(0)
    if work.start.weekday() >= 5:
        surcharge += rule.weekend_surcharge_pct
    if rule.kind != PayKind.HOUR and night_minutes(
        work.start, work.start + datetime.timedelta(minutes=1), rule.night_from, rule.night_to
    ):
        surcharge += rule.night_surcharge_pct
    amount = amount * (1 + surcharge / 100)
    return quantity.quantize(CENT, ROUND_HALF_UP), money(amount)


def _matches(rule: PayRule, user: Any, categories: dict[int, str]) -> bool:
    if rule.role and rule.role != user.role:
        return False
    return not rule.category or rule.category == categories.get(user.pk, "")


def _require(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(MANAGE_PAY):
        raise PermissionDenied


def _jobs(branch: Any, start: datetime.date, end: datetime.date) -> list[tuple]:
    jobs = WorkerAssignment.objects.filter(
        order__branch=branch,
        order__date__range=(start, end),
        status=AssignmentStatus.DONE,
        started_at__isnull=False,
        finished_at__isnull=False,
    ).select_related("worker", "order", "order__client")
    tz = branch.tzinfo
    return [
        (
            job.worker,
            job.order.date,
            PaySource.JOB,
            job.pk,
            Work(job.started_at.astimezone(tz), job.finished_at.astimezone(tz), job.order.total),
            _("Order %(n)s, %(client)s")
            % {"n": job.order.number or job.order_id, "client": job.order.client},
            JOB_KINDS,
        )
        for job in jobs
    ]


def _routes(branch: Any, start: datetime.date, end: datetime.date) -> list[tuple]:
    routes = Route.objects.filter(
        plan__branch=branch,
        plan__date__range=(start, end),
        state=RouteState.FINISHED,
        driver__isnull=False,
        started_at__isnull=False,
        finished_at__isnull=False,
    ).select_related("driver", "plan", "vehicle")
    tz = branch.tzinfo
    rows = []
    for route in routes:
        done = route.stops.filter(state="done").count()
        km = route.km_driven or route.km
        work = Work(
            route.started_at.astimezone(tz), route.finished_at.astimezone(tz), km=km, stops=done
        )
        label = _("Route %(van)s on %(day)s") % {"van": route.vehicle, "day": route.plan.date}
        rows.append(
            (route.driver, route.plan.date, PaySource.ROUTE, route.pk, work, label, ROUTE_KINDS)
        )
    return rows


@transaction.atomic
def pay_compute(*, actor: Any, branch: Any, start: datetime.date, end: datetime.date) -> int:
    """Accrue pay for every completed job and finished route of the period; what was accrued
    before stays as it is. Returns the number of new accruals."""
    _require(actor)
    if end < start:
        raise ValidationError(_("The last day is before the first one."))
    rules = list(PayRule.objects.filter(branch=branch, is_active=True))
    pieces = _jobs(branch, start, end) + _routes(branch, start, end)
    categories = dict(
        StaffProfile.objects.filter(user__in={p[0].pk for p in pieces}).values_list(
            "user_id", "category"
        )
    )
    created = 0
    for employee, day, source, source_id, work, label, kinds in pieces:
        for rule in rules:
            if rule.kind not in kinds or not _matches(rule, employee, categories):
                continue
            quantity, amount = rule_amount(rule, work)
            _row, new = PayAccrual.objects.get_or_create(
                employee=employee,
                source=source,
                source_id=source_id,
                rule=rule,
                defaults={
                    "branch": branch,
                    "day": day,
                    "quantity": quantity,
                    "amount": amount,
                    "description": f"{label}: {rule.name}"[:255],
                },
            )
            created += int(new)
    return created


def _unsettled_advances(employee: Any):
    return Payout.objects.select_for_update().filter(
        employee=employee, kind=PayoutKind.ADVANCE, settled_by__isnull=True
    )


@transaction.atomic
def payout_record(
    *,
    actor: Any,
    branch: Any,
    employee: Any,
    start: datetime.date,
    end: datetime.date,
    key: uuid.UUID,
    kind: str = PayoutKind.PAYOUT,
    amount: Decimal | None = None,
    note: str = "",
) -> Payout:
    """Pay an advance (the amount given) or the period's unpaid accruals minus unsettled
    advances. The same ``key`` again returns the first payout; paid accruals cannot be paid
    again."""
    _require(actor)
    existing = Payout.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if employee.branch_id != branch.pk:
        raise PermissionDenied
    if kind == PayoutKind.ADVANCE:
        if amount is None or amount <= 0:
            raise ValidationError(_("Give the advance's amount."))
        accruals, advances, total = None, None, money(amount)
    else:
        accruals = list(
            PayAccrual.objects.select_for_update().filter(
                employee=employee, day__range=(start, end), payout__isnull=True
            )
        )
        if not accruals:
            raise ValidationError(_("Nothing is left to pay for this period."))
        advances = list(_unsettled_advances(employee))
        total = money(sum(a.amount for a in accruals) - sum(a.amount for a in advances))
        if total <= 0:
            raise ValidationError(_("The advances already cover the accruals of this period."))
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                branch=branch,
                employee=employee,
                kind=kind,
                period_from=start,
                period_to=end,
                amount=total,
                idempotency_key=key,
                paid_by=actor,
                note=note,
            )
    except IntegrityError:  # the same key committed by a parallel request
        return Payout.objects.get(idempotency_key=key)
    if accruals is not None:
        PayAccrual.objects.filter(pk__in=[a.pk for a in accruals]).update(payout=payout)
        Payout.objects.filter(pk__in=[a.pk for a in advances]).update(settled_by=payout)
    return payout
