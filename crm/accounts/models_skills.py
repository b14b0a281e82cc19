"""Skills (competences) of field staff, and the logged manual adjustments of their rating.
Imported at the end of ``crm/accounts/models.py``; the rest of an employee's HR facts live on
``StaffProfile``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    """A competence an order may need: loader, rigger, dangerous-goods licence, florist…"""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class RatingAdjustment(models.Model):
    """A manual correction of an employee's rating, with who made it and why."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rating_adjustments",
        verbose_name=_("employee"),
    )
    delta = models.DecimalField(
        _("change"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(-5), MaxValueValidator(5)],
    )
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating adjustment")
        verbose_name_plural = _("rating adjustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(delta__gte=-5) & Q(delta__lte=5) & ~Q(delta=0),
                name="accounts_ratingadjustment_delta_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.delta:+}"
