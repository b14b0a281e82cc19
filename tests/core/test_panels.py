"""Timeline, attachments and history on a record: through HTTP, with and without htmx."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crm.core.models import Attachment, AuditEntry, TimelineEntry
from crm.core.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(users):
    client = Client()
    client.force_login(users["admin"])
    return client


def _key(user):
    return {"model_key": "accounts.user", "pk": user.pk}


def test_comment_via_htmx_returns_the_timeline_partial(admin, users):
    target = users["driver"]
    response = admin.post(
        reverse("core:timeline", kwargs=_key(target)),
        {"body": "Позвонить <b>завтра</b> 📞"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="timeline"')
    assert "Позвонить &lt;b&gt;завтра&lt;/b&gt; 📞" in body
    assert TimelineEntry.objects.filter(object_id=target.pk, kind="comment").count() == 1


def test_comment_plain_post_redirects_back_and_empty_comment_is_refused(admin, users):
    target = users["driver"]
    url = reverse("core:timeline", kwargs=_key(target))
    detail = reverse("accounts:staff-detail", args=[target.pk])
    response = admin.post(url, {"body": "ok", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    response = admin.post(url, {"body": "   "}, headers={"HX-Request": "true"})
    assert "required" in response.content.decode()
    assert TimelineEntry.objects.filter(object_id=target.pk, kind="comment").count() == 1


def test_upload_download_and_limits(admin, users, settings):
    target = users["driver"]
    url = reverse("core:attachments", kwargs=_key(target))
    admin.post(
        url,
        {"file": SimpleUploadedFile("права.pdf", b"%PDF-1.4 x", "application/pdf")},
        headers={"HX-Request": "true"},
    )
    attachment = Attachment.objects.get(object_id=target.pk)
    download = admin.get(reverse("core:attachment-download", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"

    response = admin.post(
        url, {"file": SimpleUploadedFile("virus.exe", b"MZ")}, headers={"HX-Request": "true"}
    )
    assert "not accepted" in response.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 5
    response = admin.post(
        url, {"file": SimpleUploadedFile("big.pdf", b"0123456789")}, headers={"HX-Request": "true"}
    )
    assert "too large" in response.content.decode()
    assert Attachment.objects.filter(object_id=target.pk).count() == 1


def test_panels_of_an_unknown_model_are_not_found(admin):
    assert admin.get("/core/timeline/nope.nothing/1/").status_code == 404
    assert admin.get("/core/history/sessions.session/1/").status_code == 404


def test_history_lists_changes_with_field_labels(admin, users):
    target = users["driver"]
    audit_record(actor=users["admin"], instance=target, changes={"phone": ["1", "2"]})
    body = admin.get(reverse("core:history", kwargs=_key(target))).content.decode()
    assert "phone" in body.lower() and "→" in body
    assert AuditEntry.objects.filter(object_id=target.pk).count() == 1


def test_notification_read_marks_and_redirects(admin, users):
    from crm.core.services import notification_send

    n = notification_send(recipient=users["admin"], title="Новая заявка", url="/accounts/profile/")
    bell = admin.get(reverse("core:notification-bell")).content.decode()
    assert "Новая заявка" in bell and 'id="bell-count">1<' in bell
    response = admin.post(reverse("core:notification-read", args=[n.pk]))
    assert response["Location"] == "/accounts/profile/"
    n.refresh_from_db()
    assert n.read_at is not None
