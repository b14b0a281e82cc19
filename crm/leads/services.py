"""Write operations of the leads app: pipelines, directories, leads and their stage moves, tasks,
sales plans. Views, tasks and seeds call these; none re-implements them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import AuditEntry, TimelineEntry
from crm.core.phones import normalize_phone
from crm.core.realtime import publish_on_commit
from crm.core.services import audit_record, diff, notification_send, snapshot, timeline_add
from crm.leads.models import Lead, LeadStatus, LossReason, Pipeline, SalesPlan, Source, Stage, Task
from crm.leads.permissions import can_change_lead, can_change_task
from crm.leads.selectors import BOARD_ORDER

LEAD_FIELDS = [
    "contact_name",
    "phone",
    "email",
    "company",
    "need",
    "source",
    "manager",
    "amount",
    "currency",
]


def pipeline_group(pipeline_id: int) -> str:
    return f"leads.pipeline.{pipeline_id}"


def _publish_lead(lead: Lead, op: str, **extra: Any) -> None:
    publish_on_commit(
        pipeline_group(lead.pipeline_id),
        {"type": "lead", "op": op, "id": lead.pk, "stage": lead.stage_id, **extra},
    )


def _clean_name(value: Any, field: str, limit: int) -> str:
    value = str(value or "").strip()
    if not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("Too long (%(n)s characters at most).") % {"n": limit}})
    return value


# --- Pipelines and stages ---------------------------------------------------------------------
def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


@transaction.atomic
def pipeline_create(
    *, actor: Any, branch: Any, name: str, stages: list[tuple[str, str]] | None = None
) -> Pipeline:
    """A pipeline with stages ``[(name, kind), ...]``; by default New → Won / Lost."""
    _require(actor, "leads.manage_pipelines")
    name = _clean_name(name, "name", 120)
    position = (Pipeline.objects.filter(branch=branch).aggregate(m=Max("position"))["m"] or 0) + 1
    pipeline = Pipeline.objects.create(branch=branch, name=name, position=position)
    default = [(_("New"), "open"), (_("Won"), "won"), (_("Lost"), "lost")]
    colors = {"open": "#1f6feb", "won": "#1a7f37", "lost": "#cf222e"}
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=n, kind=k, color=colors[k], position=i)
        for i, (n, k) in enumerate(stages or default)
    )
    audit_record(actor=actor, instance=pipeline, action=AuditEntry.Action.CREATE)
    return pipeline


@transaction.atomic
def pipeline_rename(*, actor: Any, pipeline: Pipeline, name: str) -> Pipeline:
    _require(actor, "leads.manage_pipelines")
    before = snapshot(pipeline, ["name"])
    pipeline.name = _clean_name(name, "name", 120)
    pipeline.save(update_fields=["name"])
    audit_record(actor=actor, instance=pipeline, changes=diff(before, snapshot(pipeline, ["name"])))
    return pipeline


def _clean_color(color: str) -> str:
    color = (color or "").strip() or "#1f6feb"
    if len(color) != 7 or not color.startswith("#"):
        raise ValidationError({"color": _("Choose a colour like #1f6feb.")})
    try:
        int(color[1:], 16)
    except ValueError as exc:
        raise ValidationError({"color": _("Choose a colour like #1f6feb.")}) from exc
    return color


@transaction.atomic
def stage_create(
    *, actor: Any, pipeline: Pipeline, name: str, kind: str = "open", color: str = ""
) -> Stage:
    _require(actor, "leads.manage_pipelines")
    if kind not in Stage.Kind.values:
        raise ValidationError({"kind": _("Choose a valid kind.")})
    position = (pipeline.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    stage = Stage.objects.create(
        pipeline=pipeline,
        name=_clean_name(name, "name", 80),
        kind=kind,
        color=_clean_color(color),
        position=position,
    )
    audit_record(
        actor=actor,
        instance=pipeline,
        note=f"+ {stage.name}",
        changes={"stages": [None, stage.name]},
    )
    return stage


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, name: str, kind: str, color: str) -> Stage:
    _require(actor, "leads.manage_pipelines")
    if kind not in Stage.Kind.values:
        raise ValidationError({"kind": _("Choose a valid kind.")})
    fields = ["name", "kind", "color"]
    before = snapshot(stage, fields)
    stage.name = _clean_name(name, "name", 80)
    stage.kind = kind
    stage.color = _clean_color(color)
    stage.save(update_fields=fields)
    audit_record(actor=actor, instance=stage, changes=diff(before, snapshot(stage, fields)))
    return stage


@transaction.atomic
def stage_reorder(*, actor: Any, pipeline: Pipeline, stage_ids: list[int]) -> None:
    """Put the pipeline's stages in the given order (ids not in the pipeline are ignored)."""
    _require(actor, "leads.manage_pipelines")
    stages = {s.pk: s for s in pipeline.stages.select_for_update()}
    ordered = [stages[i] for i in stage_ids if i in stages]
    ordered += [s for pk, s in stages.items() if pk not in stage_ids]
    for position, stage in enumerate(ordered):
        stage.position = position
    Stage.objects.bulk_update(ordered, ["position"])


