"""The operator's day screen: which orders of a date a user sees, in which order, why an order
needs attention, and the day's counters.

Everything the list needs is computed in SQL or from prefetched rows, so the page runs in a fixed
number of queries whatever the number of orders (2 000 orders a day is a normal water-delivery
branch). The sort puts problems first, express next, then the delivery window; completed and
cancelled orders sink to the bottom."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from crm.core.money import quantize
from crm.orders.models import Order, OrderItem, OrderStatus, OrderStop, PaymentMethod, Priority
from crm.orders.permissions import orders_for

CLOSED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)
#: A new order nobody has acted on for this long is highlighted.
STALE_AFTER = datetime.timedelta(hours=1)
#: Sort buckets (lower comes first).
BUCKET_PROBLEM, BUCKET_EXPRESS, BUCKET_NORMAL, BUCKET_CLOSED = 0, 1, 2, 3
#: Filters ``day_orders`` understands (keys of a django-filter form's cleaned data).
FILTER_FIELDS = {
    "status": "status",
    "order_type": "order_type",
    "assignee": "assignee",
    "payment_method": "payment_method",
}
#: Payment methods for which the driver collects nothing on delivery.
PREPAID_METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.ONLINE)


def _stop_exists(condition: Q) -> Exists:
    return Exists(OrderStop.objects.filter(condition, order=OuterRef("pk")))


def _annotate(qs: QuerySet[Order], now: datetime.datetime) -> QuerySet[Order]:
    """Problem flags, staleness and the sort bucket, as SQL expressions."""
    prepay_unpaid = Q(prepayment_required=True, prepayment_paid__lt=F("prepayment_amount"))
    qs = qs.annotate(
        has_address=_stop_exists(~Q(address="")),
        has_point=_stop_exists(Q(latitude__isnull=False, longitude__isnull=False)),
        prepay_unpaid=Case(
            When(prepay_unpaid, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        is_stale=Case(
            When(
                Q(status=OrderStatus.NEW, created_at__lt=now - STALE_AFTER)
                & (
                    Q(status_changed_at__isnull=True)
                    | Q(status_changed_at__lt=now - STALE_AFTER)
                    | Q(is_seen=False)
                ),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    problem = (
        Q(has_address=False) | Q(has_point=False) | prepay_unpaid | Q(status=OrderStatus.ON_HOLD)
    )
    return qs.annotate(
        bucket=Case(
            When(status__in=CLOSED, then=Value(BUCKET_CLOSED)),
            When(problem, then=Value(BUCKET_PROBLEM)),
            When(priority=Priority.EXPRESS, then=Value(BUCKET_EXPRESS)),
            default=Value(BUCKET_NORMAL),
            output_field=IntegerField(),
        )
    )


def apply_filters(qs: QuerySet[Order], filters: Mapping[str, Any] | None) -> QuerySet[Order]:
    """Narrow by the day screen's filters; empty values mean "any"."""
    for key, field in FILTER_FIELDS.items():
        value = (filters or {}).get(key)
        if value not in (None, "", [], ()):
            qs = qs.filter(**{field: value})
    return qs


def day_scope(*, user: Any, branch: Any, date: datetime.date) -> QuerySet[Order]:
    """The orders of ``date`` that ``user`` may see in ``branch`` (no filters, no ordering)."""
    return orders_for(user, branch).filter(date=date)


