"""Merging a duplicate card into the one kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import Client, ClientAddress, ClientEmail, ClientPhone, ContactPerson
from clients.permissions import can_change_client, can_merge_clients
from clients.services.clients import _state
from crm.core.models import Attachment, AuditEntry, TimelineEntry
from crm.core.services import audit_record, diff, timeline_add

MERGE_FILL_FIELDS = [
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "bank_name",
    "bik",
    "bank_account",
    "corr_account",
    "source",
    "notes",
    "manager",
]


@transaction.atomic
def client_merge(*, actor: Any, keep: Client, other: Client) -> Client:
    """Move everything of ``other`` onto ``keep`` and archive ``other`` (merged_into=keep):
    phones, e-mails, contacts, addresses, tags, timeline, files, history, money facts, and every
    foreign key another app has to the client."""
    if (
        not can_merge_clients(actor)
        or not can_change_client(actor, keep)
        or not can_change_client(actor, other)
    ):
        raise PermissionDenied
    if keep.pk == other.pk:
        raise ValidationError(_("Choose two different clients."))
    keep, other = (
        Client.objects.select_for_update().get(pk=keep.pk),
        Client.objects.select_for_update().get(pk=other.pk),
    )
    if keep.branch_id != other.branch_id:
        raise ValidationError(_("Clients of different branches cannot be merged."))
    if other.merged_into_id:
        raise ValidationError(_("This client was already merged into another one."))
    before = _state(keep)

    kept_numbers = set(keep.phones.values_list("number", flat=True))
    other.phones.filter(number__in=kept_numbers).delete()
    offset = len(kept_numbers)
    for phone in other.phones.all():
        phone.client, phone.position = keep, phone.position + offset
        phone.save(update_fields=["client", "position"])
    kept_emails = {e.lower() for e in keep.emails.values_list("email", flat=True)}
    for email in other.emails.all():
        if email.email.lower() in kept_emails:
            email.delete()
        else:
            email.client = keep
            email.save(update_fields=["client"])
    other.contacts.update(client=keep)
    other.addresses.update(client=keep, is_primary=False)
    keep.tags.add(*other.tags.all())

    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    keep.balance += other.balance
    keep.deposit += other.deposit
    keep.bonus_count += other.bonus_count
    keep.needs_attention = keep.needs_attention or other.needs_attention
    if other.last_order_at and (not keep.last_order_at or other.last_order_at > keep.last_order_at):
        keep.last_order_at = other.last_order_at
    keep.save()

    ct = ContentType.objects.get_for_model(Client)
    for model in (TimelineEntry, Attachment, AuditEntry):
        model.objects.filter(content_type=ct, object_id=other.pk).update(object_id=keep.pk)

    own = {ClientPhone, ClientEmail, ContactPerson, ClientAddress}
    for relation in Client._meta.related_objects:
        related = relation.related_model
        if related in own or (relation.field.name == "merged_into" and related is Client):
            continue
        if relation.many_to_many:
            continue
        if relation.one_to_many or relation.one_to_one:
            related._base_manager.filter(**{relation.field.name: other}).update(
                **{relation.field.name: keep}
            )
    for field in Client._meta.many_to_many:
        if field.name != "tags":
            getattr(keep, field.name).add(*getattr(other, field.name).all())

    Client.objects.filter(merged_into=other).update(merged_into=keep)
    other.balance = other.deposit = Decimal("0")
    other.bonus_count = 0
    other.is_archived = True
    other.merged_into = keep
    other.save(
        update_fields=[
            "balance",
            "deposit",
            "bonus_count",
            "is_archived",
            "merged_into",
            "updated_at",
        ]
    )

    note = _("Merged “%(other)s” (#%(pk)s) into this card") % {"other": other.name, "pk": other.pk}
    audit_record(
        actor=actor,
        instance=keep,
        changes=diff(before, _state(keep)) or {"merged": [None, other.pk]},
        note=note,
    )
    audit_record(
        actor=actor,
        instance=other,
        changes={"merged_into": [None, str(keep)]},
        note=_("Merged into “%(keep)s” (#%(pk)s)") % {"keep": keep.name, "pk": keep.pk},
    )
    timeline_add(actor=actor, target=keep, kind=TimelineEntry.Kind.SYSTEM, body=note)
    return keep
