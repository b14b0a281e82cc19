"""Every dashboard figure against the hand-computed world of tests/reports/factories.py."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import pytest

from crm.orders.services.orders import branch_today
from reports.filters import ReportFilter
from reports.selectors import money, routes, sales
from tests.reports.factories import period

D = Decimal
pytestmark = pytest.mark.django_db


def test_revenue_plan_and_forecast(world, branch):
    flt = period(world, branch)
    figures = money.plan_vs_fact(flt)
    assert figures["fact"] == D("4200.50")
    assert figures["plan"] == D("15000.00")
    assert figures["percent"] == D("28.0")
    days = calendar.monthrange(world.today.year, world.today.month)[1]
    gone = (world.today - world.start).days + 1
    assert figures["forecast"] == (D("4200.50") * days / gone).quantize(D("0.01"))


def test_branch_filter_and_all_branches(world, branch, other_branch):
    assert money.plan_vs_fact(period(world, other_branch))["fact"] == D("5000.00")
    everything = ReportFilter(world.start, world.today, world.today, None)
    assert money.plan_vs_fact(everything)["fact"] == D("9200.50")


def test_period_filter_takes_the_day_before_only_when_asked(world, branch):
    before = world.start - datetime.timedelta(days=1)
    flt = ReportFilter(before, before, world.today, branch)
    assert money.plan_vs_fact(flt)["fact"] == D("9999.00")
    assert money.order_counts(flt)["total"] == 1


def test_invoiced_paid_received_expected(world, branch):
    flt = period(world, branch)
    assert money.invoiced_vs_paid(flt) == {
        "invoiced": D("1200.00"),
        "paid": D("200.00"),
        "count": 1,
        "percent": D("16.7"),
    }
    received = money.received_this_month(flt)
    assert received["total"] == D("200.00") and received["count"] == 1
    expected = money.expected_receipts(flt)
    assert expected["total"] == D("1000.00")
    by_client = money.expected_by_client(flt)
    assert [(r["client__name"], r["amount"]) for r in by_client] == [("Альфа", D("1000.00"))]


def test_receivables_and_aging(world, branch):
    figures = money.receivables(period(world, branch))
    assert figures["debt"] == D("1800.00")
    assert figures["overdue"] == D("800.00")
    buckets = {b["key"]: b["amount"] for b in figures["buckets"]}
    assert buckets == {
        "current": D("1000.00"),
        "d1_30": D("0.00"),
        "d31_60": D("800.00"),
        "d61_90": D("0.00"),
        "d90_plus": D("0.00"),
    }


def test_revenue_breakdowns(world, branch):
    flt = period(world, branch)
    by_route = {r["route_stops__route__vehicle__plate"]: r for r in money.revenue_by_route(flt)}
    assert by_route["В777ВВ178"]["amount"] == D("3200.50")
    assert by_route["В777ВВ178"]["orders"] == 2
    assert by_route[None]["amount"] == D("1000.00")
    methods = {r["payment_method"]: r["amount"] for r in money.revenue_by(flt, "payment_method")}
    assert methods == {"bank_transfer": D("2500.50"), "cash": D("1000.00"), "card": D("700.00")}
    types = {r["order_type"]: r["amount"] for r in money.revenue_by(flt, "order_type")}
    assert types == {"pickup": D("2500.50"), "delivery": D("1700.00")}
    days = {r["date"]: r for r in money.revenue_by_day(flt)}
    assert days[world.today]["pickup"] == D("2500.50")
    assert sum(r["amount"] for r in days.values()) == D("4200.50")


def test_order_counts(world, branch):
    assert money.order_counts(period(world, branch)) == {
        "total": 5,
        "done": 3,
        "cancelled": 1,
        "failed": 1,
    }


def test_route_quality_and_profitability(world, branch):
    (row,) = routes.route_figures(period(world, branch), "vehicle")
    assert (row["stops"], row["done"], row["failed"], row["on_time"]) == (3, 2, 1, 1)
    assert row["failed_rate"] == D("33.3") and row["on_time_rate"] == D("50.0")
    assert (row["km_planned"], row["km_actual"]) == (D("10.00"), D("13.00"))
    assert (row["hours_planned"], row["hours_actual"]) == (D("2.0"), D("3.0"))
    assert row["revenue"] == D("3200.50")
    assert row["km_cost"] == D("260.00")
    assert row["time_cost"] == D("2500.00")
    assert row["driver_pay"] == D("50.00")
    assert row["cost"] == D("2810.00")
    assert row["profit"] == D("390.50")
    assert row["revenue_per_km"] == D("246.19")


def test_routes_over_budget(world, branch):
    (route,) = routes.routes_over_budget(period(world, branch))
    assert route.actual_cost == D("2760.00") and route.budget == D("2200.00")


def test_clients_cost_to_serve(world, branch):
    rows = {r["order__client__name"]: r for r in routes.client_costs(period(world, branch))}
    assert rows["Альфа"]["route_cost"] == D("920.00")
    assert rows["Альфа"]["margin"] == D("1580.50")
    assert rows["Бета"]["route_cost"] == D("1840.00")
    assert rows["Бета"]["margin"] == D("-1190.00")
    losing = routes.client_costs(period(world, branch), loss_only=True)
    assert [r["order__client__name"] for r in losing] == ["Бета"]
    rich = routes.client_costs(period(world, branch), min_revenue=D("1000"), order="-revenue")
    assert [r["order__client__name"] for r in rich] == ["Альфа"]
    assert len(rich) == 1


def test_order_profitability(world, branch):
    rows = {r["order_id"]: r for r in routes.order_costs(period(world, branch))}
    o3 = rows[world.orders["o3"].pk]
    assert (o3["revenue"], o3["driver_pay"], o3["route_cost"], o3["margin"]) == (
        D("700.00"),
        D("50.00"),
        D("920.00"),
        D("-270.00"),
    )
    assert world.orders["o7"].pk not in rows  # failed stops earn nothing


def test_daily_report(world, branch):
    (row,) = routes.daily_rows(period(world, branch))
    assert (row["orders"], row["done"], row["failed"]) == (3, 2, 1)
    assert row["card"] == D("700.00") and row["cash"] == D("0.00")
    assert row["cashless"] == D("2500.50")


def test_manager_kpis(world, branch):
    flt = period(world, branch)
    rows = {r["username"]: r for r in sales.manager_kpis(flt, sales.sales_managers(flt))}
    assert rows["manager"]["revenue"] == D("3500.50")
    assert rows["manager"]["plan"] == D("10000.00")
    assert rows["manager"]["plan_percent"] == D("35.0")
    assert rows["m2"]["revenue"] == D("700.00")
    assert rows["m2"]["plan_percent"] == D("14.0")


def test_clients_at_risk_by_rhythm(world, branch):
    from crm.orders.models import Order
    from tests.billing.core_factories import make_billing_client

    today = world.today
    silent = make_billing_client(branch, name="Молчун", manager=world.m1)
    regular = make_billing_client(branch, name="Постоянный", manager=world.m1)
    for client, offsets in ((silent, (80, 70, 60)), (regular, (30, 20, 10))):
        for days in offsets:
            Order.objects.create(
                branch=branch,
                client=client,
                date=today - datetime.timedelta(days=days),
                status="completed",
                total=D("100.00"),
                number=f"R-{client.pk}-{days}",
            )
    flt = period(world, branch)
    rows = {c.name: c for c in sales.clients_at_risk(flt)}
    assert (rows["Молчун"].usual_days, rows["Молчун"].silent_days) == (10, 60)
    assert "Постоянный" not in rows
    counts = sales.risk_counts(flt)
    assert counts["total"] == len(rows) and counts["silent"] >= 1


def test_funnel_leads_by_source_and_task_kpis(branch, users):
    from crm.leads import services
    from tests.leads.factories import (
        make_lead,
        make_pipeline,
        make_reason,
        make_source,
        make_task,
    )

    manager = users["manager"]
    pipeline = make_pipeline(branch)
    stages = list(pipeline.stages.order_by("position"))
    site, fair = make_source(branch, "Сайт"), make_source(branch, "Выставка")
    at_new = [make_lead(manager, pipeline, manager=manager, source=site) for _n in range(3)]
    qualified = make_lead(manager, pipeline, manager=manager, source=site, stage=stages[1])
    offer = make_lead(manager, pipeline, manager=manager, source=fair, stage=stages[2])
    won = make_lead(manager, pipeline, manager=manager, source=fair, amount=D("5000.00"))
    lost = make_lead(manager, pipeline, manager=manager, source=site)
    services.lead_win(actor=manager, lead=won)
    services.lead_lose(actor=manager, lead=lost, reason=make_reason(branch))
    assert at_new and qualified and offer
    today = branch_today(branch)
    flt = ReportFilter(today.replace(day=1), today, today, branch)

    rows = sales.funnel(flt)
    by_name = {r["name"]: r for r in rows}
    # 7 leads entered; "reached" counts those now at the stage or further on, and the won one
    assert by_name["Новый"]["reached"] == 7 and by_name["Новый"]["now"] == 3
    assert by_name["Квалификация"]["reached"] == 3
    assert by_name["Квалификация"]["conversion"] == D("42.9")
    assert by_name["Предложение"]["reached"] == 2
    assert by_name["Won"]["now"] == 1 and by_name["Won"]["conversion"] == D("14.3")
    assert by_name["Lost"]["now"] == 1

    sources = {r["source__name"]: r for r in sales.leads_by_source(flt)}
    assert (sources["Сайт"]["total"], sources["Сайт"]["lost"]) == (5, 1)
    assert (sources["Выставка"]["won"], sources["Выставка"]["won_amount"]) == (1, D("5000.00"))
    assert sources["Выставка"]["conversion"] == D("50.0")

    task = make_task(manager, hours=-3, assignee=manager)
    make_task(manager, hours=-1, assignee=manager)
    services.task_set_done(actor=manager, task=task)
    (kpi,) = sales.manager_kpis(flt, sales.sales_managers(flt))
    assert (kpi["leads_in"], kpi["leads_won"], kpi["conversion"]) == (7, 1, D("14.3"))
    assert (kpi["tasks_done"], kpi["tasks_overdue"]) == (1, 1)
