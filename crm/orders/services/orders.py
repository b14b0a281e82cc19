"""Creating and changing orders: validation, items and stops, price, history, live events.

Every write validates everything first and saves atomically (nothing half-saved), records a
history row, re-prices the order and tells the branch's day screen after commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.contract_guard import can_override as can_override_contract
from clients.contract_guard import contract_block_reason, record_contract_override
from clients.models import Client, ClientAddress
from clients.services import client_record_order
from crm.core.models import AuditEntry
from crm.core.realtime import publish_on_commit, user_group
from crm.core.services import audit_record, diff, snapshot
from crm.orders.models import (
    Order,
    OrderItem,
    OrderSource,
    OrderStop,
    Product,
    PromoCode,
)
from crm.orders.permissions import can_change_order
from crm.orders.workflow import can_edit_contents

#: Fields whose changes the order's history lists.
#: What staff fill in on an order (also the order form's fields, in its order).
ORDER_FIELDS = [
    "order_type",
    "date",
    "window_from",
    "window_to",
    "window2_from",
    "window2_to",
    "priority",
    "payment_method",
    "prepayment_required",
    "prepayment_amount",
    "assignee",
    "duration_hours",
    "containers_to_deliver",
    "containers_to_collect",
    "driver_comment",
    "comment",
]
#: What the order's change history records.
TRACKED = ["client", *ORDER_FIELDS, "promo_code", "total"]
ITEM_FIELDS = ["product", "name", "unit", "quantity", "unit_price", "discount_percent", "vat_rate"]
#: Where a stop is and who receives there (a stop's own copy of an address).
ADDRESS_FIELDS = [
    "city",
    "address",
    "latitude",
    "longitude",
    "receiver_name",
    "receiver_phone",
    "entrance",
    "floor",
    "apartment",
    "access_notes",
]
STOP_FIELDS = ["kind", "client_address", *ADDRESS_FIELDS, "note"]
MAX_DAYS_AHEAD = 366


def branch_today(branch: Any) -> datetime.date:
    return timezone.localtime(timezone.now(), branch.tzinfo).date()


def order_group(branch_id: int) -> str:
    return f"orders.branch.{branch_id}"


def publish_order_changed(order: Order, event: str = "changed") -> None:
    """The day screen (and later the dispatcher board) re-renders on this, after commit: the
    branch's group for those who see all its orders, and the personal channel of the client's
    manager and of the assigned worker, who see only theirs."""
    payload = {
        "type": f"order.{event}",
        "order_id": order.pk,
        "status": order.status,
        "date": order.date.isoformat(),
    }
    publish_on_commit(order_group(order.branch_id), payload)
    people = {order.assignee_id, order.client.manager_id} - {None}
    for user_id in sorted(people):
        publish_on_commit(user_group(user_id), payload)


# --- Validation -----------------------------------------------------------------------------------
def validate_schedule_fields(
    *,
    branch: Any,
    date: datetime.date | None,
    window_from: datetime.time | None,
    window_to: datetime.time | None,
    check_past: bool = True,
) -> dict[str, list[str]]:
    """Date and window checks shared by orders and recurring schedules."""
    errors: dict[str, list[str]] = {}
    if date is not None and check_past:
        today = branch_today(branch)
        if date < today:
            errors.setdefault("date", []).append(_("The date is in the past."))
        elif (date - today).days > MAX_DAYS_AHEAD:
            errors.setdefault("date", []).append(_("The date is more than a year ahead."))
    if (window_from is None) != (window_to is None):
        errors.setdefault("window_to", []).append(
            _("Give both ends of the delivery window, or neither.")
        )
    elif window_from is not None and window_to is not None:
        if window_from >= window_to:
            errors.setdefault("window_to", []).append(_("The window must end after it starts."))
        elif window_from < branch.workday_start or window_to > branch.workday_end:
            errors.setdefault("window_from", []).append(
                _("The window is outside working hours (%(start)s–%(end)s).")
                % {
                    "start": branch.workday_start.strftime("%H:%M"),
                    "end": branch.workday_end.strftime("%H:%M"),
                }
            )
    return errors


def second_window_problems(branch: Any, data: dict[str, Any]) -> list[str]:
    """A second window of the same day: both ends, after the first window, in working hours."""
    start, end = data.get("window2_from"), data.get("window2_to")
    if start is None and end is None:
        return []
    problem = None
    if start is None or end is None:
        problem = _("Give both ends of the second window, or neither.")
    elif data.get("window_to") is None:
        problem = _("Fill in the first window before the second.")
    elif start >= end:
        problem = _("The window must end after it starts.")
    elif start < data["window_to"]:
        problem = _("The second window must start after the first one ends.")
    elif end > branch.workday_end:
        problem = _("The window is outside working hours (%(start)s–%(end)s).") % {
            "start": branch.workday_start.strftime("%H:%M"),
            "end": branch.workday_end.strftime("%H:%M"),
        }
    return [str(problem)] if problem else []


def _validate_items(items: list[dict[str, Any]]) -> list[str]:
    errors = []
    if not items:
        errors.append(_("Add at least one item."))
    for number, item in enumerate(items, start=1):
        quantity = item.get("quantity")
        if quantity is None or Decimal(quantity) <= 0:
            errors.append(_("Line %(n)s: the quantity must be more than zero.") % {"n": number})
        price = item.get("unit_price")
        if price is not None and Decimal(price) < 0:
            errors.append(_("Line %(n)s: the price cannot be negative.") % {"n": number})
        if price is not None and Decimal(price).as_tuple().exponent < -2:
            errors.append(_("Line %(n)s: at most 2 decimal places in a price.") % {"n": number})
        if not item.get("product") and not item.get("name"):
            errors.append(_("Line %(n)s: choose a product or type a name.") % {"n": number})
    return errors


def _validate_stops(stops: list[dict[str, Any]]) -> list[str]:
    errors = []
    if not stops:
        errors.append(_("Add at least one address."))
    for number, stop in enumerate(stops, start=1):
        if not (stop.get("address") or stop.get("client_address")):
            errors.append(_("Stop %(n)s: the address is empty.") % {"n": number})
    return errors


def _check_client_links(
    client: Client, stops: list[dict[str, Any]], promo: PromoCode | None
) -> None:
    for stop in stops:
        address = stop.get("client_address")
        if address is not None and address.client_id != client.pk:
            raise ValidationError({"stops": [_("The address belongs to another client.")]})


def validate_order(
    *,
    branch: Any,
    data: dict[str, Any],
    items: list[dict[str, Any]],
    stops: list[dict[str, Any]],
    check_past: bool = True,
) -> None:
    """Raise one ``ValidationError`` with every problem, keyed by field ("items", "stops")."""
    errors = validate_schedule_fields(
        branch=branch,
        date=data.get("date"),
        window_from=data.get("window_from"),
        window_to=data.get("window_to"),
        check_past=check_past,
    )
    if problems := second_window_problems(branch, data):
        errors.setdefault("window2_to", []).extend(problems)
    if data.get("prepayment_required") and not data.get("prepayment_amount"):
        errors.setdefault("prepayment_amount", []).append(
            _("Give the amount of the required prepayment.")
        )
    if item_errors := _validate_items(items):
        errors["items"] = item_errors
    if stop_errors := _validate_stops(stops):
        errors["stops"] = stop_errors
    if errors:
        raise ValidationError(errors)


# --- Lines ----------------------------------------------------------------------------------------
def _fill_stop_from_card(stop: dict[str, Any]) -> dict[str, Any]:
    """A stop chosen from the card copies the address (the card may change later)."""
    address: ClientAddress | None = stop.get("client_address")
    if address is None or stop.get("address"):
        return stop
    return {**stop, **{name: getattr(address, name) for name in ADDRESS_FIELDS}}


def _item_defaults(item: dict[str, Any]) -> dict[str, Any]:
    """A catalogue product fills in name, unit, price and VAT unless the operator typed them."""
    product: Product | None = item.get("product")
    filled = dict(item)
    if product is not None:
        filled.setdefault("name", "")
        filled["name"] = filled["name"] or product.name
        filled["unit"] = filled.get("unit") or product.unit
        filled["vat_rate"] = filled.get("vat_rate") or product.vat_rate
    filled.setdefault("discount_percent", Decimal("0"))
    return filled


def _unit_price(order: Order, item: dict[str, Any]) -> Decimal:
    """The typed price, else the client's price-list or catalogue price of the product."""
    from crm.orders.services.pricing import catalogue_price

    if item.get("unit_price") is not None:
        return item["unit_price"]
    product = item.get("product")
    if product is None:
        return Decimal("0")
    return catalogue_price(client=order.client, product=product, on_date=order.date)