@transaction.atomic
def stage_shift(*, actor: Any, stage: Stage, delta: int) -> None:
    """Move a stage one place up (-1) or down (+1)."""
    ids = list(stage.pipeline.stages.values_list("pk", flat=True))
    index = ids.index(stage.pk)
    target = max(0, min(len(ids) - 1, index + delta))
    ids.insert(target, ids.pop(index))
    stage_reorder(actor=actor, pipeline=stage.pipeline, stage_ids=ids)


def stage_delete_problem(stage: Stage) -> str | None:
    """Why ``stage`` cannot be deleted at all (whatever happens to its leads), or None."""
    if stage.is_closing:
        return _("Won and lost stages close leads; they cannot be deleted.")
    others = stage.pipeline.stages.filter(kind=Stage.Kind.OPEN).exclude(pk=stage.pk)
    if not others.exists():
        return _("A pipeline needs at least one stage in progress.")
    return None


@transaction.atomic
def stage_delete(*, actor: Any, stage: Stage, move_to: Stage | None = None) -> int:
    """Delete an in-progress stage; its leads move in bulk to ``move_to`` (another in-progress
    stage of the same pipeline), which is required when the stage has leads. Returns how many
    leads moved. Audited on the pipeline; board viewers refresh the receiving column."""
    _require(actor, "leads.manage_pipelines")
    stage = Stage.objects.select_for_update().select_related("pipeline").get(pk=stage.pk)
    problem = stage_delete_problem(stage)
    if problem:
        raise ValidationError(problem)
    leads = Lead.objects.filter(stage=stage)
    moved = 0
    if leads.exists():
        if move_to is None:
            raise ValidationError({"move_to": _("Choose where this stage's leads go.")})
        if move_to.pipeline_id != stage.pipeline_id or move_to.pk == stage.pk or move_to.is_closing:
            raise ValidationError(
                {"move_to": _("Choose another stage in progress of this pipeline.")}
            )
        moved = leads.update(stage=move_to, updated_at=timezone.now())
    name = stage.name
    stage.delete()
    audit_record(
        actor=actor,
        instance=stage.pipeline,
        note=f"− {name}" + (f" → {move_to.name} ({moved})" if moved else ""),
        changes={"stages": [name, None]},
    )
    if moved:
        publish_on_commit(
            pipeline_group(stage.pipeline_id),
            {"type": "lead", "op": "stage_deleted", "stage": move_to.pk, "moved": moved},
        )
    return moved


# --- Directories ------------------------------------------------------------------------------
@transaction.atomic
def directory_entry_create(*, actor: Any, model: type, branch: Any, name: str) -> Any:
    _require(actor, "leads.manage_directories")
    limit = 80 if model is Source else 120
    entry = model.objects.create(branch=branch, name=_clean_name(name, "name", limit))
    audit_record(actor=actor, instance=entry, action=AuditEntry.Action.CREATE)
    return entry


