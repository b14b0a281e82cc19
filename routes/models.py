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


class VehicleSkill(models.TextChoices):
    """What a van is equipped or permitted for; an order whose products need one of these goes
    only to a van that has it (``ProductRequirement``)."""

    DANGEROUS_GOODS = "adr", _("Dangerous goods (ADR)")
    REFRIGERATED = "refrigerated", _("Refrigerated")
    TAIL_LIFT = "tail_lift", _("Tail lift")
    OVERSIZE = "oversize", _("Long or oversize loads")
    FOOD_GRADE = "food", _("Food-grade body")


class Vehicle(models.Model):
    """A van: capacities (kg, containers), costs (incl. fuel), equipment, a default driver and a
    shift."""

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
    fuel_per_100km = models.DecimalField(
        _("fuel, litres per 100 km"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
    )
    fuel_price = models.DecimalField(
        _("fuel price per litre"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    skills = models.JSONField(
        _("equipment and permits"),
        default=list,
        blank=True,
        help_text=_("Orders of products that need one of these go only to vans that have it."),
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
                condition=Q(fuel_per_100km__gte=0) & Q(fuel_price__gte=0),
                name="routes_vehicle_fuel_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(shift_start__lt=F("shift_end")), name="routes_vehicle_shift_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.name}".strip()

    @property
    def fuel_cost_per_km(self) -> Decimal:
        return (self.fuel_per_100km * self.fuel_price / 100).quantize(Decimal("0.0001"))

    @property
    def km_cost(self) -> Decimal:
        """What one km costs: the per-km rate (wear, tolls, the driver's per-km pay) + fuel."""
        return self.cost_per_km + self.fuel_cost_per_km

    @property
    def skill_labels(self) -> list[str]:
        labels = dict(VehicleSkill.choices)
        return [str(labels[code]) for code in self.skills or [] if code in labels]


class ProductRequirement(models.Model):
    """A product that only a van with a given equipment or permit may carry (a solvent → ADR,
    flowers in summer → refrigerated)."""

    product = models.ForeignKey(
        "orders.Product",
        on_delete=models.CASCADE,
        related_name="vehicle_requirements",
        verbose_name=_("product"),
    )
    skill = models.CharField(_("needs"), max_length=20, choices=VehicleSkill.choices)

    class Meta:
        ordering = ["product__name", "skill"]
        verbose_name = _("product requirement")
        verbose_name_plural = _("product requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "skill"], name="routes_product_requirement_unique"
            ),
            models.CheckConstraint(
                condition=Q(skill__in=VehicleSkill.values), name="routes_product_requirement_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} → {self.get_skill_display()}"


class Territory(models.Model):
    """A zone on the map served only by its vans: an order whose address lies inside goes to one
    of them (the first active territory containing the point, by ``position``, decides). A
    territory without vans is drawn but restricts nothing."""

    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        related_name="territories",
        verbose_name=_("branch"),
    )
    name = models.CharField(_("name"), max_length=120)
    colour = models.CharField(_("colour"), max_length=7, default="#1f6feb")
    polygon = models.JSONField(_("area"), default=list, help_text=_("[[latitude, longitude], …]"))
    vehicles = models.ManyToManyField(
        Vehicle, blank=True, related_name="territories", verbose_name=_("vans")
    )
    position = models.PositiveIntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="routes_territory_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class StandingMode(models.TextChoices):
    """What the optimiser may do with the orders of standing-route sites (see StandingRoute)."""

    KEEP = "keep", _("Keep the standing sequence (only fit the other orders in)")
    VANS = "vans", _("Keep the vans, re-sequence the stops")
    FREE = "free", _("Optimise freely (standing routes are only the starting plan)")


class RouteState(models.TextChoices):
    PLANNED = "planned", _("Not started")
    ON_ROAD = "on_road", _("On the road")
    ON_BREAK = "on_break", _("Break")
    FINISHED = "finished", _("Finished")


class BreakReason(models.TextChoices):
    BREAKDOWN = "breakdown", _("Vehicle breakdown")
    ACCIDENT = "accident", _("Accident")
    TRAFFIC = "traffic", _("Traffic jam / road closed")
    HEALTH = "health", _("Driver unwell")
    REST = "rest", _("Rest / lunch")
    OTHER = "other", _("Other")


class StopState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ARRIVED = "arrived", _("Arrived")
    DONE = "done", _("Done")
    FAILED = "failed", _("Not done")


#: stops the van has still to serve
OPEN_STOP_STATES = (StopState.PLANNED, StopState.ARRIVED)


class FailReason(models.TextChoices):
    NOBODY = "nobody", _("Nobody there")
    REFUSED = "refused", _("Client refused")
    NO_ACCESS = "no_access", _("No access / closed")
    WRONG_ADDRESS = "address", _("Wrong address")
    NO_MONEY = "no_money", _("Client could not pay")
    NO_TIME = "no_time", _("Ran out of time")
    VEHICLE = "vehicle", _("Vehicle problem")
    OTHER = "other", _("Other")


class PaymentTaken(models.TextChoices):
    NONE = "none", _("No payment")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")


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
    #: orders the withdrawn publication had taken into work: still this plan's to route
    withdrawn_orders = models.JSONField(default=list, blank=True)

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
    # --- on the road (routes.services.live) -------------------------------------------------
    state = models.CharField(
        _("state"), max_length=10, choices=RouteState.choices, default=RouteState.PLANNED
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    break_reason = models.CharField(
        _("break reason"), max_length=12, choices=BreakReason.choices, blank=True
    )
    break_comment = models.CharField(_("break comment"), max_length=500, blank=True)
    break_since = models.DateTimeField(_("on break since"), null=True, blank=True)
    #: the van's last GPS fix (the full track is in GpsPosition)
    last_latitude = models.DecimalField(**COORD, null=True, blank=True)
    last_longitude = models.DecimalField(**COORD, null=True, blank=True)
    last_position_at = models.DateTimeField(null=True, blank=True)
    #: when the van last moved more than ROUTES_IDLE_RADIUS_M from where it stood
    last_moved_at = models.DateTimeField(null=True, blank=True)
    #: km driven by the GPS track (sum of the hops between accepted fixes)
    km_driven = models.DecimalField(
        _("km driven"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    #: bumped on every change of the stop order the driver must know about (banner + sound)
    sequence_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        indexes = [models.Index(fields=["driver", "plan"], name="routes_route_driver_idx")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "vehicle"], name="routes_route_vehicle_unique"),
            models.CheckConstraint(condition=Q(km__gte=0), name="routes_route_km_gte_0"),
            models.CheckConstraint(
                condition=Q(state__in=RouteState.values), name="routes_route_state_valid"
            ),
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
    # --- on the road (routes.services.live) -------------------------------------------------
    state = models.CharField(
        _("state"), max_length=10, choices=StopState.choices, default=StopState.PLANNED
    )
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    finished_at = models.DateTimeField(_("done / failed at"), null=True, blank=True)
    fail_reason = models.CharField(
        _("failure reason"), max_length=10, choices=FailReason.choices, blank=True
    )
    driver_note = models.CharField(_("driver's comment"), max_length=1000, blank=True)
    payment_taken = models.CharField(
        _("payment taken"), max_length=4, choices=PaymentTaken.choices, blank=True
    )
    amount_taken = models.DecimalField(
        _("amount taken"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    photo = models.ImageField(_("photo"), upload_to="routes/stops/%Y/%m/", blank=True)
    #: where the tablet was when the stop was marked done / failed, and how far from the address
    marked_latitude = models.DecimalField(**COORD, null=True, blank=True)
    marked_longitude = models.DecimalField(**COORD, null=True, blank=True)
    marked_distance_m = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["route", "position"]
        verbose_name = _("route stop")
        verbose_name_plural = _("route stops")
        indexes = [models.Index(fields=["route", "state"], name="routes_stop_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=StopState.values), name="routes_stop_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount_taken__gte=0), name="routes_stop_amount_taken_gte_0"
            ),
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


# --- On the road: driver actions, GPS, messages -------------------------------------------------
class DriverAction(models.Model):
    """One action sent from a tablet (arrived, done, failed, break…), keyed by the id the tablet
    gave it. The tablet may send the same action again after a lost connection; the unique
    ``action_id`` makes the second submission return the first one's result instead of applying
    it twice (never two payments or container counts)."""

    action_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="actions")
    stop = models.ForeignKey(
        RouteStop, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    payload = models.JSONField(default=dict, blank=True)
    #: when the driver tapped (the tablet's clock; may be long before it reached us)
    taken_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(default=True)
    errors = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["route", "received_at"], name="routes_action_route_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.action_id}"


class GpsPosition(models.Model):
    """A tablet's position while the shift is open. Kept ``ROUTES_GPS_RETENTION_DAYS`` days."""

    driver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey(
        Route, null=True, blank=True, on_delete=models.SET_NULL, related_name="positions"
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="positions"
    )
    latitude = models.DecimalField(**COORD)
    longitude = models.DecimalField(**COORD)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    speed_kmh = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["route", "recorded_at"], name="routes_gps_route_idx"),
            models.Index(fields=["recorded_at"], name="routes_gps_recorded_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "recorded_at"], name="routes_gps_one_fix_per_instant"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="routes_gps_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180),
                name="routes_gps_lon_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.latitude},{self.longitude} @ {self.recorded_at:%H:%M:%S}"


class DriverMessage(models.Model):
    """A message between the dispatcher and the driver of a route; ``read_at`` is when the other
    side saw it."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_driver = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["route", "created_at"], name="routes_message_route_idx")]

    def __str__(self) -> str:
        return self.body[:60]


# --- Containers ledger --------------------------------------------------------------------------
class ContainerKind(models.TextChoices):
    """Movements of returnable containers (mats, bottles, crates). Van balance at the end of a
    shift: full = loaded − delivered; empty = collected; damaged = damaged. Client balance (held
    at the site): delivered − collected − damaged (+ adjustments)."""

    LOADED = "loaded", _("Loaded at the warehouse")
    DELIVERED = "delivered", _("Delivered to the client")
    COLLECTED = "collected", _("Collected from the client")
    DAMAGED = "damaged", _("Collected damaged")
    MISSING = "missing", _("Missing at the client")
    RETURNED_FULL = "ret_full", _("Returned to the warehouse full")
    RETURNED_EMPTY = "ret_empty", _("Returned to the warehouse empty")
    RETURNED_DAMAGED = "ret_damaged", _("Returned to the warehouse damaged")
    ADJUSTMENT = "adjust", _("Client balance correction")


class ContainerMove(models.Model):
    """One line of the containers ledger. Rows from a driver's stop are unique per stop, product
    and kind (a repeated "done" cannot count twice); storekeeper rows carry a vehicle and date."""

    Kind = ContainerKind

    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("movement"), max_length=12, choices=ContainerKind.choices)
    product = models.ForeignKey(
        "orders.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    #: positive, except adjustments (which may take a client's balance down)
    quantity = models.IntegerField(_("quantity"))
    vehicle = models.ForeignKey(
        Vehicle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="container_moves",
        verbose_name=_("vehicle"),
    )
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: a client deleted for good (demo resets, GDPR) leaves the van's history intact
    client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="container_moves",
        verbose_name=_("client"),
    )
    stop = models.ForeignKey(
        RouteStop, null=True, blank=True, on_delete=models.SET_NULL, related_name="container_moves"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("container movement")
        verbose_name_plural = _("container movements")
        indexes = [
            models.Index(fields=["branch", "date", "vehicle"], name="routes_cmove_day_idx"),
            models.Index(fields=["client", "product"], name="routes_cmove_client_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ContainerKind.values), name="routes_cmove_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(kind=ContainerKind.ADJUSTMENT),
                name="routes_cmove_quantity_positive",
            ),
            models.UniqueConstraint(
                fields=["stop", "product", "kind"],
                condition=Q(stop__isnull=False, product__isnull=False),
                name="routes_cmove_once_per_stop",
            ),
            models.UniqueConstraint(
                fields=["stop", "kind"],
                condition=Q(stop__isnull=False, product__isnull=True),
                name="routes_cmove_once_per_stop_any",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"
