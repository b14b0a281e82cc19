"""A user's saved client-list filters."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import SavedFilter


def _filter_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("The name is too long (80 characters at most).")})
    return name


@transaction.atomic
def saved_filter_create(*, actor: Any, name: str, querystring: str) -> SavedFilter:
    name = _filter_name(name)
    querystring = (querystring or "").lstrip("?")[:2000]
    if SavedFilter.objects.filter(user=actor, name=name).exists():
        raise ValidationError({"name": _("You already have a filter with this name.")})
    return SavedFilter.objects.create(user=actor, name=name, querystring=querystring)


@transaction.atomic
def saved_filter_rename(*, actor: Any, saved_filter: SavedFilter, name: str) -> SavedFilter:
    if saved_filter.user_id != actor.pk:
        raise PermissionDenied
    name = _filter_name(name)
    if SavedFilter.objects.filter(user=actor, name=name).exclude(pk=saved_filter.pk).exists():
        raise ValidationError({"name": _("You already have a filter with this name.")})
    saved_filter.name = name
    saved_filter.save(update_fields=["name"])
    return saved_filter


@transaction.atomic
def saved_filter_delete(*, actor: Any, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != actor.pk:
        raise PermissionDenied
    saved_filter.delete()
