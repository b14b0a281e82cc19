"""Fair distribution of new leads: who gets the next request of a pipeline, and why.

``distribute_lead(lead_id)`` runs after a lead without a manager is committed (web forms, API,
calls). With the pipeline's ``DistributionRule``:

1. Sticky owner (if on): a lead linked to a client goes to the client's responsible manager
   while that manager is working *or on a break*. A manager who has not started (or has ended)
   the day is absent: the lead goes to the pool and the head of sales is told.
2. Otherwise the least loaded participant who is working now. Load = (open leads in work ×
   weight + received today × weight + received this month × weight) ÷ the participant's weight;
   ties go to whoever has waited longest since their last lead.
3. Nobody working: the lead waits, the head of sales is told once (until someone gets a lead),
   and ``assign_waiting_leads`` (Celery beat every 10 minutes, and whenever someone starts the
   day) hands the waiting leads out.

Every decision writes an ``Assignment`` row with the figures compared. Concurrency: each
decision holds the rule's row lock (``SELECT … FOR UPDATE``), so decisions of one pipeline are
serial and each sees the loads the previous one committed; the lead itself is locked and
re-checked (never assigned twice); the sweep takes leads with ``SKIP LOCKED``. Locks are always
taken rule first, then lead."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import User, WorkDayState
from crm.accounts.roles import Role
from crm.accounts.schedules import absent_user_ids
from crm.accounts.workday import day_start, today_for, workday_states
from crm.core.services import notification_send
from crm.leads.models import (
    Assignment,
    AssignmentKind,
    DistributionParticipant,
    DistributionRule,
    Lead,
    LeadStatus,
    Pipeline,
)
from crm.leads.services import lead_assign

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200
PRESENT = frozenset({WorkDayState.WORKING, WorkDayState.ON_BREAK})
_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


@dataclass
class Candidate:
    participant: DistributionParticipant
    state: str
    open: int
    today: int
    month: int
    load: Decimal

    @property
    def manager(self) -> Any:
        return self.participant.manager

    def sort_key(self) -> tuple:
        return (self.load, self.participant.last_assigned_at or _NEVER, self.participant.pk)

    def figures(self) -> dict[str, Any]:
        last = self.participant.last_assigned_at
        return {
            "manager": self.manager.pk,
            "name": self.manager.display_name,
            "state": self.state,
            "weight": str(self.participant.weight),
            "open": self.open,
            "today": self.today,
            "month": self.month,
            "load": str(self.load.quantize(Decimal("0.001"))),
            "last_assigned_at": last.isoformat() if last else None,
        }


# --- Rules ----------------------------------------------------------------------------------------
def rule_for_pipeline(pipeline: Pipeline) -> DistributionRule:
    """The pipeline's rule; the first time, one with every active manager of the branch."""
    rule, created = DistributionRule.objects.get_or_create(
        pipeline=pipeline, defaults={"branch_id": pipeline.branch_id}
    )
    if created:
        managers = User.objects.filter(
            branch_id=pipeline.branch_id, role=Role.MANAGER, is_active=True
        )
        DistributionParticipant.objects.bulk_create(
            [DistributionParticipant(rule=rule, manager=m) for m in managers],
            ignore_conflicts=True,
        )
    return rule


def heads_of_sales(branch_id: int) -> list[User]:
    return list(User.objects.filter(branch_id=branch_id, role=Role.HEAD_OF_SALES, is_active=True))


def _tell_heads(rule: DistributionRule, *, title: str, body: str, url: str, level: str) -> None:
    for head in heads_of_sales(rule.branch_id):
        notification_send(recipient=head, title=title, body=body, url=url, level=level)


# --- Loads ----------------------------------------------------------------------------------------
def _weighted(
    rule: DistributionRule, open_: int, today: int, month: int, weight: Decimal
) -> Decimal:
    raw = rule.weight_open * open_ + rule.weight_today * today + rule.weight_month * month
    return Decimal(raw) / weight


