"""Excel (.xlsx) import and export of clients.

Import: upload → the column mapping is guessed from the header (ru/uk/en) → a dry run lists each
row's problems (no name, bad phone or e-mail or INN, duplicate in the file or in the base) → a
background job imports the valid rows in bulk → a report of rejected rows with reasons (.xlsx).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, ClientAddress, ClientEmail, ClientPhone, ImportBatch
from clients.validators import inn_is_valid
from crm.core.models import Job
from crm.core.phones import format_phone, normalize_phone, phone_digits
from crm.core.registry import register_job_handler
from crm.core.services import audit_record, job_create

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
BATCH = 1000

# target field -> (label, header words that suggest it)
TARGETS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "name": (
        gettext_lazy("Name"),
        (
            "name",
            "client",
            "фио",
            "имя",
            "наименование",
            "название",
            "клиент",
            "ім'я",
            "піб",
            "назва",
            "компания",
            "компанія",
        ),
    ),
    "kind": (gettext_lazy("Type"), ("type", "тип", "вид")),
    "phone": (gettext_lazy("Phone"), ("phone", "tel", "телефон", "тел", "мобильный", "мобільний")),
    "phone2": (
        gettext_lazy("Second phone"),
        ("phone 2", "phone2", "телефон 2", "доп. телефон", "второй телефон", "другий телефон"),
    ),
    "email": (
        gettext_lazy("E-mail"),
        ("email", "e-mail", "mail", "почта", "пошта", "эл. почта", "ел. пошта"),
    ),
    "inn": (gettext_lazy("INN"), ("inn", "инн", "іпн", "інн", "tax id")),
    "kpp": (gettext_lazy("KPP"), ("kpp", "кпп")),
    "city": (gettext_lazy("City"), ("city", "город", "місто", "населенный пункт")),
    "address": (gettext_lazy("Address"), ("address", "адрес", "адреса", "улица")),
    "notes": (
        gettext_lazy("Notes"),
        ("note", "notes", "comment", "примечание", "комментарий", "коментар", "примітка"),
    ),
    "tags": (gettext_lazy("Tags"), ("tag", "tags", "теги", "тег", "мітки")),
}
KIND_WORDS = {
    "company": Client.Kind.COMPANY,
    "компания": Client.Kind.COMPANY,
    "юр": Client.Kind.COMPANY,
    "юрлицо": Client.Kind.COMPANY,
    "юр. лицо": Client.Kind.COMPANY,
    "компанія": Client.Kind.COMPANY,
    "организация": Client.Kind.COMPANY,
    "person": Client.Kind.PERSON,
    "физ": Client.Kind.PERSON,
    "физлицо": Client.Kind.PERSON,
    "физ. лицо": Client.Kind.PERSON,
    "фізособа": Client.Kind.PERSON,
    "частное лицо": Client.Kind.PERSON,
}


def _norm(text: Any) -> str:
    return " ".join(str(text or "").strip().lower().replace("ё", "е").split())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Column index (as a string) -> target field, for the headers we recognise."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    # exact matches first, then "contains", so "Телефон 2" is not taken for "phone"
    for exact in (True, False):
        for index, header in enumerate(headers):
            h = _norm(header)
            if not h or str(index) in mapping:
                continue
            for target, (_label, words) in TARGETS.items():
                if target in used:
                    continue
                if (exact and h in words) or (
                    not exact and any(w in h for w in words if len(w) > 2)
                ):
                    if not exact and target == "phone" and any(c.isdigit() for c in h):
                        continue
                    mapping[str(index)] = target
                    used.add(target)
                    break
    return mapping


def _open_rows(path_or_file: Any) -> Iterator[tuple]:
    from openpyxl import load_workbook

    workbook = load_workbook(path_or_file, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- Upload ---------------------------------------------------------------------------------------
@transaction.atomic
def import_upload(*, actor: Any, branch: Any, upload: UploadedFile) -> ImportBatch:
    if not actor.has_perm("clients.import_clients"):
        raise PermissionDenied
    name = os.path.basename(upload.name or "")[:255]
    extension = os.path.splitext(name)[1].lower()
    if extension == ".xls":
        raise ValidationError(
            {
                "file": _(
                    "Old Excel files (.xls) are not supported: "
                    "open the file in Excel or LibreOffice and save it as .xlsx."
                )
            }
        )
    if extension != ".xlsx":
        raise ValidationError({"file": _("Upload an Excel file (.xlsx).")})
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file is too large (20 MB at most).")})
    try:
        rows = _open_rows(upload)
        headers = [_cell(v) for v in next(rows, ())]
    except Exception as exc:  # openpyxl raises many kinds of errors on a broken file
        raise ValidationError(
            {"file": _("This file cannot be read as an Excel workbook.")}
        ) from exc
    finally:
        upload.seek(0)
    if not any(headers):
        raise ValidationError({"file": _("The first row must hold the column names.")})
    batch = ImportBatch(
        branch=branch,
        created_by=actor,
        original_name=name,
        headers=headers,
        mapping=guess_mapping(headers),
    )
    batch.file.save(name, upload, save=False)
    batch.save()
    return batch


# --- Checking rows --------------------------------------------------------------------------------
@dataclass
class RowResult:
    row: int
    values: list[str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Seen:
    phones: set[str]
    emails: set[str]
    inns: set[str]

    @classmethod
    def from_branch(cls, branch: Any) -> Seen:
        clients = Client.objects.filter(branch=branch, merged_into__isnull=True)
        return cls(
            phones=set(
                ClientPhone.objects.filter(client__in=clients).values_list("number", flat=True)
            ),
            emails=set(
                ClientEmail.objects.filter(client__in=clients)
                .annotate(e=Lower("email"))
                .values_list("e", flat=True)
            ),
            inns=set(clients.exclude(inn="").values_list("inn", flat=True)),
        )


def check_row(
    index: int, values: list[str], mapping: dict[str, str], seen: Seen, in_file: Seen
) -> RowResult:
    result = RowResult(row=index, values=values)
    data: dict[str, Any] = {}
    for column, target in mapping.items():
        try:
            data[target] = values[int(column)]
        except (IndexError, ValueError):
            data[target] = ""
    errors = result.errors
    name = data.get("name", "")
    if not name:
        errors.append(_("No name"))
    elif len(name) > 255:
        errors.append(_("The name is too long"))
    kind_word = _norm(data.get("kind", ""))
    data["kind"] = KIND_WORDS.get(kind_word, Client.Kind.PERSON)
    phones = []
    for key in ("phone", "phone2"):
        raw = data.pop(key, "")
        if raw:
            number = normalize_phone(raw)
            if number is None:
                errors.append(_("Bad phone: %(phone)s") % {"phone": raw[:40]})
            elif number in seen.phones:
                errors.append(
                    _("Phone %(phone)s is already in the base") % {"phone": format_phone(number)}
                )
            elif number in in_file.phones:
                errors.append(
                    _("Phone %(phone)s repeats in the file") % {"phone": format_phone(number)}
                )
            elif number not in phones:
                phones.append(number)
    data["phones"] = phones
    email = data.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("Bad e-mail: %(email)s") % {"email": email[:60]})
        else:
            if email.lower() in seen.emails:
                errors.append(_("E-mail %(email)s is already in the base") % {"email": email})
            elif email.lower() in in_file.emails:
                errors.append(_("E-mail %(email)s repeats in the file") % {"email": email})
    inn = data.get("inn", "").replace(" ", "")
    data["inn"] = inn
    if inn:
        if not inn_is_valid(inn):
            errors.append(_("Bad INN: %(inn)s") % {"inn": inn[:20]})
        elif inn in seen.inns:
            errors.append(_("INN %(inn)s is already in the base") % {"inn": inn})
        elif inn in in_file.inns:
            errors.append(_("INN %(inn)s repeats in the file") % {"inn": inn})
        elif len(inn) == 10:
            data["kind"] = Client.Kind.COMPANY
    kpp = data.get("kpp", "")
    if kpp and not (kpp.isdigit() and len(kpp) == 9):
        errors.append(_("Bad KPP: %(kpp)s") % {"kpp": kpp[:20]})
    if not errors:
        in_file.phones.update(phones)
        if email:
            in_file.emails.add(email.lower())
        if inn:
            in_file.inns.add(inn)
    result.data = data
    return result


def check_rows(batch: ImportBatch, path_or_file: Any = None) -> Iterator[RowResult]:
    seen = Seen.from_branch(batch.branch)
    in_file = Seen(set(), set(), set())
    rows = _open_rows(path_or_file or batch.file.open("rb"))
    next(rows, None)  # the header
    for number, raw in enumerate(rows, start=2):
        if number > MAX_IMPORT_ROWS + 1:
            break
        values = [_cell(v) for v in raw]
        if not any(values):
            continue
        yield check_row(number, values, batch.mapping, seen, in_file)


@transaction.atomic
def import_set_mapping(*, actor: Any, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Store the mapping and dry-run the file: counts and per-row errors, nothing imported."""
    if batch.created_by_id != actor.pk or batch.status not in ("uploaded", "checked"):
        raise PermissionDenied
    mapping = {k: v for k, v in mapping.items() if v in TARGETS}
    if "name" not in mapping.values():
        raise ValidationError(_("Choose which column holds the client's name."))
    if len(set(mapping.values())) != len(mapping):
        raise ValidationError(_("Each field can come from one column only."))
    batch.mapping = mapping
    total = valid = 0
    errors = []
    for result in check_rows(batch):
        total += 1
        if result.errors:
            if len(errors) < 5000:
                errors.append({"row": result.row, "errors": result.errors})
        else:
            valid += 1
    batch.total_rows, batch.valid_rows, batch.errors = total, valid, errors
    batch.status = ImportBatch.Status.CHECKED
    batch.save(update_fields=["mapping", "total_rows", "valid_rows", "errors", "status"])
    return batch