@transaction.atomic
def directory_entry_toggle(*, actor: Any, entry: Source | LossReason) -> Any:
    _require(actor, "leads.manage_directories")
    entry.is_active = not entry.is_active
    entry.save(update_fields=["is_active"])
    audit_record(
        actor=actor, instance=entry, changes={"is_active": [not entry.is_active, entry.is_active]}
    )
    return entry


# --- Leads ------------------------------------------------------------------------------------
def _clean_lead(lead: Lead) -> None:
    errors: dict[str, str] = {}
    lead.contact_name = str(lead.contact_name or "").strip()
    if not lead.contact_name:
        errors["contact_name"] = _("Write the contact's name.")
    elif len(lead.contact_name) > 200:
        errors["contact_name"] = _("Too long (%(n)s characters at most).") % {"n": 200}
    raw_phone = str(lead.phone or "").strip()
    if raw_phone:
        number = normalize_phone(raw_phone)
        if number is None:
            errors["phone"] = _("This does not look like a phone number.")
        else:
            lead.phone = number
    lead.email = str(lead.email or "").strip().lower()
    if lead.email and ("@" not in lead.email or len(lead.email) > 254):
        errors["email"] = _("Enter a valid e-mail address.")
    try:
        lead.amount = Decimal(str(lead.amount or 0)).quantize(Decimal("0.01"))
        if lead.amount < 0 or lead.amount >= Decimal("1e12"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = _("Enter an amount between 0 and 999 999 999 999.")
    for field, limit in (("company", 200), ("need", 5000)):
        if len(getattr(lead, field) or "") > limit:
            errors[field] = _("Too long (%(n)s characters at most).") % {"n": limit}
    if errors:
        raise ValidationError(errors)


def lead_find_client(*, phone: str = "", email: str = "", branch: Any = None) -> Any | None:
    """The existing client this lead's phone or e-mail belongs to (dedupe on intake)."""
    from clients.services import client_find_duplicates

    return client_find_duplicates(phone=phone or None, email=email or None, branch=branch).first()


@transaction.atomic
def lead_create(
    *,
    actor: Any | None,
    branch: Any,
    pipeline: Pipeline,
    stage: Stage | None = None,
    automatic: bool = False,
    **fields: Any,
) -> Lead:
    """Create a lead in ``pipeline`` (first open stage unless ``stage``). A lead whose phone or
    e-mail matches a client is linked to that client. ``automatic`` leads (web forms, API)
    stay highlighted until their manager opens them."""
    if actor is not None and not actor.has_perm("leads.add_lead"):
        raise PermissionDenied
    if pipeline.branch_id != branch.pk:
        raise ValidationError({"pipeline": _("This pipeline belongs to another branch.")})
    if stage is None:
        stage = pipeline.stages.filter(kind=Stage.Kind.OPEN).first()
    if stage is None or stage.pipeline_id != pipeline.pk or stage.is_closing:
        raise ValidationError({"stage": _("Choose a stage of this pipeline that is in progress.")})
    lead = Lead(
        branch=branch,
        pipeline=pipeline,
        stage=stage,
        created_by=actor,
        is_new_unseen=automatic,
        **{k: v for k, v in fields.items() if k in LEAD_FIELDS},
    )
    if lead.manager_id is None and actor is not None:
        lead.manager = actor
    if actor is not None and not actor.has_perm("leads.view_all_leads"):
        lead.manager = actor  # a manager creates leads for themselves only
    _clean_lead(lead)
    lead.client = lead_find_client(phone=lead.phone, email=lead.email, branch=branch)
    lead.position = _top_position(stage)
    lead.save()
    audit_record(actor=actor, instance=lead, action=AuditEntry.Action.CREATE)
    timeline_add(
        actor=actor,
        target=lead,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("Lead created in stage “%(stage)s”.") % {"stage": stage.name},
    )
    _publish_lead(lead, "created")
    if lead.manager_id is None:  # web forms, API, calls: fair distribution picks the manager
        transaction.on_commit(lambda: _distribute_on_commit(lead.pk))
    return lead


def _distribute_on_commit(lead_id: int) -> None:
    """Runs after the creating transaction commits; a failure here must not fail the request
    that created the lead (the periodic sweep hands out whatever is left waiting)."""
    import logging

    from crm.leads.distribution import distribute_lead

    try:
        distribute_lead(lead_id)
    except Exception:
        logging.getLogger(__name__).exception("distributing lead %s failed", lead_id)


@transaction.atomic
def lead_assign(*, actor: Any | None, lead: Lead, manager: Any, note: str = "") -> Lead:
    """Make ``manager`` responsible for ``lead`` (fair distribution with ``actor=None``, or a
    head of sales): history, a timeline line with ``note``, the board and the new manager are
    told."""
    from django.urls import reverse

    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if actor is not None and not (
        actor.has_perm("leads.view_all_leads") and can_change_lead(actor, lead)
    ):
        raise PermissionDenied
    if not manager.is_active:
        raise ValidationError({"manager": _("This employee is switched off.")})
    if lead.manager_id == manager.pk:
        return lead
    before = snapshot(lead, ["manager"])
    lead.manager = manager
    lead.save(update_fields=["manager", "updated_at"])
    audit_record(
        actor=actor, instance=lead, changes=diff(before, snapshot(lead, ["manager"])), note=note
    )
    body = _("Assigned to %(manager)s.") % {"manager": manager.display_name}
    timeline_add(
        actor=actor,
        target=lead,
        kind=TimelineEntry.Kind.SYSTEM,
        body=f"{body} {note}".strip(),
    )
    if actor is None or actor.pk != manager.pk:
        notification_send(
            recipient=manager,
            title=_("New lead: %(name)s") % {"name": lead.contact_name},
            url=reverse("leads:lead-detail", args=[lead.pk]),
        )
    _publish_lead(lead, "updated")
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, **fields: Any) -> Lead:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not can_change_lead(actor, lead):
        raise PermissionDenied
    names = [k for k in fields if k in LEAD_FIELDS]
    if "manager" in names and not actor.has_perm("leads.view_all_leads"):
        names.remove("manager")
    before = snapshot(lead, names)
    for name in names:
        setattr(lead, name, fields[name])
    _clean_lead(lead)
    lead.save(update_fields=[*names, "updated_at"])
    audit_record(actor=actor, instance=lead, changes=diff(before, snapshot(lead, names)))
    _publish_lead(lead, "updated")
    return lead


