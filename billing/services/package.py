"""The client's "document package" (invoice + commercial proposal + contract as one PDF or a
zip of PDFs) and e-mailing documents to the client.

E-mail goes through Django's e-mail backend after the transaction commits; every sending is on
the client's timeline and stamps ``Document.sent_at``. PDFs that leave the office carry the
organisation's facsimile signature and stamp; downloaded ones do not."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import pdf
from billing.models import Contract, DocKind, DocStatus, Document
from crm.core.models import TimelineEntry
from crm.core.services import timeline_add

PDF = "application/pdf"
ZIP = "application/zip"

Attachment = tuple[str, bytes, str]


def client_email(client: Any) -> str:
    """The address documents go to: the client's first e-mail, else a contact person's."""
    for email in client.emails.order_by("pk").values_list("email", flat=True):
        if email:
            return email
    contacts = getattr(client, "contacts", None)
    if contacts is not None:
        found = contacts.exclude(email="").order_by("pk").values_list("email", flat=True).first()
        if found:
            return found
    return ""


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name).strip("-") or "file"


def contract_filename(contract: Contract) -> str:
    return f"{_safe(str(_('contract')) + '-' + (contract.number or str(contract.pk)))}.pdf"


def _check_package(
    client: Any, invoice: Document | None, proposal: Document | None, contract: Contract | None
) -> list[Document]:
    documents = [d for d in (invoice, proposal) if d is not None]
    if not documents and contract is None:
        raise ValidationError(_("Choose at least one document for the package."))
    for document in documents:
        if document.client_id != client.pk:
            raise ValidationError(_("The package holds only this client's documents."))
        if document.status == DocStatus.VOID:
            raise ValidationError(
                _("%(number)s is void and cannot be sent.") % {"number": document}
            )
    if invoice is not None and invoice.kind != DocKind.INVOICE:
        raise ValidationError({"invoice": _("Choose an invoice.")})
    if proposal is not None and proposal.kind != DocKind.PROPOSAL:
        raise ValidationError({"proposal": _("Choose a commercial proposal.")})
    if contract is not None and contract.client_id != client.pk:
        raise ValidationError(_("The package holds only this client's documents."))
    return documents


def build_package(
    client: Any,
    *,
    invoice: Document | None = None,
    proposal: Document | None = None,
    contract: Contract | None = None,
    as_zip: bool = False,
    facsimile: bool = False,
) -> Attachment:
    """``(filename, bytes, content type)`` of the package: one PDF (documents, then the
    contract) or a zip with one PDF per document."""
    documents = _check_package(client, invoice, proposal, contract)
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    base = f"{_safe(str(_('package')))}-{_safe(client.name)[:60]}-{stamp}"
    if not as_zip:
        content = pdf.render_package_pdf(documents, contract, facsimile=facsimile)
        return f"{base}.pdf", content, PDF
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(
                pdf.pdf_filename(document), pdf.render_document_pdf(document, facsimile=facsimile)
            )
        if contract is not None:
            archive.writestr(
                contract_filename(contract), pdf.render_contract_pdf(contract, facsimile=facsimile)
            )
    return f"{base}.zip", buffer.getvalue(), ZIP


def _validate_to(to: str) -> str:
    to = (to or "").strip()
    if not to:
        raise ValidationError(
            {"to": _("The client has no e-mail address: add one on the card or type it here.")}
        )
    try:
        validate_email(to)
    except ValidationError as exc:
        raise ValidationError({"to": _("Enter a valid e-mail address.")}) from exc
    return to


def _send_on_commit(
    *, to: str, subject: str, body: str, attachments: Sequence[Attachment], reply_to: str = ""
) -> None:
    def send() -> None:
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            reply_to=[reply_to] if reply_to else None,
        )
        for attachment in attachments:
            message.attach(*attachment)
        message.send()

    transaction.on_commit(send)


def _mark_sent(documents: Sequence[Document]) -> None:
    now = timezone.now()
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(sent_at=now)
    for document in documents:
        document.sent_at = now


def _refuse_drafts(documents: Sequence[Document]) -> None:
    for document in documents:
        if document.status == DocStatus.DRAFT:
            raise ValidationError(
                _("%(document)s is a draft: issue it before sending it to the client.")
                % {"document": document}
            )


def _organisation_name(documents: Sequence[Document], contract: Contract | None) -> str:
    source = documents[0] if documents else contract
    return str(source.organisation) if source is not None else ""


@transaction.atomic
def email_package(
    *,
    actor: Any | None,
    client: Any,
    to: str,
    invoice: Document | None = None,
    proposal: Document | None = None,
    contract: Contract | None = None,
    as_zip: bool = False,
    subject: str = "",
    message: str = "",
) -> Attachment:
    """E-mail the package to ``to`` after commit; log it on the client's timeline and stamp the
    documents as sent. Returns the attachment that was queued."""
    to = _validate_to(to)
    documents = _check_package(client, invoice, proposal, contract)
    _refuse_drafts(documents)
    attachment = build_package(
        client, invoice=invoice, proposal=proposal, contract=contract, as_zip=as_zip, facsimile=True
    )
    names = [str(d) for d in documents] + ([str(contract)] if contract is not None else [])
    organisation = _organisation_name(documents, contract)
    subject = subject.strip() or _("Documents from %(organisation)s") % {
        "organisation": organisation
    }
    body = message.strip() or _(
        "Hello,\n\nplease find attached: %(documents)s.\n\nKind regards,\n%(organisation)s"
    ) % {"documents": ", ".join(names), "organisation": organisation}
    _send_on_commit(
        to=to,
        subject=subject[:200],
        body=body,
        attachments=[attachment],
        reply_to=getattr(actor, "email", "") or "",
    )
    _mark_sent(documents)
    timeline_add(
        actor=actor,
        target=client,
        kind=TimelineEntry.Kind.EMAIL,
        body=_("Document package e-mailed to %(to)s: %(documents)s")
        % {"to": to, "documents": ", ".join(names)},
        data={
            "billing_documents": [d.pk for d in documents],
            "contract": contract.pk if contract is not None else None,
            "to": to,
            "file": attachment[0],
        },
    )
    return attachment


@transaction.atomic
def email_document(
    *, actor: Any | None, document: Document, to: str, subject: str = "", message: str = ""
) -> None:
    """E-mail one issued document as a PDF (with the facsimile) after commit."""
    to = _validate_to(to)
    if document.status == DocStatus.VOID:
        raise ValidationError(_("%(number)s is void and cannot be sent.") % {"number": document})
    _refuse_drafts([document])
    content = pdf.render_document_pdf(document, facsimile=True)
    organisation = str(document.organisation)
    title = _("%(kind)s %(number)s") % {
        "kind": document.get_kind_display(),
        "number": document.number,
    }
    subject = subject.strip() or f"{title} · {organisation}"
    body = message.strip() or _(
        "Hello,\n\nplease find attached %(document)s.\n\nKind regards,\n%(organisation)s"
    ) % {"document": title, "organisation": organisation}
    _send_on_commit(
        to=to,
        subject=subject[:200],
        body=body,
        attachments=[(pdf.pdf_filename(document), content, PDF)],
        reply_to=getattr(actor, "email", "") or "",
    )
    _mark_sent([document])
    timeline_add(
        actor=actor,
        target=document.client,
        kind=TimelineEntry.Kind.EMAIL,
        body=_("%(document)s e-mailed to %(to)s") % {"document": title, "to": to},
        data={"billing_document": document.pk, "to": to},
    )
