"""How reports plug into the shared registries (imported from ReportsConfig.ready): navigation,
the director's home page, the demo seeder and the ``bench reports`` suite."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_home, register_nav
from reports import bench, seed  # noqa: F401  (register_bench, register_seeder)
from reports.roles import VIEW_DASHBOARD, VIEW_EXPENSES, VIEW_SALES_DASHBOARD

# the director's day starts with the whole business at a glance
register_home(Role.DIRECTOR, "reports:dashboard")

register_nav(
    NavItem(
        "reports-dashboard",
        _("Director's dashboard"),
        "reports:dashboard",
        icon="📊",
        permission=VIEW_DASHBOARD,
        order=5,
        description=_("Plan against fact, money, receivables, routes, sales and alerts"),
    )
)
register_nav(
    NavItem(
        "reports-sales",
        _("Sales dashboard"),
        "reports:sales",
        icon="📈",
        permission=VIEW_SALES_DASHBOARD,
        order=8,
        description=_("Plan against fact per manager, the funnel, sales over time, tasks"),
    )
)
register_nav(
    NavItem(
        "reports",
        _("Reports"),
        "reports:index",
        icon="🧾",
        roles=(Role.ADMIN, Role.DIRECTOR, Role.ACCOUNTANT, Role.HEAD_OF_SALES, Role.STOREKEEPER),
        order=700,
        description=_("Receivables, revenue, routes, clients, leads; Excel and PDF"),
    )
)
register_nav(
    NavItem(
        "expenses",
        _("Expenses"),
        "reports:expense-list",
        icon="💸",
        permission=VIEW_EXPENSES,
        order=710,
        description=_("Expenses by category with plans and limits"),
    )
)
