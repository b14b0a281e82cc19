"""Turn a validated request into records through the owning apps' services (never the ORM):
a website request becomes a lead, a shop order an order on the matched (or a new) client's
card, a PBX event goes to the telephony app. Each takes the branch and the JSON payload (kept
in the call log, so a retry runs the very same input) and returns (result kind, result id).

A ``ValidationError`` means the data is refused (422); any other exception means the request
is kept and retried later (the pipeline is missing, the database hiccupped …)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.api.schemas import CallEventIn, LeadIn, OrderIn


class IntakeUnavailable(RuntimeError):
    """The branch cannot take the request yet (e.g. no pipeline); the call is kept for retry."""


UTM_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]


# --- Leads ----------------------------------------------------------------------------------------
def _lead_need(data: LeadIn, unmatched_source: str) -> str:
    lines = [data.message] if data.message else []
    extra = [f"{name}: {getattr(data, name)}" for name in UTM_FIELDS if getattr(data, name)]
    if unmatched_source:
        extra.insert(0, f"{_('Source')}: {unmatched_source}")
    if extra:
        lines.append("\n".join(extra))
    return "\n\n".join(lines)[:5000]


def process_lead(branch: Any, payload: dict[str, Any]) -> tuple[str, int | None]:
    from crm.leads.models import Pipeline, Source
    from crm.leads.services import lead_create

    data = LeadIn.model_validate(payload)
    pipeline = Pipeline.objects.filter(branch=branch, is_active=True).order_by("position").first()
    if pipeline is None:
        raise IntakeUnavailable(f"Branch {branch.code} has no active pipeline")
    source = None
    if data.source:
        source = Source.objects.filter(branch=branch, is_active=True, name__iexact=data.source)
        source = source.first()
    lead = lead_create(
        actor=None,
        branch=branch,
        pipeline=pipeline,
        automatic=True,
        contact_name=data.name,
        phone=data.phone,
        email=data.email,
        company=data.company,
        need=_lead_need(data, "" if source else data.source),
        source=source,
    )
    return "lead", lead.pk


# --- Orders ---------------------------------------------------------------------------------------
def _client_for(branch: Any, data: OrderIn) -> Any:
    """The branch's client with this phone or e-mail, else a new card from the website."""
    from clients.services import client_create, client_find_duplicates

    contact = data.client
    found = client_find_duplicates(phone=contact.phone, email=contact.email, branch=branch).first()
    if found is not None:
        return found
    address = data.address
    return client_create(
        actor=None,
        branch=branch,
        name=contact.name,
        source="website",
        phones=[contact.phone] if contact.phone else [],
        emails=[contact.email] if contact.email else [],
        addresses=[{**_place(address), "receiver_name": contact.name, "is_primary": True}],
    )


def _items(data: OrderIn) -> list[dict[str, Any]]:
    from crm.orders.models import Product

    codes = {item.code for item in data.items if item.code}
    products = {p.code: p for p in Product.objects.filter(code__in=codes, is_active=True)}
    errors = [
        _("Line %(n)s: no active catalogue product with code “%(code)s”.")
        % {"n": number, "code": item.code}
        for number, item in enumerate(data.items, start=1)
        if item.code and item.code not in products
    ]
    if errors:
        raise ValidationError({"items": errors})
    return [
        {
            "product": products.get(item.code) if item.code else None,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
        }
        for item in data.items
    ]


def _stop(data: OrderIn, client: Any) -> dict[str, Any]:
    from crm.core.phones import normalize_phone

    return {
        **_place(data.address),
        "receiver_name": data.client.name,
        "receiver_phone": normalize_phone(data.client.phone) or "",
    }


def _place(address: Any) -> dict[str, Any]:
    """The API's delivery address as the fields of a client address or an order stop."""
    return {
        "city": address.city,
        "address": address.address,
        "latitude": address.latitude,
        "longitude": address.longitude,
        "entrance": address.entrance,
        "floor": address.floor,
        "apartment": address.apartment,
        "access_notes": address.comment,
    }


def process_order(branch: Any, payload: dict[str, Any]) -> tuple[str, int | None]:
    from crm.orders.services import OrderInput, order_create

    data = OrderIn.model_validate(payload)
    items = _items(data)
    client = _client_for(branch, data)
    paid = data.paid_amount if data.paid_online and data.paid_amount else Decimal("0")
    extra: dict[str, Any] = {"external_id": data.external_id, "is_seen": False}
    if paid:
        extra.update(prepayment_paid=paid, prepayment_paid_at=timezone.now())
    order = order_create(
        actor=None,
        branch=branch,
        payload=OrderInput(
            client=client,
            data={
                "date": data.date,
                "window_from": data.window_from,
                "window_to": data.window_to,
                "payment_method": "online" if data.paid_online else data.payment_method,
                "driver_comment": data.comment,
                "comment": _("Online order %(id)s") % {"id": data.external_id},
            },
            items=items,
            stops=[_stop(data, client)],
            source="api",
            extra=extra,
        ),
    )
    return "order", order.pk


# --- Telephony ------------------------------------------------------------------------------------
def process_call_event(branch: Any, payload: dict[str, Any]) -> tuple[str, int | None]:
    from crm.telephony.services import handle_call_event

    data = CallEventIn.model_validate(payload)
    result = handle_call_event(
        branch=branch,
        event=data.event,
        call_id=data.call_id,
        caller=data.caller,
        called=data.called,
        at=data.at or timezone.now(),
        duration_seconds=data.duration_seconds,
        recording_url=data.recording_url or "",
    )
    return "call", getattr(result, "pk", None)