@transaction.atomic
def lead_mark_seen(*, actor: Any, lead: Lead) -> Lead:
    """Opening the card by its responsible manager clears the "new" highlight."""
    if lead.is_new_unseen and lead.manager_id == actor.pk:
        Lead.objects.filter(pk=lead.pk).update(is_new_unseen=False)
        lead.is_new_unseen = False
        _publish_lead(lead, "seen")
    return lead


def _status_entry(actor: Any, lead: Lead, old: Stage, new: Stage, note: str = "") -> None:
    body = _("Stage: %(old)s → %(new)s") % {"old": old.name, "new": new.name}
    if note:
        body = f"{body}\n{note}"
    timeline_add(
        actor=actor,
        target=lead,
        kind=TimelineEntry.Kind.STATUS,
        body=body,
        data={"from": old.pk, "to": new.pk},
    )


#: Room left between neighbouring cards' positions: most drops take the midpoint of two
#: neighbours and touch one row; only when two neighbours are adjacent is the block above shifted.
POSITION_GAP = 1024


def _open_in_stage(stage: Stage, exclude: Lead) -> Any:
    return Lead.objects.filter(stage=stage, status=LeadStatus.OPEN).exclude(pk=exclude.pk)


def _at_or_above(lead: Lead) -> Q:
    """Leads sorting at or above ``lead`` on the board (``BOARD_ORDER``: position, newest)."""
    return (
        Q(position__lt=lead.position)
        | Q(position=lead.position, created_at__gt=lead.created_at)
        | Q(position=lead.position, created_at=lead.created_at, pk__gte=lead.pk)
    )


