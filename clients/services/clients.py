"""Client cards: create, update, flags, balance, delete and duplicate search."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.utils.translation import gettext as _

from clients.models import (
    Client,
    ClientAddress,
    ClientEmail,
    ClientPhone,
    ContactPerson,
    Tag,
)
from clients.permissions import (
    can_add_client,
    can_change_client,
    can_reassign_clients,
)
from clients.realtime import publish_client_changed
from crm.core.models import Attachment, AuditEntry, TimelineEntry
from crm.core.money import quantize
from crm.core.phones import normalize_phone, phone_digits
from crm.core.services import audit_record, diff, snapshot

CLIENT_FIELDS = [
    "kind",
    "name",
    "manager",
    "source",
    "notes",
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "bank_name",
    "bik",
    "bank_account",
    "corr_account",
    "currency",
    "language",
    "discount_percent",
    "mood",
    "needs_attention",
    "is_archived",
]
CONTACT_FIELDS = [
    "name",
    "role",
    "phone",
    "extra_phone",
    "email",
    "telegram",
    "whatsapp",
    "viber",
    "note",
]
ADDRESS_FIELDS = [
    "label",
    "city",
    "address",
    "latitude",
    "longitude",
    "receiver_name",
    "receiver_phone",
    "entrance",
    "floor",
    "apartment",
    "access_notes",
    "window_from",
    "window_to",
    "is_primary",
]


# --- Validation helpers ---------------------------------------------------------------------------
def _phone_or_error(raw: Any, field: str) -> str:
    raw = str(raw or "").strip()
    if not raw:
        return ""
    number = normalize_phone(raw)
    if number is None:
        raise ValidationError(
            {field: _("“%(phone)s” is not a valid phone number.") % {"phone": raw}}
        )
    return number


def clean_phones(phones: Iterable[Any]) -> list[str]:
    """Normalise to E.164, drop blanks and repeats; a bad number is a ``phones`` error."""
    result: list[str] = []
    for raw in phones or ():
        if isinstance(raw, dict):
            raw = raw.get("number", "")
        number = _phone_or_error(raw, "phones")
        if number and number not in result:
            result.append(number)
    return result


def clean_emails(emails: Iterable[Any]) -> list[str]:
    result: list[str] = []
    for raw in emails or ():
        email = str(raw or "").strip()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                {"emails": _("“%(email)s” is not a valid e-mail.") % {"email": email[:100]}}
            ) from exc
        if email.lower() not in (e.lower() for e in result):
            result.append(email)
    return result


def _check_client(client: Client) -> None:
    client.name = (client.name or "").strip()
    client.inn = (client.inn or "").strip()
    try:
        client.full_clean(exclude=["branch", "manager", "created_by", "merged_into"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _check_manager(actor: Any, client: Client, changing: bool) -> None:
    if actor is None or client.manager_id == getattr(actor, "pk", None):
        return
    if changing and not can_reassign_clients(actor):
        raise ValidationError(
            {"manager": _("Only the head of sales can give a client to another manager.")}
        )
    if client.manager_id and client.manager.branch_id not in (None, client.branch_id):
        raise ValidationError({"manager": _("The manager works in another branch.")})


def _sync_phones(client: Client, numbers: list[str]) -> None:
    existing = {p.number: p for p in client.phones.all()}
    keep = set(numbers)
    ClientPhone.objects.filter(client=client).exclude(number__in=keep).delete()
    for position, number in enumerate(numbers):
        phone = existing.get(number)
        if phone is None:
            ClientPhone.objects.create(
                client=client, number=number, digits=phone_digits(number), position=position
            )
        elif phone.position != position:
            phone.position = position
            phone.save(update_fields=["position"])


def _sync_emails(client: Client, emails: list[str]) -> None:
    ClientEmail.objects.filter(client=client).delete()
    ClientEmail.objects.bulk_create(
        ClientEmail(client=client, email=email, position=i) for i, email in enumerate(emails)
    )


NULLABLE = {"latitude", "longitude", "window_from", "window_to"}


def _sync_children(
    model: type, client: Client, items: Iterable[dict], fields: list[str], prepare
) -> None:
    """Update rows with an ``id``, create rows without, delete the rest (or those marked DELETE)."""
    existing = {obj.pk: obj for obj in model.objects.filter(client=client)}
    seen: set[int] = set()
    for position, item in enumerate(items or ()):
        if item.get("DELETE"):
            continue
        pk = item.get("id")
        pk = getattr(pk, "pk", pk)
        obj = existing.get(pk) if pk else None
        if obj is None:
            obj = model(client=client)
        for name in fields:
            if name in item:
                value = item[name]
                if value is None and name not in NULLABLE:
                    value = ""
                setattr(obj, name, value)
        obj.position = position
        prepare(obj)
        obj.save()
        seen.add(obj.pk)
    model.objects.filter(client=client).exclude(pk__in=seen).delete()


def _prepare_contact(contact: ContactPerson) -> None:
    contact.name = (contact.name or "").strip()
    if not contact.name:
        raise ValidationError({"contacts": _("Every contact person needs a name.")})
    contact.phone = _phone_or_error(contact.phone, "contacts")
    contact.extra_phone = _phone_or_error(contact.extra_phone, "contacts")
    contact.phone_digits = phone_digits(contact.phone)
    try:
        contact.full_clean(exclude=["client"])
    except ValidationError as exc:
        raise ValidationError({"contacts": exc.messages}) from exc


def _prepare_address(address: ClientAddress) -> None:
    address.address = (address.address or "").strip()
    if not address.address:
        raise ValidationError({"addresses": _("Every address needs the street and house.")})
    address.receiver_phone = _phone_or_error(address.receiver_phone, "addresses")
    for name in ("latitude", "longitude"):
        value = getattr(address, name)
        if value not in (None, ""):
            try:
                setattr(address, name, Decimal(str(value)).quantize(Decimal("0.000001")))
            except InvalidOperation as exc:
                raise ValidationError({"addresses": _("Coordinates must be numbers.")}) from exc
        else:
            setattr(address, name, None)
    if (address.latitude is None) != (address.longitude is None):
        raise ValidationError({"addresses": _("Set both latitude and longitude, or neither.")})
    if address.window_from and address.window_to and address.window_from >= address.window_to:
        raise ValidationError({"addresses": _("The delivery window must end after it starts.")})
    try:
        address.full_clean(exclude=["client"])
    except ValidationError as exc:
        raise ValidationError({"addresses": exc.messages}) from exc


def _check_phone_conflicts(numbers: list[str]) -> None:
    if len(numbers) != len(set(numbers)):
        raise ValidationError({"phones": _("The same phone is entered twice.")})


def _tags(names_or_tags: Iterable[Any]) -> list[Tag]:
    result = []
    for item in names_or_tags or ():
        if isinstance(item, Tag):
            result.append(item)
            continue
        name = str(item).strip()[:50]
        if name:
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            result.append(tag)
    return result


def _state(client: Client) -> dict[str, Any]:
    state = snapshot(client, CLIENT_FIELDS)
    state["phones"] = sorted(client.phones.values_list("number", flat=True))
    state["emails"] = sorted(client.emails.values_list("email", flat=True))
    state["tags"] = sorted(client.tags.values_list("name", flat=True))
    return state


# --- Create, update -------------------------------------------------------------------------------
@transaction.atomic
def client_create(
    *,
    actor: Any | None,
    branch: Any | None = None,
    phones: Iterable[Any] = (),
    emails: Iterable[str] = (),
    contacts: Iterable[dict] = (),
    addresses: Iterable[dict] = (),
    tags: Iterable[Any] = (),
    **fields: Any,
) -> Client:
    """Create a client card.

    ``actor``: the user (None for system work: imports, seeds); must have ``clients.add_client``.
    ``branch``: defaults to the actor's branch. ``phones``: raw strings in any format (normalised
    to E.164; an invalid one raises ValidationError on ``phones``). ``emails``: strings.
    ``contacts``/``addresses``: dicts with ContactPerson / ClientAddress field names. ``tags``:
    Tag objects or names. ``fields``: Client fields (``name`` required, ``kind``, ``inn``,
    ``manager``, ``source`` …); the manager defaults to the actor when the actor is a manager.
    Raises ``ValidationError`` with per-field messages; nothing is saved when it does.
    """
    if actor is not None and not can_add_client(actor):
        raise PermissionDenied
    allowed = {*CLIENT_FIELDS, "balance", "deposit", "bonus_count", "last_order_at"}
    client = Client(**{k: v for k, v in fields.items() if k in allowed})
    client.branch = branch or getattr(actor, "branch", None)
    if client.branch is None:
        raise ValidationError({"branch": _("Choose the client's branch.")})
    if actor is not None and client.manager_id is None and actor.role == "manager":
        client.manager = actor
    if actor is not None and getattr(actor, "is_authenticated", False):
        client.created_by = actor
    if actor is not None and client.manager_id:
        _check_manager(actor, client, changing=True)
    _check_client(client)
    numbers = clean_phones(phones)
    email_list = clean_emails(emails)
    client.save()
    _sync_phones(client, numbers)
    _sync_emails(client, email_list)
    _sync_children(ContactPerson, client, contacts, CONTACT_FIELDS, _prepare_contact)
    _sync_children(ClientAddress, client, addresses, ADDRESS_FIELDS, _prepare_address)
    client.tags.set(_tags(tags))
    audit_record(
        actor=actor,
        instance=client,
        action=AuditEntry.Action.CREATE,
        changes=diff({}, _state(client)),
    )
    return client


@transaction.atomic
def client_update(
    *,
    actor: Any,
    client: Client,
    phones: Iterable[Any] | None = None,
    emails: Iterable[str] | None = None,
    contacts: Iterable[dict] | None = None,
    addresses: Iterable[dict] | None = None,
    tags: Iterable[Any] | None = None,
    **fields: Any,
) -> Client:
    """Change a card; lists given replace the current ones (rows with ``id`` are kept)."""
    if not can_change_client(actor, client):
        raise PermissionDenied
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = _state(client)
    old_manager = client.manager_id
    for name, value in fields.items():
        if name in CLIENT_FIELDS:
            setattr(client, name, value)
    if client.manager_id != old_manager:
        _check_manager(actor, client, changing=True)
    _check_client(client)
    client.save()
    if phones is not None:
        _sync_phones(client, clean_phones(phones))
    if emails is not None:
        _sync_emails(client, clean_emails(emails))
    if contacts is not None:
        _sync_children(ContactPerson, client, contacts, CONTACT_FIELDS, _prepare_contact)
    if addresses is not None:
        _sync_children(ClientAddress, client, addresses, ADDRESS_FIELDS, _prepare_address)
    if tags is not None:
        client.tags.set(_tags(tags))
    changes = diff(before, _state(client))
    audit_record(actor=actor, instance=client, changes=changes)
    if changes:
        publish_client_changed(client.pk, "card")
    return client


def _set_flag(actor: Any, client: Client, **values: Any) -> Client:
    if not can_change_client(actor, client):
        raise PermissionDenied
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, list(values))
    for name, value in values.items():
        setattr(client, name, value)
    client.full_clean(exclude=["branch", "manager", "created_by", "merged_into"])
    changes = diff(before, snapshot(client, list(values)))
    if changes:
        client.save(update_fields=[*values, "updated_at"])
        audit_record(actor=actor, instance=client, changes=changes)
        publish_client_changed(client.pk, "flags")
    return client


@transaction.atomic
def client_set_mood(*, actor: Any, client: Client, mood: str) -> Client:
    if mood not in Client.Mood.values:
        raise ValidationError({"mood": _("Unknown mood.")})
    return _set_flag(actor, client, mood=mood)


@transaction.atomic
def client_set_attention(*, actor: Any, client: Client, needs_attention: bool) -> Client:
    return _set_flag(actor, client, needs_attention=bool(needs_attention))


@transaction.atomic
def client_archive(*, actor: Any, client: Client, archived: bool = True) -> Client:
    return _set_flag(actor, client, is_archived=bool(archived))


@transaction.atomic
def client_set_balance(
    *, actor: Any | None, client: Client, balance: Decimal | str | int, reason: str = ""
) -> Client:
    """Billing's way to keep the balance (positive = overpayment, negative = debt)."""
    try:
        value = quantize(str(balance))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"balance": _("Not an amount of money.")}) from exc
    if abs(value) >= Decimal("1e12"):
        raise ValidationError({"balance": _("The amount is too large.")})
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, ["balance"])
    client.balance = value
    client.save(update_fields=["balance", "updated_at"])
    changes = diff(before, snapshot(client, ["balance"]))
    audit_record(actor=actor, instance=client, changes=changes, note=reason)
    if changes:
        publish_client_changed(client.pk, "balance")
    return client


