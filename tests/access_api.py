"""Access rows for the intake API app (crm.api).

The Integrations pages (keys, call log, a call's payload, retry) are for administrators only
(``api.change_apikey``). The HTTP API itself does not use the session: it authenticates with
``Authorization: Bearer <key>`` (refusals are tested in tests/api/); its endpoints accept POST
only, so a GET from anyone answers 405 (counted as "ok" here), and the OpenAPI description is
public."""

from __future__ import annotations

from typing import Any

from tests.access import ADMIN, EVERYONE, HIDDEN, OK, Rule


def extend_ctx(ctx: Any) -> None:
    from crm.api.models import ApiCall, CallState
    from crm.api.services import api_key_create

    ctx.api_key = api_key_create(actor=None, name="Сайт", branch=ctx.branch)[0]
    ctx.api_call = ApiCall.objects.create(
        key=ctx.api_key,
        method="POST",
        path="/api/v1/leads/",
        endpoint="leads",
        status_code=202,
        state=CallState.FAILED,
        payload={"external_id": "x"},
        external_id="x",
    )


def _key(ctx: Any) -> dict:
    return {"pk": ctx.api_key.pk}


def _call(ctx: Any) -> dict:
    return {"pk": ctx.api_call.pk}


PUBLIC = Rule(EVERYONE, anonymous=OK)

ROWS: dict[str, Rule] = {
    # the bare /api/v1/ (django-ninja's root, used to build the OpenAPI paths) is not a page
    "api:api-root": Rule(frozenset(), denied=HIDDEN, anonymous=HIDDEN),
    "api:openapi-json": PUBLIC,
    "api:lead-create": PUBLIC,
    "api:order-create": PUBLIC,
    "api:telephony-event": PUBLIC,
    "api:integrations": Rule(ADMIN),
    "api:key-create": Rule(ADMIN),
    "api:key-revoke": Rule(ADMIN, method="post", kwargs=_key),
    "api:call-detail": Rule(ADMIN, kwargs=_call),
    "api:call-retry": Rule(ADMIN, method="post", kwargs=_call),
}
