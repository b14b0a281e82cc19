"""The HTTP API at /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json).

``Authorization: Bearer <key>`` on every call. Before the body is parsed the key is checked
(401), then the per-key rate (429 with Retry-After) and the body size (413). Pydantic validates
strictly (422; unknown fields refused). Every outcome is written to the call log."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from crm.api import services
from crm.api.models import CallState
from crm.api.schemas import CallEventIn, ErrorOut, LeadIn, OrderIn, QueuedOut, ResultOut

DEFAULT_MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(Exception):
    pass


class RateLimited(Exception):
    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


class ApiKeyAuth(HttpBearer):
    openapi_description = "An API key issued on the Integrations page."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = services.api_key_authenticate(token)
        if key is None:
            return None
        request.api_key = key  # type: ignore[attr-defined]  (the call log reads it)
        wait = services.rate_limit_wait(key)
        if wait:
            raise RateLimited(wait)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > max_body_bytes():
            raise BodyTooLarge
        try:
            size = len(request.body)
        except RequestDataTooBig as exc:
            raise BodyTooLarge from exc
        if size > max_body_bytes():
            raise BodyTooLarge
        return key


api = NinjaAPI(
    title="Kolo intake API",
    version="1",
    description="Requests from the website and the shop, call events from the PBX.",
    auth=ApiKeyAuth(),
    urls_namespace="api",
    docs_url=None,
)

ENDPOINTS = {"leads": "leads", "orders": "orders", "events": "telephony"}


def _endpoint(request: HttpRequest) -> str:
    parts = [p for p in request.path.split("/") if p]
    return ENDPOINTS.get(parts[-1], "") if parts else ""


def _payload(request: HttpRequest) -> Any:
    """The body as JSON if it is (kept in the log), else its start as text; nothing if huge."""
    try:
        raw = request.body
    except Exception:
        return None
    if len(raw) > max_body_bytes():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"raw": raw[:2000].decode("utf-8", "replace")}


def _reject(
    request: HttpRequest, status: int, body: dict[str, Any], *, errors: Any = None
) -> HttpResponse:
    payload = None if status in (401, 413) else _payload(request)
    external_id = payload.get("external_id", "") if isinstance(payload, dict) else ""
    services.api_call_log(
        key=getattr(request, "api_key", None),
        method=request.method or "",
        path=request.path,
        endpoint=_endpoint(request),
        status_code=status,
        state=CallState.REJECTED,
        errors=errors or [{"loc": [], "msg": str(body.get("detail")), "type": "http"}],
        payload=payload,
        external_id=external_id if isinstance(external_id, str) else "",
    )
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = _reject(request, 401, {"detail": "Missing, unknown or revoked API key."})
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _reject(request, 429, {"detail": "Too many requests for this key; slow down."})
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(BodyTooLarge)
def _too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _reject(request, 413, {"detail": f"The body is over {max_body_bytes()} bytes."})


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [p for p in error.get("loc", []) if p not in ("body", "payload")],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    return _reject(request, 422, services.error_body(errors), errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _reject(request, exc.status_code, {"detail": str(exc.message)})


ERRORS = {400: ErrorOut, 401: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut}
RESPONSES = {200: ResultOut, 201: ResultOut, 202: QueuedOut, **ERRORS}


def _respond(request: HttpRequest, endpoint: str, external_id: str, data: Any) -> Any:
    result = services.intake_process(
        key=request.auth,  # type: ignore[attr-defined]
        endpoint=endpoint,
        external_id=external_id,
        payload=data.model_dump(mode="json"),
        method=request.method or "POST",
        path=request.path,
    )
    return Status(result.status, result.body)


@api.post("/leads/", response=RESPONSES, url_name="lead-create", summary="A website request")
def create_lead(request: HttpRequest, payload: LeadIn) -> Any:
    """A request from a website form becomes a lead, highlighted as new. Repeating the same
    ``external_id`` returns the lead made the first time (200)."""
    return _respond(request, "leads", payload.external_id, payload)


@api.post("/orders/", response=RESPONSES, url_name="order-create", summary="An online order")
def create_order(request: HttpRequest, payload: OrderIn) -> Any:
    """An order from the shop, on the card of the client with this phone or e-mail (or a new
    client), highlighted as new. Items by catalogue code or free text."""
    return _respond(request, "orders", payload.external_id, payload)


@api.post(
    "/telephony/events/",
    response=RESPONSES,
    url_name="telephony-event",
    summary="A PBX call event",
)
def telephony_event(request: HttpRequest, payload: CallEventIn) -> Any:
    """Incoming / answered / ended / missed. Idempotent on ``call_id`` + ``event``."""
    return _respond(request, "telephony", f"{payload.call_id}:{payload.event}", payload)


def public_urlpatterns() -> list[Any]:
    """The API's URL patterns, exempt from the session log-in (the key authenticates)."""
    patterns = list(api.urls[0])
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns
