"""Write operations of the intake API: issuing and revoking keys, authenticating a request,
logging every call, and turning a valid request into a lead, an order or a call event — once.

``intake_process`` is the one path a request takes (from the endpoint, from the Integrations
page's "retry" and from the hourly retry task): it looks up the idempotency record, runs the
processor inside a savepoint, records the result, and keeps a failed request for a retry."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.api import processors
from crm.api.models import ApiCall, ApiKey, CallState, IdempotencyRecord
from crm.api.roles import MANAGE_INTEGRATIONS
from crm.core.models import AuditEntry
from crm.core.services import audit_record

logger = logging.getLogger(__name__)

KEY_PREFIX = "kolo_"
DEFAULT_RATE_LIMIT = 60  # calls per key per minute (setting API_RATE_LIMIT)
PREFIX_LENGTH = 12  # "kolo_" and 7 random characters: enough to tell keys apart on the page

#: endpoint name -> processor(branch, payload) -> (result kind, result id)
PROCESSORS: dict[str, Callable[[Any, dict[str, Any]], tuple[str, int | None]]] = {
    "leads": processors.process_lead,
    "orders": processors.process_order,
    "telephony": processors.process_call_event,
}


def _require(actor: Any) -> None:
    if actor is not None and not actor.has_perm(MANAGE_INTEGRATIONS):
        raise PermissionDenied


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- Keys -----------------------------------------------------------------------------------------
@transaction.atomic
def api_key_create(*, actor: Any | None, name: str, branch: Any) -> tuple[ApiKey, str]:
    """Issue a key for an integration; returns the key row and the raw key (shown once)."""
    _require(actor)
    name = str(name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the integration.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Too long (%(n)s characters at most).") % {"n": 120}})
    if branch is None:
        raise ValidationError({"branch": _("Choose the branch the key works for.")})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        branch=branch,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=hash_key(raw),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, instance=key, action=AuditEntry.Action.CREATE)
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: Any | None, key: ApiKey) -> ApiKey:
    _require(actor)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.is_active:
        key.is_active = False
        key.revoked_at = timezone.now()
        key.save(update_fields=["is_active", "revoked_at"])
        audit_record(actor=actor, instance=key, changes={"is_active": [True, False]})
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The active key matching ``raw`` (constant-time comparison of the hashes), else None."""
    raw = (raw or "").strip()
    if len(raw) < PREFIX_LENGTH or len(raw) > 200:
        return None
    digest = hash_key(raw)
    for key in ApiKey.objects.select_related("branch").filter(
        prefix=raw[:PREFIX_LENGTH], is_active=True
    ):
        if hmac.compare_digest(key.key_hash, digest):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
            return key
    return None


# --- Limits ---------------------------------------------------------------------------------------
def rate_limit_wait(key: ApiKey, *, now: float | None = None) -> int:
    """Count a call against the key's fixed one-minute window; the seconds to wait when the
    window is full (0 when the call may go on). A cache outage lets calls through."""
    limit = int(getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    now = time.time() if now is None else now
    window = int(now // 60)
    name = f"api:rate:{key.pk}:{key.prefix}:{window}"
    try:
        cache.add(name, 0, timeout=90)
        count = cache.incr(name)
    except Exception:  # Redis down: the API keeps working without the limit
        logger.warning("API rate limit cache unavailable", exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, (window + 1) * 60 - int(now))


# --- Call log -------------------------------------------------------------------------------------
def storable(value: Any) -> Any:
    """``value`` with NUL characters replaced: Postgres keeps none in text or JSON, and a log
    row must be written whatever a client sends."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def api_call_log(
    *,
    key: ApiKey | None,
    method: str,
    path: str,
    endpoint: str,
    status_code: int,
    state: str,
    errors: Any = None,
    payload: Any = None,
    external_id: str = "",
) -> ApiCall:
    return ApiCall.objects.create(
        key=key,
        method=storable(method[:10]),
        path=storable(path[:255]),
        endpoint=endpoint,
        status_code=status_code,
        state=state,
        errors=storable(errors or []),
        payload=storable(payload),
        external_id=storable(str(external_id or "")[:200]),
    )


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """A service's ValidationError in the API's 422 shape."""
    if hasattr(exc, "error_dict"):
        return [
            {"loc": [name], "msg": str(message), "type": "value_error"}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"loc": [], "msg": str(m), "type": "value_error"} for m in exc.messages]


def error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """``detail`` as pydantic reports it, ``errors`` as field path -> messages."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(".".join(str(p) for p in error["loc"]) or "__all__", []).append(
            error["msg"]
        )
    return {"detail": errors, "errors": by_field}


# --- Intake ---------------------------------------------------------------------------------------
@dataclass
class IntakeResult:
    status: int
    body: dict[str, Any]
    call: ApiCall | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)