def client_set_containers_held(*, client_id: int, count: int) -> None:
    """The containers ledger's way to keep "containers at the client's sites" on the card."""
    updated = Client.objects.filter(pk=client_id).exclude(containers_held=count)
    if updated.update(containers_held=count):
        publish_client_changed(client_id, "containers")


def client_record_order(*, client_id: int, when: Any) -> None:
    """Orders' way to keep "last order" on the card (only ever moves forward)."""
    Client.objects.filter(pk=client_id).filter(
        Q(last_order_at__isnull=True) | Q(last_order_at__lt=when)
    ).update(last_order_at=when)


def client_set_bonus_count(*, client_id: int, count: int) -> None:
    """Orders' way to show the bonus counter (units towards the next gift) on the card."""
    Client.objects.filter(pk=client_id).update(bonus_count=max(int(count), 0))


def client_has_history(client: Client) -> bool:
    ct = ContentType.objects.get_for_model(Client)
    keys = {"content_type": ct, "object_id": client.pk}
    return (
        client.balance != 0
        or client.last_order_at is not None
        or TimelineEntry.objects.filter(**keys).exists()
        or Attachment.objects.filter(**keys).exists()
        or AuditEntry.objects.filter(**keys).exclude(action=AuditEntry.Action.CREATE).exists()
        or Client.objects.filter(merged_into=client).exists()
        or any(qs.exists() for qs in _linked_elsewhere(client))
    )


