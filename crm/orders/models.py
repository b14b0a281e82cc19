"""Orders: the catalogue and its prices, price rules, orders with items and stops, the status
history, recurring schedules and bonus rules.

Money fields are ``Decimal`` with two places (quantised half-up by ``crm.core.money``); every
order keeps the breakdown of how its price was built (``Order.price_breakdown``) so the operator,
the driver and the invoice show the same figures. Status changes go through
``crm.orders.workflow`` only; schedules generate orders through ``crm.orders.services``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


# --- Catalogue ------------------------------------------------------------------------------------
class Unit(models.TextChoices):
    PIECE = "pcs", _("pcs")
    BOTTLE = "bottle", _("bottle")
    MAT = "mat", _("mat")
    KG = "kg", _("kg")
    LITRE = "l", _("l")
    HOUR = "h", _("h")
    KM = "km", _("km")
    M2 = "m2", _("m²")
    SET = "set", _("set")
    TRIP = "trip", _("trip")
    SERVICE = "service", _("service")


class VatRate(models.TextChoices):
    NONE = "none", _("No VAT")
    ZERO = "0", "0%"
    FIVE = "5", "5%"
    SEVEN = "7", "7%"
    TEN = "10", "10%"
    TWENTY = "20", "20%"
    TWENTY_TWO = "22", "22%"

    @classmethod
    def percent(cls, value: str) -> Decimal:
        return Decimal("0") if value in ("", cls.NONE) else Decimal(value)


class Product(models.Model):
    """A product or a service the business sells; returnable containers carry a deposit price."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    price = models.DecimalField(_("price"), **MONEY, validators=NOT_NEGATIVE)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    vat_rate = models.CharField(
        _("VAT rate"), max_length=4, choices=VatRate.choices, default=VatRate.TWENTY
    )
    is_returnable = models.BooleanField(
        _("returnable container"),
        default=False,
        help_text=_("Bottles, mats, crates: the driver delivers and collects them."),
    )
    deposit_price = models.DecimalField(
        _("deposit price"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    duration_minutes = models.PositiveIntegerField(
        _("service time, min"), default=0, help_text=_("Time on site per unit, for routes.")
    )
    weight_kg = models.DecimalField(
        _("weight, kg"),
        max_digits=10,
        decimal_places=3,
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product or service")
        verbose_name_plural = _("catalogue")
        permissions = [("manage_catalogue", _("Can manage the catalogue and prices"))]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="orders_product_code_unique_ci"),
            models.CheckConstraint(condition=Q(price__gte=0), name="orders_product_price_gte_0"),
            models.CheckConstraint(
                condition=Q(deposit_price__gte=0), name="orders_product_deposit_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class PriceList(models.Model):
    """Special prices for the clients of some client groups (e.g. "Wholesale", "Offices")."""

    name = models.CharField(_("name"), max_length=120)
    client_groups = models.ManyToManyField(
        "clients.ClientGroup",
        blank=True,
        related_name="price_lists",
        verbose_name=_("client groups"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="orders_pricelist_dates_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="list_prices")
    price = models.DecimalField(_("price"), **MONEY, validators=NOT_NEGATIVE)

    class Meta:
        verbose_name = _("price list line")
        verbose_name_plural = _("price list lines")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"], name="orders_pricelist_product_unique"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="orders_pricelist_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.price_list}: {self.product_id} = {self.price}"


# --- Orders ---------------------------------------------------------------------------------------
class OrderType(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PICKUP = "pickup", _("Pickup / swap")
    SERVICE = "service", _("Service visit")
    FREIGHT = "freight", _("Freight")


class OrderStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_WORK = "in_work", _("In work")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    EXPRESS = "express", _("Express")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ONLINE = "online", _("Paid online")


class OrderSource(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    REPEAT = "repeat", _("Repeat order")
    SCHEDULE = "schedule", _("Recurring schedule")
    API = "api", _("Website / API")
    PHONE = "phone", _("Phone call")


class Order(models.Model):
    """What the business does for a client on a date: items, stops, a window and a price."""

    Type = OrderType
    Status = OrderStatus
    Priority = Priority
    PaymentMethod = PaymentMethod
    Source = OrderSource

    number = models.CharField(_("number"), max_length=32, blank=True, db_index=True)
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="orders", verbose_name=_("branch")
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="orders", verbose_name=_("client")
    )
    order_type = models.CharField(
        _("type"), max_length=10, choices=OrderType.choices, default=OrderType.DELIVERY
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.NEW
    )
    status_reason = models.CharField(
        _("reason"),
        max_length=500,
        blank=True,
        help_text=_("Why the order is on hold or cancelled."),
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=OrderSource.choices, default=OrderSource.MANUAL
    )

    date = models.DateField(_("date"))
    window_from = models.TimeField(_("window from"), null=True, blank=True)
    window_to = models.TimeField(_("window until"), null=True, blank=True)
    #: a second window the same day (e.g. 9–12 and 14–17 around a lunch break)
    window2_from = models.TimeField(_("second window from"), null=True, blank=True)
    window2_to = models.TimeField(_("second window until"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    payment_method = models.CharField(
        _("payment method"),
        max_length=15,
        choices=PaymentMethod.choices,
        default=PaymentMethod.CASH,
    )
    prepayment_required = models.BooleanField(_("prepayment required"), default=False)
    prepayment_amount = models.DecimalField(
        _("prepayment amount"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    prepayment_paid = models.DecimalField(
        _("prepayment received"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    prepayment_paid_at = models.DateTimeField(_("prepayment received at"), null=True, blank=True)

    driver_comment = models.TextField(_("comment for the driver"), blank=True, max_length=2000)
    comment = models.TextField(_("internal comment"), blank=True, max_length=2000)
    containers_to_deliver = models.PositiveIntegerField(_("containers to deliver"), default=0)
    containers_to_collect = models.PositiveIntegerField(_("containers to collect"), default=0)

    promo_code = models.ForeignKey(
        "PromoCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("promo code"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    subtotal = models.DecimalField(_("items"), **MONEY, default=Decimal("0"))
    adjustments_total = models.DecimalField(
        _("surcharges and discounts"), **MONEY, default=Decimal("0")
    )
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"))
    worker_pay = models.DecimalField(_("worker's pay"), **MONEY, default=Decimal("0"))
    distance_km = models.DecimalField(
        _("distance, km"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    duration_hours = models.DecimalField(
        _("duration, h"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
    )
    price_breakdown = models.JSONField(_("price breakdown"), default=list, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_orders",
        verbose_name=_("driver / worker"),
    )
    schedule = models.ForeignKey(
        "RecurringSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("recurring schedule"),
    )
    scheduled_for = models.DateField(
        _("occurrence"),
        null=True,
        blank=True,
        help_text=_("The schedule's date this order was generated for (before any move)."),
    )
    repeated_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    external_id = models.CharField(_("external ID"), max_length=100, blank=True)
    is_seen = models.BooleanField(
        _("seen"), default=True, help_text=_("False for requests from the website until opened.")
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["date", "window_from", "id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("view_all_orders", _("Can see every order of the branch")),
            ("edit_closed_orders", _("Can edit orders in any status (logged)")),
            ("export_orders", _("Can export orders and print stickers")),
            ("manage_price_rules", _("Can manage price rules and promo codes")),
        ]
        indexes = [
            models.Index(fields=["branch", "date", "status"], name="orders_branch_date_idx"),
            models.Index(fields=["client", "-date"], name="orders_client_date_idx"),
            models.Index(fields=["assignee", "date"], name="orders_assignee_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(order_type__in=OrderType.values), name="orders_order_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(window_from__isnull=True)
                | Q(window_to__isnull=True)
                | Q(window_from__lt=F("window_to")),
                name="orders_order_window_order",
            ),
            models.CheckConstraint(
                condition=Q(window2_from__isnull=True)
                | Q(window2_to__isnull=True)
                | (Q(window2_from__lt=F("window2_to")) & Q(window_to__lte=F("window2_from"))),
                name="orders_order_window2_after_first",
            ),
            models.CheckConstraint(
                condition=Q(prepayment_amount__gte=0) & Q(prepayment_paid__gte=0),
                name="orders_order_prepayment_gte_0",
            ),
            models.UniqueConstraint(
                fields=["schedule", "scheduled_for"],
                condition=Q(schedule__isnull=False),
                name="orders_order_one_per_occurrence",
            ),
            models.UniqueConstraint(
                fields=["branch", "external_id"],
                condition=~Q(external_id=""),
                name="orders_order_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def windows(self) -> list[tuple[datetime.time, datetime.time]]:
        """The delivery windows of the day, in order (none: any time)."""
        pairs = [(self.window_from, self.window_to), (self.window2_from, self.window2_to)]
        return [(a, b) for a, b in pairs if a is not None and b is not None]

    @property
    def window_until(self) -> datetime.time | None:
        """When the last window closes."""
        windows = self.windows
        return windows[-1][1] if windows else None

    @property
    def window_text(self) -> str:
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.windows)

    @property
    def is_closed(self) -> bool:
        return self.status in (OrderStatus.COMPLETED, OrderStatus.CANCELLED)

    @property
    def prepayment_outstanding(self) -> Decimal:
        if not self.prepayment_required:
            return Decimal("0")
        return max(self.prepayment_amount - self.prepayment_paid, Decimal("0"))


class OrderItem(models.Model):
    """A line of an order: a catalogue product (or free text), quantity and price."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_items",
        verbose_name=_("product"),
    )
    name = models.CharField(_("name"), max_length=255)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("price"), **MONEY, validators=NOT_NEGATIVE)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT
    )
    vat_rate = models.CharField(
        _("VAT rate"), max_length=4, choices=VatRate.choices, default=VatRate.NONE
    )
    amount = models.DecimalField(_("amount"), **MONEY, default=Decimal("0"))
    is_gift = models.BooleanField(_("bonus gift"), default=False)
    bonus_rule = models.ForeignKey(
        "BonusRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_item_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orders_item_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name


class OrderStop(models.Model):
    """One address an order visits (a delivery has one; a move or a freight job several)."""

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Deliver")
        PICKUP = "pickup", _("Pick up")
        SERVICE = "service", _("Service")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DELIVERY)
    client_address = models.ForeignKey(
        "clients.ClientAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_stops",
        verbose_name=_("address from the card"),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=500)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    receiver_name = models.CharField(_("receiver's name"), max_length=200, blank=True)
    receiver_phone = models.CharField(_("receiver's phone"), max_length=20, blank=True)
    entrance = models.CharField(_("entrance"), max_length=20, blank=True)
    floor = models.CharField(_("floor"), max_length=20, blank=True)
    apartment = models.CharField(_("apartment / office"), max_length=20, blank=True)
    access_notes = models.CharField(_("access notes"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="orders_stop_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="orders_stop_lon_range",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class OrderStatusChange(models.Model):
    """One move of the state machine: who, when, from, to, why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class StatusName(models.Model):
    """A business's own name for a core status, optionally per order type ("Delivered" for
    a delivery's completed, "Done" for a service visit)."""

    order_type = models.CharField(
        _("order type"),
        max_length=10,
        choices=OrderType.choices,
        blank=True,
        help_text=_("Empty: every type."),
    )
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["order_type", "status"]
        verbose_name = _("status name")
        verbose_name_plural = _("status names")
        constraints = [
            models.UniqueConstraint(
                fields=["order_type", "status"], name="orders_status_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Price rules ----------------------------------------------------------------------------------
class PriceRule(models.Model):
    """One configurable pricing rule. Which fields matter depends on ``kind``; see
    ``crm.orders.pricing`` for how each kind is applied and in which order."""

    class Kind(models.TextChoices):
        PER_KM = "per_km", _("Price per km")
        PER_HOUR = "per_hour", _("Price per hour")
        MIN_AMOUNT = "min_amount", _("Minimum order amount")
        MIN_HOURS = "min_hours", _("Minimum hours")
        NIGHT = "night", _("Night-time surcharge")
        WEEKEND = "weekend", _("Weekend surcharge")
        ZONE = "zone", _("Zone surcharge")
        PAYMENT = "payment", _("Payment-method adjustment")
        EXPRESS = "express", _("Express surcharge")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    branch = models.ForeignKey(
        "accounts.Branch",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="price_rules",
        verbose_name=_("branch"),
        help_text=_("Empty: every branch."),
    )
    order_types = models.JSONField(
        _("order types"), default=list, blank=True, help_text=_("Empty: every type.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order of application"), default=0)

    client_rate = models.DecimalField(
        _("rate for the client"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    worker_rate = models.DecimalField(
        _("rate for the worker"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    amount = models.DecimalField(
        _("fixed amount"),
        **MONEY,
        default=Decimal("0"),
        help_text=_("Added to the order (negative: a discount)."),
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("1000"))],
        help_text=_("Of the items' amount (negative: a discount)."),
    )
    minimum = models.DecimalField(
        _("minimum"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=NOT_NEGATIVE,
        help_text=_("Minimum amount or minimum hours."),
    )
    time_from = models.TimeField(_("from"), null=True, blank=True)
    time_to = models.TimeField(_("until"), null=True, blank=True)
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday.")
    )
    polygon = models.JSONField(
        _("zone"), default=list, blank=True, help_text=_("[[latitude, longitude], …]")
    )
    payment_method = models.CharField(
        _("payment method"), max_length=15, choices=PaymentMethod.choices, blank=True
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")

    def __str__(self) -> str:
        return self.name


class PromoCode(models.Model):
    code = models.CharField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=255, blank=True)
    percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT
    )
    amount = models.DecimalField(
        _("discount amount"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    min_order_amount = models.DecimalField(
        _("minimum order"), **MONEY, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-valid_to", "code"]
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
        constraints = [
            models.UniqueConstraint(Lower("code"), name="orders_promo_code_unique_ci"),
            models.CheckConstraint(
                condition=Q(valid_from__lte=F("valid_to")), name="orders_promo_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.code


# --- Bonus ----------------------------------------------------------------------------------------
class BonusRule(models.Model):
    """Every ``every_n``-th unit of ``product`` a client takes earns ``gift_quantity`` of
    ``gift_product`` free (e.g. every 10th bottle → 2 packs of cups)."""

    name = models.CharField(_("name"), max_length=120)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="bonus_rules", verbose_name=_("product")
    )
    every_n = models.PositiveIntegerField(_("every N-th unit"), validators=[MinValueValidator(2)])
    gift_product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("gift")
    )
    gift_quantity = models.DecimalField(
        _("gift quantity"),
        max_digits=10,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("bonus rule")
        verbose_name_plural = _("bonus rules")
        constraints = [
            models.CheckConstraint(condition=Q(every_n__gte=2), name="orders_bonus_every_n_gte_2")
        ]

    def __str__(self) -> str:
        return self.name


class BonusCounter(models.Model):
    """Units of a bonus rule's product a client has taken (completed orders)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="bonus_counters"
    )
    rule = models.ForeignKey(BonusRule, on_delete=models.CASCADE, related_name="counters")
    units = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    gifts_given = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "rule"], name="orders_bonus_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.rule_id}: {self.units}"


# --- Recurring schedules --------------------------------------------------------------------------
class RecurringSchedule(models.Model):
    """A client's standing order: what, where, and on which days; orders are generated ahead."""

    class Rule(models.TextChoices):
        WEEKLY = "weekly", _("On weekdays")
        EVERY_N_DAYS = "every_n_days", _("Every N days")
        MONTHLY_WORKDAY = "monthly_workday", _("N-th working day of the month")

    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="order_schedules"
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="order_schedules",
        verbose_name=_("client"),
    )
    address = models.ForeignKey(
        "clients.ClientAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("address"),
    )
    order_type = models.CharField(
        _("type"), max_length=10, choices=OrderType.choices, default=OrderType.DELIVERY
    )
    rule = models.CharField(_("repeats"), max_length=20, choices=Rule.choices, default=Rule.WEEKLY)
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday.")
    )
    interval_days = models.PositiveSmallIntegerField(
        _("every N days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    month_workday = models.PositiveSmallIntegerField(
        _("working day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(23)],
    )
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"), null=True, blank=True)
    window_from = models.TimeField(_("window from"), null=True, blank=True)
    window_to = models.TimeField(_("window until"), null=True, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=15,
        choices=PaymentMethod.choices,
        default=PaymentMethod.CASH,
    )
    driver_comment = models.TextField(_("comment for the driver"), blank=True, max_length=2000)
    containers_to_collect = models.PositiveIntegerField(_("containers to collect"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateField(_("generated until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "id"]
        verbose_name = _("recurring schedule")
        verbose_name_plural = _("recurring schedules")
        indexes = [models.Index(fields=["branch", "is_active"], name="orders_schedule_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__lte=F("end_date")),
                name="orders_schedule_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(window_from__isnull=True)
                | Q(window_to__isnull=True)
                | Q(window_from__lt=F("window_to")),
                name="orders_schedule_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.get_rule_display()}"


class ScheduleItem(models.Model):
    schedule = models.ForeignKey(RecurringSchedule, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_schedule_item_quantity_gt_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class SchedulePause(models.Model):
    schedule = models.ForeignKey(RecurringSchedule, on_delete=models.CASCADE, related_name="pauses")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["date_from"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__lte=F("date_to")), name="orders_schedule_pause_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date_from}–{self.date_to}"


class ScheduleException(models.Model):
    """One occurrence skipped or moved to another date (from the client card)."""

    class Action(models.TextChoices):
        SKIP = "skip", _("Skip")
        MOVE = "move", _("Move")

    schedule = models.ForeignKey(
        RecurringSchedule, on_delete=models.CASCADE, related_name="exceptions"
    )
    occurrence = models.DateField(_("occurrence"))
    action = models.CharField(_("action"), max_length=4, choices=Action.choices)
    new_date = models.DateField(_("new date"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "occurrence"], name="orders_schedule_exception_unique"
            ),
            models.CheckConstraint(
                condition=Q(action="skip") | Q(new_date__isnull=False),
                name="orders_schedule_exception_move_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence}: {self.action}"


class Holiday(models.Model):
    """A non-working day of a branch (public holidays), so "the 1st working day" is right."""

    branch = models.ForeignKey(
        "accounts.Branch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(fields=["branch", "date"], name="orders_holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


from crm.orders.models_workers import (  # noqa: E402,F401  (workers on orders, own module)
    AssignmentStatus,
    OrderSkillNeed,
    WorkerAssignment,
    WorkerMessage,
)