def _existing(branch: Any, endpoint: str, external_id: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(
        branch=branch, endpoint=endpoint, external_id=external_id
    ).first()


def _run(branch: Any, endpoint: str, external_id: str, payload: dict[str, Any]) -> IntakeResult:
    """Process once: 201 with the new record, 200 with the earlier one, 422 for data the
    services refuse. Other exceptions propagate (the caller keeps the call as failed)."""
    found = _existing(branch, endpoint, external_id)
    if found is not None:
        return IntakeResult(200, {**found.response_body, "status": "exists"})
    try:
        with transaction.atomic():
            kind, result_id = PROCESSORS[endpoint](branch, payload)
            body = {"status": "created", "kind": kind, "id": result_id}
            IdempotencyRecord.objects.create(
                branch=branch,
                endpoint=endpoint,
                external_id=external_id,
                result_kind=kind,
                result_id=result_id,
                response_body=body,
            )
    except ValidationError as exc:
        errors = validation_errors(exc)
        return IntakeResult(422, error_body(errors), errors=errors)
    except IntegrityError:
        found = _existing(branch, endpoint, external_id)
        if found is None:
            raise
        return IntakeResult(200, {**found.response_body, "status": "exists"})
    return IntakeResult(201, body)


def intake_process(
    *, key: ApiKey, endpoint: str, external_id: str, payload: dict[str, Any], method: str, path: str
) -> IntakeResult:
    """Process a validated request and log it. Processing that fails for a reason other than the
    data is kept (state "failed", payload saved) and answered 202 "queued"."""
    try:
        result = _run(key.branch, endpoint, external_id, payload)
    except Exception as exc:
        logger.exception("API %s %s failed; kept for retry", endpoint, external_id)
        call = api_call_log(
            key=key,
            method=method,
            path=path,
            endpoint=endpoint,
            status_code=202,
            state=CallState.FAILED,
            payload=payload,
            external_id=external_id,
        )
        ApiCall.objects.filter(pk=call.pk).update(last_error=_describe(exc))
        return IntakeResult(202, {"status": "queued", "call": call.pk}, call=call)
    accepted = result.status < 400
    call = api_call_log(
        key=key,
        method=method,
        path=path,
        endpoint=endpoint,
        status_code=result.status,
        state=CallState.ACCEPTED if accepted else CallState.REJECTED,
        errors=result.errors,
        payload=payload,
        external_id=external_id,
    )
    if accepted:
        ApiCall.objects.filter(pk=call.pk).update(
            result_kind=result.body.get("kind", ""), result_id=result.body.get("id")
        )
    result.call = call
    return result


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def api_call_retry(*, actor: Any | None, call: ApiCall) -> ApiCall:
    """Run a failed call's kept payload again (from the Integrations page or the hourly task).
    Success (or a record created meanwhile by the sender's own retry) marks it "retried";
    data the services now refuse marks it "rejected"; another failure counts the attempt."""
    _require(actor)
    with transaction.atomic():  # the row lock keeps two retries of one call apart
        call = (
            ApiCall.objects.select_for_update(of=("self",))
            .select_related("key__branch")
            .get(pk=call.pk)
        )
        if not call.can_retry or call.key is None:
            raise ValidationError(_("Only a failed call with its payload can be retried."))
        before = call.state
        call.attempts += 1
        try:
            result = _run(call.key.branch, call.endpoint, call.external_id, call.payload)
        except Exception as exc:
            logger.exception("API retry of call %s failed", call.pk)
            call.last_error = _describe(exc)
            call.save(update_fields=["attempts", "last_error"])
            return call
        call.status_code = result.status
        if result.status < 400:
            call.state = CallState.RETRIED
            call.result_kind = result.body.get("kind", "")
            call.result_id = result.body.get("id")
            call.last_error = ""
        else:
            call.state = CallState.REJECTED
            call.errors = result.errors
        call.save(
            update_fields=[
                "attempts",
                "status_code",
                "state",
                "result_kind",
                "result_id",
                "last_error",
                "errors",
            ]
        )
        audit_record(
            actor=actor,
            instance=call,
            changes={"state": [before, call.state]},
            note=_("Retried by hand") if actor is not None else "",
        )
    return call


def api_call_retry_failed(*, limit: int = 200) -> int:
    """Retry every failed call (the hourly task); returns how many are now processed."""
    done = 0
    for call in ApiCall.objects.filter(state=CallState.FAILED, payload__isnull=False).order_by(
        "at"
    )[:limit]:
        if api_call_retry(actor=None, call=call).state != CallState.FAILED:
            done += 1
    return done
