"""Documents of the day screen: the .xlsx and PDF of the visible list and delivery stickers.

They take the already loaded (``crm.orders.day.decorate``-d) orders, so an export holds exactly the
rows the operator sees, in the same order, without extra queries."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.orders.models import Order

MONEY_FORMAT = "#,##0.00"
COLUMNS = [
    (gettext_lazy("Number"), 14),
    (gettext_lazy("Date"), 12),
    (gettext_lazy("Window"), 13),
    (gettext_lazy("Client"), 30),
    (gettext_lazy("Phone"), 18),
    (gettext_lazy("Address"), 40),
    (gettext_lazy("Items"), 40),
    (gettext_lazy("Total"), 13),
    (gettext_lazy("Currency"), 9),
    (gettext_lazy("Payment method"), 16),
    (gettext_lazy("Prepayment due"), 14),
    (gettext_lazy("To collect"), 13),
    (gettext_lazy("Driver / worker"), 22),
    (gettext_lazy("Status"), 16),
    (gettext_lazy("Problems"), 30),
]


def address_text(order: Order) -> str:
    stop = getattr(order, "first_stop", None)
    if stop is None:
        return ""
    text = ", ".join(p for p in (stop.city, stop.address) if p)
    if order.extra_stops:
        text += " " + _("+%(count)s stops") % {"count": order.extra_stops}
    return text


def lines_text(order: Order, gift_marker: str = "🎁") -> str:
    return "; ".join(
        f"{gift_marker + ' ' if line['is_gift'] else ''}{line['name']} × {line['quantity']}"
        for line in order.lines
    )


def _money_cell(sheet: Any, value: Decimal) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=Decimal(value))
    cell.number_format = MONEY_FORMAT
    return cell


def write_xlsx(orders: list[Order], *, date: datetime.date) -> bytes:
    """One sheet: a bold header and a row per order with Decimal money and real date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Orders %(date)s") % {"date": date.isoformat()})[:31])
    sheet.freeze_panes = "A2"
    for index, (_label, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for label, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F6FEB")
        header.append(cell)
    sheet.append(header)
    for order in orders:
        date_cell = WriteOnlyCell(sheet, value=order.date)
        date_cell.number_format = "DD.MM.YYYY"
        sheet.append(
            [
                order.number,
                date_cell,
                order.window_text,
                order.client.name,
                order.phone,
                address_text(order),
                lines_text(order),
                _money_cell(sheet, order.total),
                order.currency,
                order.payment_text,
                _money_cell(sheet, order.prepayment_outstanding),
                _money_cell(sheet, order.to_collect),
                order.assignee.display_name if order.assignee else "",
                order.status_text,
                "; ".join(str(p) for p in order.problems),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_pdf(html: str, request: Any = None) -> bytes:
    """HTML → PDF with WeasyPrint; templates carry their own CSS and fetch nothing."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()


def stickers_pdf(orders: list[Order], *, fmt: str, request: Any = None) -> bytes:
    """``a4``: a 3 × 8 grid of labels per A4 sheet; ``tape58``/``tape80``: one label per page of
    a receipt printer's tape."""
    for order in orders:
        order.lines_label = lines_text(order, gift_marker=str(_("[gift]")))
    per_page = 24
    pages = [orders[i : i + per_page] for i in range(0, len(orders), per_page)]
    html = render_to_string(
        "orders/day/stickers.html",
        {"orders": orders, "pages": pages, "fmt": fmt},
        request=request,
    )
    return render_pdf(html, request)
