"""Staff schedules: shift templates (cycles), planned shifts per person and day, time off
(sick leave, vacation, day off — requested by the employee or marked by HR) and the yearly
vacation allowance. Imported at the end of ``crm/accounts/models.py``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WORK, OFF = "W", "O"


def shift_hours(start: datetime.time, end: datetime.time) -> Decimal:
    """Hours between two clock times; an end at or before the start means the next day."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if minutes <= 0:
        minutes += 24 * 60
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


class ShiftTemplate(models.Model):
    """A repeating cycle of working (W) and off (O) days with one shift time: 2/2 is ``WWOO``,
    5/2 is ``WWWWWOO`` (applied from a Monday), 3/3 is ``WWWOOO``; any custom cycle works."""

    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.CASCADE,
        related_name="shift_templates",
        verbose_name=_("branch"),
    )
    name = models.CharField(_("name"), max_length=80)
    cycle = models.CharField(
        _("cycle"),
        max_length=62,
        validators=[
            RegexValidator(
                r"^[WO]*W[WO]*$", _("Use W for a working day and O for a day off, e.g. WWOO.")
            )
        ],
        help_text=_("W — working day, O — day off, e.g. WWOO for 2/2, WWWWWOO for 5/2."),
    )
    starts_at = models.TimeField(_("shift starts"), default=datetime.time(9, 0))
    ends_at = models.TimeField(
        _("shift ends"),
        default=datetime.time(18, 0),
        help_text=_("An end before the start means the shift ends the next morning."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="accounts_shifttemplate_name"),
            models.CheckConstraint(
                condition=Q(cycle__regex=r"^[WO]*W[WO]*$"), name="accounts_shifttemplate_cycle"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hours(self) -> Decimal:
        return shift_hours(self.starts_at, self.ends_at)

    def works_on(self, offset: int) -> bool:
        """Whether the ``offset``-th day from the start of the cycle is a working day."""
        return self.cycle[offset % len(self.cycle)] == WORK


class Shift(models.Model):
    """One planned shift of one employee on one day (the day the shift starts, branch time)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shifts",
        verbose_name=_("employee"),
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    template = models.ForeignKey(
        ShiftTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
        verbose_name=_("template"),
    )

    class Meta:
        ordering = ["day", "starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        permissions = [
            ("manage_schedules", _("Can plan staff schedules and time off")),
            ("view_schedules", _("Can see the staff schedules of the branch")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="accounts_shift_user_day"),
        ]
        indexes = [models.Index(fields=["day", "user"])]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def hours(self) -> Decimal:
        return shift_hours(self.starts_at, self.ends_at)

    def span(self, tz: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
        start = datetime.datetime.combine(self.day, self.starts_at, tzinfo=tz)
        end = datetime.datetime.combine(self.day, self.ends_at, tzinfo=tz)
        if end <= start:
            end += datetime.timedelta(days=1)
        return start, end


class TimeOffKind(models.TextChoices):
    DAY_OFF = "day_off", _("Time off")
    SICK = "sick", _("Sick leave")
    VACATION = "vacation", _("Vacation")
    UNPLANNED = "unplanned", _("Unplanned day off")


class TimeOffStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


#: Who may move a request where: HR/admin decide; a declined request stays declined.
TIME_OFF_TRANSITIONS: dict[str, frozenset[str]] = {
    TimeOffStatus.REQUESTED: frozenset({TimeOffStatus.APPROVED, TimeOffStatus.DECLINED}),
    TimeOffStatus.APPROVED: frozenset({TimeOffStatus.DECLINED}),
    TimeOffStatus.DECLINED: frozenset(),
}


class TimeOff(models.Model):
    """One day an employee does not work. Marked by HR (approved at once) or requested by the
    employee (approved or declined by HR/admin). Only approved days make someone absent."""

    Kind = TimeOffKind
    Status = TimeOffStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="time_off",
        verbose_name=_("employee"),
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=TimeOffKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=TimeOffStatus.choices, default=TimeOffStatus.APPROVED
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            # one live (requested or approved) record per person and day
            models.UniqueConstraint(
                fields=["user", "day"],
                condition=~Q(status="declined"),
                name="accounts_timeoff_user_day_live",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TimeOffKind.values), name="accounts_timeoff_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=TimeOffStatus.values), name="accounts_timeoff_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["day", "status"])]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.get_kind_display()}"


class StaffProfile(models.Model):
    """HR facts about an employee that the schedule needs: the yearly vacation allowance and
    the date from which it accrues."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("employee"),
    )
    vacation_days_per_year = models.PositiveSmallIntegerField(_("vacation days a year"), default=28)
    employed_since = models.DateField(_("employed since"), null=True, blank=True)
    skills = models.ManyToManyField(
        "accounts.Skill", blank=True, related_name="profiles", verbose_name=_("skills")
    )
    category = models.CharField(
        _("category"), max_length=60, blank=True, help_text=_("E.g. senior loader, driver C/E.")
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        if self.vacation_days_per_year > 366:
            raise ValidationError({"vacation_days_per_year": _("At most 366 days.")})