def candidates(rule: DistributionRule, now: datetime.datetime | None = None) -> list[Candidate]:
    """Every active participant with today's state and load figures (six queries)."""
    now = now or timezone.now()
    branch = rule.branch
    today = today_for(branch, now)
    start_today = day_start(branch, today)
    start_month = day_start(branch, today.replace(day=1))
    parts = list(
        rule.participants.filter(is_active=True, manager__is_active=True).select_related("manager")
    )
    off = absent_user_ids([p.manager_id for p in parts], today)  # the staff schedule says away
    parts = [p for p in parts if p.manager_id not in off]
    ids = [p.manager_id for p in parts]
    open_counts = dict(
        Lead.objects.filter(branch_id=rule.branch_id, status=LeadStatus.OPEN, manager_id__in=ids)
        .values("manager")
        .annotate(n=Count("id"))
        .values_list("manager", "n")
    )
    received = {
        row["manager"]: row
        for row in Assignment.objects.filter(
            branch_id=rule.branch_id, manager_id__in=ids, created_at__gte=start_month
        )
        .exclude(kind=AssignmentKind.WAITING)
        .values("manager")
        .annotate(today=Count("id", filter=Q(created_at__gte=start_today)), month=Count("id"))
    }
    states = workday_states(ids, branch)
    result = []
    for p in parts:
        got = received.get(p.manager_id, {})
        open_, today_n, month_n = (
            open_counts.get(p.manager_id, 0),
            got.get("today", 0),
            got.get("month", 0),
        )
        result.append(
            Candidate(
                participant=p,
                state=states[p.manager_id],
                open=open_,
                today=today_n,
                month=month_n,
                load=_weighted(rule, open_, today_n, month_n, p.weight),
            )
        )
    return result


def _rule_figures(rule: DistributionRule) -> dict[str, Any]:
    return {
        "rule": rule.pk,
        "weights": {
            "open": str(rule.weight_open),
            "today": str(rule.weight_today),
            "month": str(rule.weight_month),
        },
    }


# --- Deciding -------------------------------------------------------------------------------------
def _record(
    rule: DistributionRule,
    lead: Lead,
    manager: Any | None,
    kind: str,
    reason: str,
    figures: dict[str, Any],
    now: datetime.datetime,
) -> Assignment:
    return Assignment.objects.create(
        branch_id=rule.branch_id,
        rule=rule,
        lead=lead,
        manager=manager,
        kind=kind,
        reason=reason,
        figures=figures,
        created_at=now,
    )


def _assign(
    rule: DistributionRule,
    lead: Lead,
    manager: Any,
    kind: str,
    reason: str,
    figures: dict[str, Any],
    now: datetime.datetime,
) -> Assignment:
    lead_assign(actor=None, lead=lead, manager=manager, note=reason)
    assignment = _record(rule, lead, manager, kind, reason, figures, now)
    DistributionParticipant.objects.filter(rule=rule, manager=manager).update(last_assigned_at=now)
    if rule.waiting_notified_at is not None:
        rule.waiting_notified_at = None
        rule.save(update_fields=["waiting_notified_at"])
    _tell_heads(
        rule,
        title=_("Lead “%(lead)s” → %(manager)s")
        % {"lead": lead.contact_name, "manager": manager.display_name},
        body=reason,
        url=reverse("leads:lead-detail", args=[lead.pk]),
        level="info",
    )
    return assignment


def _describe(c: Candidate) -> str:
    return _(
        "%(name)s: load %(load)s (open %(open)s, today %(today)s, month %(month)s, weight "
        "%(weight)s)"
    ) % {
        "name": c.manager.display_name,
        "load": c.load.quantize(Decimal("0.01")),
        "open": c.open,
        "today": c.today,
        "month": c.month,
        "weight": c.participant.weight.normalize(),
    }


