"""Documents of the day screen: the .xlsx and PDF of the visible list and delivery stickers.

They take the already loaded (``crm.orders.day.decorate``-d) orders, so an export holds exactly the
rows the operator sees, in the same order, without extra queries."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.models import Job
from crm.core.registry import register_job_handler
from crm.core.services import job_create, job_store_file
from crm.orders import day as selectors
from crm.orders.day_state import DayState
from crm.orders.models import Order

PDF_JOB_KIND = "orders.day_pdf"

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


# --- The PDF of the visible list ------------------------------------------------------------------
def day_pdf_filename(state: DayState) -> str:
    return f"orders-{state.date.isoformat()}.pdf"


def day_pdf(state: DayState, orders: list[Order] | None = None) -> bytes:
    """The landscape A4 table of ``orders`` (default: the state's rows) with the day's counters."""
    context = {
        "orders": state.rows() if orders is None else orders,
        "date": state.date,
        "branch": state.branch,
        "counters": selectors.day_counters(user=state.user, branch=state.branch, date=state.date),
    }
    return render_pdf(render_to_string("orders/day/export_pdf.html", context))


def day_pdf_job_start(*, actor: Any, state: DayState, rows: int) -> Job:
    """The same export in the background: the job rebuilds the state from the query string
    as ``actor`` (so it sees exactly what they may see) in their current language."""
    title = _("PDF of %(rows)s orders for %(date)s") % {
        "rows": rows,
        "date": date_format(state.date, "SHORT_DATE_FORMAT"),
    }
    params = {
        "branch_id": state.branch.pk,
        "query": state.query(),
        "language": translation.get_language(),
    }
    return job_create(actor=actor, kind=PDF_JOB_KIND, title=title, params=params)


@register_job_handler(PDF_JOB_KIND)
def day_pdf_job(job: Job, progress: Any) -> dict:
    from crm.accounts.models import Branch

    if job.owner is None or not job.owner.is_active:
        raise ValidationError(_("The user who asked for this export is no longer active."))
    if not job.owner.has_perm("orders.export_orders"):  # the role may have changed since
        raise ValidationError(_("Your role may no longer export orders."))
    branch = Branch.objects.get(pk=job.params["branch_id"])
    with translation.override(job.params.get("language")):
        state = DayState(user=job.owner, branch=branch, params=QueryDict(job.params["query"]))
        progress(10, _("Reading the orders"))
        orders = state.rows()
        progress(25, _("Laying out %(rows)s rows") % {"rows": len(orders)})
        content = day_pdf(state, orders)
        return job_store_file(
            job=job,
            filename=day_pdf_filename(state),
            content=content,
            label=_("Download the PDF"),
        )
