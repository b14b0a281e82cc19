"""The storekeeper's documents: the daily containers report as .xlsx (per van, driver and product,
a totals row, frozen header) and the loading list of a van as a PDF (WeasyPrint, A4 portrait,
Cyrillic through DejaVu Sans, like ``routes.sheets``)."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from routes.services.containers import NUMBER_FIELDS, LoadingList, VanBalance, balance_totals

#: (title, width) of the report's columns; the numbers follow ``NUMBER_FIELDS``
REPORT_COLUMNS = [
    (gettext_lazy("Vehicle"), 16),
    (gettext_lazy("Driver"), 22),
    (gettext_lazy("Product"), 24),
    (gettext_lazy("Loaded"), 9),
    (gettext_lazy("Delivered"), 10),
    (gettext_lazy("Collected"), 10),
    (gettext_lazy("Damaged"), 10),
    (gettext_lazy("Missing"), 9),
    (gettext_lazy("Expected back full"), 11),
    (gettext_lazy("Expected back empty"), 11),
    (gettext_lazy("Expected back damaged"), 11),
    (gettext_lazy("Returned full"), 10),
    (gettext_lazy("Returned empty"), 10),
    (gettext_lazy("Returned damaged"), 10),
    (gettext_lazy("Difference full"), 11),
    (gettext_lazy("Difference empty"), 11),
    (gettext_lazy("Difference damaged"), 11),
    (gettext_lazy("Check"), 10),
]
WHOLE = "#,##0"
SIGNED = "+#,##0;[Red]-#,##0;0"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_filename(date: datetime.date) -> str:
    return f"containers-{date:%Y-%m-%d}"


def loading_filename(loading: LoadingList) -> str:
    plate = "".join(ch for ch in loading.vehicle.plate if ch.isalnum())
    return f"loading-{loading.date:%Y-%m-%d}-{plate}"


def _driver(balance: VanBalance) -> str:
    driver = balance.driver
    return (driver.get_full_name() or driver.get_username()) if driver else ""


def report_xlsx(balances: list[VanBalance], date: datetime.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{date:%Y-%m-%d}"
    sheet.append([str(_("Containers report")), date])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet["B1"].number_format = "DD.MM.YYYY"
    sheet.append([str(title) for title, _w in REPORT_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for index, (_title, width) in enumerate(REPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    flag = PatternFill("solid", fgColor="FFD7D5")
    for balance in balances:
        for row in balance.rows:
            check = str(_("Difference")) if row.flagged else str(_("OK"))
            sheet.append(
                [str(balance.vehicle.plate), _driver(balance), row.name]
                + [getattr(row, name) for name in NUMBER_FIELDS]
                + [check]
            )
            _number_formats(sheet, sheet.max_row)
            if row.flagged:
                for cell in sheet[sheet.max_row]:
                    cell.fill = flag
    total = balance_totals(balances)
    sheet.append(
        [str(_("Total")), "", ""] + [getattr(total, name) for name in NUMBER_FIELDS] + [""]
    )
    _number_formats(sheet, sheet.max_row)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "D3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(REPORT_COLUMNS))}{sheet.max_row - 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number_formats(sheet: Any, row: int) -> None:
    first = 4
    for offset, name in enumerate(NUMBER_FIELDS):
        cell = sheet.cell(row, first + offset)
        cell.number_format = SIGNED if name.startswith("diff_") else WHOLE


def loading_html(loading: LoadingList) -> str:
    return render_to_string("routes/store/loading_pdf.html", {"loading": loading})


def loading_document(loading: LoadingList) -> Any:
    """The laid-out WeasyPrint document (pages and text boxes, for tests and page counts)."""
    from weasyprint import HTML

    return HTML(string=loading_html(loading), base_url=None).render()


def loading_pdf(loading: LoadingList) -> bytes:
    return loading_document(loading).write_pdf()