def _load_reason(best: Candidate, eligible: list[Candidate], absent_owner: Any | None) -> str:
    parts = []
    if absent_owner is not None:
        parts.append(
            _("The client's manager %(name)s has not started the day: the lead went to the pool.")
            % {"name": absent_owner.display_name}
        )
    parts.append(
        _("Least loaded of %(n)s working: %(best)s.")
        % {"n": len(eligible), "best": _describe(best)}
    )
    others = [c for c in sorted(eligible, key=Candidate.sort_key) if c is not best][:3]
    if others:
        parts.append(_("Next: %(others)s.") % {"others": "; ".join(_describe(c) for c in others)})
    if len(eligible) > 1 and others and others[0].load == best.load:
        parts.append(_("Equal load: the one who waited longest since the last lead."))
    return " ".join(parts)


def _wait(
    rule: DistributionRule,
    lead: Lead,
    figures: dict[str, Any],
    absent_owner: Any | None,
    now: datetime.datetime,
    first_attempt: bool,
) -> None:
    """Nobody can take the lead now: it waits for the sweep; the head of sales is told."""
    if not first_attempt:
        return
    reason = _("Nobody is working now: the lead waits for the first manager to start the day.")
    if absent_owner is not None:
        reason = " ".join(
            [
                _("The client's manager %(name)s has not started the day.")
                % {"name": absent_owner.display_name},
                reason,
            ]
        )
    _record(rule, lead, None, AssignmentKind.WAITING, reason, figures, now)
    if rule.waiting_notified_at is None:
        rule.waiting_notified_at = now
        rule.save(update_fields=["waiting_notified_at"])
        _tell_heads(
            rule,
            title=_("Leads are waiting: nobody is working in “%(pipeline)s”")
            % {"pipeline": rule.pipeline.name},
            body=reason,
            url=reverse("leads:distribution-fairness"),
            level="warning",
        )


def _sticky_owner(rule: DistributionRule, lead: Lead) -> Any | None:
    if not rule.sticky_owner or lead.client_id is None:
        return None
    owner = lead.client.manager
    if owner is None or not owner.is_active:
        return None
    return owner


def _decide(rule: DistributionRule, lead: Lead, *, first_attempt: bool) -> Assignment | None:
    """With the rule and the lead locked: assign ``lead`` or leave it waiting."""
    now = timezone.now()
    figures = _rule_figures(rule)
    absent_owner = None
    owner = _sticky_owner(rule, lead)
    if owner is not None:
        state = workday_states([owner.pk], rule.branch)[owner.pk]
        figures["owner"] = {"manager": owner.pk, "name": owner.display_name, "state": state}
        if state in PRESENT and not absent_user_ids([owner.pk], today_for(rule.branch, now)):
            reason = _("Repeat client: the lead goes to their manager %(name)s (%(state)s).") % {
                "name": owner.display_name,
                "state": WorkDayState(state).label,
            }
            return _assign(rule, lead, owner, AssignmentKind.STICKY, reason, figures, now)
        absent_owner = owner
        if first_attempt:
            _tell_heads(
                rule,
                title=_("Client's manager is absent: “%(lead)s” goes to the pool")
                % {"lead": lead.contact_name},
                body=_("%(name)s has not started the day (or has ended it).")
                % {"name": owner.display_name},
                url=reverse("leads:lead-detail", args=[lead.pk]),
                level="warning",
            )
    pool = candidates(rule, now)
    figures["candidates"] = [c.figures() for c in pool]
    eligible = [c for c in pool if c.state == WorkDayState.WORKING]
    if not eligible:
        _wait(rule, lead, figures, absent_owner, now, first_attempt)
        return None
    best = min(eligible, key=Candidate.sort_key)
    figures["chosen"] = best.manager.pk
    reason = _load_reason(best, eligible, absent_owner)
    return _assign(rule, lead, best.manager, AssignmentKind.LOAD, reason, figures, now)


def _open_unassigned(lead: Lead) -> bool:
    return lead.manager_id is None and lead.status == LeadStatus.OPEN


