from __future__ import annotations

import uuid

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.core import services
from crm.core.forms import AttachmentForm, CommentForm
from crm.core.models import Attachment, Job, Notification
from crm.core.pagination import paginate
from crm.core.panels import attachments_context, history_context, timeline_context
from crm.core.registry import can_change, visible_queryset


# --- Targets: any record, resolved through the visibility registry --------------------------------
def _resolve_target(request: HttpRequest, model_key: str, pk: int) -> Model:
    try:
        model = apps.get_model(model_key)
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    return get_object_or_404(visible_queryset(model, request.user), pk=pk)


def _back(request: HttpRequest, fallback: str = "home") -> HttpResponse:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_http_methods(["GET", "POST"])
def timeline(request: HttpRequest, model_key: str, pk: int) -> HttpResponse:
    target = _resolve_target(request, model_key, pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.timeline_add(
                    actor=request.user, target=target, body=form.cleaned_data["body"]
                )
            except ValidationError as exc:
                form.add_error("body", exc.messages[0])
            else:
                form = CommentForm()
        if not request.htmx:
            if form.errors:
                messages.error(request, "; ".join(form.errors.get("body", [])))
            return _back(request)
    context = {**timeline_context(target), "comment_form": form}
    return render(request, "_includes/timeline.html", context)


@require_http_methods(["GET", "POST"])
def attachments(request: HttpRequest, model_key: str, pk: int) -> HttpResponse:
    target = _resolve_target(request, model_key, pk)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_change(request.user, target):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.attachment_add(
                    actor=request.user, target=target, upload=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                form.add_error("file", exc.messages[0])
            else:
                form = AttachmentForm()
        if not request.htmx:
            if form.errors:
                messages.error(request, "; ".join(m for errs in form.errors.values() for m in errs))
            return _back(request)
    context = {**attachments_context(target, request.user), "attachment_form": form}
    return render(request, "_includes/attachments.html", context)


def _visible_attachment(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    model = attachment.content_type.model_class()
    if (
        model is None
        or not visible_queryset(model, request.user).filter(pk=attachment.object_id).exists()
    ):
        raise Http404
    return attachment


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _visible_attachment(request, pk)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _visible_attachment(request, pk)
    if not can_change(request.user, attachment.target):
        return HttpResponse(status=403)
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("File removed."))
    return _back(request)


@require_GET
def history(request: HttpRequest, model_key: str, pk: int) -> HttpResponse:
    target = _resolve_target(request, model_key, pk)
    return render(request, "_includes/history.html", history_context(target))


# --- Notifications --------------------------------------------------------------------------------
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Notification.objects.filter(recipient=request.user), per_page=30)
    return render(request, "core/notification_list.html", {"page": page})


def _render_bell(request: HttpRequest) -> HttpResponse:
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    return render(
        request, "_includes/bell.html", {"unread_count": unread.count(), "latest": unread[:5]}
    )


@require_GET
@never_cache
def notification_bell(request: HttpRequest) -> HttpResponse:
    return _render_bell(request)


@require_POST
def notification_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.notification_mark_read(user=request.user, notification_id=notification.pk)
        if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()}
        ):
            return redirect(notification.url)
    else:
        services.notification_mark_read(user=request.user)
    if request.htmx:
        return _render_bell(request)
    return redirect("core:notification-list")


# --- Jobs -----------------------------------------------------------------------------------------
def _my_job(request: HttpRequest, pk: uuid.UUID) -> Job:
    jobs = (
        Job.objects.all() if request.user.is_superuser else Job.objects.filter(owner=request.user)
    )
    return get_object_or_404(jobs, pk=pk)


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Job.objects.filter(owner=request.user), per_page=20)
    return render(request, "core/job_list.html", {"page": page})


@require_GET
def job_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return render(request, "core/job_detail.html", {"job": _my_job(request, pk)})


@require_GET
def job_file(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    """A finished job's output file, for its owner only."""
    from django.core.files.storage import default_storage

    job = _my_job(request, pk)
    path = (job.result or {}).get("file")
    if not path or not default_storage.exists(path):
        raise Http404
    return FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=job.result.get("filename") or path.rsplit("/", 1)[-1],
    )


@require_GET
@never_cache
def job_progress(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return render(request, "_includes/progress.html", {"job": _my_job(request, pk)})


# --- Health ---------------------------------------------------------------------------------------
@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the pool load run: touches the database, reports the channel layer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok", "database": connection.vendor})
