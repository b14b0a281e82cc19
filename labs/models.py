"""Lab requests: cost calculations and samples that move between sales managers, lab technicians
and the director through a fixed chain of statuses (``labs.workflow``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class RequestKind(models.TextChoices):
    CALCULATION = "calculation", _("Cost calculation")
    SAMPLE = "sample", _("Sample")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the lab")
    IN_WORK = "in_work", _("In work")
    RETURNED = "returned", _("Returned for rework")
    CALCULATED = "calculated", _("Calculated")
    SAMPLE_MADE = "sample_made", _("Sample made")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by the client")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class ShippingMethod(models.TextChoices):
    ROUTE = "route", _("Our delivery (on a route)")
    COURIER = "courier", _("Courier service")
    POST = "post", _("Post")


class LabNorms(models.Model):
    """The lab's turnaround norms and capacity, per branch (edited by admins and directors)."""

    branch = models.OneToOneField(
        "accounts.Branch", on_delete=models.CASCADE, related_name="lab_norms"
    )
    calculation_days = models.PositiveSmallIntegerField(
        _("cost calculation, working days"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    sample_days = models.PositiveSmallIntegerField(
        _("sample, working days"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    per_technician_per_day = models.DecimalField(
        _("requests per technician per day"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lab norms")
        verbose_name_plural = _("lab norms")
        permissions = [("manage_lab_norms", _("Can edit the lab's norms and capacity"))]

    def __str__(self) -> str:
        return str(self.branch)

    def days_for(self, kind: str) -> int:
        return self.sample_days if kind == RequestKind.SAMPLE else self.calculation_days


class LabRequest(models.Model):
    Kind = RequestKind
    Status = RequestStatus

    number = models.CharField(_("number"), max_length=32, blank=True, db_index=True)
    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=12, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="lab_requests"
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("manager"),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lab technician"),
    )
    product = models.ForeignKey(
        "orders.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
        verbose_name=_("based on the calculation"),
    )
    # --- the client's wishes (the manager's side) ---
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    volume = models.CharField(_("volume"), max_length=200, blank=True)
    packaging = models.CharField(_("packaging"), max_length=200, blank=True)
    target_price = models.DecimalField(
        _("target price"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    competitor_reference = models.CharField(_("competitor reference"), max_length=500, blank=True)
    wishes = models.TextField(_("comments"), max_length=4000, blank=True)
    deadline = models.DateField(_("the client needs it by"))
    planned_date = models.DateField(_("planned completion"), null=True, blank=True)
    # --- the sample's shipping (chosen from the client card) ---
    sample_quantity = models.CharField(_("sample quantity"), max_length=100, blank=True)
    ship_address = models.ForeignKey(
        "clients.ClientAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ship to"),
    )
    receiver = models.ForeignKey(
        "clients.ContactPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sample receiver"),
    )
    shipping_method = models.CharField(
        _("shipped by"), max_length=10, choices=ShippingMethod.choices, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    delivery_order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("delivery order"),
    )
    # --- the lab's answer ---
    cost_per_unit = models.DecimalField(
        _("cost per unit"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    price_suggestion = models.DecimalField(
        _("suggested price"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    lab_comment = models.TextField(_("lab's comments"), max_length=4000, blank=True)
    # --- time ---
    sent_at = models.DateTimeField(_("sent to the lab"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed by the lab"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lab request")
        verbose_name_plural = _("lab requests")
        permissions = [
            ("view_all_labrequests", _("Can see every lab request of the branch")),
            ("work_labrequest", _("Can work on lab requests (the lab)")),
            ("view_lab_control", _("Can see the lab's control view")),
        ]
        indexes = [
            models.Index(fields=["branch", "status", "planned_date"]),
            models.Index(fields=["client", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RequestKind.values), name="labs_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="labs_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(shipping_method__in=["", *ShippingMethod.values]),
                name="labs_request_shipping_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} · {self.get_kind_display()}"

    @property
    def is_sample(self) -> bool:
        return self.kind == RequestKind.SAMPLE


class LabComponent(models.Model):
    """One line of the composition the lab designs; the percentages of a request sum to 100."""

    request = models.ForeignKey(LabRequest, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(_("component"), max_length=200)
    percent = models.DecimalField(
        _("%"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100"))],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("component")
        verbose_name_plural = _("composition")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="labs_component_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.percent}%"


class LabStatusChange(models.Model):
    request = models.ForeignKey(LabRequest, on_delete=models.CASCADE, related_name="moves")
    from_status = models.CharField(max_length=12, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=RequestStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("lab request status change")
        verbose_name_plural = _("lab request status changes")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
