"""Documents as PDFs: invoices, acts, waybills, VAT invoices, proposals, credit notes and contracts
rendered with WeasyPrint from ``templates/billing/pdf/<kind>.html`` (or the admin's active
``DocumentTemplate`` for the kind), with DejaVu fonts embedded so Cyrillic always prints.

The stylesheet, the fonts and the templates are parsed once per process and reused (one
``FontConfiguration`` per process): this is what makes a thousand invoices fast, together with
``render_many_pdfs`` which spreads the work over a process pool."""

from __future__ import annotations

import atexit
import base64
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.db.models import Prefetch
from django.template import engines
from django.template.loader import get_template, render_to_string
from django.utils import translation

from billing.models import (
    Contract,
    DocKind,
    Document,
    DocumentLine,
    DocumentTemplate,
    Organisation,
)
from billing.words import amount_in_words
from crm.orders.models import VatRate

#: document kinds with a built-in template of their own (the rest print as an invoice)
TEMPLATE_KINDS = {
    DocKind.INVOICE: "invoice",
    DocKind.ACT: "act",
    DocKind.WAYBILL: "waybill",
    DocKind.VAT_INVOICE: "vat_invoice",
    DocKind.PROPOSAL: "proposal",
    DocKind.CREDIT_NOTE: "credit_note",
    DocKind.CONTRACT: "contract",
    DocKind.AGREEMENT: "contract",
}

#: the language documents are printed in: Russian paper documents
DOCUMENT_LANGUAGE = "ru"

# --- Per-process caches (one per worker of the pool) ----------------------------------------------
_font_config: Any = None
_stylesheet: Any = None
_templates: dict[tuple[str, Any], Any] = {}


def font_config() -> Any:
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
        atexit.register(_forget_fonts)  # before the interpreter tears pango's bindings down
    return _font_config


def _forget_fonts() -> None:
    global _font_config, _stylesheet
    _stylesheet = None
    _font_config = None


def stylesheet() -> Any:
    """``templates/billing/pdf/document.css`` with its @font-face rules, parsed once."""
    global _stylesheet
    if _stylesheet is None:
        from weasyprint import CSS

        css = render_to_string("billing/pdf/document.css", {"fonts_dir": FONTS_DIR})
        _stylesheet = CSS(string=css, font_config=font_config())
    return _stylesheet


FONTS_DIR = getattr(settings, "BILLING_PDF_FONTS_DIR", "/usr/share/fonts/truetype/dejavu")


def _template_for(kind: str) -> Any:
    """The admin's active template for ``kind`` when there is one, else the built-in file."""
    override = (
        DocumentTemplate.objects.filter(kind=kind, is_active=True)
        .values_list("html", "updated_at")
        .first()
    )
    key = (kind, override[1] if override else None)
    template = _templates.get(key)
    if template is None:
        if override:
            template = engines["django"].from_string(override[0])
        else:
            template = get_template(f"billing/pdf/{TEMPLATE_KINDS.get(kind, 'invoice')}.html")
        _templates[key] = template
    return template


def clear_caches() -> None:
    """Forget the parsed templates (tests that change a ``DocumentTemplate``)."""
    _templates.clear()


# --- Context ------------------------------------------------------------------------------------
def _image_data_uri(field: Any) -> str:
    if not field:
        return ""
    try:
        with field.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
    if data[:4] == b"<svg" or data[:5] == b"<?xml":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def facsimile_images(organisation: Organisation, facsimile: bool) -> dict[str, str]:
    if not facsimile:
        return {"signature": "", "stamp": ""}
    return {
        "signature": _image_data_uri(organisation.signature_image),
        "stamp": _image_data_uri(organisation.stamp_image),
    }


@dataclass
class VatGroup:
    rate: str
    label: str
    amount: Decimal
    vat: Decimal


def vat_groups(lines: Iterable[DocumentLine]) -> list[VatGroup]:
    groups: dict[str, VatGroup] = {}
    for line in lines:
        label = (
            str(VatRate(line.vat_rate).label)
            if line.vat_rate in VatRate.values
            else str(line.vat_rate)
        )
        group = groups.setdefault(
            line.vat_rate, VatGroup(line.vat_rate, label, Decimal("0"), Decimal("0"))
        )
        group.amount += line.amount
        group.vat += line.vat_amount
    return list(groups.values())


def document_context(document: Document, *, facsimile: bool = False) -> dict[str, Any]:
    """What every document template sees."""
    lines = list(document.lines.all())
    for line in lines:
        line.net = line.amount - line.vat_amount  # amounts include VAT
    org = document.organisation
    groups = vat_groups(lines)
    return {
        "doc": document,
        "document": document,
        "kind": document.kind,
        "org": org,
        "organisation": org,
        "client": document.client,
        "contract": document.contract,
        "basis": document.basis,
        "lines": lines,
        "vat_groups": groups,
        "has_vat": any(g.rate not in ("", VatRate.NONE) for g in groups),
        "total_in_words": amount_in_words(document.total, document.currency),
        "currency": document.currency,
        "facsimile": facsimile_images(org, facsimile),
        "with_facsimile": facsimile,
    }


def contract_context(contract: Contract, *, facsimile: bool = False) -> dict[str, Any]:
    return {
        "contract": contract,
        "org": contract.organisation,
        "organisation": contract.organisation,
        "client": contract.client,
        "tariffs": list(contract.tariffs.all()),
        "agreements": list(contract.agreements.all()),
        "facsimile": facsimile_images(contract.organisation, facsimile),
        "with_facsimile": facsimile,
    }


