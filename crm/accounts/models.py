from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from crm.accounts.roles import BRANCH_SWITCHERS, Role


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone “%(tz)s”."), params={"tz": value})


class Branch(models.Model):
    """A city or site of the business; most records belong to one."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=120)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    workday_start = models.TimeField(
        _("working day starts"),
        default=datetime.time(8, 0),
        help_text=_("Delivery windows must fit into the working day."),
    )
    workday_end = models.TimeField(_("working day ends"), default=datetime.time(21, 0))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class KoloUserManager(UserManager):
    def get_by_natural_key(self, username: str) -> User:
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A member of staff. Logs in with e-mail or username; has one role and a home branch."""

    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("branch"),
    )
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = KoloUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("employee")
        verbose_name_plural = _("staff")
        permissions = [
            ("manage_staff", _("Can manage staff accounts and roles")),
            ("view_staff", _("Can see the staff list")),
            ("switch_branch", _("Can switch the active branch")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            ),
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ci"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.username

    @cached_property
    def can_switch_branch(self) -> bool:
        return self.is_superuser or self.role in BRANCH_SWITCHERS


class WorkDayState(models.TextChoices):
    WORKING = "working", _("Working")
    ON_BREAK = "break", _("On a break")
    ENDED = "ended", _("Day ended")


class WorkSession(models.Model):
    """One employee's working day (in the branch's time zone): started, on a break, ended."""

    State = WorkDayState

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_sessions"
    )
    day = models.DateField(_("day"))
    state = models.CharField(
        _("state"), max_length=8, choices=WorkDayState.choices, default=WorkDayState.WORKING
    )
    started_at = models.DateTimeField(_("started"))
    break_started_at = models.DateTimeField(_("on a break since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        ordering = ["-day", "user"]
        verbose_name = _("working day")
        verbose_name_plural = _("working days")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="accounts_worksession_user_day"),
            models.CheckConstraint(
                condition=Q(state__in=WorkDayState.values), name="accounts_worksession_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["day", "state"])]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"


class WorkEventKind(models.TextChoices):
    START = "start", _("Started the day")
    BREAK = "break", _("Took a break")
    RESUME = "resume", _("Back from the break")
    END = "end", _("Ended the day")


class WorkEvent(models.Model):
    """Every press of a working-day button, with its time (the session keeps the current state)."""

    Kind = WorkEventKind

    session = models.ForeignKey(WorkSession, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=8, choices=WorkEventKind.choices)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("working day event")
        verbose_name_plural = _("working day events")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=WorkEventKind.values), name="accounts_workevent_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%H:%M}"


from crm.accounts.models_schedules import (  # noqa: E402,F401  (schedules live in their own module)
    Shift,
    ShiftTemplate,
    StaffProfile,
    TimeOff,
    TimeOffKind,
    TimeOffStatus,
)
from crm.accounts.models_skills import RatingAdjustment, Skill  # noqa: E402,F401
