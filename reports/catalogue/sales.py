"""Sales reports: leads by source with conversion, managers' KPIs, and clients at risk of
leaving (the dashboard's alert links here)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reports import roles
from reports.catalogue.base import Column, Report, Table, chart, register, sum_totals
from reports.filters import ReportFilter
from reports.selectors import sales
from reports.selectors.common import percent

SALES = _("Sales")


SOURCE_COLUMNS = [
    Column("source", _("Source")),
    Column("total", _("Leads"), "int", total=True),
    Column("open", _("Open"), "int", total=True),
    Column("won", _("Won"), "int", total=True),
    Column("lost", _("Lost"), "int", total=True),
    Column("conversion", _("Conversion, %"), "percent"),
    Column("won_amount", _("Won amount"), "money", total=True),
]


def _by_source(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = sales.leads_by_source(flt)
    for row in rows:
        row["source"] = row["source__name"] or str(_("No source"))
    totals = sum_totals(rows, SOURCE_COLUMNS)
    totals["conversion"] = percent(totals["won"], totals["total"])
    data = chart(
        "bar",
        [r["source"] for r in rows],
        [(_("Leads"), [r["total"] for r in rows]), (_("Won"), [r["won"] for r in rows])],
        money=False,
    )
    return Table(rows, totals, data)


register(
    Report(
        "leads-by-source",
        _("Leads by source"),
        roles.VIEW_SALES_REPORTS,
        SOURCE_COLUMNS,
        _by_source,
        description=_("Leads created in the period by source, with the share won."),
        section=SALES,
    )
)


KPI_COLUMNS = [
    Column("name", _("Manager")),
    Column("leads_in", _("Leads"), "int", total=True),
    Column("leads_won", _("Won"), "int", total=True),
    Column("conversion", _("Conversion, %"), "percent"),
    Column("tasks_done", _("Tasks done"), "int", total=True),
    Column("tasks_overdue", _("Tasks overdue"), "int", total=True),
    Column("plan", _("Plan"), "money", total=True),
    Column("revenue", _("Revenue"), "money", total=True),
    Column("plan_percent", _("Plan, %"), "percent"),
]


def kpi_table(flt: ReportFilter, user: Any) -> Table:
    """Every manager of the branch for those who see all; a manager sees only his own row."""
    managers = sales.sales_managers(flt)
    if not user.has_perm("leads.view_all_leads"):
        managers = managers.model.objects.filter(pk=user.pk)
    rows = sales.manager_kpis(flt, managers)
    totals = sum_totals(rows, KPI_COLUMNS)
    totals["conversion"] = percent(totals["leads_won"], totals["leads_in"])
    totals["plan_percent"] = percent(totals["revenue"], totals["plan"])
    data = chart(
        "bar",
        [r["name"] for r in rows],
        [(_("Plan"), [r["plan"] for r in rows]), (_("Revenue"), [r["revenue"] for r in rows])],
    )
    return Table(rows, totals, data)


register(
    Report(
        "manager-kpis",
        _("Managers' KPIs"),
        roles.VIEW_SALES_REPORTS,
        KPI_COLUMNS,
        lambda flt, user, params: kpi_table(flt, user),
        description=_("Leads, conversion, tasks and revenue against plan per manager."),
        section=SALES,
    )
)


def _client_link(row: dict[str, Any], flt: ReportFilter) -> str:
    return reverse("clients:client-detail", args=[row["pk"]])


RISK_COLUMNS = [
    Column("name", _("Client"), link=_client_link),
    Column("manager_name", _("Manager")),
    Column("n_orders", _("Orders"), "int"),
    Column("last_order", _("Last order"), "date"),
    Column("usual_days", _("Usually every, days"), "int"),
    Column("silent_days", _("Silent for, days"), "int"),
    Column("mood_label", _("Mood")),
    Column("overdue_debt", _("Overdue debt"), "money", total=True),
]


def _at_risk(flt: ReportFilter, user: Any, params: QueryDict) -> Table:
    rows = []
    for client in sales.clients_at_risk(flt)[:500]:
        manager = client.manager
        rows.append(
            {
                "pk": client.pk,
                "name": client.name,
                "manager_name": manager.get_full_name() or manager.username if manager else "",
                "n_orders": client.n_orders,
                "last_order": client.last_order,
                "usual_days": client.usual_days,
                "silent_days": client.silent_days,
                "mood_label": client.get_mood_display() if client.mood else "",
                "overdue_debt": client.overdue_debt,
            }
        )
    return Table(rows, sum_totals(rows, RISK_COLUMNS))


register(
    Report(
        "clients-at-risk",
        _("Clients at risk of leaving"),
        roles.VIEW_REPORTS,
        RISK_COLUMNS,
        _at_risk,
        description=_(
            "Clients silent for more than twice their usual interval between orders, unhappy, "
            "or with an overdue debt."
        ),
        section=SALES,
        drill=True,
    )
)