def day_orders(
    *,
    user: Any,
    branch: Any,
    date: datetime.date,
    filters: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> list[Order]:
    """The day screen's list: visible, filtered, annotated and sorted, with everything a row,
    an export line or a sticker shows loaded in four queries whatever the number of orders."""
    return attach_related(
        list(day_queryset(user=user, branch=branch, date=date, filters=filters, now=now))
    )


def day_queryset(
    *,
    user: Any,
    branch: Any,
    date: datetime.date,
    filters: Mapping[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Order]:
    """``day_orders`` as one SQL query (sorted in the database), without stops and items."""
    qs = apply_filters(day_scope(user=user, branch=branch, date=date), filters)
    return _loaded(qs, now).order_by(
        "bucket",
        F("window_from").asc(nulls_last=True),
        F("window_to").asc(nulls_last=True),
        "number",
        "id",
    )


def orders_by_ids(*, user: Any, branch: Any, ids: list[int]) -> list[Order]:
    """The orders among ``ids`` that ``user`` may see in ``branch`` (others silently dropped),
    loaded like the day list (for stickers)."""
    qs = orders_for(user, branch).filter(pk__in=ids)
    return attach_related(list(_loaded(qs, None).order_by("date", "window_from", "number", "id")))


def attach_related(orders: list[Order]) -> list[Order]:
    """Stops, lines and the client's first phone of every order in three queries.

    Done by hand rather than with ``prefetch_related``: Django builds a queryset per order and
    relation to cache prefetched rows, which is most of the time of a 2 000-order day; here the
    rows land in plain lists (``stop_list``, ``item_rows``, ``client_phone``)."""
    if not orders:
        return orders
    from clients.models import ClientPhone

    ids = [o.pk for o in orders]
    stops: dict[int, list[OrderStop]] = defaultdict(list)
    for stop in OrderStop.objects.filter(order_id__in=ids).order_by("order_id", "position", "id"):
        stops[stop.order_id].append(stop)
    items: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        OrderItem.objects.filter(order_id__in=ids)
        .order_by("order_id", "position", "id")
        .values_list("order_id", "name", "quantity", "is_gift")
    ):
        items[row[0]].append(row[1:])
    phones: dict[int, str] = {}
    for client_id, number in (
        ClientPhone.objects.filter(client_id__in={o.client_id for o in orders})
        .order_by("client_id", "-position", "-id")
        .values_list("client_id", "number")
    ):
        phones[client_id] = number  # the last one written wins: the first by position
    for order in orders:
        order.stop_list = stops[order.pk]
        order.item_rows = items[order.pk]
        order.client_phone = phones.get(order.client_id, "")
    return orders


#: The only columns rows, exports and stickers read: loading (and parsing) just these keeps a
#: 2 000-order day cheap. Reading any other field of a listed order costs a query per row, which
#: the constant-query tests catch.
LIST_FIELDS = (
    "id",
    "number",
    "branch_id",
    "client_id",
    "order_type",
    "status",
    "status_reason",
    "status_changed_at",
    "date",
    "window_from",
    "window_to",
    "window2_from",
    "window2_to",
    "priority",
    "payment_method",
    "prepayment_required",
    "prepayment_amount",
    "prepayment_paid",
    "driver_comment",
    "containers_to_deliver",
    "containers_to_collect",
    "currency",
    "total",
    "assignee_id",
    "is_seen",
    "created_at",
    "client__id",
    "client__name",
    "client__manager_id",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _loaded(qs: QuerySet[Order], now: datetime.datetime | None) -> QuerySet[Order]:
    return (
        _annotate(qs, now or timezone.now()).select_related("client", "assignee").only(*LIST_FIELDS)
    )


# --- Classification of one (loaded) order --------------------------------------------------------
def _stops(order: Order) -> list[OrderStop]:
    loaded = getattr(order, "stop_list", None)
    return loaded if loaded is not None else list(order.stops.all())


def problem_reasons(order: Order) -> list[str]:
    """Why an open order needs the operator's attention (empty for a healthy or closed one).
    Uses the SQL annotations when the order came from ``day_orders``, the stops otherwise."""
    if order.status in CLOSED:
        return []
    stops = None
    has_address = getattr(order, "has_address", None)
    has_point = getattr(order, "has_point", None)
    if has_address is None or has_point is None:
        stops = _stops(order)
        has_address = any(s.address.strip() for s in stops)
        has_point = any(s.has_point for s in stops)
    reasons = []
    if not has_address:
        reasons.append(_("No address"))
    if not has_point:
        reasons.append(_("No coordinates"))
    if order.prepayment_outstanding > 0:
        reasons.append(_("Prepayment not received"))
    if order.status == OrderStatus.ON_HOLD:
        reasons.append(
            _("On hold: %(reason)s") % {"reason": order.status_reason}
            if order.status_reason
            else _("On hold")
        )
    return reasons


def is_stale(order: Order, now: datetime.datetime | None = None) -> bool:
    """A new order older than an hour whose status nobody has moved for an hour (creation sets
    ``status_changed_at``), or a web request still unopened after an hour."""
    annotated = getattr(order, "is_stale", None)
    if annotated is not None and now is None:
        return bool(annotated)
    limit = (now or timezone.now()) - STALE_AFTER
    return (
        order.status == OrderStatus.NEW
        and order.created_at < limit
        and (
            order.status_changed_at is None or order.status_changed_at < limit or not order.is_seen
        )
    )


def amount_to_collect(order: Order) -> Decimal:
    """What the driver takes from the client on delivery."""
    if order.payment_method in PREPAID_METHODS or order.status == OrderStatus.CANCELLED:
        return Decimal("0.00")
    return quantize(max(order.total - order.prepayment_paid, Decimal("0")))


def items_summary(order: Order) -> list[dict[str, Any]]:
    """``[{"name", "quantity", "is_gift"}]`` of the order's lines (2.000 shows as 2)."""
    rows = getattr(order, "item_rows", None)
    if rows is None:
        rows = [(i.name, i.quantity, i.is_gift) for i in order.items.all()]
    return [
        {"name": name, "quantity": format(quantity.normalize(), "f"), "is_gift": is_gift}
        for name, quantity, is_gift in rows
    ]


def client_phone(order: Order, first_stop: OrderStop | None, cache: dict | None = None) -> str:
    """The number to call about the order: the receiver's at the first stop, else the client's."""
    from crm.core.phones import format_phone

    number = first_stop.receiver_phone if first_stop is not None else ""
    if not number:
        number = getattr(order, "client_phone", None)
        if number is None:
            phone = order.client.phones.order_by("position", "id").first()
            number = phone.number if phone else ""
    if not number:
        return ""
    if cache is None:
        return format_phone(number)
    if number not in cache:  # many orders share a client: parse each number once
        cache[number] = format_phone(number)
    return cache[number]


def _lines_html(lines: list[dict[str, Any]]) -> str:
    """The items cell, built once in Python (a template loop per line per row is the slowest
    part of a 2 000-row page)."""
    return mark_safe(  # every name is escaped above
        "".join(
            f'<span class="day-line is-gift">🎁 {escape(line["name"])} × {line["quantity"]}</span>'
            if line["is_gift"]
            else f'<span class="day-line">{escape(line["name"])} × {line["quantity"]}</span>'
            for line in lines
        )
    )


def _row_class(order: Order) -> str:
    classes = [f"st-{order.status}"]
    if order.problems:
        classes.append("is-problem")
    if order.express:
        classes.append("is-express")
    if order.stale:
        classes.append("is-stale")
    return " ".join(classes)


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def decorate(orders: list[Order], now: datetime.datetime | None = None) -> list[Order]:
    """Attach what rows, exports and stickers show, computed once per order from prefetched data
    (templates then only read attributes: 2 000 rows must not mean 20 000 translations)."""
    from crm.orders.models import OrderType
    from crm.orders.selectors import status_names

    names = status_names()
    statuses = _labels(OrderStatus.choices)
    types = _labels(OrderType.choices)
    payments = _labels(PaymentMethod.choices)
    money = money_formatter()
    phones: dict[str, str] = {}
    for order in orders:
        order.status_text = names.get((order.order_type, order.status)) or statuses[order.status]
        order.type_text = types.get(order.order_type, order.order_type)
        order.payment_text = payments.get(order.payment_method, order.payment_method)
        stops = _stops(order)
        order.first_stop = stops[0] if stops else None
        order.extra_stops = max(len(stops) - 1, 0)
        order.problems = problem_reasons(order)
        order.problems_text = "; ".join(str(p) for p in order.problems)
        order.total_text = money(order.total)
        order.prepayment_due_text = money(order.prepayment_outstanding)
        order.stale = is_stale(order, now)
        order.express = order.priority == Priority.EXPRESS
        order.lines = items_summary(order)
        order.lines_html = _lines_html(order.lines)
        order.has_gift = any(line["is_gift"] for line in order.lines)
        order.to_collect = amount_to_collect(order)
        order.phone = client_phone(order, order.first_stop, phones)
        order.row_class = _row_class(order)
    return orders


def money_formatter() -> Any:
    """``Decimal -> "1 234,50"`` in the active locale, with the separators looked up once."""
    from django.utils import numberformat
    from django.utils.formats import get_format

    decimal_sep = get_format("DECIMAL_SEPARATOR")
    thousand_sep = get_format("THOUSAND_SEPARATOR")
    grouping = get_format("NUMBER_GROUPING")
    return lambda value: numberformat.format(
        value, decimal_sep, 2, grouping, thousand_sep, force_grouping=True
    )


def day_counters(*, user: Any, branch: Any, date: datetime.date) -> dict[str, Any]:
    """Planned vs actual revenue, cancellations and counts by status of the day, in one query.
    Planned = totals of every order not cancelled; actual = totals of completed orders."""
    not_cancelled = ~Q(status=OrderStatus.CANCELLED)
    aggregates: dict[str, Any] = {
        "planned": Sum("total", filter=not_cancelled),
        "actual": Sum("total", filter=Q(status=OrderStatus.COMPLETED)),
        "total_count": Count("id"),
    }
    for status in OrderStatus.values:
        aggregates[f"count_{status}"] = Count("id", filter=Q(status=status))
    row = day_scope(user=user, branch=branch, date=date).aggregate(**aggregates)
    by_status = {status: row[f"count_{status}"] for status in OrderStatus.values}
    planned = quantize(row["planned"] or Decimal("0"))
    actual = quantize(row["actual"] or Decimal("0"))
    return {
        "planned": planned,
        "actual": actual,
        "percent": int(actual * 100 / planned) if planned else 0,
        "cancelled": by_status[OrderStatus.CANCELLED],
        "total": row["total_count"],
        "by_status": by_status,
    }


# --- Time-line ------------------------------------------------------------------------------------
def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def build_timeline(orders: list[Order], start: datetime.time, end: datetime.time) -> dict[str, Any]:
    """Orders as blocks on an hours axis (``left``/``width`` in % of the working day), one lane
    per driver (overlapping windows stack in sub-rows), orders without a window apart."""
    day_start, day_end = _minutes(start), max(_minutes(end), _minutes(start) + 60)
    span = day_end - day_start
    hours = [
        {"label": f"{h:02d}:00", "left": round((h * 60 - day_start) * 100 / span, 3)}
        for h in range((day_start + 59) // 60, day_end // 60 + 1)
    ]
    lanes: dict[Any, dict[str, Any]] = {}
    unwindowed = []
    for order in sorted(orders, key=lambda o: (o.window_from or datetime.time.max, o.pk)):
        if order.window_from is None or order.window_to is None:
            unwindowed.append(order)
            continue
        begin = min(max(_minutes(order.window_from), day_start), day_end)
        finish = max(min(_minutes(order.window_to), day_end), begin + 15)
        lane = lanes.setdefault(
            order.assignee_id,
            {"assignee": order.assignee, "rows": [], "ends": []},
        )
        row = next((i for i, e in enumerate(lane["ends"]) if e <= begin), None)
        if row is None:
            lane["ends"].append(0)
            lane["rows"].append([])
            row = len(lane["rows"]) - 1
        lane["ends"][row] = finish
        order.tl_left = round((begin - day_start) * 100 / span, 3)
        order.tl_width = round((finish - begin) * 100 / span, 3)
        lane["rows"][row].append(order)
    ordered = sorted(
        lanes.values(),
        key=lambda lane: (lane["assignee"] is None, str(lane["assignee"] or "")),
    )
    return {"hours": hours, "lanes": ordered, "unwindowed": unwindowed}