def _board_neighbour(stage: Stage, moved: Lead, pk: int | None) -> Lead | None:
    if pk is None:
        return None
    return _open_in_stage(stage, moved).filter(pk=pk).only("position", "created_at").first()


def _position_after(stage: Stage, moved: Lead, anchor: Lead | None) -> int:
    """A position that puts ``moved`` right below ``anchor`` (the top of the column when None),
    in the order of every open lead of the stage, filtered out or not."""
    others = _open_in_stage(stage, moved)
    if anchor is None:
        top = others.aggregate(m=Min("position"))["m"]
        return 0 if top is None else top - POSITION_GAP
    below = others.exclude(_at_or_above(anchor)).order_by(*BOARD_ORDER).only("position").first()
    if below is None:
        return anchor.position + POSITION_GAP
    if below.position - anchor.position < 2:  # no room: lift the anchor and everything above it
        others.filter(_at_or_above(anchor)).update(position=F("position") - POSITION_GAP)
        anchor.position -= POSITION_GAP
    return (anchor.position + below.position) // 2


def _position_before(stage: Stage, moved: Lead, follower: Lead) -> int:
    """A position that puts ``moved`` right above ``follower``."""
    above = (
        _open_in_stage(stage, moved)
        .filter(_at_or_above(follower))
        .exclude(pk=follower.pk)
        .order_by("-position", "created_at", "pk")  # BOARD_ORDER reversed: the nearest above
        .only("position", "created_at")
        .first()
    )
    return _position_after(stage, moved, above)


@transaction.atomic
def lead_move(
    *,
    actor: Any,
    lead: Lead,
    stage: Stage,
    after: int | None = None,
    before: int | None = None,
) -> Lead:
    """Move an open lead to a place in an in-progress stage of its pipeline (kanban drag).

    ``after`` is the id of the card the lead was dropped below, ``before`` of the card above which
    it was dropped (the board may be filtered, so both refer to what the user saw); with neither
    the lead goes to the top of the column. Positions are gapped integers (``POSITION_GAP``)."""
    lead = Lead.objects.select_for_update().select_related("stage").get(pk=lead.pk)
    if not can_change_lead(actor, lead):
        raise PermissionDenied
    if lead.is_closed:
        raise ValidationError(_("This lead is closed; reopen it first."))
    if stage.pipeline_id != lead.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if stage.is_closing:
        raise ValidationError({"stage": _("Close the lead as won or lost instead.")})
    old = lead.stage
    if old.pk == stage.pk and after is None and before is None:
        return lead
    # Serialise reorders of one column: two drops computing the same midpoint would tie.
    list(Stage.objects.select_for_update().filter(pk=stage.pk).values_list("pk", flat=True))
    anchor = _board_neighbour(stage, lead, after)
    follower = None if anchor is not None else _board_neighbour(stage, lead, before)
    if follower is not None:
        lead.position = _position_before(stage, lead, follower)
    else:
        lead.position = _position_after(stage, lead, anchor)
    lead.stage = stage
    lead.save(update_fields=["stage", "position", "updated_at"])
    if old.pk != stage.pk:
        audit_record(actor=actor, instance=lead, changes={"stage": [old.name, stage.name]})
        _status_entry(actor, lead, old, stage)
    _publish_lead(lead, "moved", **{"from": old.pk})
    return lead


def _top_position(stage: Stage) -> int:
    """New and reopened leads enter a column at its top."""
    top = Lead.objects.filter(stage=stage, status=LeadStatus.OPEN).aggregate(m=Min("position"))
    return 0 if top["m"] is None else top["m"] - POSITION_GAP


def _closing_stage(lead: Lead, kind: str) -> Stage:
    stage = lead.pipeline.stages.filter(kind=kind).first()
    if stage is None:
        raise ValidationError(_("This pipeline has no stage for closing leads this way."))
    return stage


