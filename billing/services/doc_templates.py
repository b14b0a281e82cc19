"""The admin's own PDF templates per document kind (``DocumentTemplate``): validated before they
are saved (the template must compile and render the newest document of its kind), logged, and
removable to fall back to the built-in file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import TemplateSyntaxError, engines
from django.utils.translation import gettext as _

from billing.models import Contract, DocKind, Document, DocumentTemplate
from crm.core.models import AuditEntry
from crm.core.services import audit_record

#: kinds an admin may restyle (contracts print their own text inside the contract template)
EDITABLE_KINDS = [
    DocKind.INVOICE,
    DocKind.ACT,
    DocKind.WAYBILL,
    DocKind.VAT_INVOICE,
    DocKind.PROPOSAL,
    DocKind.CREDIT_NOTE,
    DocKind.CONTRACT,
]


def builtin_source(kind: str) -> str:
    from billing.pdf import TEMPLATE_KINDS

    name = TEMPLATE_KINDS.get(kind, "invoice")
    for directory in settings.TEMPLATES[0]["DIRS"]:
        path = Path(directory) / "billing" / "pdf" / f"{name}.html"
        if path.exists():
            return path.read_text(encoding="utf-8")
    return ""


def current_source(kind: str) -> tuple[str, bool]:
    """``(html, is_custom)``."""
    custom = DocumentTemplate.objects.filter(kind=kind, is_active=True).first()
    return (custom.html, True) if custom else (builtin_source(kind), False)


def sample_document(kind: str) -> Any | None:
    """The newest document (or contract) of ``kind``: what a new template is tried on."""
    if kind == DocKind.CONTRACT:
        return Contract.objects.order_by("-pk").first()
    return Document.objects.filter(kind=kind).order_by("-pk").first()


def sample_context(kind: str, sample: Any) -> dict[str, Any]:
    from billing.pdf import contract_context, document_context

    if kind == DocKind.CONTRACT:
        return contract_context(sample)
    return document_context(sample)


def _check_renders(kind: str, html: str) -> None:
    try:
        template = engines["django"].from_string(html)
    except TemplateSyntaxError as exc:
        message = _("The template has an error: %(error)s") % {"error": exc}
        raise ValidationError({"html": message}) from exc
    sample = sample_document(kind)
    if sample is None:
        return
    try:
        template.render(sample_context(kind, sample))
    except Exception as exc:  # any failure here would break every PDF of this kind
        raise ValidationError(
            {
                "html": _("The template fails on %(number)s: %(error)s")
                % {"number": sample, "error": exc}
            }
        ) from exc


@transaction.atomic
def template_save(*, actor: Any, kind: str, html: str) -> DocumentTemplate:
    if kind not in EDITABLE_KINDS:
        raise ValidationError({"kind": _("This document has no template of its own.")})
    html = html.replace("\r\n", "\n")
    if not html.strip():
        raise ValidationError({"html": _("The template is empty.")})
    _check_renders(kind, html)
    template, created = DocumentTemplate.objects.update_or_create(
        kind=kind,
        defaults={"html": html, "is_active": True, "updated_by": actor},
    )
    audit_record(
        actor=actor,
        instance=template,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        changes={"html": ["…", f"{len(html)} characters"]},
    )
    return template


@transaction.atomic
def template_reset(*, actor: Any, kind: str) -> bool:
    """Back to the built-in template; returns whether there was a custom one."""
    template = DocumentTemplate.objects.filter(kind=kind).first()
    if template is None:
        return False
    audit_record(actor=actor, instance=template, action=AuditEntry.Action.DELETE)
    template.delete()
    return True
