"""A year (or any number of months) of business history in bulk, for the dashboards' volume
demo (``seed_demo --clients 1000 --months 12``) and the ``bench reports`` suite.

Per client: a rhythm (an order every 3–10 days, about five a month on average), a few clients
that stopped ordering two months ago (the "at risk" alert), completed orders delivered on the
branch's vans (one route per van and day, planned and actual km and hours, a few failed stops,
cash taken at the door), one invoice per client and month for its completed orders, and the
payments that settle them (older months mostly paid in two transfers, the last month partly,
a few clients never). Everything goes in with ``bulk_create``; deterministic for a given
random generator."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

BATCH = 2000
#: a client who stopped ordering this many days before the end (the "at risk" alert)
CHURN_DAYS = 60
INTERVALS = [3, 4, 5, 6, 6, 7, 7, 8, 10]
METHODS = ["bank_transfer"] * 7 + ["card", "cash", "cash", "online"]
TYPES = ["delivery"] * 6 + ["pickup"] * 3 + ["service"]
WINDOWS = [(9, 12), (10, 14), (12, 16), (14, 18), (16, 20), None]
CENTS = Decimal("0.01")


@dataclass
class History:
    orders: int = 0
    routes: int = 0
    stops: int = 0
    invoices: int = 0
    payments: int = 0
    seconds: float = 0.0
    by_month: dict = field(default_factory=dict)


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENTS)


def build_history(
    *,
    branch: Any,
    clients: list[tuple[int, int | None]],
    months: int,
    rng: random.Random,
    actor: Any = None,
    organisation: Any = None,
    end: datetime.date | None = None,
) -> History:
    """``clients``: (client id, manager id). History ends the day before ``end`` (default the
    branch's today)."""
    import time

    started = time.monotonic()
    from routes.models import Vehicle

    today = end or timezone.localtime(timezone.now(), branch.tzinfo).date()
    first_day = today - datetime.timedelta(days=months * 30)
    vehicles = list(
        Vehicle.objects.filter(branch=branch, is_active=True)
        .order_by("pk")
        .values_list("pk", "driver_id")
    )
    result = History()
    orders = _orders(branch, clients, first_day, today, rng, actor, vehicles)
    result.orders = len(orders)
    if vehicles:
        result.routes, result.stops = _routes(branch, orders, vehicles, rng, actor)
    if organisation is not None:
        result.invoices, result.payments = _invoices(
            branch, organisation, orders, today, rng, actor
        )
    _client_state(branch)
    result.seconds = round(time.monotonic() - started, 2)
    return result


# --- orders --------------------------------------------------------------------------------------
def _orders(
    branch: Any,
    clients: list[tuple[int, int | None]],
    first_day: datetime.date,
    today: datetime.date,
    rng: random.Random,
    actor: Any,
    vehicles: list[tuple[int, int | None]],
) -> list[Any]:
    from crm.orders.models import Order

    rows: list[Order] = []
    tag = f"{branch.pk:x}"
    for client_id, _manager in clients:
        interval = rng.choice(INTERVALS)
        stop_at = today
        if rng.random() < 0.05:
            stop_at = today - datetime.timedelta(days=CHURN_DAYS)
        method = rng.choice(METHODS)
        day = first_day + datetime.timedelta(days=rng.randrange(interval))
        while day < stop_at:
            total = _money(rng.choice([450, 600, 900, 1200, 1800, 2500, 3400, 5200]))
            status = "completed" if rng.random() < 0.94 else "cancelled"
            window = rng.choice(WINDOWS)
            rows.append(
                Order(
                    branch=branch,
                    client_id=client_id,
                    order_type=rng.choice(TYPES),
                    status=status,
                    source="schedule",
                    date=day,
                    window_from=datetime.time(window[0]) if window else None,
                    window_to=datetime.time(window[1]) if window else None,
                    payment_method=method,
                    subtotal=total,
                    total=total,
                    worker_pay=(total * Decimal("0.08")).quantize(CENTS),
                    number=f"H{tag}-{day:%y%m%d}-{len(rows) + 1}",
                    created_by=actor,
                    is_seen=True,
                )
            )
            day += datetime.timedelta(days=max(1, interval + rng.choice([-1, 0, 0, 1])))
    return Order.objects.bulk_create(rows, batch_size=BATCH)


# --- routes --------------------------------------------------------------------------------------
def _routes(
    branch: Any,
    orders: list[Any],
    vehicles: list[tuple[int, int | None]],
    rng: random.Random,
    actor: Any,
) -> tuple[int, int]:
    from routes.models import Route, RoutePlan, RouteStop

    by_day: dict[datetime.date, list[Any]] = defaultdict(list)
    for order in orders:
        if order.status == "completed":
            by_day[order.date].append(order)
    taken = set(RoutePlan.objects.filter(branch=branch).values_list("date", flat=True))
    days = sorted(d for d in by_day if d not in taken)
    plans = RoutePlan.objects.bulk_create(
        [RoutePlan(branch=branch, date=d, status="published", created_by=actor) for d in days],
        batch_size=BATCH,
    )
    tz = branch.tzinfo
    routes: list[Route] = []
    route_orders: list[list[Any]] = []
    for plan in plans:
        per_van: dict[int, list[Any]] = defaultdict(list)
        for order in by_day[plan.date]:
            per_van[order.client_id % len(vehicles)].append(order)
        for index, (vehicle_id, driver_id) in enumerate(vehicles):
            stops = per_van.get(index)
            if not stops:
                continue
            km = Decimal(8 + 2.2 * len(stops)).quantize(CENTS)
            minutes = 40 + 14 * len(stops)
            start = datetime.datetime.combine(plan.date, datetime.time(8, 30), tzinfo=tz)
            actual_minutes = int(minutes * rng.uniform(0.9, 1.35))
            routes.append(
                Route(
                    plan=plan,
                    vehicle_id=vehicle_id,
                    driver_id=driver_id,
                    position=index,
                    km=km,
                    km_driven=(km * Decimal(str(round(rng.uniform(0.95, 1.3), 2)))).quantize(CENTS),
                    minutes=minutes,
                    state="finished",
                    starts_at=datetime.time(8, 30),
                    started_at=start,
                    finished_at=start + datetime.timedelta(minutes=actual_minutes),
                )
            )
            route_orders.append(stops)
    routes = Route.objects.bulk_create(routes, batch_size=BATCH)
    stops: list[RouteStop] = []
    failed_orders: list[int] = []
    for route, orders_on_route in zip(routes, route_orders, strict=True):
        clock = route.started_at
        for position, order in enumerate(orders_on_route):
            clock += datetime.timedelta(minutes=rng.randint(10, 30))
            failed = rng.random() < 0.03
            cash = order.payment_method == "cash" and not failed
            stops.append(
                RouteStop(
                    plan_id=route.plan_id,
                    route=route,
                    order=order,
                    position=position,
                    state="failed" if failed else "done",
                    fail_reason="nobody" if failed else "",
                    arrived_at=clock,
                    finished_at=clock + datetime.timedelta(minutes=5),
                    payment_taken="cash" if cash else "none",
                    amount_taken=order.total if cash else Decimal("0"),
                )
            )
            if failed:
                failed_orders.append(order.pk)
    RouteStop.objects.bulk_create(stops, batch_size=BATCH)
    if failed_orders:
        from crm.orders.models import Order

        Order.objects.filter(pk__in=failed_orders).update(
            status="cancelled", status_reason="Не было на месте"
        )
        failed_set = set(failed_orders)
        for order in orders:
            if order.pk in failed_set:
                order.status = "cancelled"
    return len(routes), len(stops)


# --- invoices and payments -----------------------------------------------------------------------
def _invoices(
    branch: Any,
    organisation: Any,
    orders: list[Any],
    today: datetime.date,
    rng: random.Random,
    actor: Any,
) -> tuple[int, int]:
    from billing.models import Document, Payment, PaymentAllocation

    sums: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    for order in orders:
        if order.status == "completed":
            sums[(order.client_id, order.date.replace(day=1))] += order.total
    never_pay = {cid for cid, _m in sums if cid % 23 == 0}
    this_month = today.replace(day=1)
    documents: list[Document] = []
    plans: list[tuple[int, list[tuple[datetime.date, Decimal]]]] = []
    for (client_id, month), total in sorted(sums.items()):
        if month >= this_month:
            continue  # the current month is invoiced at its end
        date = (month + datetime.timedelta(days=32)).replace(day=1)
        due = date + datetime.timedelta(days=10)
        payments = _payment_plan(client_id in never_pay, date, due, total, today, rng)
        paid = sum((amount for _d, amount in payments), Decimal("0"))
        status = "paid" if paid >= total else ("partly_paid" if paid else "issued")
        if status != "paid" and due < today:
            status = "overdue"
        documents.append(
            Document(
                kind="invoice",
                number=f"Н-{branch.pk}-{month:%y%m}-{client_id}",
                organisation=organisation,
                branch=branch,
                client_id=client_id,
                source="order",
                status=status,
                date=date,
                due_date=due,
                period_start=month,
                period_end=date - datetime.timedelta(days=1),
                subtotal=total,
                total=total,
                paid_amount=min(paid, total),
                created_by=actor,
            )
        )
        plans.append((client_id, payments))
    documents = Document.objects.bulk_create(documents, batch_size=BATCH)
    payments: list[Payment] = []
    targets: list[Document] = []
    for document, (client_id, plan) in zip(documents, plans, strict=True):
        for day, amount in plan:
            payments.append(
                Payment(
                    client_id=client_id,
                    branch=branch,
                    date=day,
                    amount=amount,
                    method="bank",
                    source="statement",
                    reference=f"п/п {len(payments) + 1}",
                    purpose=f"Оплата по счёту {document.number}",
                    allocated=amount,
                    created_by=actor,
                )
            )
            targets.append(document)
    payments = Payment.objects.bulk_create(payments, batch_size=BATCH)
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(payment=p, document=d, amount=p.amount, created_by=actor)
            for p, d in zip(payments, targets, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(documents), len(payments)


def _payment_plan(
    never: bool,
    date: datetime.date,
    due: datetime.date,
    total: Decimal,
    today: datetime.date,
    rng: random.Random,
) -> list[tuple[datetime.date, Decimal]]:
    """When and how much the client pays on an invoice (only days before ``today``)."""
    if never or total <= 0:
        return []
    first = date + datetime.timedelta(days=rng.randint(2, 16))
    if first >= today:
        return []
    if rng.random() < 0.25:
        return [(first, total)]
    part = (total * Decimal(str(rng.choice([0.3, 0.5, 0.6])))).quantize(CENTS)
    second = first + datetime.timedelta(days=rng.randint(5, 25))
    if second >= today:
        return [(first, part)]
    return [(first, part), (second, total - part)]


def _client_state(branch: Any) -> None:
    """The money state the billing app keeps on each client (debt, overdue), recomputed from
    the open invoices in one UPDATE."""
    from billing.services.aging import open_invoices
    from clients.models import Client

    money = DecimalField(max_digits=16, decimal_places=2)
    today = timezone.localtime(timezone.now(), branch.tzinfo).date()

    def outstanding(extra: Q) -> Coalesce:
        from billing.models import Document

        rows = (
            Document.objects.filter(open_invoices(), extra, client=OuterRef("pk"))
            .order_by()
            .values("client")
            .annotate(s=Sum(F("total") - F("paid_amount"), output_field=money))
            .values("s")
        )
        return Coalesce(Subquery(rows, output_field=money), Value(Decimal("0")))

    Client.objects.filter(branch=branch).update(
        debt=outstanding(Q()), overdue_debt=outstanding(Q(due_date__lt=today))
    )
