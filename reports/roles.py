"""Which reports permissions each role gets (registered from ReportsConfig.ready).

Directors (and admins) see everything: their dashboard, every report, expenses and their plans.
Heads of sales and managers open the sales dashboard (a manager sees only his own figures) and the
sales reports. Accountants see the money reports and keep expenses; storekeepers and accountants
see the daily report by vehicle and driver."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW_DASHBOARD = "reports.view_director_dashboard"
VIEW_SALES_DASHBOARD = "reports.view_sales_dashboard"
VIEW_REPORTS = "reports.view_reports"
VIEW_DAILY = "reports.view_daily_report"
VIEW_SALES_REPORTS = "reports.view_sales_reports"
VIEW_EXPENSES = "reports.view_expense"
ADD_EXPENSE = "reports.add_expense"
MANAGE_CATEGORIES = "reports.change_expensecategory"
PLAN_EXPENSES = "reports.change_plannedexpense"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        VIEW_DASHBOARD,
        VIEW_SALES_DASHBOARD,
        VIEW_REPORTS,
        VIEW_DAILY,
        VIEW_SALES_REPORTS,
        VIEW_EXPENSES,
        ADD_EXPENSE,
        MANAGE_CATEGORIES,
        PLAN_EXPENSES,
    ],
    Role.DIRECTOR: [
        VIEW_DASHBOARD,
        VIEW_SALES_DASHBOARD,
        VIEW_REPORTS,
        VIEW_DAILY,
        VIEW_SALES_REPORTS,
        VIEW_EXPENSES,
        ADD_EXPENSE,
        MANAGE_CATEGORIES,
        PLAN_EXPENSES,
    ],
    Role.HEAD_OF_SALES: [VIEW_SALES_DASHBOARD, VIEW_SALES_REPORTS],
    Role.MANAGER: [VIEW_SALES_DASHBOARD],
    Role.ACCOUNTANT: [VIEW_REPORTS, VIEW_DAILY, VIEW_EXPENSES, ADD_EXPENSE, MANAGE_CATEGORIES],
    Role.STOREKEEPER: [VIEW_DAILY],
}