def _replace_lines(order: Order, items: list[dict[str, Any]], stops: list[dict[str, Any]]) -> None:
    order.items.all().delete()  # gift lines too: pricing recomputes them
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                position=position,
                unit_price=_unit_price(order, item),
                **{
                    k: v
                    for k, v in _item_defaults(item).items()
                    if k in ITEM_FIELDS and k != "unit_price"
                },
            )
            for position, item in enumerate(items)
        ]
    )
    order.stops.all().delete()
    OrderStop.objects.bulk_create(
        [
            OrderStop(
                order=order,
                position=position,
                **{k: v for k, v in _fill_stop_from_card(stop).items() if k in STOP_FIELDS},
            )
            for position, stop in enumerate(stops)
        ]
    )


def default_containers(items: Iterable[dict[str, Any]]) -> int:
    """Returnable containers in the items (bottles, mats) — delivered full, collected empty."""
    total = Decimal("0")
    for item in items:
        product = item.get("product")
        if product is not None and product.is_returnable:
            total += Decimal(item.get("quantity") or 0)
    return int(total)


def _reprice(order: Order, promo_code: str) -> None:
    from crm.orders.services.pricing import order_reprice

    order_reprice(order, promo_code=promo_code)


def _line_state(order: Order) -> dict[str, Any]:
    return {
        "items": [
            f"{i.name} × {i.quantity.normalize()} @ {i.unit_price}"
            for i in order.items.all()
            if not i.is_gift
        ],
        "stops": [s.address for s in order.stops.all()],
    }


