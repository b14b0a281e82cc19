"""Recurring schedules (standing orders): create, change, pause, skip or move one occurrence, and
generate the orders of the next days in bulk.

Idempotency of generation rests on the database: ``Order`` has a unique constraint on
``(schedule, scheduled_for)`` (``orders_order_one_per_occurrence``), so an occurrence can never
have two orders. On top of it a run locks the schedules it generates for (``SELECT … FOR UPDATE``
in primary-key order), so a second, overlapping run waits, then finds the orders of the first and
creates none instead of failing on the constraint; skip/move/pause lock the same row, so they
cannot interleave with a run either.

Dates are the branch's calendar dates (``branch_today``); the occurrence arithmetic is the pure
``crm.orders.schedules`` module."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import ClientAddress
from crm.core.models import AuditEntry
from crm.core.money import quantize
from crm.core.realtime import publish_on_commit
from crm.core.services import audit_record, diff, snapshot
from crm.orders import schedules as calc
from crm.orders.models import (
    Holiday,
    Order,
    OrderItem,
    OrderSource,
    OrderStatus,
    OrderStop,
    PriceList,
    PriceListItem,
    Product,
    RecurringSchedule,
    ScheduleException,
    ScheduleItem,
    SchedulePause,
)
from crm.orders.permissions import can_change_schedule
from crm.orders.services.orders import (
    ADDRESS_FIELDS,
    MAX_DAYS_AHEAD,
    branch_today,
    order_group,
    publish_order_changed,
    validate_schedule_fields,
)

DEFAULT_DAYS_AHEAD = 14
SCHEDULE_FIELDS = [
    "address",
    "order_type",
    "rule",
    "weekdays",
    "interval_days",
    "month_workday",
    "start_date",
    "end_date",
    "window_from",
    "window_to",
    "payment_method",
    "driver_comment",
    "containers_to_collect",
    "is_active",
]
TRACKED = [*SCHEDULE_FIELDS]
BATCH = 2000
R = RecurringSchedule.Rule


def days_ahead() -> int:
    return int(getattr(settings, "ORDERS_GENERATE_DAYS_AHEAD", DEFAULT_DAYS_AHEAD))


# --- Specs ----------------------------------------------------------------------------------------
def spec_of(schedule: RecurringSchedule) -> calc.ScheduleSpec:
    """The pure description of a schedule; uses prefetched pauses/exceptions when present."""
    return calc.ScheduleSpec(
        rule=schedule.rule,
        start_date=schedule.start_date,
        end_date=schedule.end_date,
        weekdays=tuple(int(d) for d in (schedule.weekdays or [])),
        interval_days=schedule.interval_days,
        month_workday=schedule.month_workday,
        pauses=tuple((p.date_from, p.date_to) for p in schedule.pauses.all()),
        exceptions={e.occurrence: (e.action, e.new_date) for e in schedule.exceptions.all()},
    )


def holidays_for(branch: Any, start: datetime.date, end: datetime.date) -> frozenset:
    """Holidays of the branch and of every branch, in the months touching the range."""
    lo = calc.month_start(start)
    hi = calc.next_month(end)
    return frozenset(
        Holiday.objects.filter(Q(branch=branch) | Q(branch__isnull=True))
        .filter(date__gte=lo, date__lt=hi)
        .values_list("date", flat=True)
    )


# --- Validation -----------------------------------------------------------------------------------
def _validate_rule(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    rule = data.get("rule")
    if rule not in R.values:
        errors.setdefault("rule", []).append(_("Choose how the schedule repeats."))
    elif rule == R.WEEKLY:
        weekdays = data.get("weekdays") or []
        if not weekdays:
            errors.setdefault("weekdays", []).append(_("Choose at least one weekday."))
        elif any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
            errors.setdefault("weekdays", []).append(_("Weekdays are 0 (Monday) to 6 (Sunday)."))
    elif rule == R.EVERY_N_DAYS:
        n = data.get("interval_days")
        if not n or n < 1 or n > 365:
            errors.setdefault("interval_days", []).append(
                _("Give the number of days between visits (1 to 365).")
            )
    elif rule == R.MONTHLY_WORKDAY:
        n = data.get("month_workday")
        if not n or n < 1 or n > 23:
            errors.setdefault("month_workday", []).append(
                _("Give the working day of the month (1 to 23).")
            )


def _validate_dates(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    start, end = data.get("start_date"), data.get("end_date")
    if start is None:
        errors.setdefault("start_date", []).append(_("Give the first date of the schedule."))
    elif end is not None and end < start:
        errors.setdefault("end_date", []).append(_("The schedule cannot end before it starts."))


def _validate_items(items: list[dict[str, Any]]) -> list[str]:
    errors = []
    if not items:
        errors.append(_("Add at least one item."))
    for number, item in enumerate(items, start=1):
        if item.get("product") is None:
            errors.append(_("Line %(n)s: choose a product.") % {"n": number})
        try:
            quantity = Decimal(item.get("quantity"))
        except (TypeError, InvalidOperation):
            quantity = None
        if quantity is None or not quantity.is_finite() or quantity <= 0:
            errors.append(_("Line %(n)s: the quantity must be more than zero.") % {"n": number})
        elif quantity.as_tuple().exponent < -3:
            errors.append(_("Line %(n)s: at most 3 decimal places.") % {"n": number})
    return errors


def validate_schedule(
    *, branch: Any, client: Any, data: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    """Raise one ``ValidationError`` with every problem (keyed by field, items under "items")."""
    errors = validate_schedule_fields(
        branch=branch,
        date=None,
        window_from=data.get("window_from"),
        window_to=data.get("window_to"),
        check_past=False,
    )
    _validate_rule(data, errors)
    _validate_dates(data, errors)
    if (data.get("containers_to_collect") or 0) < 0:
        errors.setdefault("containers_to_collect", []).append(_("Cannot be negative."))
    address = data.get("address")
    if address is not None and address.client_id != client.pk:
        errors.setdefault("address", []).append(_("The address belongs to another client."))
    if item_errors := _validate_items(items):
        errors["items"] = item_errors
    if errors:
        raise ValidationError(errors)


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields of the chosen rule (the others are cleared)."""
    clean = {k: v for k, v in data.items() if k in SCHEDULE_FIELDS}
    rule = clean.get("rule")
    clean["weekdays"] = sorted({int(d) for d in clean.get("weekdays") or []})
    if rule != R.WEEKLY:
        clean["weekdays"] = []
    if rule != R.EVERY_N_DAYS:
        clean["interval_days"] = None
    if rule != R.MONTHLY_WORKDAY:
        clean["month_workday"] = None
    return clean


