"""The figures of the director's and the head of sales' dashboards, each with the URL of the list
it was counted from (same period and branch). A fixed number of queries whatever the data size."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.orders.models import OrderStatus, OrderType, PaymentMethod
from reports.catalogue.base import chart
from reports.catalogue.money import report_url
from reports.catalogue.sales import kpi_table
from reports.filters import ReportFilter
from reports.selectors import expenses, money, routes, sales
from reports.selectors.lab import lab_figures


def _labelled(rows: list[dict[str, Any]], field: str, choices: Any) -> list[dict[str, Any]]:
    names = dict(choices)
    for row in rows:
        row["label"] = str(names.get(row[field], row[field] or "—"))
    return rows


def _documents_url(flt: ReportFilter) -> str:
    return (
        f"{reverse('billing:document-list')}?kind=invoice"
        f"&date_from={flt.date_from.isoformat()}&date_to={flt.date_to.isoformat()}"
    )


def _payments_url(start: Any, end: Any) -> str:
    return (
        f"{reverse('billing:payment-list')}?date_from={start.isoformat()}&date_to={end.isoformat()}"
    )


def director_dashboard(flt: ReportFilter, user: Any) -> dict[str, Any]:
    plan = money.plan_vs_fact(flt)
    invoiced = money.invoiced_vs_paid(flt)
    received = money.received_this_month(flt)
    expected = money.expected_receipts(flt)
    receivables = money.receivables(flt)
    counts = money.order_counts(flt)
    by_route = money.revenue_by_route(flt)
    no_route = _("Without a route")
    for row in by_route:
        row["label"] = row["route_stops__route__vehicle__plate"] or no_route
        vehicle = row["route_stops__route__vehicle_id"]
        extra = {"vehicle": vehicle} if vehicle else {"no_route": 1}
        row["url"] = report_url("orders", flt, status=OrderStatus.COMPLETED, **extra)
    by_method = _labelled(
        money.revenue_by(flt, "payment_method"), "payment_method", PaymentMethod.choices
    )
    for row in by_method:
        row["url"] = report_url(
            "orders", flt, status=OrderStatus.COMPLETED, payment_method=row["payment_method"]
        )
    by_type = _labelled(money.revenue_by(flt, "order_type"), "order_type", OrderType.choices)
    for row in by_type:
        row["url"] = report_url(
            "orders", flt, status=OrderStatus.COMPLETED, order_type=row["order_type"]
        )
    funnel = sales.funnel(flt)
    kpis = kpi_table(flt, user)
    risk = sales.risk_counts(flt)
    over_budget = routes.routes_over_budget(flt).count()
    overdue_tasks = sales.overdue_tasks(flt)
    over_limit = expenses.over_limit(flt.branch, flt.today)
    lab = lab_figures(flt, user)
    debtors_url = reverse("billing:debtors") + (
        f"?branch={flt.branch.pk}" if flt.branch is not None else ""
    )
    return {
        "plan": plan,
        "revenue_url": report_url("orders", flt, status=OrderStatus.COMPLETED),
        "invoiced": invoiced,
        "invoiced_url": _documents_url(flt),
        "received": received,
        "received_url": _payments_url(received["start"], received["end"]),
        "expected": expected,
        "expected_url": report_url("expected-receipts", flt),
        "receivables": receivables,
        "receivables_url": report_url("receivables", flt),
        "debtors_url": debtors_url,
        "counts": counts,
        "orders_url": report_url("orders", flt),
        "done_url": report_url("orders", flt, status=OrderStatus.COMPLETED),
        "cancelled_url": report_url("orders", flt, status=OrderStatus.CANCELLED),
        "failed_url": report_url("orders", flt, failed=1),
        "by_route": by_route,
        "by_method": by_method,
        "by_type": by_type,
        "funnel": funnel,
        "kpis": kpis,
        "risk": risk,
        "risk_url": report_url("clients-at-risk", flt),
        "over_budget": over_budget,
        "over_budget_url": report_url("routes-over-budget", flt),
        "overdue_tasks": overdue_tasks,
        "tasks_url": reverse("leads:task-list") + "?all=1",
        "over_limit": over_limit,
        "lab": lab,
        "lab_overdue_url": reverse("labs:request-list") + "?overdue=on",
        "lab_control_url": reverse("labs:control"),
        "charts": {
            "aging": chart(
                "bar",
                [b["label"] for b in receivables["buckets"]],
                [(_("Outstanding"), [b["amount"] for b in receivables["buckets"]])],
            ),
            "route": chart(
                "bar",
                [r["label"] for r in by_route],
                [(_("Revenue"), [r["amount"] for r in by_route])],
            ),
            "method": chart(
                "doughnut",
                [r["label"] for r in by_method],
                [(_("Revenue"), [r["amount"] for r in by_method])],
            ),
            "expected": chart(
                "bar",
                [d["date"].strftime("%d.%m") for d in expected["days"]],
                [(_("Expected"), [d["amount"] for d in expected["days"]])],
            ),
        },
    }


def sales_dashboard(flt: ReportFilter, user: Any) -> dict[str, Any]:
    """Plan against fact per manager, the funnel, sales over time, tasks per manager. A manager
    sees only his own figures (and his own leads in the funnel)."""
    from crm.accounts.models import User
    from crm.leads.selectors import sales_dynamics

    managers = None
    if not user.has_perm("leads.view_all_leads"):
        managers = User.objects.filter(pk=user.pk)
    kpis = kpi_table(flt, user)
    dynamics = sales_dynamics(user=user, branch=flt.branch, days=30)
    return {
        "kpis": kpis,
        "funnel": sales.funnel(flt, managers),
        "dynamics": {
            "type": "line",
            "money": True,
            "labels": dynamics["labels"],
            "datasets": [
                {"label": _("Won"), "data": dynamics["values"], "color": "#0072B2"},
            ],
        },
        "sees_all": managers is None,
    }
