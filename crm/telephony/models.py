"""Telephony: operators' extensions, calls from the PBX and the events that built them.

A call is identified by the PBX's ``call_id`` within a branch; each of its events (incoming,
answered, ended, missed) is stored once, which makes a re-sent event harmless."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

validate_extension = RegexValidator(
    r"^[0-9*#]{1,20}$", _("An extension is 1–20 digits (and * or #).")
)


class OperatorExtension(models.Model):
    """The internal phone number (extension) a member of staff answers calls on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_extension",
        verbose_name=_("employee"),
    )
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    extension = models.CharField(_("extension"), max_length=20, validators=[validate_extension])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["branch", "extension"]
        verbose_name = _("operator extension")
        verbose_name_plural = _("operator extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "extension"], name="telephony_extension_unique_per_branch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.extension} · {self.user}"


class CallEventKind(models.TextChoices):
    INCOMING = "incoming", _("Incoming call")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    MISSED = "missed", _("Missed")


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("In progress")
    ENDED = "ended", _("Ended")
    MISSED = "missed", _("Missed")


class CallDirection(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class Call(models.Model):
    Status = CallStatus
    Direction = CallDirection

    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    call_id = models.CharField(_("PBX call id"), max_length=100)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=CallDirection.choices,
        default=CallDirection.INCOMING,
    )
    caller = models.CharField(_("caller"), max_length=40, blank=True)
    #: the caller's number in E.164 when it is a valid one, else empty
    caller_number = models.CharField(max_length=20, blank=True, editable=False)
    called = models.CharField(_("called line or extension"), max_length=40, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("client"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("operator"),
    )
    #: who got the pop-up (and so may open it)
    notified = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="telephony_calls_notified"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.RINGING
    )
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, s"), null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    timeline_entry = models.ForeignKey(
        "core.TimelineEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    missed_task = models.ForeignKey(
        "leads.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["branch", "call_id"], name="telephony_call_id_unique"),
            models.CheckConstraint(
                condition=Q(status__in=CallStatus.values), name="telephony_call_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=CallDirection.values),
                name="telephony_call_direction_valid",
            ),
        ]
        indexes = [models.Index(fields=["branch", "-started_at"], name="telephony_call_recent_idx")]

    def __str__(self) -> str:
        return f"{self.caller} → {self.called or '—'} ({self.call_id})"

    @property
    def is_over(self) -> bool:
        return self.status in (CallStatus.ENDED, CallStatus.MISSED)


class CallEvent(models.Model):
    """One PBX event of a call, stored once: a repeated delivery is recognised and ignored."""

    Kind = CallEventKind

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=10, choices=CallEventKind.choices)
    at = models.DateTimeField(_("at"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        constraints = [
            models.UniqueConstraint(fields=["call", "event"], name="telephony_event_once"),
            models.CheckConstraint(
                condition=Q(event__in=CallEventKind.values), name="telephony_event_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.event}"