@transaction.atomic
def lead_win(*, actor: Any, lead: Lead, note: str = "") -> Lead:
    """Close as won and convert to a client (or keep the client it is already linked to)."""
    from clients.services import client_create

    lead = Lead.objects.select_for_update().select_related("stage", "pipeline").get(pk=lead.pk)
    if not can_change_lead(actor, lead):
        raise PermissionDenied
    if lead.is_closed:
        raise ValidationError(_("This lead is already closed."))
    note = str(note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("Too long (%(n)s characters at most).") % {"n": 2000}})
    won = _closing_stage(lead, Stage.Kind.WON)
    old = lead.stage
    if lead.client_id is None:
        lead.client = client_create(
            actor=actor,
            branch=lead.branch,
            source="lead",
            name=lead.company or lead.contact_name,
            kind="company" if lead.company else "person",
            manager=lead.manager or actor,
            phones=[lead.phone] if lead.phone else [],
            emails=[lead.email] if lead.email else [],
            notes=lead.need[:5000],
        )
    lead.stage = won
    lead.status = LeadStatus.WON
    lead.closed_at = timezone.now()
    lead.is_new_unseen = False
    lead.save(
        update_fields=["stage", "status", "closed_at", "client", "is_new_unseen", "updated_at"]
    )
    audit_record(
        actor=actor,
        instance=lead,
        changes={"status": ["open", "won"], "stage": [old.name, won.name]},
        note=note,
    )
    _status_entry(actor, lead, old, won, note)
    timeline_add(
        actor=actor,
        target=lead.client,
        kind=TimelineEntry.Kind.SYSTEM,
        body=_("Won from lead “%(lead)s”.") % {"lead": lead.contact_name},
    )
    _publish_lead(lead, "closed", **{"from": old.pk})
    return lead