def _save_items(schedule: RecurringSchedule, items: list[dict[str, Any]]) -> None:
    schedule.items.all().delete()
    ScheduleItem.objects.bulk_create(
        ScheduleItem(
            schedule=schedule,
            product=item["product"],
            quantity=Decimal(item["quantity"]),
            position=position,
        )
        for position, item in enumerate(items)
    )


def _item_state(schedule: RecurringSchedule) -> list[str]:
    return [f"{i.product_id} × {i.quantity.normalize()}" for i in schedule.items.all()]


# --- Create / update ------------------------------------------------------------------------------
@transaction.atomic
def schedule_create(
    *,
    actor: Any,
    client: Any,
    data: dict[str, Any],
    items: list[dict[str, Any]],
    generate: bool = True,
) -> RecurringSchedule:
    """A new standing order for ``client``; its first orders are generated right away."""
    if actor is not None and not actor.has_perm("orders.change_recurringschedule"):
        raise PermissionDenied
    branch = client.branch
    data = {"is_active": True, **data}
    validate_schedule(branch=branch, client=client, data=data, items=items)
    schedule = RecurringSchedule(
        branch=branch,
        client=client,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **_normalise(data),
    )
    schedule.save()
    _save_items(schedule, items)
    audit_record(actor=actor, instance=schedule, action=AuditEntry.Action.CREATE)
    if generate and schedule.is_active:
        generate_orders(branch=branch, schedule_ids=[schedule.pk])
    return schedule


