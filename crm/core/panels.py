"""Context for the record panels every card page can show: timeline, files and history."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from crm.core.forms import AttachmentForm, CommentForm
from crm.core.models import Attachment, AuditEntry, TimelineEntry
from crm.core.registry import can_change


def target_context(target: Model) -> dict:
    ct = ContentType.objects.get_for_model(target)
    return {"target": target, "model_key": f"{ct.app_label}.{ct.model}"}


def timeline_context(target: Model) -> dict:
    ct = ContentType.objects.get_for_model(target)
    entries = TimelineEntry.objects.filter(content_type=ct, object_id=target.pk).select_related(
        "author"
    )[:100]
    return {**target_context(target), "entries": entries, "comment_form": CommentForm()}


def attachments_context(target: Model, user: Any) -> dict:
    ct = ContentType.objects.get_for_model(target)
    items = Attachment.objects.filter(content_type=ct, object_id=target.pk).select_related(
        "uploaded_by"
    )
    return {
        **target_context(target),
        "attachments": items,
        "attachment_form": AttachmentForm(),
        "can_change_target": can_change(user, target),
    }


def history_context(target: Model) -> dict:
    ct = ContentType.objects.get_for_model(target)
    entries = AuditEntry.objects.filter(content_type=ct, object_id=target.pk).select_related(
        "actor"
    )[:200]
    return {**target_context(target), "history": entries}


def record_panels(target: Model, user: Any) -> dict:
    """Everything the three panels need, for a card page that shows them all."""
    return {
        **timeline_context(target),
        **attachments_context(target, user),
        **history_context(target),
    }
