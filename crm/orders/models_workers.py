"""Workers on orders: the skills an order needs, who is assigned (and when they actually
started and finished), and the dispatcher's messages to a worker with the time they were read.
Imported at the end of ``crm/orders/models.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrderSkillNeed(models.Model):
    """A skill every worker of the order must have."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="skill_needs")
    skill = models.ForeignKey("accounts.Skill", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("skill needed")
        verbose_name_plural = _("skills needed")
        constraints = [
            models.UniqueConstraint(fields=["order", "skill"], name="orders_skillneed_unique")
        ]

    def __str__(self) -> str:
        return str(self.skill)


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Started")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


#: status -> statuses it may move to (the services check the actor's right).
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentStatus.ASSIGNED: frozenset({AssignmentStatus.STARTED, AssignmentStatus.CANCELLED}),
    AssignmentStatus.STARTED: frozenset({AssignmentStatus.DONE, AssignmentStatus.CANCELLED}),
    AssignmentStatus.DONE: frozenset(),
    AssignmentStatus.CANCELLED: frozenset(),
}
ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.STARTED)


class WorkerAssignment(models.Model):
    """One worker on one order."""

    Status = AssignmentStatus

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="worker_assignments"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="job_assignments",
        verbose_name=_("worker"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    travel_minutes = models.PositiveIntegerField(_("travel, min"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["order__date", "order__window_from", "pk"]
        verbose_name = _("worker assignment")
        verbose_name_plural = _("worker assignments")
        permissions = [("assign_workers", _("Can assign workers to orders"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "worker"],
                condition=~Q(status="cancelled"),
                name="orders_assignment_worker_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values),
                name="orders_assignment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["worker", "status"])]

    def __str__(self) -> str:
        return f"{self.worker} → {self.order_id}"


class WorkerMessage(models.Model):
    """A dispatcher's message to the worker of an assignment; ``read_at`` once they open it."""

    assignment = models.ForeignKey(
        WorkerAssignment, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.CharField(_("message"), max_length=1000)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("message to a worker")
        verbose_name_plural = _("messages to workers")

    def __str__(self) -> str:
        return self.body[:40]