@transaction.atomic
def import_start(*, actor: Any, batch: ImportBatch) -> Job:
    if batch.created_by_id != actor.pk or not actor.has_perm("clients.import_clients"):
        raise PermissionDenied
    if batch.status != ImportBatch.Status.CHECKED:
        raise ValidationError(_("Check the file before importing it."))
    job = job_create(
        actor=actor,
        kind="clients.import",
        title=_("Client import: %(name)s") % {"name": batch.original_name},
        params={"batch": batch.pk},
    )
    batch.job = job
    batch.status = ImportBatch.Status.RUNNING
    batch.save(update_fields=["job", "status"])
    return job


def _flush(batch: ImportBatch, rows: list[RowResult]) -> int:
    manager = batch.created_by if getattr(batch.created_by, "role", "") == "manager" else None
    with transaction.atomic():
        clients = Client.objects.bulk_create(
            Client(
                branch_id=batch.branch_id,
                kind=r.data["kind"],
                name=r.data["name"],
                inn=r.data.get("inn", ""),
                kpp=r.data.get("kpp", ""),
                notes=r.data.get("notes", "")[:5000],
                source=Client.Source.IMPORT,
                manager=manager,
                created_by=batch.created_by,
            )
            for r in rows
        )
        phones, emails, addresses = [], [], []
        for client, r in zip(clients, rows, strict=True):
            for position, number in enumerate(r.data["phones"]):
                phones.append(
                    ClientPhone(
                        client=client, number=number, digits=phone_digits(number), position=position
                    )
                )
            if r.data.get("email"):
                emails.append(ClientEmail(client=client, email=r.data["email"]))
            if r.data.get("address"):
                addresses.append(
                    ClientAddress(
                        client=client,
                        city=r.data.get("city", "")[:120],
                        address=r.data["address"][:500],
                        is_primary=True,
                    )
                )
        ClientPhone.objects.bulk_create(phones, batch_size=BATCH)
        ClientEmail.objects.bulk_create(emails, batch_size=BATCH)
        ClientAddress.objects.bulk_create(addresses, batch_size=BATCH)
    return len(clients)