@transaction.atomic
def lead_lose(*, actor: Any, lead: Lead, reason: LossReason | None, comment: str = "") -> Lead:
    """Close as lost; a loss reason is required."""
    lead = Lead.objects.select_for_update().select_related("stage", "pipeline").get(pk=lead.pk)
    if not can_change_lead(actor, lead):
        raise PermissionDenied
    if lead.is_closed:
        raise ValidationError(_("This lead is already closed."))
    if reason is None or reason.branch_id != lead.branch_id:
        raise ValidationError({"reason": _("Choose why the lead was lost.")})
    comment = str(comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Too long (%(n)s characters at most).") % {"n": 2000}})
    lost = _closing_stage(lead, Stage.Kind.LOST)
    old = lead.stage
    lead.stage = lost
    lead.status = LeadStatus.LOST
    lead.loss_reason = reason
    lead.loss_comment = comment
    lead.closed_at = timezone.now()
    lead.is_new_unseen = False
    lead.save(
        update_fields=[
            "stage",
            "status",
            "loss_reason",
            "loss_comment",
            "closed_at",
            "is_new_unseen",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        instance=lead,
        changes={"status": ["open", "lost"], "loss_reason": [None, reason.name]},
        note=comment,
    )
    _status_entry(actor, lead, old, lost, f"{reason.name}. {comment}".strip())
    _publish_lead(lead, "closed", **{"from": old.pk})
    return lead


@transaction.atomic
def lead_reopen(*, actor: Any, lead: Lead) -> Lead:
    """Back from the archive into the first in-progress stage; the client link stays."""
    lead = Lead.objects.select_for_update().select_related("stage", "pipeline").get(pk=lead.pk)
    if not can_change_lead(actor, lead):
        raise PermissionDenied
    if not lead.is_closed:
        raise ValidationError(_("This lead is not closed."))
    stage = lead.pipeline.stages.filter(kind=Stage.Kind.OPEN).first()
    if stage is None:
        raise ValidationError(_("This pipeline has no stage in progress."))
    old, old_status = lead.stage, lead.status
    lead.stage = stage
    lead.status = LeadStatus.OPEN
    lead.position = _top_position(stage)
    lead.closed_at = None
    lead.loss_reason = None
    lead.loss_comment = ""
    lead.save(
        update_fields=[
            "stage",
            "status",
            "position",
            "closed_at",
            "loss_reason",
            "loss_comment",
            "updated_at",
        ]
    )
    audit_record(actor=actor, instance=lead, changes={"status": [old_status, "open"]})
    _status_entry(actor, lead, old, stage, _("Reopened."))
    _publish_lead(lead, "reopened", **{"from": old.pk})
    return lead


# --- Tasks ------------------------------------------------------------------------------------
@transaction.atomic
def task_create(
    *,
    actor: Any,
    branch: Any,
    title: str,
    due_at: Any,
    assignee: Any = None,
    priority: str = "normal",
    lead: Lead | None = None,
    client: Any = None,
) -> Task:
    if not actor.has_perm("leads.add_task"):
        raise PermissionDenied
    assignee = assignee or actor
    if assignee.pk != actor.pk and not actor.has_perm("leads.assign_tasks"):
        raise ValidationError({"assignee": _("You can only create tasks for yourself.")})
    if lead is not None and not can_change_lead(actor, lead):
        raise PermissionDenied
    if client is not None:
        from clients.permissions import can_see_client

        if not can_see_client(actor, client):
            raise PermissionDenied
    if priority not in Task.Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    if due_at is None:
        raise ValidationError({"due_at": _("When is it due?")})
    task = Task.objects.create(
        branch=branch,
        title=_clean_name(title, "title", 200),
        due_at=due_at,
        assignee=assignee,
        priority=priority,
        lead=lead,
        client=client or (lead.client if lead else None),
        created_by=actor,
    )
    audit_record(actor=actor, instance=task, action=AuditEntry.Action.CREATE)
    if lead is not None:
        timeline_add(
            actor=actor,
            target=lead,
            kind=TimelineEntry.Kind.SYSTEM,
            body=_("Task: %(title)s") % {"title": task.title},
        )
    if assignee.pk != actor.pk:
        notification_send(recipient=assignee, title=_("New task: %(t)s") % {"t": task.title})
    return task


@transaction.atomic
def task_set_done(*, actor: Any, task: Task, done: bool = True) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not can_change_task(actor, task):
        raise PermissionDenied
    if task.is_done == done:
        return task
    task.is_done = done
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["is_done", "done_at"])
    audit_record(actor=actor, instance=task, changes={"is_done": [not done, done]})
    return task


def task_remind_due(*, now: Any = None) -> int:
    """Notify assignees of tasks that fell due; each task is reminded once (safe to run twice)."""
    from django.urls import reverse

    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Task.objects.select_for_update(skip_locked=True)
                .filter(is_done=False, reminded_at__isnull=True, due_at__lte=now)
                .select_related("assignee")
                .order_by("due_at", "pk")[:200]
            )
            if not batch:
                return sent
            for task in batch:
                notification_send(
                    recipient=task.assignee,
                    title=_("Task due: %(t)s") % {"t": task.title},
                    url=reverse("leads:task-list"),
                    level="warning",
                )
                task.reminded_at = now
            Task.objects.bulk_update(batch, ["reminded_at"])
            sent += len(batch)


# --- Sales plans ------------------------------------------------------------------------------
@transaction.atomic
def sales_plan_set(*, actor: Any, manager: Any, month: date, amount: Any) -> SalesPlan:
    _require(actor, "leads.change_salesplan")
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if amount < 0 or amount >= Decimal("1e12"):
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {"amount": _("Enter an amount between 0 and 999 999 999 999.")}
        ) from exc
    plan, created = SalesPlan.objects.select_for_update().get_or_create(
        manager=manager, month=month.replace(day=1), defaults={"amount": amount}
    )
    if not created and plan.amount != amount:
        old = plan.amount
        plan.amount = amount
        plan.save(update_fields=["amount"])
        audit_record(actor=actor, instance=plan, changes={"amount": [str(old), str(amount)]})
    elif created:
        audit_record(actor=actor, instance=plan, action=AuditEntry.Action.CREATE)
    return plan
