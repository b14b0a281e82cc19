"""The routes domain: depots and vehicles of a branch, and daily route plans built by the optimiser
(``routes.optimizer``) from the day's orders. Routes depend on orders, never the reverse."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
COORD = {"max_digits": 9, "decimal_places": 6}

#: one colour per route on the map and in the lists, in vehicle order
ROUTE_COLOURS = [
    "#1f6feb",
    "#cf222e",
    "#1a7f37",
    "#bf8700",
    "#8250df",
    "#0a7ea4",
    "#d4378b",
    "#6e7781",
    "#953800",
    "#116329",
]


class Depot(models.Model):
    """Where vans start and end; its opening hours bound every route that starts here."""

    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="depots", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=500)
    latitude = models.DecimalField(_("latitude"), **COORD)
    longitude = models.DecimalField(_("longitude"), **COORD)
    opens_at = models.TimeField(_("opens at"), default=datetime.time(7, 0))
    closes_at = models.TimeField(_("closes at"), default=datetime.time(22, 0))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="routes_depot_name_unique"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="routes_depot_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180),
                name="routes_depot_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="routes_depot_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def point(self) -> tuple[float, float]:
        return (float(self.latitude), float(self.longitude))


class Vehicle(models.Model):
    """A van: capacities (kg, containers), costs, a default driver and a shift."""

    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="vehicles",
        verbose_name=_("branch"),
    )
    plate = models.CharField(_("number plate"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("depot")
    )
    capacity_kg = models.PositiveIntegerField(_("capacity, kg"))
    capacity_containers = models.PositiveIntegerField(
        _("capacity, containers"),
        default=0,
        help_text=_("Bottles, mats, crates on board; 0 means not counted."),
    )
    cost_per_km = models.DecimalField(
        _("cost per km"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    cost_per_hour = models.DecimalField(
        _("cost per hour"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    fixed_cost = models.DecimalField(
        _("fixed cost per day used"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_vehicles",
        limit_choices_to={"role": "driver"},
        verbose_name=_("default driver"),
    )
    shift_start = models.TimeField(_("shift starts"), default=datetime.time(8, 0))
    shift_end = models.TimeField(_("shift ends"), default=datetime.time(20, 0))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        indexes = [models.Index(fields=["branch", "is_active"], name="routes_vehicle_branch_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity_kg__gt=0), name="routes_vehicle_kg_gt_0"),
            models.CheckConstraint(
                condition=Q(cost_per_km__gte=0) & Q(cost_per_hour__gte=0) & Q(fixed_cost__gte=0),
                name="routes_vehicle_costs_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(shift_start__lt=F("shift_end")), name="routes_vehicle_shift_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.name}".strip()


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class StandingMode(models.TextChoices):
    """What the optimiser may do with the orders of standing-route sites (see StandingRoute)."""

    KEEP = "keep", _("Keep the standing sequence (only fit the other orders in)")
    VANS = "vans", _("Keep the vans, re-sequence the stops")
    FREE = "free", _("Optimise freely (standing routes are only the starting plan)")


class RoutePlan(models.Model):
    """The routes of one branch for one date. One plan per branch and date: re-planning a draft
    rebuilds it; a published plan is what the drivers work from."""

    Status = PlanStatus

    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="route_plans"
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    vehicles = models.ManyToManyField(Vehicle, related_name="+", verbose_name=_("vehicles"))
    order_filters = models.JSONField(_("order filters"), default=dict, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: how the orders of standing-route sites are pre-assigned (routes.services.standing)
    standing_mode = models.CharField(
        _("standing routes"), max_length=5, choices=StandingMode.choices, default=StandingMode.KEEP
    )
    #: optimiser figures of the last run: seconds, objective, feasible, violations…
    stats = models.JSONField(default=dict, blank=True)
    #: orders the optimiser could not place: [{"order_id": 1, "reason": "capacity"}, …]
    unassigned = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("route plan")
        verbose_name_plural = _("route plans")
        permissions = [("publish_routeplan", _("Can publish route plans to the drivers"))]
        constraints = [
            models.UniqueConstraint(fields=["branch", "date"], name="routes_plan_one_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="routes_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(standing_mode__in=StandingMode.values),
                name="routes_plan_standing_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.date:%Y-%m-%d}"

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED


class Route(models.Model):
    """One vehicle's run of a plan: stops in order, with the totals of the last timing."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="routes")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="routes")
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routes",
        verbose_name=_("driver"),
    )
    position = models.PositiveSmallIntegerField(default=0)
    colour = models.CharField(_("colour"), max_length=7, default="#1f6feb")
    starts_at = models.TimeField(_("leaves the depot"), null=True, blank=True)
    ends_at = models.TimeField(_("back at the depot"), null=True, blank=True)
    km = models.DecimalField(_("km"), max_digits=8, decimal_places=2, default=Decimal("0"))
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    cost = models.DecimalField(_("cost"), **MONEY, default=Decimal("0"))
    load_kg = models.PositiveIntegerField(_("load, kg"), default=0)
    load_containers = models.PositiveIntegerField(_("load, containers"), default=0)
    is_locked = models.BooleanField(_("locked"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        indexes = [models.Index(fields=["driver", "plan"], name="routes_route_driver_idx")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "vehicle"], name="routes_route_vehicle_unique"),
            models.CheckConstraint(condition=Q(km__gte=0), name="routes_route_km_gte_0"),
        ]

    def __str__(self) -> str:
        return str(self.vehicle)

    @property
    def over_capacity(self) -> bool:
        vehicle = self.vehicle
        if self.load_kg > vehicle.capacity_kg:
            return True
        return bool(vehicle.capacity_containers) and (
            self.load_containers > vehicle.capacity_containers
        )


