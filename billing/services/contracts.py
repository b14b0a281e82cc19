"""Contracts: clause templates with placeholders, assembling a contract's text, terms and tariff
lines, activation and termination, supplementary agreements, directors' overrides, and the
contract state kept on the client (``clients.services.billing_state``).

Every write re-checks the role and the client's scope, writes a history row and re-syncs the
client's contract state, so orders, routes and the tablet (which read ``Client.contract_state``)
see the change at once."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from billing.models import (
    ClauseTemplate,
    Contract,
    ContractOverride,
    ContractStatus,
    ContractTariff,
    ContractType,
    DocKind,
    Organisation,
    SupplementaryAgreement,
)
from billing.permissions import can_manage_contract
from billing.roles import OVERRIDE_CONTRACT
from billing.services.numbering import next_number
from clients.contract_guard import record_contract_override
from clients.models import Client, ContractState
from clients.permissions import clients_for
from clients.services.billing_state import client_set_contract_state
from crm.core.models import AuditEntry, TimelineEntry
from crm.core.services import audit_record, diff, snapshot, timeline_add
from crm.orders.models import VatRate

# --- Placeholders ---------------------------------------------------------------------------------
PLACEHOLDERS: tuple[str, ...] = (
    "client.name",
    "client.inn",
    "client.kpp",
    "client.legal_address",
    "client.bank_name",
    "client.bik",
    "client.bank_account",
    "organisation.name",
    "organisation.inn",
    "organisation.director_name",
    "contract.number",
    "contract.starts_on",
    "contract.ends_on",
    "contract.payment_days",
    "contract.credit_limit",
    "tariffs",
    "today",
)
_PLACEHOLDER = re.compile(r"\{([^{}\n]{0,60})\}")
TERMS = ["starts_on", "ends_on", "signed_on", "billing_period", "payment_days", "credit_limit"]


def placeholders_in(text: str) -> list[str]:
    return [m.strip() for m in _PLACEHOLDER.findall(text or "")]


def unknown_placeholders(text: str) -> list[str]:
    seen: list[str] = []
    for name in placeholders_in(text):
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def validate_placeholders(text: str) -> None:
    """Refuse a clause whose text names a placeholder we cannot fill (a typo shows up on save,
    not as ``{client.nmae}`` in a signed contract)."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Known: %(known)s.")
            % {
                "names": ", ".join(f"{{{n}}}" for n in unknown),
                "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def _date(value: datetime.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def money(value: Decimal, currency: str) -> str:
    return f"{number_format(value, 2, force_grouping=True)} {currency}"


def _vat(rate: str) -> str:
    return _("no VAT") if rate == VatRate.NONE else _("VAT %(rate)s%%") % {"rate": rate}


def tariffs_text(contract: Contract) -> str:
    lines = []
    for n, t in enumerate(contract.tariffs.all(), start=1):
        quantity = number_format(t.quantity.normalize(), use_l10n=True)
        lines.append(
            f"{n}. {t.name} — {quantity} {t.get_unit_display()} × "
            f"{money(t.price, contract.currency)} ({_vat(t.vat_rate)})"
        )
    return "\n".join(lines) if lines else _("(no tariff lines)")


def placeholder_values(contract: Contract, today: datetime.date | None = None) -> dict[str, str]:
    client, org = contract.client, contract.organisation
    return {
        "client.name": client.name,
        "client.inn": client.inn or "—",
        "client.kpp": client.kpp or "—",
        "client.legal_address": client.legal_address or "—",
        "client.bank_name": client.bank_name or "—",
        "client.bik": client.bik or "—",
        "client.bank_account": client.bank_account or "—",
        "organisation.name": org.name,
        "organisation.inn": org.inn or "—",
        "organisation.director_name": org.director_name or "—",
        "contract.number": contract.number or "—",
        "contract.starts_on": _date(contract.starts_on),
        "contract.ends_on": _date(contract.ends_on),
        "contract.payment_days": str(contract.payment_days),
        "contract.credit_limit": money(contract.credit_limit, contract.currency),
        "tariffs": tariffs_text(contract),
        "today": _date(today or timezone.localdate()),
    }


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text)