@transaction.atomic
def schedule_update(
    *,
    actor: Any,
    schedule: RecurringSchedule,
    data: dict[str, Any],
    items: list[dict[str, Any]],
) -> RecurringSchedule:
    """Change a schedule. Orders already generated stay as they are (they are separate orders
    now, edited on their own page); new occurrences follow the new rule."""
    schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
    if actor is not None and not can_change_schedule(actor, schedule):
        raise PermissionDenied
    data = {"is_active": schedule.is_active, **data}
    validate_schedule(branch=schedule.branch, client=schedule.client, data=data, items=items)
    before = {**snapshot(schedule, TRACKED), "items": _item_state(schedule)}
    for name, value in _normalise(data).items():
        setattr(schedule, name, value)
    schedule.save()
    _save_items(schedule, items)
    after = {**snapshot(schedule, TRACKED), "items": _item_state(schedule)}
    audit_record(actor=actor, instance=schedule, changes=diff(before, after))
    if schedule.is_active:
        generate_orders(branch=schedule.branch, schedule_ids=[schedule.pk])
    return schedule


@transaction.atomic
def schedule_set_active(
    *, actor: Any, schedule: RecurringSchedule, active: bool
) -> RecurringSchedule:
    """Stop or resume a schedule. Stopping leaves generated orders alone (cancel them one by one
    or pause a period instead, which cancels the "new" ones)."""
    schedule = RecurringSchedule.objects.select_for_update().get(pk=schedule.pk)
    if actor is not None and not can_change_schedule(actor, schedule):
        raise PermissionDenied
    if schedule.is_active == active:
        return schedule
    before = snapshot(schedule, ["is_active"])
    schedule.is_active = active
    schedule.save(update_fields=["is_active"])
    audit_record(
        actor=actor, instance=schedule, changes=diff(before, snapshot(schedule, ["is_active"]))
    )
    if active:
        generate_orders(branch=schedule.branch, schedule_ids=[schedule.pk])
    return schedule


# --- Pause, skip, move ----------------------------------------------------------------------------
def _lock(actor: Any, schedule: RecurringSchedule) -> RecurringSchedule:
    schedule = (
        RecurringSchedule.objects.select_for_update(of=("self",))
        .select_related("branch", "client")
        .get(pk=schedule.pk)
    )
    if actor is not None and not can_change_schedule(actor, schedule):
        raise PermissionDenied
    return schedule


def _cancel_generated(actor: Any, orders: Iterable[Order], reason: str) -> int:
    """Cancel generated orders that are still "new" (recorded like any status move)."""
    from crm.orders.services.workflow import order_transition

    cancelled = 0
    for order in orders:
        if order.status == OrderStatus.NEW:
            order_transition(actor=actor, order=order, target=OrderStatus.CANCELLED, reason=reason)
            cancelled += 1
    return cancelled


def _check_not_started(order: Order | None) -> None:
    if order is not None and order.status not in (OrderStatus.NEW, OrderStatus.CANCELLED):
        raise ValidationError(
            _(
                "The order %(number)s for this date is already “%(status)s”; "
                "change it on the order's page."
            )
            % {"number": order.number, "status": order.get_status_display()}
        )


def _check_occurrence(schedule: RecurringSchedule, occurrence: datetime.date) -> None:
    today = branch_today(schedule.branch)
    if occurrence < today:
        raise ValidationError({"occurrence": [_("This date has already passed.")]})
    spec = spec_of(schedule)
    holidays = holidays_for(schedule.branch, occurrence, occurrence)
    if not calc.is_rule_date(spec, occurrence, holidays):
        raise ValidationError({"occurrence": [_("The schedule has no delivery on this date.")]})


