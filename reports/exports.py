"""A report as a formatted .xlsx (title and filter line, bold header, number formats per column
kind, a bold totals row, frozen header) and as a PDF (WeasyPrint, DejaVu fonts, landscape A4)."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reports.catalogue.base import EXPORT_LIMIT, Report, Table
from reports.filters import ReportFilter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "money": "#,##0.00",
    "int": "#,##0",
    "number": "#,##0.0",
    "percent": "0.0",
    "date": "DD.MM.YYYY",
}
WIDTHS = {"text": 34, "money": 16, "int": 10, "number": 12, "percent": 10, "date": 12}


def export_rows(table: Table) -> list[dict[str, Any]]:
    rows = table.rows
    return list(rows[:EXPORT_LIMIT]) if not isinstance(rows, list) else rows


def filter_line(flt: ReportFilter) -> str:
    branch = flt.branch.name if flt.branch is not None else _("All branches")
    return f"{flt.date_from:%d.%m.%Y} – {flt.date_to:%d.%m.%Y} · {branch}"


def report_xlsx(report: Report, table: Table, flt: ReportFilter) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(report.title)[:31]
    columns = report.columns
    sheet.append([str(report.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([filter_line(flt)])
    sheet.append([])
    sheet.append([str(c.label) for c in columns])
    header = sheet.max_row
    bottom = Border(bottom=Side(style="thin"))
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF8")
        cell.border = bottom
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in export_rows(table):
        sheet.append([_cell_value(row.get(c.key), c.kind) for c in columns])
        _format_row(sheet, sheet.max_row, columns)
    totals = table.totals or {}
    if totals:
        sheet.append(
            [str(_("Total")) if i == 0 else totals.get(c.key) for i, c in enumerate(columns)]
        )
        _format_row(sheet, sheet.max_row, columns)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
            cell.border = Border(top=Side(style="thin"))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column.kind]
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    sheet.page_setup.orientation = "landscape"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell_value(value: Any, kind: str) -> Any:
    if kind == "text" and value is not None:
        return str(value)
    return value


def _format_row(sheet: Any, row: int, columns: list) -> None:
    for index, column in enumerate(columns, start=1):
        fmt = FORMATS.get(column.kind)
        if fmt:
            sheet.cell(row, index).number_format = fmt


def report_pdf(report: Report, table: Table, flt: ReportFilter) -> bytes:
    from weasyprint import HTML

    from billing.pdf import font_config

    html = render_to_string(
        "reports/report_pdf.html",
        {
            "report": report,
            "rows": export_rows(table),
            "totals": table.totals or {},
            "flt": flt,
            "filter_line": filter_line(flt),
        },
    )
    return HTML(string=html, base_url=None).write_pdf(font_config=font_config())
