"""Depots and vehicles: saved through here so every change is checked and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from crm.core.models import AuditEntry
from crm.core.services import audit_record, diff, snapshot
from routes.models import Depot, Vehicle
from routes.permissions import can_manage_fleet

VEHICLE_FIELDS = [
    "plate",
    "name",
    "depot",
    "capacity_kg",
    "capacity_containers",
    "cost_per_km",
    "cost_per_hour",
    "fixed_cost",
    "fuel_per_100km",
    "fuel_price",
    "skills",
    "driver",
    "shift_start",
    "shift_end",
    "is_active",
]
DEPOT_FIELDS = ["name", "address", "latitude", "longitude", "opens_at", "closes_at", "is_active"]


def _save(actor: Any, instance: Model, fields: list[str], before: dict | None) -> Model:
    if not can_manage_fleet(actor):
        raise PermissionDenied
    instance.full_clean()
    with transaction.atomic():
        created = instance.pk is None
        instance.save()
        audit_record(
            actor=actor,
            instance=instance,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes=diff(before or {}, snapshot(instance, fields)),
        )
    return instance


def vehicle_save(*, actor: Any, vehicle: Vehicle, before: dict | None = None) -> Vehicle:
    """``vehicle`` carries the new values; ``before`` the snapshot taken before they were set."""
    if vehicle.driver_id and vehicle.driver.branch_id != vehicle.branch_id:
        raise ValidationError({"driver": [_("Choose a driver of this branch.")]})
    if vehicle.depot.branch_id != vehicle.branch_id:
        raise ValidationError({"depot": [_("Choose a depot of this branch.")]})
    return _save(actor, vehicle, VEHICLE_FIELDS, before)


def depot_save(*, actor: Any, depot: Depot, before: dict | None = None) -> Depot:
    return _save(actor, depot, DEPOT_FIELDS, before)