def distribute_lead(lead_id: int) -> Assignment | None:
    """Pick the manager for a new lead without one. ``None``: nothing assigned (already has a
    manager, closed, distribution off for the pipeline, or nobody working — then it waits)."""
    lead = Lead.objects.select_related("pipeline").filter(pk=lead_id).first()
    if lead is None or not _open_unassigned(lead):
        return None
    rule = rule_for_pipeline(lead.pipeline)
    with transaction.atomic():
        rule = (
            DistributionRule.objects.select_for_update(of=("self",))
            .select_related("branch", "pipeline")
            .get(pk=rule.pk)
        )
        if not rule.is_active:
            return None
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("client__manager")
            .get(pk=lead_id)
        )
        if not _open_unassigned(lead):
            return None  # someone (another process, the sweep) got there first
        first_attempt = not lead.assignments.exists()
        return _decide(rule, lead, first_attempt=first_attempt)


def _sweep_rule(rule_id: int) -> int:
    with transaction.atomic():
        rule = (
            DistributionRule.objects.select_for_update(of=("self",))
            .select_related("branch", "pipeline")
            .filter(pk=rule_id, is_active=True)
            .first()
        )
        if rule is None:
            return 0
        waiting = list(
            Lead.objects.filter(
                pipeline_id=rule.pipeline_id, status=LeadStatus.OPEN, manager__isnull=True
            )
            .select_related("client__manager")
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))[:SWEEP_BATCH]
        )
        assigned = 0
        for lead in waiting:
            first_attempt = not lead.assignments.exists()
            if _decide(rule, lead, first_attempt=first_attempt) is not None:
                assigned += 1
        return assigned


def assign_waiting_leads(*, branch_id: int | None = None) -> int:
    """Hand out leads left waiting (nobody was working, or an absent owner's client). Safe to
    run at any time and from several workers at once; returns how many were assigned."""
    rules = DistributionRule.objects.filter(is_active=True)
    if branch_id is not None:
        rules = rules.filter(branch_id=branch_id)
    return sum(_sweep_rule(pk) for pk in rules.order_by("pk").values_list("pk", flat=True))