# --- Rendering ----------------------------------------------------------------------------------
def _layout(html: str) -> Any:
    """HTML → a laid-out WeasyPrint document (pages) with the shared stylesheet and fonts."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet()], font_config=font_config()
    )


def document_html(document: Document, *, facsimile: bool = False) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return _template_for(document.kind).render(document_context(document, facsimile=facsimile))


def contract_html(contract: Contract, *, facsimile: bool = False) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return _template_for(DocKind.CONTRACT).render(
            contract_context(contract, facsimile=facsimile)
        )


def _with_related(ids: Sequence[int]) -> list[Document]:
    """Documents with what the templates read, in a fixed number of queries."""
    by_id = {
        d.pk: d
        for d in Document.objects.filter(pk__in=ids)
        .select_related("organisation", "client", "contract", "basis", "branch")
        .prefetch_related(
            Prefetch("lines", queryset=DocumentLine.objects.order_by("position", "pk"))
        )
    }
    return [by_id[i] for i in ids if i in by_id]


def render_document_pdf(document: Document, *, facsimile: bool = False) -> bytes:
    """One document as a PDF (``facsimile=True`` puts the signature and stamp images on it, for
    PDFs that are e-mailed)."""
    return _layout(document_html(document, facsimile=facsimile)).write_pdf()


def render_documents_pdf(documents: Iterable[Document], *, facsimile: bool = False) -> bytes:
    """Several documents in one PDF, each starting on a new page with its own page numbers."""
    documents = list(documents)
    if not documents:
        raise ValueError("No documents to render.")
    laid_out = [_layout(document_html(d, facsimile=facsimile)) for d in documents]
    pages = [page for doc in laid_out for page in doc.pages]
    return laid_out[0].copy(pages).write_pdf()


def render_package_pdf(
    documents: Sequence[Document], contract: Contract | None = None, *, facsimile: bool = False
) -> bytes:
    """Documents followed by a contract in one PDF (the "document package")."""
    laid_out = [_layout(document_html(d, facsimile=facsimile)) for d in documents]
    if contract is not None:
        laid_out.append(_layout(contract_html(contract, facsimile=facsimile)))
    if not laid_out:
        raise ValueError("Nothing to render.")
    return laid_out[0].copy([p for doc in laid_out for p in doc.pages]).write_pdf()


def render_contract_pdf(contract: Contract, *, facsimile: bool = False) -> bytes:
    """The contract's text with the parties' requisites, tariffs and supplementary agreements."""
    return _layout(contract_html(contract, facsimile=facsimile)).write_pdf()


def pdf_filename(document: Document) -> str:
    number = (document.number or f"{document.kind}-{document.pk}").replace("/", "-")
    return f"{number}.pdf"


def store_document_pdf(document: Document) -> None:
    """Render ``document`` (with the facsimile, it is what gets e-mailed) into ``Document.pdf``."""
    _store(document, render_document_pdf(document, facsimile=True))


def _store(document: Document, content: bytes) -> None:
    if document.pdf:
        document.pdf.delete(save=False)
    document.pdf.save(pdf_filename(document), ContentFile(content), save=False)
    Document.objects.filter(pk=document.pk).update(pdf=document.pdf.name)


# --- Many PDFs in parallel ----------------------------------------------------------------------
@dataclass
class RenderStats:
    documents: int = 0
    pages: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0


def _render_chunk(ids: list[int], store: bool = True) -> tuple[int, int]:
    """Render and store the PDFs of ``ids``; returns (documents, pages)."""
    pages = 0
    done = 0
    for document in _with_related(ids):
        laid_out = _layout(document_html(document, facsimile=True))
        pages += len(laid_out.pages)
        content = laid_out.write_pdf()
        if store:
            _store(document, content)
        done += 1
    return done, pages


def _worker_init() -> None:
    """A fresh worker: its own database connections; fonts and CSS parsed once, here."""
    for conn in connections.all(initialized_only=True):
        conn.connection = None  # nothing inherited is used (the parent closed it before forking)
    translation.activate(DOCUMENT_LANGUAGE)
    stylesheet()


def _release_connections() -> None:
    """Close the parent's connections *and* its connection pool before forking, so no worker
    inherits (and shares) an open socket; each side opens its own afterwards."""
    connections.close_all()
    for conn in connections.all(initialized_only=True):
        close_pool = getattr(conn, "close_pool", None)
        if close_pool is not None:
            close_pool()


def _is_daemon() -> bool:
    """Daemonic processes may not have children: render in-process there."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def default_workers() -> int:
    return int(getattr(settings, "BILLING_PDF_WORKERS", 0) or os.cpu_count() or 1)


def render_many_pdfs(
    document_ids: Iterable[int],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
    chunk_size: int = 10,
    store: bool = True,
) -> RenderStats:
    """Render (and store into ``Document.pdf``) the PDFs of ``document_ids`` on ``workers``
    processes; ``progress(done, total)`` is called as chunks finish. Inside an open transaction
    (tests, a caller's atomic block) the workers could not see the rows, so it renders in-process.
    """
    ids = list(document_ids)
    stats = RenderStats()
    started = time.monotonic()
    chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]
    workers = workers or default_workers()
    if workers <= 1 or len(chunks) <= 1 or connection.in_atomic_block or _is_daemon():
        for chunk in chunks:
            done, pages = _render_chunk(chunk, store)
            stats.documents += done
            stats.pages += pages
            if progress:
                progress(stats.documents, len(ids))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        _release_connections()
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)), mp_context=context, initializer=_worker_init
        ) as pool:
            futures = [pool.submit(_render_chunk, chunk, store) for chunk in chunks]
            for future in as_completed(futures):
                done, pages = future.result()
                stats.documents += done
                stats.pages += pages
                if progress:
                    progress(stats.documents, len(ids))
    stats.seconds = time.monotonic() - started
    return stats
