"""A document as a formatted .xlsx for accountants: title, both sides' requisites, the lines with
number formats, VAT and total rows, and the total in words."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation

from billing.models import Document, DocumentLine
from billing.pdf import DOCUMENT_LANGUAGE
from billing.words import amount_in_words

MONEY_FORMAT = "#,##0.00"
QUANTITY_FORMAT = "#,##0.###"
DATE_FORMAT = "DD.MM.YYYY"

TITLES = {
    "invoice": "Счёт на оплату",
    "act": "Акт выполненных работ",
    "waybill": "Товарная накладная",
    "vat_invoice": "Счёт-фактура",
    "proposal": "Коммерческое предложение",
    "credit_note": "Кредит-нота",
}
HEADERS = ["№", "Наименование", "Кол-во", "Ед.", "Цена", "НДС", "Сумма НДС", "Сумма"]
WIDTHS = [5, 48, 10, 8, 14, 8, 13, 15]


def _requisites(party: Any) -> str:
    parts = [party.name]
    for label, field in (
        ("ИНН", "inn"),
        ("КПП", "kpp"),
        ("", "legal_address"),
        ("р/с", "bank_account"),
        ("", "bank_name"),
        ("БИК", "bik"),
        ("к/с", "corr_account"),
    ):
        value = getattr(party, field, "")
        if value:
            parts.append(f"{label} {value}".strip())
    return ", ".join(parts)


def document_xlsx(document: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    lines = list(DocumentLine.objects.filter(document=document).order_by("position", "pk"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (document.number or TITLES.get(document.kind, "Документ"))[:31]
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    title = f"{TITLES.get(document.kind, 'Документ')} № {document.number or '—'}"
    sheet.append([title, None, None, None, None, None, "от", document.date])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["H1"].number_format = DATE_FORMAT
    sheet.append([])
    sheet.append(["Поставщик:", _requisites(document.organisation)])
    sheet.append(["Покупатель:", _requisites(document.client)])
    if document.contract_id:
        sheet.append(["Основание:", f"Договор № {document.contract}"])
    if document.period_start:
        sheet.append(["Период:", document.period_start, document.period_end])
        row = sheet.max_row
        sheet.cell(row, 2).number_format = DATE_FORMAT
        sheet.cell(row, 3).number_format = DATE_FORMAT
    for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row, max_col=2):
        row[0].font = bold
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append([])

    sheet.append(HEADERS)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.border = box
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    with translation.override(DOCUMENT_LANGUAGE):
        for number, line in enumerate(lines, start=1):
            sheet.append(
                [
                    number,
                    line.name,
                    line.quantity,
                    str(line.get_unit_display()),
                    line.unit_price,
                    str(line.get_vat_rate_display()),
                    line.vat_amount,
                    line.amount,
                ]
            )
            row = sheet.max_row
            for cell in sheet[row]:
                cell.border = box
            sheet.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
            sheet.cell(row, 3).number_format = QUANTITY_FORMAT
            for column in (5, 7, 8):
                sheet.cell(row, column).number_format = MONEY_FORMAT

    for label, value in (
        ("Без НДС:", document.subtotal),
        ("В том числе НДС:", document.vat_total),
        ("Итого к оплате:", document.total),
    ):
        sheet.append([None, None, None, None, None, None, label, value])
        row = sheet.max_row
        sheet.cell(row, 7).font = bold
        sheet.cell(row, 8).font = bold
        sheet.cell(row, 8).number_format = MONEY_FORMAT
    sheet.append([])
    sheet.append([None, amount_in_words(document.total, document.currency)])
    sheet.cell(sheet.max_row, 2).font = bold
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