# --- The fairness page ----------------------------------------------------------------------------
@dataclass
class FairnessRow:
    manager: Any
    state: str
    today: int = 0
    month: int = 0
    in_work: int = 0
    won: int = 0
    closed: int = 0
    first_response: datetime.timedelta | None = None
    responses: int = 0

    @property
    def conversion(self) -> int | None:
        """Won ÷ closed (won or lost), in per cent; ``None`` before anything was closed."""
        return round(self.won * 100 / self.closed) if self.closed else None

    @property
    def first_response_text(self) -> str:
        if self.first_response is None:
            return ""
        minutes = int(self.first_response.total_seconds() // 60)
        if minutes < 1:
            return _("under a minute")
        if minutes < 60:
            return _("%(m)s min") % {"m": minutes}
        return _("%(h)s h %(m)s min") % {"h": minutes // 60, "m": minutes % 60}


def _first_responses(branch: Any, ids: list[int], since: datetime.datetime) -> dict[int, list]:
    """Per manager: time from each assignment this month to the manager's first own entry on
    the lead's timeline (a comment, call, message or stage move) — one query."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef, Subquery

    from crm.core.models import TimelineEntry

    first = (
        TimelineEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Lead),
            object_id=OuterRef("lead_id"),
            author_id=OuterRef("manager_id"),
            created_at__gte=OuterRef("created_at"),
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    rows = (
        Assignment.objects.filter(branch=branch, manager_id__in=ids, created_at__gte=since)
        .exclude(kind=AssignmentKind.WAITING)
        .annotate(first=Subquery(first))
        .filter(first__isnull=False)
        .values_list("manager_id", "created_at", "first")
    )
    found: dict[int, list] = {}
    for manager_id, assigned_at, answered_at in rows:
        found.setdefault(manager_id, []).append(answered_at - assigned_at)
    return found


def fairness_report(branch: Any, now: datetime.datetime | None = None) -> list[FairnessRow]:
    """One row per manager of the branch (and every participant of its rules), in a fixed
    number of queries."""
    now = now or timezone.now()
    today = today_for(branch, now)
    start_today = day_start(branch, today)
    start_month = day_start(branch, today.replace(day=1))
    participant_ids = DistributionParticipant.objects.filter(rule__branch=branch).values(
        "manager_id"
    )
    people = list(
        User.objects.filter(branch=branch, is_active=True).filter(
            Q(role=Role.MANAGER) | Q(pk__in=participant_ids)
        )
    )
    ids = [u.pk for u in people]
    states = workday_states(ids, branch)
    rows = {u.pk: FairnessRow(manager=u, state=states[u.pk]) for u in people}
    for item in (
        Assignment.objects.filter(branch=branch, manager_id__in=ids, created_at__gte=start_month)
        .exclude(kind=AssignmentKind.WAITING)
        .values("manager")
        .annotate(today=Count("id", filter=Q(created_at__gte=start_today)), month=Count("id"))
    ):
        rows[item["manager"]].today = item["today"]
        rows[item["manager"]].month = item["month"]
    for item in (
        Lead.objects.filter(branch=branch, manager_id__in=ids)
        .values("manager")
        .annotate(
            in_work=Count("id", filter=Q(status=LeadStatus.OPEN)),
            won=Count("id", filter=Q(status=LeadStatus.WON)),
            closed=Count("id", filter=~Q(status=LeadStatus.OPEN)),
        )
    ):
        row = rows[item["manager"]]
        row.in_work, row.won, row.closed = item["in_work"], item["won"], item["closed"]
    for manager_id, spans in _first_responses(branch, ids, start_month).items():
        rows[manager_id].first_response = sum(spans, datetime.timedelta()) / len(spans)
        rows[manager_id].responses = len(spans)
    return list(rows.values())


def recent_assignments(branch: Any, limit: int = 30) -> list[Assignment]:
    return list(Assignment.objects.filter(branch=branch).select_related("lead", "manager")[:limit])


# --- Configuring the rules ------------------------------------------------------------------------
RULE_FIELDS = ["is_active", "sticky_owner", "weight_open", "weight_today", "weight_month"]


def eligible_staff(branch: Any) -> list[User]:
    """Who may take part in a branch's rules: its active managers and heads of sales."""
    return list(
        User.objects.filter(
            branch=branch, is_active=True, role__in=[Role.MANAGER, Role.HEAD_OF_SALES]
        )
    )


@transaction.atomic
def distribution_rule_update(
    *,
    actor: Any,
    rule: DistributionRule,
    participants: dict[int, tuple[bool, Decimal]],
    **fields: Any,
) -> DistributionRule:
    """Save a rule's switches and weights and who takes part (``{user_id: (takes_part,
    weight)}``; users outside the branch's staff are ignored). Locks the rule, so a change
    never interleaves with a distribution decision."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from crm.core.services import audit_record, diff, snapshot

    if not actor.has_perm("leads.manage_distribution"):
        raise PermissionDenied
    rule = DistributionRule.objects.select_for_update().get(pk=rule.pk)
    names = [k for k in RULE_FIELDS if k in fields]
    errors = {
        name: _("Use a weight from 0 to 100.")
        for name in names
        if name.startswith("weight_") and not (0 <= Decimal(fields[name]) <= 100)
    }
    if any(not (0 < weight <= 100) for on, weight in participants.values() if on):
        errors["participants"] = _("A participant's weight must be above 0 and at most 100.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(rule, names)
    for name in names:
        setattr(rule, name, fields[name])
    rule.save(update_fields=[*names, "updated_at"])
    staff = {u.pk for u in eligible_staff(rule.branch_id)}
    existing = {p.manager_id: p for p in rule.participants.all()}
    changes = diff(before, snapshot(rule, names))
    for user_id, (on, weight) in participants.items():
        if user_id not in staff:
            continue
        row = existing.get(user_id)
        if row is None and on:
            DistributionParticipant.objects.create(rule=rule, manager_id=user_id, weight=weight)
            changes[f"participant {user_id}"] = [None, str(weight)]
        elif row is not None and (row.is_active != on or (on and row.weight != weight)):
            old = str(row.weight) if row.is_active else None
            row.is_active = on
            row.weight = weight if on else row.weight
            row.save(update_fields=["is_active", "weight"])
            changes[f"participant {user_id}"] = [old, str(weight) if on else None]
    audit_record(actor=actor, instance=rule, changes=changes)
    return rule
