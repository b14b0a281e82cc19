"""The one rule about working for a client without a valid contract, kept in the clients app so
orders and routes can obey it without importing billing (which keeps ``contract_state`` up to
date through ``clients.services.billing_state``).

- ``contract_block_reason(client, day)``: ``None`` when work may go on, otherwise the warning to
  show ("The contract with this client expired on …").
- ``record_contract_override(*, actor, client, reason, until, order=None)``: a director let work go
  on until ``until``; sets ``Client.contract_override_until`` (never shortens it), writes the
  client's timeline and history and sends ``contract_override_recorded`` so billing keeps its own
  record."""

from __future__ import annotations

import datetime
from typing import Any

import django.dispatch
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Client, ContractState
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.services import audit_record, timeline_add

#: the permission that lets a user allow work without a valid contract (directors, admins)
WORK_WITHOUT_CONTRACT = "clients.work_without_contract"

#: sent after an override is recorded: ``actor, client, reason, until, order, origin``
contract_override_recorded = django.dispatch.Signal()


def override_in_force(client: Client, day: datetime.date) -> bool:
    until = client.contract_override_until
    return until is not None and until >= day


def contract_block_reason(client: Client, day: datetime.date) -> str | None:
    """Why new work for ``client`` needs a director's permission on ``day`` (or ``None``)."""
    if client.contract_state != ContractState.EXPIRED or override_in_force(client, day):
        return None
    if client.contract_valid_until:
        return _(
            "The contract with this client expired on %(date)s. A director's permission is needed."
        ) % {"date": date_format(client.contract_valid_until, "SHORT_DATE_FORMAT")}
    return _("The client has no valid contract. A director's permission is needed.")


def can_override(user: Any) -> bool:
    return bool(user is not None and user.has_perm(WORK_WITHOUT_CONTRACT))


@transaction.atomic
def record_contract_override(
    *,
    actor: Any,
    client: Client,
    reason: str,
    until: datetime.date,
    order: Any | None = None,
    origin: str = "",
) -> None:
    reason = (reason or "").strip()
    if not can_override(actor):
        raise PermissionDenied
    if not reason:
        raise ValidationError({"reason": _("Give the reason for working without a contract.")})
    before = client.contract_override_until
    Client.objects.filter(pk=client.pk).filter(
        Q(contract_override_until__isnull=True) | Q(contract_override_until__lt=until)
    ).update(contract_override_until=until)
    client.refresh_from_db(fields=["contract_override_until"])
    body = _("Work without a valid contract allowed until %(date)s: %(reason)s") % {
        "date": date_format(until, "SHORT_DATE_FORMAT"),
        "reason": reason,
    }
    if order is not None:
        body = f"{body} ({_('order')} {order})"
    timeline_add(
        actor=actor,
        target=client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=body,
        data={"event": "contract_override", "until": until.isoformat(), "reason": reason},
    )
    audit_record(
        actor=actor,
        instance=client,
        action=AuditEntry.Action.UPDATE,
        changes={
            "contract_override_until": [
                before.isoformat() if before else None,
                client.contract_override_until.isoformat()
                if client.contract_override_until
                else None,
            ]
        }
        if before != client.contract_override_until
        else {"contract_override": [None, until.isoformat()]},
        note=_("Override: %(reason)s") % {"reason": reason},
    )
    contract_override_recorded.send(
        sender=Client,
        actor=actor,
        client=client,
        reason=reason,
        until=until,
        order=order,
        origin=origin,
    )
