"""Bank statement import: parse an .xlsx statement or a 1C exchange file
(``1CClientBankExchange``), keep only the incoming payments (the recipient's INN is one of our
organisations'), match each row to a client (payer's INN) and an invoice (its number in the
purpose of payment), keep the parsed rows between the review steps (a JSON file under
``MEDIA_ROOT`` keyed by a random token) and create the payments idempotently.

The idempotency key of a row is a hash of date + amount + payer's INN + document number, so a
statement imported twice (or two overlapping statements) never creates a payment twice."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from billing.models import (
    OPEN_INVOICE_STATUSES,
    DocKind,
    DocStatus,
    Document,
    Organisation,
    Payment,
    PaymentMethod,
    PaymentSource,
)

MAX_ROWS = 5000
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CENT = Decimal("0.01")


@dataclass
class StatementRow:
    """One incoming payment of a statement, as parsed and then matched."""

    index: int
    date: str  # ISO date
    amount: str  # Decimal as text (JSON-friendly)
    payer_name: str = ""
    payer_inn: str = ""
    purpose: str = ""
    number: str = ""
    recipient_inn: str = ""
    client_id: int | None = None
    client_name: str = ""
    document_id: int | None = None
    document_number: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def day(self) -> datetime.date:
        return datetime.date.fromisoformat(self.date)

    @property
    def money(self) -> Decimal:
        return Decimal(self.amount)

    @property
    def key(self) -> str:
        return statement_key(self.day, self.money, self.payer_inn, self.number)


@dataclass
class ParsedStatement:
    rows: list[StatementRow]
    skipped_outgoing: int = 0
    errors: list[str] = field(default_factory=list)
    filename: str = ""


@dataclass
class ImportResult:
    index: int
    outcome: str  # created / duplicate / error / skipped
    reason: str = ""
    payment_id: int | None = None


def statement_key(day: datetime.date, amount: Decimal, payer_inn: str, number: str) -> str:
    raw = f"{day.isoformat()}|{Decimal(amount).quantize(CENT)}|{payer_inn.strip()}|{number.strip()}"
    return "stmt:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


# --- Values ---------------------------------------------------------------------------------------
def parse_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | float):
        amount = Decimal(str(value))
    else:
        text = str(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
        text = re.sub(r"[^\d.\-]", "", text)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None
    return amount.quantize(CENT)


def parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()[:10]
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _inn(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\D", "", str(value or ""))[:12]


# --- xlsx -----------------------------------------------------------------------------------------
def _norm(header: Any) -> str:
    text = str(header or "").lower().replace("ё", "е").replace("№", " number ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def classify_header(header: Any) -> str | None:
    """Which statement field a column header (Russian, Ukrainian or English) stands for."""
    h = _norm(header)
    if not h:
        return None
    words = set(h.split())
    recipient = any(w.startswith(("получател", "отримувач", "recipient", "payee")) for w in words)
    if "инн" in words or "inn" in words or "іпн" in words or "єдрпоу" in words:
        return "recipient_inn" if recipient else "payer_inn"
    if recipient:
        return None
    if any(w.startswith(("назначен", "призначен", "purpose", "description")) for w in words):
        return "purpose"
    if any(
        w.startswith(("плательщик", "платник", "payer", "контрагент", "counterpart")) for w in words
    ):
        return "payer_name"
    if any(w.startswith(("сумм", "amount", "sum", "приход", "кредит", "поступлен")) for w in words):
        return "amount"
    if "дата" in words or "date" in words:
        return "date"
    if any(w in words for w in ("номер", "number", "no", "n", "doc")):
        return "number"
    return None


def parse_xlsx(content: bytes) -> ParsedStatement:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ValidationError(_("The file is not a readable .xlsx workbook.")) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    columns: dict[str, int] = {}
    parsed = ParsedStatement(rows=[])
    for line_no, values in enumerate(rows, start=1):
        if not columns:
            found = _header_columns(values)
            if {"date", "amount"} <= set(found):
                columns = found
            elif line_no >= 20:
                break
            continue
        _xlsx_row(parsed, line_no, values, columns)
        if len(parsed.rows) >= MAX_ROWS:
            break
    book.close()
    if not columns:
        raise ValidationError(
            _("No header row with at least a date and an amount column was found.")
        )
    return parsed


def _header_columns(values: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, header in enumerate(values):
        kind = classify_header(header)
        if kind and kind not in found:
            found[kind] = position
    return found


def _xlsx_row(parsed: ParsedStatement, line_no: int, values: tuple, columns: dict) -> None:
    def cell(name: str) -> Any:
        position = columns.get(name)
        return values[position] if position is not None and position < len(values) else None

    if not any(v not in (None, "") for v in values):
        return
    day, amount = parse_date(cell("date")), parse_amount(cell("amount"))
    if day is None or amount is None:
        parsed.errors.append(_("Row %(row)s: no valid date or amount, skipped.") % {"row": line_no})
        return
    if amount <= 0:
        parsed.skipped_outgoing += 1
        return
    parsed.rows.append(
        StatementRow(
            index=len(parsed.rows),
            date=day.isoformat(),
            amount=str(amount),
            payer_name=str(cell("payer_name") or "").strip()[:255],
            payer_inn=_inn(cell("payer_inn")),
            purpose=str(cell("purpose") or "").strip()[:500],
            number=_number(cell("number")),
            recipient_inn=_inn(cell("recipient_inn")),
        )
    )


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value or "").strip()[:100]


# --- 1C exchange text -----------------------------------------------------------------------------
def decode_text(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1251", errors="replace")


def is_1c(content: bytes) -> bool:
    return b"1CClientBankExchange" in content[:200]


def parse_1c(content: bytes) -> ParsedStatement:
    text = decode_text(content)
    if "1CClientBankExchange" not in text[:200]:
        raise ValidationError(_("The file is not a 1C exchange file (1CClientBankExchange)."))
    parsed = ParsedStatement(rows=[])
    section: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        key, _sep, value = line.partition("=")
        if key == "СекцияДокумент":
            section = {}
        elif line == "КонецДокумента" and section is not None:
            _section_row(parsed, section)
            section = None
        elif section is not None and _sep:
            section.setdefault(key, value.strip())
        if len(parsed.rows) >= MAX_ROWS:
            break
    return parsed


def _section_row(parsed: ParsedStatement, section: dict[str, str]) -> None:
    day = parse_date(section.get("ДатаПоступило") or section.get("Дата"))
    amount = parse_amount(section.get("Сумма"))
    number = section.get("Номер", "")
    if day is None or amount is None or amount <= 0:
        parsed.errors.append(
            _("Document %(number)s: no valid date or amount, skipped.") % {"number": number}
        )
        return
    parsed.rows.append(
        StatementRow(
            index=len(parsed.rows),
            date=day.isoformat(),
            amount=str(amount),
            payer_name=(section.get("Плательщик1") or section.get("Плательщик", ""))[:255],
            payer_inn=_inn(section.get("ПлательщикИНН")),
            purpose=section.get("НазначениеПлатежа", "")[:500],
            number=number[:100],
            recipient_inn=_inn(section.get("ПолучательИНН")),
        )
    )


# --- Parse, keep incoming, match ------------------------------------------------------------------
def our_inns() -> set[str]:
    return {
        inn
        for inn in Organisation.objects.filter(is_active=True).values_list("inn", flat=True)
        if inn
    }


def parse_statement(*, filename: str, content: bytes) -> ParsedStatement:
    """Parse either format; only incoming payments to one of our organisations stay."""
    if is_1c(content):
        parsed = parse_1c(content)
    elif content[:2] == b"PK":
        parsed = parse_xlsx(content)
    else:
        raise ValidationError(_("Upload an .xlsx statement or a 1C exchange file (.txt)."))
    parsed.filename = filename
    ours = our_inns()
    incoming = []
    for row in parsed.rows:
        if row.recipient_inn and ours and row.recipient_inn not in ours:
            parsed.skipped_outgoing += 1
            continue
        if row.payer_inn and row.payer_inn in ours:  # our own outgoing payment
            parsed.skipped_outgoing += 1
            continue
        incoming.append(row)
    for index, row in enumerate(incoming):
        row.index = index
    parsed.rows = incoming
    return parsed


FULL_NUMBER_RE = re.compile(r"[А-ЯA-Z]{2,3}-\d{4}-\d{1,9}", re.IGNORECASE)
SHORT_NUMBER_RE = re.compile(
    r"(?:сч[её]т[а-яі]*|рахун[а-яі]*|invoice|сч\.?)\s*(?:на\s+оплату\s*)?(?:№|N|No\.?|#)?\s*(\d{1,9})\b",
    re.IGNORECASE,
)


def invoice_numbers(purpose: str) -> tuple[list[str], list[int]]:
    """Full numbers (``СЧ-2026-000123``) and bare numbers (``счёт № 123``) in a purpose."""
    full = [m.group(0).upper() for m in FULL_NUMBER_RE.finditer(purpose)]
    rest = FULL_NUMBER_RE.sub(" ", purpose)
    short = [int(m.group(1)) for m in SHORT_NUMBER_RE.finditer(rest)]
    return full, short


def _find_invoice(
    purpose: str, documents: QuerySet[Document], client_id: int | None, year: int
) -> Document | None:
    full, short = invoice_numbers(purpose)
    invoices = documents.filter(kind=DocKind.INVOICE).exclude(number="")
    if client_id:
        invoices = invoices.filter(client_id=client_id)
    for number in full:
        found = invoices.filter(number__iexact=number).first()
        if found:
            return found
    for number in short:
        candidates = list(
            invoices.filter(number__endswith=f"-{number:06d}").order_by("-date", "-pk")[:5]
        )
        if not candidates:
            continue
        same_year = [d for d in candidates if d.date.year == year]
        return (same_year or candidates)[0]
    return None


def match_rows(
    rows: list[StatementRow], *, clients: QuerySet, documents: QuerySet[Document]
) -> None:
    """Set each row's client (by the payer's INN, among ``clients``) and invoice (by the number
    in the purpose, among ``documents``)."""
    inns = {row.payer_inn for row in rows if row.payer_inn}
    by_inn: dict[str, list[Any]] = {}
    for client in clients.filter(inn__in=inns).only("pk", "name", "inn"):
        by_inn.setdefault(client.inn, []).append(client)
    visible = set(clients.values_list("pk", flat=True)) if rows else set()
    for row in rows:
        row.notes = []
        found = by_inn.get(row.payer_inn, [])
        client = found[0] if len(found) == 1 else None
        if len(found) > 1:
            row.notes.append(_("Several clients have this INN: choose one."))
        document = _find_invoice(
            row.purpose, documents, client.pk if client else None, row.day.year
        )
        if document is not None and document.client_id not in visible:
            document = None
        if document is not None and client is None:
            client = document.client
        if document is not None and document.status == DocStatus.VOID:
            row.notes.append(
                _("Invoice %(number)s is void: the payment goes to the oldest open invoices.")
                % {"number": document.number}
            )
            document = None
        row.client_id = client.pk if client else None
        row.client_name = client.name if client else ""
        row.document_id = document.pk if document else None
        row.document_number = document.number if document else ""


# --- Keeping the parsed statement between the steps -----------------------------------------------
def _store_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "billing" / "statements"


def statement_store(parsed: ParsedStatement, *, user_id: int) -> str:
    token = secrets.token_urlsafe(24)
    folder = _store_dir()
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "user": user_id,
        "filename": parsed.filename,
        "skipped_outgoing": parsed.skipped_outgoing,
        "errors": parsed.errors,
        "rows": [asdict(row) for row in parsed.rows],
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    (folder / f"{token}.json").write_text(json.dumps(payload, ensure_ascii=False))
    return token


def statement_load(token: str, *, user_id: int) -> ParsedStatement | None:
    """The parsed statement kept under ``token``, only for the user who uploaded it."""
    if not TOKEN_RE.match(token or ""):
        return None
    path = _store_dir() / f"{token}.json"
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if payload.get("user") != user_id:
        return None
    return ParsedStatement(
        rows=[StatementRow(**row) for row in payload["rows"]],
        skipped_outgoing=payload.get("skipped_outgoing", 0),
        errors=payload.get("errors", []),
        filename=payload.get("filename", ""),
    )


def statement_discard(token: str) -> None:
    if TOKEN_RE.match(token or ""):
        (_store_dir() / f"{token}.json").unlink(missing_ok=True)


# --- Import ---------------------------------------------------------------------------------------
def statement_import(
    *, actor: Any, rows: list[StatementRow], clients: QuerySet, documents: QuerySet[Document]
) -> list[ImportResult]:
    """Create a bank payment per row that has a client (among ``clients``); a row already
    imported is a duplicate; a failing row is reported and the others go on."""
    from billing.services.payments import allocate_oldest_first, payment_allocate, payment_record

    results: list[ImportResult] = []
    allowed = {c.pk: c for c in clients.filter(pk__in={r.client_id for r in rows if r.client_id})}
    existing = dict(
        Payment.objects.filter(external_key__in=[r.key for r in rows]).values_list(
            "external_key", "pk"
        )
    )
    for row in rows:
        client = allowed.get(row.client_id or 0)
        if client is None:
            results.append(ImportResult(row.index, "skipped", _("No client chosen.")))
            continue
        if row.key in existing:
            results.append(
                ImportResult(row.index, "duplicate", _("Already imported."), existing[row.key])
            )
            continue
        document = None
        if row.document_id:
            document = documents.filter(
                pk=row.document_id, client=client, status__in=OPEN_INVOICE_STATUSES
            ).first()
        try:
            with transaction.atomic():
                payment = payment_record(
                    actor=actor,
                    client=client,
                    amount=row.money,
                    method=PaymentMethod.BANK,
                    date=row.day,
                    reference=row.number,
                    payer_inn=row.payer_inn,
                    purpose=row.purpose,
                    source=PaymentSource.BANK_STATEMENT,
                    external_key=row.key,
                    allocate=document is None,
                )
                if document is not None:
                    share = min(payment.unallocated, document.outstanding)
                    if share > 0:
                        payment_allocate(
                            actor=actor, payment=payment, document=document, amount=share
                        )
                        payment.refresh_from_db()
                    if payment.unallocated > 0:
                        allocate_oldest_first(actor=actor, payment=payment)
        except ValidationError as exc:
            results.append(ImportResult(row.index, "error", "; ".join(exc.messages)))
            continue
        existing[row.key] = payment.pk
        results.append(ImportResult(row.index, "created", "", payment.pk))
    return results
