"""Leads: pipelines and stages, sources and loss reasons, leads, tasks, monthly sales plans."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Pipeline(models.Model):
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.CASCADE, related_name="pipelines"
    )
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        permissions = [("manage_pipelines", "Can configure pipelines and stages")]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(models.Model):
    Kind = StageKind

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default="open")
    color = models.CharField(_("colour"), max_length=7, default="#1f6feb")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["open", "won", "lost"]), name="leads_stage_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closing(self) -> bool:
        return self.kind != StageKind.OPEN


class Source(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        permissions = [("manage_directories", "Can manage lead sources and loss reasons")]

    def __str__(self) -> str:
        return self.name


class LossReason(models.Model):
    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Lead(models.Model):
    Status = LeadStatus

    branch = models.ForeignKey("accounts.Branch", on_delete=models.PROTECT, related_name="+")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="leads")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="leads")
    status = models.CharField(
        _("status"), max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN
    )
    contact_name = models.CharField(_("contact name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    need = models.TextField(_("what they want"), blank=True, max_length=5000)
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("responsible manager"),
    )
    amount = models.DecimalField(
        _("expected amount"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    is_new_unseen = models.BooleanField(_("new, not opened yet"), default=False)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("client"),
    )
    loss_reason = models.ForeignKey(
        LossReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loss reason"),
    )
    loss_comment = models.TextField(_("loss comment"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: Manual order inside a kanban column (gapped; see ``services.lead_move``).
    position = models.IntegerField(_("position in the column"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [("view_all_leads", "Can see every lead of the branch")]
        indexes = [
            models.Index(
                fields=["stage", "position", "-created_at", "-id"],
                condition=models.Q(status="open"),
                name="leads_lead_board_pos_idx",
            ),
            # The board's per-column count and sum as an index-only scan (100 000 open leads:
            # 36 ms instead of a 70–146 ms sequential scan).
            models.Index(
                fields=["pipeline", "stage"],
                include=["branch", "manager", "amount", "id"],
                condition=models.Q(status="open"),
                name="leads_lead_totals_idx",
            ),
            models.Index(fields=["pipeline", "status", "stage"], name="leads_lead_pipeline_idx"),
            models.Index(fields=["branch", "status", "-closed_at"]),
            models.Index(fields=["manager", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "won", "lost"]),
                name="leads_lead_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.contact_name

    @property
    def is_closed(self) -> bool:
        return self.status != LeadStatus.OPEN


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Task(models.Model):
    Priority = TaskPriority

    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lead_tasks",
        verbose_name=_("assignee"),
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.NORMAL
    )
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("lead"),
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("client"),
    )
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["is_done", "due_at", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        permissions = [("assign_tasks", "Can assign tasks to other managers")]
        indexes = [
            models.Index(fields=["assignee", "is_done", "due_at"]),
            models.Index(fields=["is_done", "reminded_at", "due_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_at < timezone.now()


class SalesPlan(models.Model):
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_plans"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    amount = models.DecimalField(_("plan"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")

    class Meta:
        ordering = ["-month", "manager"]
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        constraints = [
            models.UniqueConstraint(fields=["manager", "month"], name="leads_plan_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.manager} {self.month:%Y-%m}"


class DistributionRule(models.Model):
    """How new leads of one pipeline (and so one branch) are handed out: who takes part, with
    what weights, and whether a repeat client's request goes to their own manager."""

    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    pipeline = models.OneToOneField(
        Pipeline, on_delete=models.CASCADE, related_name="distribution_rule"
    )
    is_active = models.BooleanField(
        _("distribute automatically"),
        default=True,
        help_text=_("Off: new requests stay unassigned for the head of sales to hand out."),
    )
    sticky_owner = models.BooleanField(
        _("sticky owner"),
        default=True,
        help_text=_(
            "A repeat client's request goes to the client's responsible manager, even on a "
            "break; if that manager has not started the day it goes to the pool."
        ),
    )
    weight_open = models.DecimalField(
        _("weight of open leads in work"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    weight_today = models.DecimalField(
        _("weight of leads received today"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    weight_month = models.DecimalField(
        _("weight of leads received this month"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
    )
    #: Set when the head of sales was told that nobody is working; cleared by the next assignment.
    waiting_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pipeline__position", "pk"]
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        permissions = [
            ("manage_distribution", "Can configure lead distribution rules"),
            ("view_distribution", "Can see the fairness of lead distribution"),
        ]

    def __str__(self) -> str:
        return str(self.pipeline)


class DistributionParticipant(models.Model):
    """A manager who takes part in a rule. ``weight`` is a share: weight 2 takes about twice
    as many leads as weight 1 (the load is divided by it)."""

    rule = models.ForeignKey(
        DistributionRule, on_delete=models.CASCADE, related_name="participants"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=Decimal("1"))
    is_active = models.BooleanField(_("takes part"), default=True)
    last_assigned_at = models.DateTimeField(_("last lead received"), null=True, blank=True)

    class Meta:
        ordering = ["rule", "pk"]
        verbose_name = _("distribution participant")
        verbose_name_plural = _("distribution participants")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "manager"], name="leads_participant_unique_manager"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="leads_participant_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manager} ×{self.weight}"


class AssignmentKind(models.TextChoices):
    LOAD = "load", _("Least loaded")
    STICKY = "sticky", _("Client's own manager")
    WAITING = "waiting", _("Waiting: nobody is working")


class Assignment(models.Model):
    """Why a lead went to whom (or why it waits): the figures compared, kept as JSON."""

    Kind = AssignmentKind

    branch = models.ForeignKey("accounts.Branch", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        DistributionRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    kind = models.CharField(_("how"), max_length=8, choices=AssignmentKind.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    figures = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lead assignment")
        verbose_name_plural = _("lead assignments")
        indexes = [models.Index(fields=["branch", "manager", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["load", "sticky", "waiting"]),
                name="leads_assignment_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.manager_id}"