# --- Create and update ----------------------------------------------------------------------------
@dataclass
class OrderInput:
    client: Client
    data: dict[str, Any]
    items: list[dict[str, Any]]
    stops: list[dict[str, Any]]
    promo_code: str = ""
    source: str = OrderSource.MANUAL
    repeated_from: Order | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # schedule, external_id, is_seen…
    #: a director's reason to take the order although the client's contract has expired
    contract_override_reason: str = ""


def _contract_block(actor: Any, client: Client, branch: Any, override_reason: str) -> bool:
    """Staff may not take an order for a client whose contract expired unless a director (or
    admin) overrides it with a reason; system work (schedules, imports) is not blocked.
    Returns whether an override is needed (and given)."""
    if actor is None:
        return False
    reason = contract_block_reason(client, branch_today(branch))
    if reason is None:
        return False
    if not can_override_contract(actor):
        raise ValidationError({"contract_override": reason})
    if not override_reason.strip():
        raise ValidationError(
            {"contract_override": f"{reason} {_('Tick the override and give the reason.')}"}
        )
    return True


@transaction.atomic
def order_create(
    *, actor: Any, payload: OrderInput, branch: Any | None = None, allow_past: bool = False
) -> Order:
    """``allow_past``: for system work only (imports, demo data) — staff never date an order
    before today."""
    client = payload.client
    branch = branch or client.branch
    if actor is not None and not actor.has_perm("orders.add_order"):
        raise PermissionDenied
    validate_order(
        branch=branch,
        data=payload.data,
        items=payload.items,
        stops=payload.stops,
        check_past=not allow_past,
    )
    _check_client_links(client, payload.stops, None)
    blocked = _contract_block(actor, client, branch, payload.contract_override_reason)
    order = Order(
        branch=branch,
        client=client,
        currency=client.currency,
        source=payload.source,
        repeated_from=payload.repeated_from,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        status_changed_at=timezone.now(),
        **{k: v for k, v in payload.data.items() if k in ORDER_FIELDS},
        **payload.extra,
    )
    if "containers_to_deliver" not in payload.data:
        order.containers_to_deliver = default_containers(payload.items)
    order.save()
    order.number = f"{branch.code.upper()}-{order.pk:06d}"
    order.save(update_fields=["number"])
    _replace_lines(order, payload.items, payload.stops)
    _reprice(order, payload.promo_code)
    audit_record(actor=actor, instance=order, action=AuditEntry.Action.CREATE)
    if blocked:
        record_contract_override(
            actor=actor,
            client=client,
            reason=payload.contract_override_reason,
            until=branch_today(branch),
            order=order,
        )
    client_record_order(client_id=client.pk, when=order.created_at)
    publish_order_changed(order, "created")
    return order


