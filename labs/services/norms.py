"""The lab's norms and capacity, edited by admins and directors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.core.services import audit_record, diff, snapshot
from labs.models import LabNorms
from labs.permissions import can_manage_norms
from labs.services.planning import norms_for

FIELDS = ["calculation_days", "sample_days", "per_technician_per_day"]


@transaction.atomic
def lab_norms_update(
    *, actor: Any, branch: Any, calculation_days: int, sample_days: int, per_technician: Decimal
) -> LabNorms:
    if actor is not None and not can_manage_norms(actor):
        raise PermissionDenied
    errors = {}
    for name, value in (("calculation_days", calculation_days), ("sample_days", sample_days)):
        if not 1 <= int(value) <= 60:
            errors[name] = [_("From 1 to 60 working days.")]
    if not Decimal("0.1") <= per_technician <= Decimal("100"):
        errors["per_technician_per_day"] = [_("From 0.1 to 100 requests a day.")]
    if errors:
        raise ValidationError(errors)
    norms = LabNorms.objects.select_for_update().get(pk=norms_for(branch).pk)
    before = snapshot(norms, FIELDS)
    norms.calculation_days = int(calculation_days)
    norms.sample_days = int(sample_days)
    norms.per_technician_per_day = per_technician
    norms.save(update_fields=[*FIELDS, "updated_at"])
    audit_record(actor=actor, instance=norms, changes=diff(before, snapshot(norms, FIELDS)))
    return norms
