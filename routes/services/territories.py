"""Territories (which vans serve which part of the map) and products that need a special van:
saved through here so every change is checked and audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.core.models import AuditEntry
from crm.core.services import audit_record, diff, snapshot
from crm.orders.models import Product
from routes.models import ProductRequirement, Territory, Vehicle, VehicleSkill
from routes.permissions import can_manage_fleet

TERRITORY_FIELDS = ["name", "colour", "polygon", "position", "is_active"]
MAX_CORNERS = 200


def _check(actor: Any) -> None:
    if not can_manage_fleet(actor):
        raise PermissionDenied


def clean_polygon(value: Any) -> list[list[float]]:
    """``[[lat, lon], …]`` with at least three corners inside the world's ranges."""
    if not isinstance(value, list) or not 3 <= len(value) <= MAX_CORNERS:
        raise ValidationError({"polygon": [_("Draw the area on the map: at least three corners.")]})
    corners = []
    for corner in value:
        try:
            lat, lon = float(corner[0]), float(corner[1])
        except (TypeError, ValueError, IndexError):
            raise ValidationError({"polygon": [_("The area is not a list of points.")]}) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"polygon": [_("A corner lies outside the map.")]})
        corners.append([round(lat, 6), round(lon, 6)])
    return corners


def territory_save(
    *,
    actor: Any,
    territory: Territory,
    vehicles: Iterable[Vehicle],
    before: dict | None = None,
) -> Territory:
    """``territory`` carries the new values; ``vehicles`` are its vans (of its branch)."""
    _check(actor)
    vans = list(vehicles)
    if any(v.branch_id != territory.branch_id for v in vans):
        raise ValidationError({"vehicles": [_("Choose vans of this branch.")]})
    territory.polygon = clean_polygon(territory.polygon)
    territory.full_clean()
    with transaction.atomic():
        created = territory.pk is None
        old_vans = [] if created else sorted(territory.vehicles.values_list("plate", flat=True))
        territory.save()
        territory.vehicles.set(vans)
        after = {**snapshot(territory, TERRITORY_FIELDS), "vehicles": sorted(v.plate for v in vans)}
        audit_record(
            actor=actor,
            instance=territory,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes=diff({**(before or {}), "vehicles": old_vans}, after),
        )
    return territory


def requirement_add(*, actor: Any, product: Product, skill: str) -> ProductRequirement:
    _check(actor)
    if skill not in VehicleSkill.values:
        raise ValidationError({"skill": [_("Choose what the van needs.")]})
    try:
        with transaction.atomic():
            requirement = ProductRequirement.objects.create(product=product, skill=skill)
            audit_record(
                actor=actor,
                instance=product,
                changes={"vehicle_requirements": [None, skill]},
                note=_("Needs a van with: %(skill)s") % {"skill": requirement.get_skill_display()},
            )
    except IntegrityError:
        raise ValidationError({"skill": [_("This product already needs such a van.")]}) from None
    return requirement


def requirement_remove(*, actor: Any, product: Product, skill: str) -> bool:
    """Remove the requirement if it is there (``False``: it was not: nothing changed)."""
    _check(actor)
    with transaction.atomic():
        deleted, _rows = ProductRequirement.objects.filter(product=product, skill=skill).delete()
        if deleted:
            audit_record(
                actor=actor,
                instance=product,
                changes={"vehicle_requirements": [skill, None]},
                note=_("No longer needs a van with: %(skill)s")
                % {"skill": VehicleSkill(skill).label},
            )
    return bool(deleted)