def assemble_contract_text(contract: Contract) -> str:
    """The contract's clauses (in the templates' order) with the placeholders filled."""
    values = placeholder_values(contract)
    parts = []
    for clause in contract.clauses.order_by("position", "number", "pk"):
        body = fill_placeholders(clause.body, values).strip()
        parts.append(f"{clause.number}. {clause.title}\n{body}")
    return "\n\n".join(parts)


# --- Directories ----------------------------------------------------------------------------------
def clauses_for_type(contract_type: ContractType | None) -> Any:
    """Active clauses offered for a contract type: its own and the common ones."""
    qs = ClauseTemplate.objects.filter(is_active=True)
    if contract_type is None:
        return qs.filter(contract_type__isnull=True)
    return qs.filter(Q(contract_type=contract_type) | Q(contract_type__isnull=True))


def organisation_for_client(client: Client) -> Organisation | None:
    org = Organisation.objects.filter(is_active=True, branches=client.branch_id).first()
    return org or Organisation.objects.filter(is_active=True).first()


# --- Contract state on the client -----------------------------------------------------------------
def contract_state_for(contracts: Iterable[Contract], today: datetime.date) -> tuple[str, Any]:
    """(state, valid_until): valid today; "expired" when a signed contract has ended (or was
    terminated) and none is valid; "none" when there are only drafts or future contracts."""
    contracts = list(contracts)
    valid = [c for c in contracts if c.is_valid_on(today)]
    if valid:
        ends = [c.ends_on for c in valid]
        return ContractState.VALID, None if None in ends else max(ends)
    ended = [
        c
        for c in contracts
        if c.status == ContractStatus.TERMINATED
        or (c.status == ContractStatus.ACTIVE and c.ends_on and c.ends_on < today)
    ]
    if not ended:
        return ContractState.NONE, None
    dates = [c.ends_on for c in ended if c.ends_on]
    return ContractState.EXPIRED, max(dates) if dates else None


def sync_client_contract_state(client_id: int, today: datetime.date | None = None) -> str:
    """Copy "has a contract valid today" onto the client; returns the state. Drafts alone count
    as no contract; a client whose active or terminated contracts all ended is "expired"."""
    today = today or timezone.localdate()
    contracts = Contract.objects.filter(client_id=client_id).only(
        "status", "starts_on", "ends_on", "client_id"
    )
    state, until = contract_state_for(contracts, today)
    client_set_contract_state(client_id=client_id, state=state, valid_until=until)
    return state


def sync_all_contract_states(today: datetime.date | None = None) -> int:
    """The daily task: every client with contracts, or still marked as having one."""
    today = today or timezone.localdate()
    ids = set(Contract.objects.values_list("client_id", flat=True).distinct())
    ids |= set(
        Client.objects.exclude(contract_state=ContractState.NONE).values_list("pk", flat=True)
    )
    for client_id in sorted(ids):
        sync_client_contract_state(client_id, today)
    return len(ids)


def _after_change(contract: Contract) -> None:
    sync_client_contract_state(contract.client_id)


# --- Contracts ------------------------------------------------------------------------------------
def _check(actor: Any, client: Client) -> None:
    if actor is not None and not can_manage_contract(actor, client):
        raise PermissionDenied


def _validate_terms(data: dict[str, Any]) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        raise ValidationError({"ends_on": _("The contract cannot end before it starts.")})
    if data.get("credit_limit") is not None and data["credit_limit"] < 0:
        raise ValidationError({"credit_limit": _("The credit limit cannot be negative.")})


def _replace_tariffs(contract: Contract, tariffs: list[dict[str, Any]]) -> None:
    contract.tariffs.all().delete()
    rows = []
    for position, row in enumerate(tariffs):
        product = row.get("product")
        name = (row.get("name") or "").strip() or (product.name if product else "")
        if not name:
            raise ValidationError({"tariffs": _("Every tariff line needs a service or product.")})
        rows.append(
            ContractTariff(
                contract=contract,
                product=product,
                name=name,
                unit=row.get("unit") or (product.unit if product else "service"),
                quantity=row.get("quantity") or Decimal("1"),
                price=row["price"] if row.get("price") is not None else product.price,
                vat_rate=row.get("vat_rate") or (product.vat_rate if product else "20"),
                position=position,
            )
        )
    ContractTariff.objects.bulk_create(rows)