@transaction.atomic
def schedule_pause(
    *,
    actor: Any,
    schedule: RecurringSchedule,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    reason: str = "",
) -> SchedulePause:
    """No orders from ``date_from`` to ``date_to`` (inclusive). Orders already generated in the
    period that are still "new" are cancelled with the pause's reason; an order already past
    "new" refuses the pause (it is being worked on: change it on its own page first)."""
    schedule = _lock(actor, schedule)
    errors: dict[str, list[str]] = {}
    if date_from is None:
        errors.setdefault("date_from", []).append(_("Give the first day of the pause."))
    if date_to is None:
        errors.setdefault("date_to", []).append(_("Give the last day of the pause."))
    if not errors and date_to < date_from:
        errors.setdefault("date_to", []).append(_("The pause cannot end before it starts."))
    if not errors and date_to < branch_today(schedule.branch):
        errors.setdefault("date_to", []).append(_("The pause is entirely in the past."))
    if errors:
        raise ValidationError(errors)
    moved = set(
        schedule.exceptions.filter(action=ScheduleException.Action.MOVE).values_list(
            "occurrence", flat=True
        )
    )
    affected = [
        o
        for o in Order.objects.filter(
            schedule=schedule, scheduled_for__gte=date_from, scheduled_for__lte=date_to
        ).exclude(status=OrderStatus.CANCELLED)
        if o.scheduled_for not in moved
    ]
    for order in affected:
        _check_not_started(order)
    pause = SchedulePause.objects.create(
        schedule=schedule, date_from=date_from, date_to=date_to, reason=(reason or "")[:255]
    )
    _cancel_generated(actor, affected, reason or _("The recurring schedule is paused."))
    audit_record(
        actor=actor,
        instance=schedule,
        changes={"pause": ["", f"{date_from:%Y-%m-%d} – {date_to:%Y-%m-%d}"]},
        note=reason,
    )
    return pause


@transaction.atomic
def schedule_pause_delete(*, actor: Any, pause: SchedulePause) -> None:
    """End a pause; the next generation run fills in the occurrences it suppressed."""
    schedule = _lock(actor, pause.schedule)
    pause.delete()
    generate_orders(branch=schedule.branch, schedule_ids=[schedule.pk])


def _occurrence_order(schedule: RecurringSchedule, occurrence: datetime.date) -> Order | None:
    return (
        Order.objects.select_for_update()
        .filter(schedule=schedule, scheduled_for=occurrence)
        .first()
    )


