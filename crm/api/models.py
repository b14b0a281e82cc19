"""Intake API: per-integration keys, the log of every call, and idempotency records.

A key is shown once when it is issued; only its SHA-256 is stored (with a short prefix to find
it and to tell keys apart on the Integrations page). Every call — accepted, rejected or failed —
leaves an ``ApiCall`` row with its payload, so a request whose processing failed can be retried.
``IdempotencyRecord`` makes a retried request (same branch, endpoint and external id) return the
record created the first time instead of a duplicate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    name = models.CharField(_("name"), max_length=120)
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    prefix = models.CharField(_("key prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-is_active", "name", "pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CallState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed, kept for retry")
    RETRIED = "retried", _("Processed on retry")


class ApiCall(models.Model):
    State = CallState

    key = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("API key"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=255)
    endpoint = models.CharField(_("endpoint"), max_length=20, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"))
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)
    external_id = models.CharField(_("external ID"), max_length=200, blank=True)
    result_kind = models.CharField(_("result"), max_length=20, blank=True)
    result_id = models.BigIntegerField(_("result ID"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [
            models.Index(fields=["key", "-at"], name="api_call_key_at_idx"),
            models.Index(fields=["state", "-at"], name="api_call_state_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=CallState.values), name="api_call_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status_code}"

    @property
    def can_retry(self) -> bool:
        return self.state == CallState.FAILED and self.payload is not None


class IdempotencyRecord(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=20)
    external_id = models.CharField(max_length=200)
    result_kind = models.CharField(max_length=20)
    result_id = models.BigIntegerField(null=True, blank=True)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "endpoint", "external_id"], name="api_idempotency_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint}:{self.external_id}"
