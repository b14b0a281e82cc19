"""HR writes about field staff: skills and category, and a logged manual rating adjustment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.accounts.models import User
from crm.accounts.models_schedules import StaffProfile
from crm.accounts.models_skills import RatingAdjustment
from crm.accounts.permissions_schedules import can_manage_schedules, schedule_staff_for
from crm.core.services import audit_record


def _require(actor: Any, user: User) -> None:
    if not can_manage_schedules(actor) or not schedule_staff_for(actor).filter(pk=user.pk).exists():
        raise PermissionDenied


@transaction.atomic
def staff_profile_update(
    *,
    actor: Any,
    user: User,
    skills: list[Any],
    category: str = "",
    vacation_days_per_year: int = 28,
) -> StaffProfile:
    _require(actor, user)
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    before = (sorted(s.name for s in profile.skills.all()), profile.category)
    profile.category = category.strip()
    profile.vacation_days_per_year = vacation_days_per_year
    profile.save(update_fields=["category", "vacation_days_per_year"])
    profile.skills.set(skills)
    after = (sorted(s.name for s in skills), profile.category)
    if before != after:
        audit_record(
            actor=actor,
            instance=user,
            changes={"skills": [before[0], after[0]], "category": [before[1], after[1]]},
        )
    return profile


@transaction.atomic
def rating_adjust(*, actor: Any, user: User, delta: Decimal, reason: str) -> RatingAdjustment:
    """A manual correction of the computed rating, kept with who made it and why."""
    _require(actor, user)
    if not delta or abs(delta) > 5:
        raise ValidationError({"delta": _("Give a change between −5 and 5, not zero.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the rating changes.")})
    return RatingAdjustment.objects.create(
        user=user, delta=delta, reason=reason.strip(), actor=actor
    )