@transaction.atomic
def order_update(*, actor: Any, order: Order, payload: OrderInput) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not can_change_order(actor, order):
        raise PermissionDenied
    if not can_edit_contents(actor, order):
        raise ValidationError(
            _("An order in status “%(status)s” cannot be edited.")
            % {"status": order.get_status_display()}
        )
    date_changed = payload.data.get("date") != order.date
    validate_order(
        branch=order.branch,
        data=payload.data,
        items=payload.items,
        stops=payload.stops,
        check_past=date_changed,
    )
    _check_client_links(order.client, payload.stops, None)
    before = {**snapshot(order, TRACKED), **_line_state(order)}
    for name, value in payload.data.items():
        if name in ORDER_FIELDS:
            setattr(order, name, value)
    order.save()
    _replace_lines(order, payload.items, payload.stops)
    _reprice(order, payload.promo_code)
    order.refresh_from_db()
    after = {**snapshot(order, TRACKED), **_line_state(order)}
    note = ""
    if order.status not in ("new", "in_work"):
        note = _("Edited in status “%(status)s”") % {"status": order.get_status_display()}
    audit_record(actor=actor, instance=order, changes=diff(before, after), note=note)
    publish_order_changed(order)
    return order


@transaction.atomic
def order_record_prepayment(*, actor: Any, order: Order, amount: Decimal, note: str = "") -> Order:
    """The office records money received before the work (the guard on "in work" reads it)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not can_change_order(actor, order):
        raise PermissionDenied
    if amount is None or amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    if Decimal(amount).as_tuple().exponent < -2:
        raise ValidationError({"amount": [_("At most 2 decimal places.")]})
    before = snapshot(order, ["prepayment_paid"])
    order.prepayment_paid = order.prepayment_paid + amount
    order.prepayment_paid_at = timezone.now()
    order.save(update_fields=["prepayment_paid", "prepayment_paid_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=order,
        changes=diff(before, snapshot(order, ["prepayment_paid"])),
        note=note or _("Prepayment received"),
    )
    publish_order_changed(order)
    return order


def order_mark_seen(*, order: Order) -> None:
    if not order.is_seen:
        Order.objects.filter(pk=order.pk).update(is_seen=True)


# --- Repeat ---------------------------------------------------------------------------------------
def last_order_of(client: Client) -> Order | None:
    return (
        Order.objects.filter(client=client)
        .exclude(status="cancelled")
        .order_by("-date", "-created_at")
        .first()
    )


def repeat_date(branch: Any, now: datetime.datetime | None = None) -> datetime.date:
    """Today while there is still time in the working day (an hour or more), else tomorrow."""
    local = timezone.localtime(now or timezone.now(), branch.tzinfo)
    end = datetime.datetime.combine(local.date(), branch.workday_end, tzinfo=local.tzinfo)
    if end - local >= datetime.timedelta(hours=1):
        return local.date()
    return local.date() + datetime.timedelta(days=1)


def repeat_payload(order: Order) -> OrderInput:
    """The last order as a new one: same address, items, payment method, window."""
    items = [
        {k: getattr(item, k) for k in ITEM_FIELDS}
        for item in order.items.select_related("product")
        if not item.is_gift
    ]
    for item in items:  # today's catalogue price, not last time's
        product = item["product"]
        if product is not None and product.is_active:
            item["unit_price"] = None
    stops = [{k: getattr(stop, k) for k in STOP_FIELDS} for stop in order.stops.all()]
    data = {k: getattr(order, k) for k in ORDER_FIELDS}
    data.update(date=repeat_date(order.branch), assignee=None)
    return OrderInput(
        client=order.client,
        data=data,
        items=items,
        stops=stops,
        source=OrderSource.REPEAT,
        repeated_from=order,
    )