def _report(batch: ImportBatch, rejected: list[RowResult]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Rejected rows")[:31]
    sheet.append([_("Row"), _("Reasons"), *batch.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C62828")
    for r in rejected:
        sheet.append([r.row, "; ".join(r.errors), *r.values])
    sheet.column_dimensions["B"].width = 60
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        workbook.save(tmp.name)
        tmp.seek(0)
        batch.report.save(f"rejected-{batch.pk}.xlsx", ContentFile(tmp.read()), save=False)


@register_job_handler("clients.import")
def import_job(job: Job, progress: Callable[[int, str], None]) -> dict:
    """Idempotent: a batch already imported is left alone."""
    batch = ImportBatch.objects.select_related("created_by", "branch").get(pk=job.params["batch"])
    if batch.status == ImportBatch.Status.DONE:
        return {"imported": batch.imported_rows}
    total = max(batch.total_rows, 1)
    pending: list[RowResult] = []
    rejected: list[RowResult] = []
    imported = 0
    for done, result in enumerate(check_rows(batch), start=1):
        if result.errors:
            rejected.append(result)
        else:
            pending.append(result)
        if len(pending) >= BATCH:
            imported += _flush(batch, pending)
            pending = []
            progress(min(99, done * 100 // total), _("%(n)s imported") % {"n": imported})
    if pending:
        imported += _flush(batch, pending)
    if rejected:
        _report(batch, rejected)
    batch.imported_rows = imported
    batch.status = ImportBatch.Status.DONE
    batch.save(update_fields=["imported_rows", "status", "report"])
    audit_record(
        actor=batch.created_by,
        instance=batch,
        action="create",
        changes={"imported": [None, imported], "rejected": [None, len(rejected)]},
        note=batch.original_name,
    )
    result: dict[str, Any] = {"imported": imported, "rejected": len(rejected)}
    if rejected:
        result["url"] = reverse("clients:import-report", args=[batch.pk])
        result["label"] = _("Download the rejected rows")
    return result