def _tariff_state(contract: Contract) -> dict[str, Any]:
    return {
        "tariffs": [
            f"{t.name} × {t.quantity.normalize()} @ {t.price} ({t.vat_rate})"
            for t in contract.tariffs.all()
        ]
    }


def _log(actor: Any, contract: Contract, body: str) -> None:
    timeline_add(
        actor=actor,
        target=contract.client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=body,
        data={"event": "contract", "contract": contract.pk},
    )


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    client: Client,
    organisation: Organisation,
    contract_type: ContractType | None,
    clauses: Iterable[ClauseTemplate],
    terms: dict[str, Any],
    tariffs: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> Contract:
    """A draft contract with a fresh number (``ДОГ-2026-000001``) and its text assembled."""
    _check(actor, client)
    _validate_terms(terms)
    on = terms.get("signed_on") or terms["starts_on"]
    contract = Contract(
        organisation=organisation,
        client=client,
        contract_type=contract_type,
        currency=client.currency or organisation.currency,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{k: v for k, v in terms.items() if k in TERMS},
    )
    contract.number = next_number(organisation=organisation, kind=DocKind.CONTRACT, on=on)
    contract.save()
    contract.clauses.set(list(clauses))
    _replace_tariffs(contract, list(tariffs))
    contract.text = assemble_contract_text(contract)
    contract.save(update_fields=["text"])
    audit_record(actor=actor, instance=contract, action=AuditEntry.Action.CREATE)
    _log(actor, contract, _("Contract %(number)s drafted.") % {"number": contract.number})
    _after_change(contract)
    return contract


@transaction.atomic
def contract_update(
    *,
    actor: Any,
    contract: Contract,
    terms: dict[str, Any],
    clauses: Iterable[ClauseTemplate] | None = None,
    tariffs: list[dict[str, Any]] | None = None,
) -> Contract:
    """New terms, clauses or tariff lines; the text follows unless it was edited by hand."""
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    if contract.status == ContractStatus.TERMINATED:
        raise ValidationError(_("A terminated contract cannot be changed."))
    _validate_terms({**{n: getattr(contract, n) for n in TERMS}, **terms})
    before = {**snapshot(contract, TERMS), **_tariff_state(contract)}
    for name, value in terms.items():
        if name in TERMS:
            setattr(contract, name, value)
    contract.save()
    if clauses is not None:
        contract.clauses.set(list(clauses))
    if tariffs is not None:
        _replace_tariffs(contract, tariffs)
    if not contract.text_edited:
        contract.text = assemble_contract_text(contract)
        contract.save(update_fields=["text", "updated_at"])
    after = {**snapshot(contract, TERMS), **_tariff_state(contract)}
    audit_record(actor=actor, instance=contract, changes=diff(before, after))
    _after_change(contract)
    return contract


@transaction.atomic
def contract_set_text(*, actor: Any, contract: Contract, text: str) -> Contract:
    """The text edited for this client: kept as it is until someone re-assembles it."""
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The contract text cannot be empty.")})
    if text != contract.text:
        contract.text, contract.text_edited = text, True
        contract.save(update_fields=["text", "text_edited", "updated_at"])
        audit_record(actor=actor, instance=contract, changes={"text": ["…", _("edited")]})
    return contract


@transaction.atomic
def contract_reassemble(*, actor: Any, contract: Contract) -> Contract:
    """Throw away hand edits and assemble the text from the clauses again."""
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    contract.text, contract.text_edited = assemble_contract_text(contract), False
    contract.save(update_fields=["text", "text_edited", "updated_at"])
    audit_record(actor=actor, instance=contract, changes={"text": [_("edited"), _("re-assembled")]})
    return contract


@transaction.atomic
def contract_activate(*, actor: Any, contract: Contract) -> Contract:
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(_("Only a draft contract can be activated."))
    if not contract.text.strip():
        raise ValidationError(_("The contract has no text: choose clauses first."))
    contract.status = ContractStatus.ACTIVE
    contract.signed_on = contract.signed_on or timezone.localdate()
    contract.save(update_fields=["status", "signed_on", "updated_at"])
    audit_record(
        actor=actor, instance=contract, changes={"status": [ContractStatus.DRAFT, contract.status]}
    )
    _log(actor, contract, _("Contract %(number)s is in force.") % {"number": contract.number})
    _after_change(contract)
    return contract


