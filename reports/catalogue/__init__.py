"""The reports: each is a ``Report`` (title, permission, columns, a builder that returns rows,
totals and a chart) registered by slug. One view shows any of them with the period filter, a
table, totals, a chart and the .xlsx / PDF exports; drill-down lists are reports too, so every
figure's list can be exported the same way."""

from reports.catalogue import money, operations, sales  # noqa: F401  (register the reports)
from reports.catalogue.base import REPORTS, Column, Report, Table, reports_for

__all__ = ["REPORTS", "Column", "Report", "Table", "reports_for"]