@transaction.atomic
def schedule_skip(
    *, actor: Any, schedule: RecurringSchedule, occurrence: datetime.date, reason: str = ""
) -> ScheduleException:
    """No order for this one occurrence. A generated order still "new" is cancelled (it keeps the
    occurrence's slot, so it is never generated again); a later status refuses the skip."""
    schedule = _lock(actor, schedule)
    _check_occurrence(schedule, occurrence)
    order = _occurrence_order(schedule, occurrence)
    _check_not_started(order)
    exception, _created = ScheduleException.objects.update_or_create(
        schedule=schedule,
        occurrence=occurrence,
        defaults={
            "action": ScheduleException.Action.SKIP,
            "new_date": None,
            "reason": (reason or "")[:255],
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    if order is not None:
        _cancel_generated(actor, [order], reason or _("Skipped in the recurring schedule."))
    audit_record(
        actor=actor,
        instance=schedule,
        changes={"skip": ["", f"{occurrence:%Y-%m-%d}"]},
        note=reason,
    )
    return exception


@transaction.atomic
def schedule_move(
    *,
    actor: Any,
    schedule: RecurringSchedule,
    occurrence: datetime.date,
    new_date: datetime.date | None,
    reason: str = "",
) -> ScheduleException:
    """Do this one occurrence on ``new_date`` instead. A generated order still "new" has its date
    moved (it keeps ``scheduled_for`` = the occurrence, so it is never generated twice); a later
    status refuses the move."""
    schedule = _lock(actor, schedule)
    _check_occurrence(schedule, occurrence)
    today = branch_today(schedule.branch)
    if new_date is None:
        raise ValidationError({"new_date": [_("Give the new date.")]})
    if new_date < today:
        raise ValidationError({"new_date": [_("The new date is in the past.")]})
    if (new_date - today).days > MAX_DAYS_AHEAD:
        raise ValidationError({"new_date": [_("The new date is more than a year ahead.")]})
    if new_date == occurrence:
        raise ValidationError({"new_date": [_("Choose a date other than the usual one.")]})
    order = _occurrence_order(schedule, occurrence)
    _check_not_started(order)
    if order is not None and order.status == OrderStatus.CANCELLED:
        raise ValidationError(
            _("The order %(number)s for this date is cancelled; restore it first.")
            % {"number": order.number}
        )
    taken = [
        o
        for o in calc.occurrences(
            spec_of(schedule), new_date, new_date, holidays_for(schedule.branch, new_date, new_date)
        )
        if o.makes_order and o.date == new_date and o.occurrence != occurrence
    ]
    if taken:
        raise ValidationError(
            {"new_date": [_("The schedule already has a delivery on this date.")]}
        )
    exception, _created = ScheduleException.objects.update_or_create(
        schedule=schedule,
        occurrence=occurrence,
        defaults={
            "action": ScheduleException.Action.MOVE,
            "new_date": new_date,
            "reason": (reason or "")[:255],
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    if order is not None and order.status == OrderStatus.NEW:
        before = snapshot(order, ["date"])
        order.date = new_date
        order.save(update_fields=["date", "updated_at"])
        audit_record(
            actor=actor,
            instance=order,
            changes=diff(before, snapshot(order, ["date"])),
            note=reason or _("Moved in the recurring schedule."),
        )
        publish_order_changed(order)
    audit_record(
        actor=actor,
        instance=schedule,
        changes={"move": ["", f"{occurrence:%Y-%m-%d} → {new_date:%Y-%m-%d}"]},
        note=reason,
    )
    if order is None:
        generate_orders(branch=schedule.branch, schedule_ids=[schedule.pk])
    return exception


@transaction.atomic
def schedule_exception_delete(*, actor: Any, exception: ScheduleException) -> None:
    """Undo a skip or a move whose order has not been generated (or is cancelled/new)."""
    schedule = _lock(actor, exception.schedule)
    order = _occurrence_order(schedule, exception.occurrence)
    _check_not_started(order)
    if order is not None and order.status == OrderStatus.NEW and order.date != exception.occurrence:
        order.date = exception.occurrence
        order.save(update_fields=["date", "updated_at"])
        publish_order_changed(order)
    exception.delete()


# --- Upcoming (for the pages) ---------------------------------------------------------------------
def upcoming(
    schedules: Iterable[RecurringSchedule],
    *,
    start: datetime.date,
    end: datetime.date,
    branch: Any,
) -> dict[int, list[dict[str, Any]]]:
    """``{schedule_id: [{"occurrence", "date", "state", "order"}, …]}`` for the pages: two queries
    (holidays, orders) whatever the number of schedules; pauses and exceptions prefetched."""
    schedules = list(schedules)
    holidays = holidays_for(branch, start, end)
    found = {s.pk: calc.occurrences(spec_of(s), start, end, holidays) for s in schedules}
    keys = {o.occurrence for occs in found.values() for o in occs}
    orders = {}
    if keys:
        for order in Order.objects.filter(
            schedule_id__in=list(found), scheduled_for__in=sorted(keys)
        ).only("pk", "number", "status", "date", "schedule_id", "scheduled_for"):
            orders[(order.schedule_id, order.scheduled_for)] = order
    return {
        pk: [
            {
                "occurrence": o.occurrence,
                "date": o.date,
                "state": o.state,
                "order": orders.get((pk, o.occurrence)),
            }
            for o in occs
        ]
        for pk, occs in found.items()
    }


# --- Generation -----------------------------------------------------------------------------------
class _PriceBook:
    """Catalogue prices for many orders at once (``catalogue_price`` semantics, batched): the
    client group's active price list valid on the date (the lowest when several), else the
    product's catalogue price. Loaded with two queries per run."""

    def __init__(self, products: dict[int, Product], group_ids: set[int]) -> None:
        self.products = products
        self.lists: dict[int, list[tuple[Any, Any, dict[int, Decimal]]]] = defaultdict(list)
        if not group_ids or not products:
            return
        price_lists = (
            PriceList.objects.filter(is_active=True, client_groups__in=group_ids)
            .distinct()
            .prefetch_related("client_groups")
        )
        by_list: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for row in PriceListItem.objects.filter(
            price_list__in=price_lists, product_id__in=list(products)
        ).values_list("price_list_id", "product_id", "price"):
            by_list[row[0]][row[1]] = row[2]
        for pl in price_lists:
            for group in pl.client_groups.all():
                if group.pk in group_ids:
                    self.lists[group.pk].append((pl.valid_from, pl.valid_to, by_list[pl.pk]))

    def price(self, group_id: int | None, product_id: int, on_date: datetime.date) -> Decimal:
        candidates = [
            prices[product_id]
            for valid_from, valid_to, prices in self.lists.get(group_id, [])
            if product_id in prices
            and (valid_from is None or valid_from <= on_date)
            and (valid_to is None or on_date <= valid_to)
        ]
        return min(candidates) if candidates else self.products[product_id].price


def _stop_fields(address: ClientAddress | None) -> dict[str, Any] | None:
    if address is None:
        return None
    fields = {name: getattr(address, name) for name in ADDRESS_FIELDS}
    fields["client_address"] = address
    return fields


def _primary_addresses(client_ids: set[int]) -> dict[int, ClientAddress]:
    chosen: dict[int, ClientAddress] = {}
    if not client_ids:
        return chosen
    for address in ClientAddress.objects.filter(client_id__in=client_ids).order_by(
        "client_id", "-is_primary", "position", "id"
    ):
        chosen.setdefault(address.client_id, address)
    return chosen


def _schedules_to_generate(
    branch: Any, start: datetime.date, end: datetime.date, schedule_ids: list[int] | None
) -> list[RecurringSchedule]:
    qs = RecurringSchedule.objects.filter(branch=branch, is_active=True).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if schedule_ids is not None:
        qs = qs.filter(pk__in=schedule_ids)
    # Lock in primary-key order (no deadlock between two runs), then read with the relations.
    locked = list(qs.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    return list(
        RecurringSchedule.objects.filter(pk__in=locked)
        .select_related("client", "address")
        .prefetch_related("items", "pauses", "exceptions")
        .order_by("pk")
    )


def _build_orders(
    branch: Any,
    due: list[tuple[RecurringSchedule, calc.Occurrence]],
    prices: _PriceBook,
    addresses: dict[int, ClientAddress],
    now: datetime.datetime,
) -> tuple[list[Order], list[list[dict[str, Any]]], list[dict[str, Any] | None]]:
    orders, lines, stops = [], [], []
    for schedule, occ in due:
        client = schedule.client
        items = []
        for position, item in enumerate(schedule.items.all()):
            product = prices.products[item.product_id]
            unit_price = prices.price(client.group_id, product.pk, occ.date)
            items.append(
                {
                    "product": product,
                    "quantity": item.quantity,
                    "unit_price": unit_price,
                    "position": position,
                }
            )
        subtotal = sum((quantize(i["quantity"] * i["unit_price"]) for i in items), Decimal("0"))
        containers = sum((i["quantity"] for i in items if i["product"].is_returnable), Decimal("0"))
        orders.append(
            Order(
                branch=branch,
                client=client,
                order_type=schedule.order_type,
                source=OrderSource.SCHEDULE,
                date=occ.date,
                window_from=schedule.window_from,
                window_to=schedule.window_to,
                payment_method=schedule.payment_method,
                driver_comment=schedule.driver_comment,
                containers_to_deliver=int(containers),
                containers_to_collect=schedule.containers_to_collect,
                currency=client.currency,
                subtotal=subtotal,
                total=subtotal,
                schedule=schedule,
                scheduled_for=occ.occurrence,
                status_changed_at=now,
            )
        )
        lines.append(items)
        stops.append(_stop_fields(schedule.address or addresses.get(client.pk)))
    return orders, lines, stops


def _insert(
    orders: list[Order], lines: list[list[dict[str, Any]]], stops: list[dict[str, Any] | None]
) -> list[int]:
    Order.objects.bulk_create(orders, batch_size=BATCH)
    ids = [o.pk for o in orders]
    OrderItem.objects.bulk_create(
        (
            OrderItem(
                order=order,
                product=item["product"],
                name=item["product"].name,
                unit=item["product"].unit,
                vat_rate=item["product"].vat_rate,
                quantity=item["quantity"],
                unit_price=item["unit_price"],
                amount=quantize(item["quantity"] * item["unit_price"]),
                position=item["position"],
            )
            for order, items in zip(orders, lines, strict=True)
            for item in items
        ),
        batch_size=BATCH,
    )
    OrderStop.objects.bulk_create(
        (
            OrderStop(order=order, position=0, **stop)
            for order, stop in zip(orders, stops, strict=True)
            if stop is not None
        ),
        batch_size=BATCH,
    )
    return ids


def _number(ids: list[int], code: str) -> None:
    """``f"{CODE}-{pk:06d}"`` as ``order_create`` does, in one UPDATE (LPad would truncate)."""
    text = Cast("pk", CharField())
    Order.objects.filter(pk__in=ids).update(
        number=Concat(
            Value(f"{code.upper()}-"),
            LPad(text, 6, Value("0")) if max(ids) < 1_000_000 else text,
            output_field=CharField(),
        )
    )
    if max(ids) >= 1_000_000:  # the rare mix: pad the short ones
        small = [pk for pk in ids if pk < 1_000_000]
        if small:
            Order.objects.filter(pk__in=small).update(
                number=Concat(
                    Value(f"{code.upper()}-"), LPad(text, 6, Value("0")), output_field=CharField()
                )
            )


def _generate_branch(
    branch: Any,
    *,
    today: datetime.date,
    until: datetime.date,
    schedule_ids: list[int] | None,
) -> dict[str, int]:
    schedules = _schedules_to_generate(branch, today, until, schedule_ids)
    if not schedules:
        return {"schedules": 0, "created": 0, "existing": 0}
    holidays = holidays_for(branch, today, until)
    wanted: list[tuple[RecurringSchedule, calc.Occurrence]] = []
    for schedule in schedules:
        if not list(schedule.items.all()):
            continue
        wanted.extend(
            (schedule, occ) for occ in calc.orders_due(spec_of(schedule), today, until, holidays)
        )
    existing: set[tuple[int, datetime.date]] = set()
    if wanted:
        keys = sorted({occ.occurrence for _s, occ in wanted})
        existing = set(
            Order.objects.filter(
                branch=branch,
                schedule_id__in=[s.pk for s in schedules],
                scheduled_for__in=keys,
            ).values_list("schedule_id", "scheduled_for")
        )
    due = [(s, occ) for s, occ in wanted if (s.pk, occ.occurrence) not in existing]
    ids: list[int] = []
    if due:
        product_ids = {i.product_id for s, _o in due for i in s.items.all()}
        products = Product.objects.in_bulk(product_ids)
        groups = {s.client.group_id for s, _o in due if s.client.group_id}
        needing_address = {s.client_id for s, _o in due if s.address_id is None}
        orders, lines, stops = _build_orders(
            branch,
            due,
            _PriceBook(products, groups),
            _primary_addresses(needing_address),
            timezone.now(),
        )
        ids = _insert(orders, lines, stops)
        _number(ids, branch.code)
        from crm.orders.services.pricing import order_reprice_many

        order_reprice_many(ids)
        publish_on_commit(order_group(branch.pk), {"type": "order.changed", "bulk": True})
    advanced = [s.pk for s in schedules if s.generated_until is None or s.generated_until < until]
    if advanced:
        RecurringSchedule.objects.filter(pk__in=advanced).update(generated_until=until)
    return {"schedules": len(schedules), "created": len(ids), "existing": len(existing)}


def generate_orders(
    *,
    until: datetime.date | None = None,
    branch: Any = None,
    today: datetime.date | None = None,
    schedule_ids: list[int] | None = None,
) -> dict[str, Any]:
    """Create the orders of active schedules from today to ``until`` (default: today +
    ``ORDERS_GENERATE_DAYS_AHEAD`` days, 14) in bulk; safe to run twice or concurrently.

    ``today`` defaults to each branch's own date (its time zone). One transaction per branch;
    returns ``{"created", "existing", "schedules", "branches": {code: {...}}}``."""
    from crm.accounts.models import Branch

    if branch is not None:
        branches = [branch]
    else:
        branches = list(
            Branch.objects.filter(
                pk__in=RecurringSchedule.objects.filter(is_active=True).values("branch_id")
            ).order_by("pk")
        )
    result: dict[str, Any] = {"created": 0, "existing": 0, "schedules": 0, "branches": {}}
    for b in branches:
        start = today or branch_today(b)
        end = until or start + datetime.timedelta(days=days_ahead())
        if end < start:
            continue
        with transaction.atomic():
            counts = _generate_branch(b, today=start, until=end, schedule_ids=schedule_ids)
        result["branches"][b.code] = {**counts, "until": end.isoformat()}
        for key in ("created", "existing", "schedules"):
            result[key] += counts[key]
    return result
