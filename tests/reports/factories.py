"""A small business whose every dashboard figure is computed by hand (see ``EXPECTED``).

Period: from the first of the current month (``start``) to today (``today``), branch "spb".

Orders (spb): o1 A start completed 1000.00 cash delivery (pay 100, no route);
o2 A today completed 2500.50 bank pickup (on route R, no window: on time);
o3 B today completed 700.00 card delivery (pay 50, on R, window 10–12, arrived 13:00: late);
o4 B today cancelled 400.00; o7 B today in work 300.00 (on R, stop failed);
o5 A the day before ``start`` completed 9999.00 (outside the period).
Other branch: o6 C today completed 5000.00.

Route R (today, van V 20 ₽/km, 500 ₽/h, fixed 1000 ₽): planned 10 km / 120 min, driven 13 km in
3 h → km cost 260, time cost 2500, planned cost 2200 (over budget: 2760 > 2420).
Invoices (no VAT): A 1200.00 dated start, due today+3, paid 200.00 today; B 800.00 dated
today−50 (before the period), due today−40. Other branch: C 5000.00.
Plans: manager 10 000, m2 5 000."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

D = Decimal


def _order(branch: Any, client: Any, day: datetime.date, status: str, total: str, **kw: Any):
    from crm.orders.models import Order

    kw.setdefault("payment_method", "cash")
    kw.setdefault("order_type", "delivery")
    return Order.objects.create(
        branch=branch,
        client=client,
        date=day,
        status=status,
        subtotal=D(total),
        total=D(total),
        number=f"T-{Order.objects.count() + 1}",
        **kw,
    )


def build_world(branch: Any, other_branch: Any, users: dict[str, Any], make_user: Any) -> Any:
    from billing.services.payments import payment_record
    from crm.leads.models import SalesPlan
    from reports.filters import local_today
    from routes.models import Route, RoutePlan, RouteStop
    from tests.billing.core_factories import make_billing_client, make_invoice, make_organisation
    from tests.routes.factories import make_depot, make_vehicle

    today = local_today(branch)
    start = today.replace(day=1)
    m1 = users["manager"]
    m2 = make_user("manager", username="m2", last_name="Второй")
    make_organisation(branch)
    make_organisation(other_branch)
    a = make_billing_client(branch, name="Альфа", manager=m1)
    b = make_billing_client(branch, name="Бета", manager=m2)
    c = make_billing_client(other_branch, name="Гамма")
    o1 = _order(branch, a, start, "completed", "1000.00", worker_pay=D("100.00"))
    o2 = _order(
        branch,
        a,
        today,
        "completed",
        "2500.50",
        payment_method="bank_transfer",
        order_type="pickup",
    )
    o3 = _order(
        branch,
        b,
        today,
        "completed",
        "700.00",
        payment_method="card",
        worker_pay=D("50.00"),
        window_from=datetime.time(10),
        window_to=datetime.time(12),
    )
    o4 = _order(branch, b, today, "cancelled", "400.00")
    o7 = _order(branch, b, today, "in_work", "300.00")
    o5 = _order(branch, a, start - datetime.timedelta(days=1), "completed", "9999.00")
    o6 = _order(other_branch, c, today, "completed", "5000.00")

    van = make_vehicle(branch, make_depot(branch), plate="В777ВВ178")
    tz = branch.tzinfo
    left = datetime.datetime.combine(today, datetime.time(9), tzinfo=tz)
    plan = RoutePlan.objects.create(branch=branch, date=today, status="published")
    route = Route.objects.create(
        plan=plan,
        vehicle=van,
        driver=users["driver"],
        km=D("10"),
        km_driven=D("13"),
        minutes=120,
        state="finished",
        started_at=left,
        finished_at=left + datetime.timedelta(hours=3),
    )
    for position, (order, state, hour) in enumerate(
        [(o2, "done", 11), (o3, "done", 13), (o7, "failed", 14)]
    ):
        at = datetime.datetime.combine(today, datetime.time(hour), tzinfo=tz)
        RouteStop.objects.create(
            plan=plan,
            route=route,
            order=order,
            position=position,
            state=state,
            arrived_at=at,
            finished_at=at,
            payment_taken="card" if order == o3 else "none",
            amount_taken=D("700.00") if order == o3 else D("0"),
        )
    inv_a = make_invoice(
        a,
        amount="1200.00",
        vat_rate="none",
        date=start,
        due_date=today + datetime.timedelta(days=3),
    )
    inv_b = make_invoice(
        b,
        amount="800.00",
        vat_rate="none",
        date=today - datetime.timedelta(days=50),
        due_date=today - datetime.timedelta(days=40),
    )
    make_invoice(c, amount="5000.00", vat_rate="none", date=start, due_date=today)
    payment = payment_record(actor=None, client=a, amount="200.00", method="bank", date=today)
    SalesPlan.objects.create(manager=m1, month=start, amount=D("10000.00"))
    SalesPlan.objects.create(manager=m2, month=start, amount=D("5000.00"))
    return SimpleNamespace(
        today=today,
        start=start,
        m1=m1,
        m2=m2,
        a=a,
        b=b,
        c=c,
        van=van,
        route=route,
        orders={"o1": o1, "o2": o2, "o3": o3, "o4": o4, "o5": o5, "o6": o6, "o7": o7},
        invoices=(inv_a, inv_b),
        payment=payment,
        now=timezone.now(),
    )


def period(world: Any, branch: Any) -> Any:
    from reports.filters import ReportFilter

    return ReportFilter(
        date_from=world.start, date_to=world.today, today=world.today, branch=branch
    )
