"""Route sheets: the printable PDF (WeasyPrint, landscape A4, Cyrillic through DejaVu Sans) and
the .xlsx of one route — stops in order with address, window, what to deliver and collect, the
amount to take, phone, notes and a column for the client's signature."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.orders.day import amount_to_collect
from routes.models import Route, RouteStop
from routes.services.timing import order_stop

COLUMNS = [
    (gettext_lazy("#"), 4),
    (gettext_lazy("ETA"), 7),
    (gettext_lazy("Window"), 12),
    (gettext_lazy("Order"), 12),
    (gettext_lazy("Client"), 26),
    (gettext_lazy("Address"), 42),
    (gettext_lazy("Phone"), 16),
    (gettext_lazy("Deliver / collect"), 40),
    (gettext_lazy("To collect"), 12),
    (gettext_lazy("Notes"), 34),
    (gettext_lazy("Signature"), 16),
]


@dataclass
class SheetRow:
    number: int
    eta: str
    window: str
    order: str
    client: str
    address: str
    phone: str
    goods: str
    to_collect: Decimal
    notes: str


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _address(stop: Any) -> str:
    if stop is None:
        return ""
    parts = [stop.city, stop.address]
    extra = [
        (_("entr.") + " " + stop.entrance) if stop.entrance else "",
        (_("fl.") + " " + stop.floor) if stop.floor else "",
        (_("apt.") + " " + stop.apartment) if stop.apartment else "",
    ]
    return ", ".join(p for p in parts + extra if p)


def _goods(order: Any) -> str:
    gift = _("gift")
    lines = [
        f"{f'[{gift}] ' if item.is_gift else ''}{item.name} × {item.quantity.normalize():f}"
        for item in order.items.all()
    ]
    if order.containers_to_collect:
        lines.append(_("collect %(count)s containers") % {"count": order.containers_to_collect})
    return "; ".join(lines)


def _row(stop: RouteStop) -> SheetRow:
    order = stop.order
    where = order_stop(order)
    window = order.window_text
    notes = " ".join(
        p
        for p in (
            order.driver_comment,
            where.access_notes if where else "",
            where.note if where else "",
        )
        if p
    )
    return SheetRow(
        number=stop.position + 1,
        eta=stop.service_start.strftime("%H:%M") if stop.service_start else "",
        window=window,
        order=order.number or f"#{order.pk}",
        client=_clip(str(order.client), 60),
        address=_clip(_address(where), 110),
        phone=(where.receiver_phone if where else "") or "",
        goods=_clip(_goods(order), 110),
        to_collect=amount_to_collect(order),
        notes=_clip(notes, 90),
    )


def sheet_rows(route: Route) -> list[SheetRow]:
    stops = (
        route.stops.select_related("order__client")
        .prefetch_related("order__stops", "order__items")
        .order_by("position")
    )
    return [_row(s) for s in stops]


def filename(route: Route) -> str:
    plate = "".join(ch for ch in route.vehicle.plate if ch.isalnum())
    return f"route-{route.plan.date:%Y-%m-%d}-{plate}"


def _sheet(route: Route) -> dict[str, Any]:
    rows = sheet_rows(route)
    return {
        "route": route,
        "rows": rows,
        "total_collect": sum((r.to_collect for r in rows), Decimal("0")),
    }


def sheet_html(routes: list[Route]) -> str:
    """One sheet per route, each starting on a new page."""
    return render_to_string(
        "routes/sheet_pdf.html",
        {
            "sheets": [_sheet(r) for r in routes],
            "columns": [label for label, _w in COLUMNS],
        },
    )


def sheet_document(routes: Route | list[Route]) -> Any:
    """The laid-out WeasyPrint document (pages and text boxes, for tests and page counts)."""
    from weasyprint import HTML

    routes = routes if isinstance(routes, list) else [routes]
    return HTML(string=sheet_html(routes), base_url=None).render()


def sheet_pdf(routes: Route | list[Route]) -> bytes:
    return sheet_document(routes).write_pdf()


def sheet_xlsx(route: Route) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _clip(str(route.vehicle.plate), 31)
    sheet.append([str(_("Route sheet")), str(route.vehicle), route.plan.date])
    sheet["C1"].number_format = "DD.MM.YYYY"
    sheet.append([str(label) for label, _w in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for index, (_label, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet_rows(route):
        sheet.append(
            [
                row.number,
                row.eta,
                row.window,
                row.order,
                row.client,
                row.address,
                row.phone,
                row.goods,
                row.to_collect,
                row.notes,
                "",
            ]
        )
        sheet.cell(sheet.max_row, 9).number_format = "#,##0.00"
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