class RouteStop(models.Model):
    """An order on a route. ``plan`` is repeated here so the database itself guarantees that an
    order is on at most one stop of a plan."""

    plan = models.ForeignKey(RoutePlan, on_delete=models.CASCADE, related_name="stops")
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="route_stops")
    position = models.PositiveSmallIntegerField(_("position"))
    arrival = models.TimeField(_("arrival"), null=True, blank=True)
    service_start = models.TimeField(_("service starts"), null=True, blank=True)
    departure = models.TimeField(_("departure"), null=True, blank=True)
    load_kg_after = models.PositiveIntegerField(default=0)
    load_containers_after = models.PositiveIntegerField(default=0)
    is_locked = models.BooleanField(_("locked"), default=False)
    #: the service starts after the order's window closes (after a manual move)
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        ordering = ["route", "position"]
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="routes_stop_order_once"),
            models.UniqueConstraint(
                fields=["route", "position"],
                name="routes_stop_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route} #{self.position + 1}"


# --- Standing routes ----------------------------------------------------------------------------
class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class StandingRoute(models.Model):
    """A route that repeats (the mat-rental week): the same client sites in the same order on one
    weekday, every week or every N weeks counted from an anchor date, with a default van and
    driver. Day plans start from it (``routes.services.standing``); new clients are fitted into
    it (``routes.services.intake``)."""

    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="standing_routes",
        verbose_name=_("branch"),
    )
    name = models.CharField(_("name"), max_length=120)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    every_weeks = models.PositiveSmallIntegerField(
        _("every N weeks"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text=_("1 = every week; 2 = every other week, counted from the anchor date."),
    )
    anchor_date = models.DateField(
        _("anchor date"),
        null=True,
        blank=True,
        help_text=_("A date on which the route runs; needed when it runs every 2 or more weeks."),
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="standing_routes",
        verbose_name=_("vehicle"),
    )
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role": "driver"},
        verbose_name=_("driver"),
        help_text=_("Empty: the van's default driver."),
    )
    max_stops = models.PositiveSmallIntegerField(
        _("maximum stops"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the default for every route."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["weekday", "name", "id"]
        verbose_name = _("standing route")
        verbose_name_plural = _("standing routes")
        permissions = [
            ("suggest_standingroute", _("Can see which standing route suits a client address"))
        ]
        indexes = [
            models.Index(fields=["branch", "weekday", "is_active"], name="routes_standing_day_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="routes_standing_name_unique"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="routes_standing_weekday"
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1) & Q(every_weeks__lte=8),
                name="routes_standing_every_weeks",
            ),
            models.CheckConstraint(
                condition=Q(every_weeks=1) | Q(anchor_date__isnull=False),
                name="routes_standing_anchor_needed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.every_weeks and self.every_weeks > 1 and self.anchor_date is None:
            errors["anchor_date"] = [_("Give a date on which the route runs.")]
        if (
            self.anchor_date is not None
            and self.weekday is not None
            and self.anchor_date.weekday() != self.weekday
        ):
            errors["anchor_date"] = [
                _("The anchor date must be a %(weekday)s.")
                % {"weekday": Weekday(self.weekday).label}
            ]
        if errors:
            raise ValidationError(errors)

    def runs_on(self, date: datetime.date) -> bool:
        """Active, the right weekday and, for every-N-weeks routes, a week of the cycle."""
        if not self.is_active or date.weekday() != self.weekday:
            return False
        if self.every_weeks <= 1 or self.anchor_date is None:
            return True
        return ((date - self.anchor_date).days // 7) % self.every_weeks == 0

    def next_date(self, after: datetime.date) -> datetime.date:
        """The first day on or after ``after`` on which the route runs (ignores ``is_active``)."""
        day = after + datetime.timedelta(days=(self.weekday - after.weekday()) % 7)
        for _week in range(max(1, self.every_weeks)):
            if self.every_weeks <= 1 or self.anchor_date is None:
                return day
            if ((day - self.anchor_date).days // 7) % self.every_weeks == 0:
                return day
            day += datetime.timedelta(days=7)
        return day

    @property
    def schedule_label(self) -> str:
        day = str(Weekday(self.weekday).label)
        if self.every_weeks > 1:
            return str(_("%(day)s, every %(n)s weeks") % {"day": day, "n": self.every_weeks})
        return day


class StandingStop(models.Model):
    """A client site (card address) on a standing route, at its place in the route's stable
    sequence. ``weekday`` repeats the route's, so the database itself guarantees that an address
    is on at most one standing route per weekday (a site visited twice a week can be on a Monday
    and on a Thursday route)."""

    route = models.ForeignKey(StandingRoute, on_delete=models.CASCADE, related_name="stops")
    address = models.ForeignKey(
        "clients.ClientAddress",
        on_delete=models.CASCADE,
        related_name="standing_stops",
        verbose_name=_("address"),
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["route", "position"]
        verbose_name = _("standing route site")
        verbose_name_plural = _("standing route sites")
        constraints = [
            models.UniqueConstraint(
                fields=["address", "weekday"], name="routes_standing_site_once_a_day"
            ),
            models.UniqueConstraint(
                fields=["route", "position"],
                name="routes_standing_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6),
                name="routes_standing_site_weekday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route} #{self.position + 1}"
