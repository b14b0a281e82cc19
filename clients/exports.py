"""Excel (.xlsx) export of a client list: formatted header, number and date formats, written
row by row (write-only workbook) so big lists do not sit in memory."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from crm.core.phones import format_phone

EXPORT_COLUMNS = [
    (gettext_lazy("Name"), 40),
    (gettext_lazy("Type"), 12),
    (gettext_lazy("Phones"), 22),
    (gettext_lazy("City"), 18),
    (gettext_lazy("Address"), 40),
    (gettext_lazy("INN"), 14),
    (gettext_lazy("Manager"), 22),
    (gettext_lazy("Tags"), 20),
    (gettext_lazy("Balance"), 14),
    (gettext_lazy("Discount, %"), 10),
    (gettext_lazy("Last order"), 14),
    (gettext_lazy("Created"), 14),
]


def export_clients(qs: QuerySet[Client]) -> str:
    """Write the clients to a temporary .xlsx (write-only, row by row) and return its path."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Clients"))[:31])
    sheet.freeze_panes = "A2"
    for index, (_label, width) in enumerate(EXPORT_COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    header = []
    for label, _width in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F6FEB")
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    tz = timezone.get_current_timezone()

    def _date(value: Any) -> Any:
        return timezone.localtime(value, tz).date() if value else None

    for client in qs.iterator(chunk_size=2000):
        address = next(iter(client.addresses.all()), None)
        balance = WriteOnlyCell(sheet, value=Decimal(client.balance))
        balance.number_format = "#,##0.00;[Red]-#,##0.00"
        discount = WriteOnlyCell(sheet, value=Decimal(client.discount_percent))
        discount.number_format = "0.00"
        cells: list[Any] = [
            client.name,
            client.get_kind_display(),
            ", ".join(format_phone(p.number) for p in client.phones.all()),
            address.city if address else "",
            address.address if address else "",
            client.inn,
            client.manager.display_name if client.manager else "",
            ", ".join(t.name for t in client.tags.all()),
            balance,
            discount,
        ]
        for value in (_date(client.last_order_at), _date(client.created_at)):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        sheet.append(cells)
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="kolo-clients-")
    os.close(handle)
    workbook.save(path)
    return path