def _linked_elsewhere(client: Client) -> list[QuerySet]:
    """Rows of other apps (leads, tasks, orders…) that point at the client."""
    own = {ClientPhone, ClientEmail, ContactPerson, ClientAddress, Client}
    return [
        relation.related_model._base_manager.filter(**{relation.field.name: client})
        for relation in Client._meta.related_objects
        if relation.related_model not in own and (relation.one_to_many or relation.one_to_one)
    ]


@transaction.atomic
def client_delete(*, actor: Any, client: Client) -> None:
    """Only a card entered by mistake (no history, no money, nothing linked) may be deleted."""
    if not actor.has_perm("clients.delete_client") or not can_change_client(actor, client):
        raise PermissionDenied
    message = _("This client has history. Archive the client instead of deleting.")
    if client_has_history(client):
        raise ValidationError(message)
    try:
        with transaction.atomic():
            client.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(message) from exc


# --- Duplicates and merge -------------------------------------------------------------------------
def client_find_duplicates(
    *,
    phone: str | None = None,
    email: str | None = None,
    inn: str | None = None,
    branch: Any | None = None,
    exclude: Client | None = None,
) -> QuerySet[Client]:
    """Clients (not merged away) that share a phone (any format; matched in E.164 on the card
    and its contact persons), an e-mail (case-insensitive) or an INN, within ``branch`` when
    given. Empty or invalid values match nothing. Returns a queryset, best first by name."""
    conditions = Q()
    number = normalize_phone(phone or "")
    if number:
        conditions |= Q(phones__number=number) | Q(contacts__phone_digits=phone_digits(number))
    email = (email or "").strip()
    if email and "@" in email:
        conditions |= Q(emails__email__iexact=email)
    inn = (inn or "").strip()
    if inn and inn.isdigit():
        conditions |= Q(inn=inn)
    if not conditions:
        return Client.objects.none()
    qs = Client.objects.filter(conditions, merged_into__isnull=True)
    if branch is not None:
        qs = qs.filter(branch=branch)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    ids = qs.values("pk")
    return Client.objects.filter(pk__in=ids).select_related("manager").order_by("name", "pk")