@transaction.atomic
def contract_terminate(
    *, actor: Any, contract: Contract, reason: str, on: datetime.date | None = None
) -> Contract:
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for terminating the contract.")})
    if contract.status == ContractStatus.TERMINATED:
        raise ValidationError(_("The contract is already terminated."))
    on = on or timezone.localdate()
    before = snapshot(contract, ["status", "ends_on"])
    contract.status = ContractStatus.TERMINATED
    if contract.ends_on is None or contract.ends_on > on:
        contract.ends_on = on
    contract.save(update_fields=["status", "ends_on", "updated_at"])
    audit_record(
        actor=actor,
        instance=contract,
        changes=diff(before, snapshot(contract, ["status", "ends_on"])),
        note=reason,
    )
    _log(
        actor,
        contract,
        _("Contract %(number)s terminated: %(reason)s")
        % {"number": contract.number, "reason": reason},
    )
    _after_change(contract)
    return contract


@transaction.atomic
def agreement_add(
    *,
    actor: Any,
    contract: Contract,
    signed_on: datetime.date,
    text: str,
    starts_on: datetime.date | None = None,
    new_ends_on: datetime.date | None = None,
) -> SupplementaryAgreement:
    """A supplementary agreement (numbered ``ДС-2026-…``); it may extend the contract."""
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    _check(actor, contract.client)
    if contract.status == ContractStatus.TERMINATED:
        raise ValidationError(_("A terminated contract cannot get new agreements."))
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the agreement's text.")})
    if new_ends_on and new_ends_on < contract.starts_on:
        raise ValidationError({"new_ends_on": _("The contract cannot end before it starts.")})
    agreement = SupplementaryAgreement.objects.create(
        contract=contract,
        number=next_number(
            organisation=contract.organisation, kind=DocKind.AGREEMENT, on=signed_on
        ),
        signed_on=signed_on,
        starts_on=starts_on,
        new_ends_on=new_ends_on,
        text=text.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if new_ends_on and new_ends_on != contract.ends_on:
        before = contract.ends_on
        contract.ends_on = new_ends_on
        contract.save(update_fields=["ends_on", "updated_at"])
        audit_record(
            actor=actor,
            instance=contract,
            changes={"ends_on": [before.isoformat() if before else None, new_ends_on.isoformat()]},
            note=str(agreement.number),
        )
    _log(
        actor,
        contract,
        _("Supplementary agreement %(agreement)s to contract %(number)s.")
        % {"agreement": agreement.number, "number": contract.number},
    )
    _after_change(contract)
    return agreement


# --- Overrides ------------------------------------------------------------------------------------
@transaction.atomic
def contract_override_grant(
    *, actor: Any, client: Client, reason: str, until: datetime.date, order: Any | None = None
) -> ContractOverride:
    """A director lets work go on for a client without a valid contract until ``until``."""
    if (
        not actor.has_perm(OVERRIDE_CONTRACT)
        or not clients_for(actor).filter(pk=client.pk).exists()
    ):
        raise PermissionDenied
    if until < timezone.localdate():
        raise ValidationError({"valid_until": _("The date is in the past.")})
    record_contract_override(
        actor=actor, client=client, reason=reason, until=until, order=order, origin="billing"
    )
    return ContractOverride.objects.create(
        client=client, order=order, granted_by=actor, reason=reason.strip(), valid_until=until
    )


def on_override_recorded(
    *, actor: Any, client: Client, reason: str, until: Any, order: Any, origin: str, **_: Any
) -> None:
    """An override given elsewhere (the order form): billing keeps its own record of it."""
    if origin == "billing" or actor is None:
        return
    ContractOverride.objects.create(
        client=client, order=order, granted_by=actor, reason=reason, valid_until=until
    )


def next_position() -> int:
    return (ClauseTemplate.objects.aggregate(m=Max("position"))["m"] or 0) + 10
