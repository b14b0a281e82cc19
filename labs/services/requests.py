"""Creating and changing lab requests: the manager's wishes, the lab's answer, the composition.

Every write checks the role and the status (``labs.permissions.editable_fields``), validates
everything first, saves atomically and records the change in the request's history."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, ClientAddress, ContactPerson
from clients.permissions import can_see_client
from crm.core.models import AuditEntry, TimelineKind
from crm.core.services import audit_record, diff, snapshot, timeline_add
from labs.models import LabComponent, LabRequest, RequestKind, RequestStatus
from labs.permissions import (
    LAB_FIELDS,
    SAMPLE_FIELDS,
    WISH_FIELDS,
    can_add_request,
    editable_fields,
)
from labs.services.planning import branch_today

HUNDRED = Decimal("100")
PERCENT_STEP = Decimal("0.001")
#: what a sample copies from the calculation it is based on
COPIED = ("product", "purpose", "volume", "packaging", "target_price", "competitor_reference")
TRACKED = [
    *WISH_FIELDS,
    *SAMPLE_FIELDS,
    "cost_per_unit",
    "price_suggestion",
    "lab_comment",
    "tracking_number",
]


# --- Shipping data of samples ---------------------------------------------------------------------
def usable_addresses(client: Client) -> list[ClientAddress]:
    return [a for a in client.addresses.all() if a.address.strip()]


def usable_receivers(client: Client) -> list[ContactPerson]:
    return [c for c in client.contacts.all() if c.phone.strip()]


def shipping_problems(client: Client) -> list[str]:
    """Codes of what the client card lacks for a sample: ``address``, ``receiver``."""
    problems = []
    if not usable_addresses(client):
        problems.append("address")
    if not usable_receivers(client):
        problems.append("receiver")
    return problems


SHIPPING_MESSAGES = {
    "address": gettext_lazy("The client card has no delivery address for the sample."),
    "receiver": gettext_lazy(
        "The client card has no contact person with a phone to receive the sample."
    ),
}


def _check_shipping(client: Client, address: Any, receiver: Any) -> None:
    problems = shipping_problems(client)
    if problems:
        raise ValidationError([str(SHIPPING_MESSAGES[p]) for p in problems])
    errors: dict[str, list[str]] = {}
    if address is None:
        errors["ship_address"] = [_("Choose the address to ship the sample to.")]
    elif address.client_id != client.pk:
        errors["ship_address"] = [_("The address belongs to another client.")]
    if receiver is None:
        errors["receiver"] = [_("Choose who receives the sample.")]
    elif receiver.client_id != client.pk:
        errors["receiver"] = [_("The contact person belongs to another client.")]
    elif not receiver.phone.strip():
        errors["receiver"] = [_("The receiver has no phone on the client card.")]
    if errors:
        raise ValidationError(errors)


def percent_text(value: Decimal) -> str:
    """70.000 → "70", 2.500 → "2.5" (never "7E+1")."""
    return format(value.normalize(), "f")


# --- Validation -----------------------------------------------------------------------------------
def _validate_wishes(request: LabRequest, *, today: datetime.date, creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    if request.product_id is None:
        errors["product"] = [_("Choose the product from the catalogue.")]
    if request.deadline is None:
        errors["deadline"] = [_("Give the date the client needs it by.")]
    elif creating and request.deadline < today:
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    if request.target_price is not None and request.target_price < 0:
        errors["target_price"] = [_("The price cannot be negative.")]
    if errors:
        raise ValidationError(errors)


def validate_composition(components: list[dict[str, Any]], *, required: bool) -> list[dict]:
    """Clean component rows (``name``, ``percent``): names given and unique, each share above
    zero, the shares summing to exactly 100 %. Returns the cleaned rows."""
    rows, errors, seen = [], [], set()
    for number, row in enumerate(components, start=1):
        name = str(row.get("name") or "").strip()
        try:
            percent = Decimal(str(row.get("percent")))
        except (InvalidOperation, TypeError):
            percent = None
        if not name and percent is None:
            continue
        if not name:
            errors.append(_("Line %(n)s: name the component.") % {"n": number})
        elif name.casefold() in seen:
            errors.append(
                _("Line %(n)s: “%(name)s” is listed twice.") % {"n": number, "name": name}
            )
        seen.add(name.casefold())
        if percent is None or not percent.is_finite() or percent <= 0 or percent > HUNDRED:
            errors.append(
                _("Line %(n)s: the share must be above 0 and at most 100 %%.") % {"n": number}
            )
        elif percent.as_tuple().exponent < -3:
            errors.append(_("Line %(n)s: at most 3 decimal places in a share.") % {"n": number})
        rows.append({"name": name[:200], "percent": percent})
    if not errors and rows:
        total = sum((r["percent"] for r in rows), Decimal("0"))
        if total.quantize(PERCENT_STEP) != HUNDRED:
            errors.append(
                _("The shares add up to %(total)s %%, not 100 %%.") % {"total": percent_text(total)}
            )
    if not errors and required and not rows:
        errors.append(_("Give the composition (components and their shares)."))
    if errors:
        raise ValidationError({"components": errors})
    return rows


def composition_summary(request: LabRequest) -> str:
    return ", ".join(f"{c.name} {percent_text(c.percent)}%" for c in request.components.all())


# --- Create ---------------------------------------------------------------------------------------
def _copy_from(request: LabRequest, source: LabRequest) -> None:
    if source.client_id != request.client_id or source.kind != RequestKind.CALCULATION:
        raise ValidationError({"based_on": [_("Choose a calculation of the same client.")]})
    if source.status not in (RequestStatus.CALCULATED, RequestStatus.CLOSED):
        raise ValidationError({"based_on": [_("The calculation is not completed yet.")]})
    for name in COPIED:
        if getattr(request, name, None) in (None, ""):
            setattr(request, name, getattr(source, name))
    if not request.wishes:
        request.wishes = source.wishes


@transaction.atomic
def lab_request_create(
    *,
    actor: Any,
    client: Client,
    kind: str,
    data: dict[str, Any],
    lead: Any | None = None,
    based_on: LabRequest | None = None,
) -> LabRequest:
    """A draft request for ``client`` (``data``: the wish fields, and for a sample the address,
    receiver and quantity). A sample based on a completed calculation copies its data in."""
    if actor is not None and not (can_add_request(actor) and can_see_client(actor, client)):
        raise PermissionDenied
    if kind not in RequestKind.values:
        raise ValidationError({"kind": [_("Unknown request type.")]})
    if client.is_archived:
        raise ValidationError(_("The client is archived: restore the card first."))
    allowed = (*WISH_FIELDS, *SAMPLE_FIELDS) if kind == RequestKind.SAMPLE else WISH_FIELDS
    request = LabRequest(
        branch=client.branch,
        kind=kind,
        client=client,
        lead=lead,
        manager=client.manager,
        currency=client.currency,
        based_on=based_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{k: v for k, v in data.items() if k in allowed},
    )
    if based_on is not None:
        _copy_from(request, based_on)
    _validate_wishes(request, today=branch_today(client.branch), creating=True)
    if kind == RequestKind.SAMPLE:
        _check_shipping(client, request.ship_address, request.receiver)
    request.save()
    request.number = f"{client.branch.code.upper()}-L{request.pk:05d}"
    request.save(update_fields=["number"])
    if based_on is not None:
        LabComponent.objects.bulk_create(
            [
                LabComponent(request=request, name=c.name, percent=c.percent, position=c.position)
                for c in based_on.components.all()
            ]
        )
    audit_record(actor=actor, instance=request, action=AuditEntry.Action.CREATE)
    timeline_add(
        actor=actor,
        target=client,
        kind=TimelineKind.SYSTEM,
        body=_("Lab request %(number)s (%(kind)s) created.")
        % {"number": request.number, "kind": request.get_kind_display()},
        data={"lab_request": request.pk},
    )
    return request


# --- Update ---------------------------------------------------------------------------------------
def _locked(request: LabRequest) -> LabRequest:
    return (
        LabRequest.objects.select_for_update(of=("self",))
        .select_related("client", "branch")
        .get(pk=request.pk)
    )


def _refuse_other_fields(actor: Any, request: LabRequest, fields: set[str]) -> None:
    if actor is None:
        return
    allowed = editable_fields(actor, request)
    if not fields or not fields <= allowed:
        raise PermissionDenied(_("These fields cannot be changed in this status."))


@transaction.atomic
def lab_request_update(*, actor: Any, request: LabRequest, data: dict[str, Any]) -> LabRequest:
    """The manager's side: wishes (and the sample's shipping) while the request is a draft or
    returned for rework; admins at any time."""
    request = _locked(request)
    fields = {k for k in data if k in (*WISH_FIELDS, *SAMPLE_FIELDS)}
    _refuse_other_fields(actor, request, fields)
    before = snapshot(request, TRACKED)
    for name in fields:
        setattr(request, name, data[name])
    _validate_wishes(request, today=branch_today(request.branch), creating=False)
    if request.is_sample:
        _check_shipping(request.client, request.ship_address, request.receiver)
    request.save(update_fields=[*fields, "updated_at"])
    if changes := diff(before, snapshot(request, TRACKED)):
        audit_record(actor=actor, instance=request, changes=changes)
    return request


@transaction.atomic
def lab_request_save_result(
    *,
    actor: Any,
    request: LabRequest,
    components: list[dict[str, Any]],
    cost_per_unit: Decimal | None,
    price_suggestion: Decimal | None,
    lab_comment: str = "",
) -> LabRequest:
    """The lab's side while the request is in work: composition, cost, price, comments."""
    request = _locked(request)
    _refuse_other_fields(actor, request, set(LAB_FIELDS))
    rows = validate_composition(components, required=False)
    for name, value in (("cost_per_unit", cost_per_unit), ("price_suggestion", price_suggestion)):
        if value is not None and value < 0:
            raise ValidationError({name: [_("The amount cannot be negative.")]})
    before = snapshot(request, TRACKED)
    old_summary = composition_summary(request)
    request.cost_per_unit = cost_per_unit
    request.price_suggestion = price_suggestion
    request.lab_comment = (lab_comment or "").strip()
    request.save(update_fields=["cost_per_unit", "price_suggestion", "lab_comment", "updated_at"])
    request.components.all().delete()
    LabComponent.objects.bulk_create(
        [LabComponent(request=request, position=i, **row) for i, row in enumerate(rows)]
    )
    changes = diff(before, snapshot(request, TRACKED))
    new_summary = composition_summary(request)
    if new_summary != old_summary:
        changes["composition"] = [old_summary, new_summary]
    if changes:
        audit_record(actor=actor, instance=request, changes=changes)
    return request
