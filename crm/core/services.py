"""Write operations of the shared kernel; other apps record history and timeline through it."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import Attachment, AuditEntry, Job, Notification, TimelineEntry
from crm.core.realtime import publish_on_commit, user_group


def _target_keys(target: models.Model) -> dict[str, Any]:
    return {
        "content_type": ContentType.objects.get_for_model(target, for_concrete_model=False),
        "object_id": target.pk,
    }


# --- Timeline -------------------------------------------------------------------------------------
@transaction.atomic
def timeline_add(
    *,
    actor: Any | None,
    target: models.Model,
    kind: str = TimelineEntry.Kind.COMMENT,
    body: str = "",
    data: dict | None = None,
) -> TimelineEntry:
    body = (body or "").strip()
    if kind == TimelineEntry.Kind.COMMENT and not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > 10_000:
        raise ValidationError({"body": _("The text is too long (10 000 characters at most).")})
    entry = TimelineEntry.objects.create(
        author=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        body=body,
        data=data or {},
        **_target_keys(target),
    )
    return entry


# --- Attachments ----------------------------------------------------------------------------------
def validate_upload(upload: UploadedFile) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large: %(size)s, at most %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            }
        )
    extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        raise ValidationError(
            {
                "file": _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
                % {
                    "ext": extension or "?",
                    "allowed": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS),
                }
            }
        )


@transaction.atomic
def attachment_add(*, actor: Any, target: models.Model, upload: UploadedFile) -> Attachment:
    validate_upload(upload)
    name = os.path.basename(upload.name)[:255]
    attachment = Attachment(
        original_name=name,
        size=upload.size,
        content_type_header=(getattr(upload, "content_type", "") or "")[:120],
        uploaded_by=actor,
        **_target_keys(target),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    timeline_add(
        actor=actor,
        target=target,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("File attached: %(name)s") % {"name": name},
        data={"attachment": attachment.pk},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    target_keys = {"content_type": attachment.content_type, "object_id": attachment.object_id}
    name = attachment.original_name
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    TimelineEntry.objects.create(
        author=actor,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("File removed: %(name)s") % {"name": name},
        **target_keys,
    )
    transaction.on_commit(lambda: storage.delete(path))


# --- Audit history --------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value for the history."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (Decimal, date, datetime, time, timedelta)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Current values of ``fields`` (FKs as their display text) to diff against after a change."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *,
    actor: Any | None,
    instance: models.Model,
    action: str = AuditEntry.Action.UPDATE,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEntry | None:
    """Write one history row; an update with no changes writes nothing."""
    if action == AuditEntry.Action.UPDATE and not changes:
        return None
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        changes=changes or {},
        note=note[:255],
        **_target_keys(instance),
    )


# --- Notifications --------------------------------------------------------------------------------
def notification_send(
    *, recipient: Any, title: str, body: str = "", url: str = "", level: str = "info"
) -> Notification:
    notification = Notification.objects.create(
        recipient=recipient, title=title[:200], body=body, url=url[:500], level=level
    )
    publish_on_commit(
        user_group(recipient.pk),
        {"type": "notification", "id": notification.pk, "title": notification.title},
    )
    return notification


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of ``user`` as read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    count = qs.update(read_at=timezone.now())
    if count:
        publish_on_commit(user_group(user.pk), {"type": "notification", "op": "read"})
    return count


# --- Background jobs ------------------------------------------------------------------------------
def _publish_job(job: Job) -> None:
    if job.owner_id:
        publish_on_commit(
            user_group(job.owner_id),
            {"type": "job", "id": str(job.pk), "status": job.status, "progress": job.progress},
        )


def job_create(*, actor: Any, kind: str, title: str, params: dict | None = None) -> Job:
    """Create the job row and enqueue its execution once the row is committed."""
    from crm.core.tasks import job_execute_task

    job = Job.objects.create(kind=kind, title=title[:200], owner=actor, params=params or {})
    transaction.on_commit(lambda: job_execute_task.delay(str(job.pk)))
    return job


def job_progress(*, job: Job, percent: int, message: str = "") -> None:
    """Record progress (0–100) and tell the owner's pages. Safe to call very often."""
    percent = max(0, min(100, int(percent)))
    Job.objects.filter(pk=job.pk).update(
        progress=percent, message=message[:300], updated_at=timezone.now()
    )
    job.progress, job.message = percent, message[:300]
    if job.owner_id:
        from crm.core.realtime import publish

        publish(
            user_group(job.owner_id),
            {"type": "job", "id": str(job.pk), "status": job.status, "progress": percent},
        )


def job_start(*, job_id: str) -> Job | None:
    """Claim a job for running; None when it is already finished (a redelivered task)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status = Job.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
        _publish_job(job)
    return job


def job_finish(*, job: Job, result: dict | None = None, message: str = "") -> None:
    with transaction.atomic():
        job.status = Job.Status.DONE
        job.progress = 100
        job.result = result or {}
        job.message = (message or _("Done"))[:300]
        job.finished_at = timezone.now()
        job.save(
            update_fields=["status", "progress", "result", "message", "finished_at", "updated_at"]
        )
        _publish_job(job)


def job_store_file(*, job: Job, filename: str, content: bytes, label: str = "") -> dict:
    """Keep a job's output file (default storage, ``jobs/<id>/``) and return the job result
    that links to it: only the job's owner can download it (``core:job-file``)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.urls import reverse

    path = default_storage.save(f"jobs/{job.pk}/{filename}", ContentFile(content))
    return {
        "file": path,
        "filename": filename,
        "size": len(content),
        "url": reverse("core:job-file", args=[job.pk]),
        "label": label or _("Download"),
    }


def job_files_purge(*, older_than: datetime) -> int:
    """Delete the output files of jobs finished before ``older_than``; their results say so."""
    from django.core.files.storage import default_storage

    count = 0
    jobs = Job.objects.filter(finished_at__lt=older_than, result__has_key="file")
    for job in jobs.only("pk", "result"):
        default_storage.delete(job.result["file"])
        job.result = {"expired": True}
        job.save(update_fields=["result", "updated_at"])
        count += 1
    return count


def job_fail(*, job: Job, error: str) -> None:
    with transaction.atomic():
        job.status = Job.Status.FAILED
        job.error = error[:5000]
        job.message = _("Failed")
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "message", "finished_at", "updated_at"])
        _publish_job(job)
