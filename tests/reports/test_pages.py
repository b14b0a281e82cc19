"""The dashboards, reports, drill-downs and exports through HTTP: figures on the page, drill-down
lists that sum to the figure, scoping (a manager sees only his own KPIs), the .xlsx opened with
openpyxl, constant query counts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.catalogue import REPORTS
from tests.reports.factories import period

D = Decimal
pytestmark = pytest.mark.django_db


def _get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _query(world, branch, **extra):
    params = {
        "date_from": world.start.isoformat(),
        "date_to": world.today.isoformat(),
        "branch": branch.pk,
    }
    return {**params, **extra}


def test_director_dashboard_shows_the_figures(world, branch, client_for):
    response = _get(client_for("director"), reverse("reports:dashboard"), **_query(world, branch))
    d = response.context["d"]
    assert d["plan"]["fact"] == D("4200.50")
    assert d["receivables"]["debt"] == D("1800.00")
    assert d["expected"]["total"] == D("1000.00")
    assert d["counts"]["failed"] == 1
    assert d["over_budget"] == 1
    html = response.content.decode()
    assert 'data-figure="revenue"' in html and "4,200.50" in html


def test_director_lands_on_the_dashboard(client_for):
    response = client_for("director").get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("reports:dashboard")


def test_revenue_drill_down_sums_to_the_figure(world, branch, client_for):
    director = client_for("director")
    dash = _get(director, reverse("reports:dashboard"), **_query(world, branch)).context["d"]
    orders = _get(director, dash["revenue_url"])
    assert orders.context["table"].totals["total"] == dash["plan"]["fact"]
    rows = orders.context["rows"]
    assert sum(r["total"] for r in rows) == D("4200.50")
    assert {r["number"] for r in rows} == {world.orders[k].number for k in ("o1", "o2", "o3")}


def test_every_breakdown_links_to_orders_that_sum_to_it(world, branch, client_for):
    director = client_for("director")
    dash = _get(director, reverse("reports:dashboard"), **_query(world, branch)).context["d"]
    for row in [*dash["by_route"], *dash["by_method"], *dash["by_type"]]:
        listed = _get(director, row["url"]).context["table"].totals["total"]
        assert listed == row["amount"], row
    failed = _get(director, dash["failed_url"]).context["rows"]
    assert [r["number"] for r in failed] == [world.orders["o7"].number]


def test_receivables_and_expected_drill_downs_sum_to_the_figures(world, branch, client_for):
    director = client_for("director")
    dash = _get(director, reverse("reports:dashboard"), **_query(world, branch)).context["d"]
    receivables = _get(director, dash["receivables_url"]).context["table"].totals
    assert receivables["debt"] == dash["receivables"]["debt"]
    assert receivables["overdue"] == dash["receivables"]["overdue"]
    expected = _get(director, dash["expected_url"]).context["table"].totals
    assert expected["amount"] == dash["expected"]["total"]


def test_other_branch_is_not_counted_and_all_branches_is(world, branch, other_branch, client_for):
    director = client_for("director")
    one = _get(director, reverse("reports:dashboard"), **_query(world, other_branch))
    assert one.context["d"]["plan"]["fact"] == D("5000.00")
    params = {**_query(world, branch), "branch": "all"}
    every = _get(director, reverse("reports:dashboard"), **params)
    assert every.context["d"]["plan"]["fact"] == D("9200.50")


def test_accountant_cannot_pick_another_branch(world, branch, other_branch, client_for):
    response = _get(
        client_for("accountant"),
        reverse("reports:report", args=["orders"]),
        **_query(world, other_branch, status="completed"),
    )
    assert response.context["flt"].branch == branch
    assert response.context["table"].totals["total"] == D("4200.50")


def test_manager_sees_only_his_own_kpis(world, branch, client_for):
    response = _get(client_for("manager"), reverse("reports:sales"), **_query(world, branch))
    rows = response.context["d"]["kpis"].rows
    assert [r["username"] for r in rows] == ["manager"]
    assert rows[0]["revenue"] == D("3500.50")
    assert "Второй" not in response.content.decode()


def test_head_of_sales_sees_every_manager(world, branch, client_for):
    response = _get(client_for("head_of_sales"), reverse("reports:sales"), **_query(world, branch))
    names = {r["username"] for r in response.context["d"]["kpis"].rows}
    assert {"manager", "m2"} <= names


def test_manager_cannot_open_the_director_dashboard_or_reports(world, client_for):
    manager = client_for("manager")
    assert manager.get(reverse("reports:dashboard")).status_code == 403
    assert manager.get(reverse("reports:report", args=["receivables"])).status_code == 403
    head = client_for("head_of_sales")
    assert head.get(reverse("reports:report", args=["receivables"])).status_code == 403
    assert head.get(reverse("reports:report", args=["leads-by-source"])).status_code == 200


def test_unknown_report_is_404(client_for):
    assert client_for("director").get(reverse("reports:report", args=["nope"])).status_code == 404


def test_every_report_renders_for_the_director(world, branch, client_for):
    director = client_for("director")
    for slug in REPORTS:
        _get(director, reverse("reports:report", args=[slug]), **_query(world, branch))


def test_route_profitability_report(world, branch, client_for):
    response = _get(
        client_for("director"),
        reverse("reports:report", args=["route-profitability"]),
        **_query(world, branch),
    )
    totals = response.context["table"].totals
    assert totals["revenue"] == D("3200.50") and totals["profit"] == D("390.50")


def test_excel_export_is_formatted_with_a_totals_row(world, branch, client_for):
    from openpyxl import load_workbook

    response = _get(
        client_for("accountant"),
        reverse("reports:report-xlsx", args=["revenue-by-payment-method"]),
        **_query(world, branch),
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Revenue by payment method"
    assert [c.value for c in sheet[4]] == ["Payment method", "Orders", "Revenue"]
    assert sheet["A4"].font.bold
    body = {sheet.cell(r, 1).value: sheet.cell(r, 3).value for r in range(5, sheet.max_row)}
    assert body == {"Bank transfer": D("2500.50"), "Cash": D("1000.00"), "Card": D("700.00")}
    last = sheet.max_row
    assert sheet.cell(last, 1).value == "Total" and sheet.cell(last, 1).font.bold
    assert sheet.cell(last, 3).value == D("4200.50")
    assert sheet.cell(last, 3).number_format == "#,##0.00"
    assert sheet.cell(5, 2).number_format == "#,##0"


def test_pdf_export(world, branch, client_for):
    response = _get(
        client_for("director"),
        reverse("reports:report-pdf", args=["route-quality"]),
        **_query(world, branch),
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_dashboard_query_count_does_not_grow(
    world, branch, client_for, django_assert_max_num_queries
):
    from crm.orders.models import Order

    director = client_for("director")
    url = reverse("reports:dashboard")
    with django_assert_max_num_queries(30):
        _get(director, url, **_query(world, branch))
    clients = [world.a, world.b]
    Order.objects.bulk_create(
        Order(
            branch=branch,
            client=clients[n % 2],
            date=world.today,
            status="completed",
            total=D("10.00"),
            number=f"Q-{n}",
        )
        for n in range(60)
    )
    with django_assert_max_num_queries(30):
        response = _get(director, url, **_query(world, branch))
    assert response.context["d"]["plan"]["fact"] == D("4800.50")


def test_orders_drill_down_query_count_is_constant(
    world, branch, client_for, django_assert_max_num_queries
):
    director = client_for("director")
    url = reverse("reports:report", args=["orders"])
    with django_assert_max_num_queries(15):
        _get(director, url, **_query(world, branch))


def test_period_form_error_falls_back_to_the_month(world, branch, client_for):
    response = _get(
        client_for("director"),
        reverse("reports:dashboard"),
        date_from=world.today.isoformat(),
        date_to=(world.start.replace(year=world.start.year - 1)).isoformat(),
        branch=branch.pk,
    )
    assert response.context["form"].errors
    assert response.context["flt"].date_from == world.start


def test_period_helper_roundtrip(world, branch):
    flt = period(world, branch)
    assert f"branch={branch.pk}" in flt.params()


def test_order_profitability_pages_and_exports_from_sql(world, branch, client_for):
    from openpyxl import load_workbook

    director = client_for("director")
    url = reverse("reports:report", args=["order-profitability"])
    page = _get(director, url, **_query(world, branch))
    assert page.context["page"].paginator.count == 2
    assert page.context["table"].totals["margin"] == D("1310.50")  # 1580.50 − 270.00
    xlsx = _get(
        director,
        reverse("reports:report-xlsx", args=["order-profitability"]),
        **_query(world, branch),
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4 + 2 + 1  # title, filters, blank, header; two orders; totals
    assert sheet.cell(sheet.max_row, 8).value == D("1310.50")
