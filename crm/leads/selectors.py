"""Reads of the leads app: board columns, the table, the archive, tasks, dashboard figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from crm.leads.models import Lead, LeadStatus, Pipeline, SalesPlan, Stage, Task
from crm.leads.permissions import leads_for, tasks_for

CARDS_PER_COLUMN = 50


def lead_list(*, user: Any, branch: Any) -> QuerySet[Lead]:
    return leads_for(user, branch).select_related(
        "stage", "source", "manager", "client", "pipeline", "loss_reason"
    )


#: A column's order: the manual position (kanban drags; new and reopened leads enter at the top),
#: then the newest first among equal positions (leads never dragged keep position 0).
BOARD_ORDER = ("position", "-created_at", "-pk")


def board_columns(
    *,
    pipeline: Pipeline,
    leads: QuerySet[Lead],
    limit: int = CARDS_PER_COLUMN,
    expanded: int | None = None,
) -> list[dict]:
    """One dict per in-progress stage: the stage, its count and sum, and its first ``limit`` cards
    (in ``BOARD_ORDER``).

    Four queries whatever the number of leads: the stages, the per-stage totals, the ids of each
    column's first cards (one UNION ALL of per-stage ``LIMIT`` queries, each served by the partial
    index on open leads), and those cards."""
    stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN))
    if not stages:
        return []
    open_leads = leads.filter(pipeline=pipeline, status=LeadStatus.OPEN).order_by()
    totals = {
        row["stage"]: row
        for row in open_leads.values("stage").annotate(n=Count("pk"), total=Sum("amount"))
    }
    limits = {s.pk: (limit * 20 if s.pk == expanded else limit) for s in stages}
    parts = [
        open_leads.filter(stage=s)
        .order_by(*BOARD_ORDER)
        .values_list("pk", flat=True)[: limits[s.pk]]
        for s in stages
    ]
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        ids = list(parts[0].union(*parts[1:], all=True))
    else:  # SQLite (the embedded demo) cannot LIMIT inside UNION: one query per column
        ids = [pk for part in parts for pk in part]
    cards: dict[int, list[Lead]] = {s.pk: [] for s in stages}
    for lead in (
        Lead.objects.filter(pk__in=ids)
        .select_related("manager", "source", "client")
        .order_by(*BOARD_ORDER)
    ):
        cards[lead.stage_id].append(lead)
    return [
        {
            "stage": s,
            "count": totals.get(s.pk, {}).get("n", 0),
            "total": totals.get(s.pk, {}).get("total") or Decimal("0"),
            "cards": cards[s.pk],
            "more": totals.get(s.pk, {}).get("n", 0) - len(cards[s.pk]),
        }
        for s in stages
    ]


def task_list(*, user: Any, branch: Any, mine: bool = True) -> QuerySet[Task]:
    """Open overdue tasks first, then open ones by due time; done ones sink to the bottom."""
    now = timezone.now()
    qs = tasks_for(user, branch)
    if mine:
        qs = qs.filter(assignee=user)
    return (
        qs.select_related("assignee", "lead", "client")
        .annotate(
            bucket=Case(
                When(is_done=False, due_at__lt=now, then=Value(0)),
                When(is_done=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("bucket", "due_at", "pk")
    )


def task_completion_by_manager(*, user: Any, branch: Any) -> list[dict]:
    now = timezone.now()
    return list(
        tasks_for(user, branch)
        .order_by()
        .values("assignee", "assignee__first_name", "assignee__last_name", "assignee__username")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(is_done=True)),
            overdue=Count("pk", filter=Q(is_done=False, due_at__lt=now)),
        )
        .order_by("assignee__last_name", "assignee__username")
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    start = month_start(day)
    end = (start + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, datetime.min.time(), tzinfo=tz),
        datetime.combine(end, datetime.min.time(), tzinfo=tz),
    )


def plan_vs_fact(*, user: Any, branch: Any, day: date) -> dict:
    """This month's plan and won amount: the user's own, or the branch's for head of sales."""
    start, end = _month_bounds(day)
    won = leads_for(user, branch).filter(
        status=LeadStatus.WON, closed_at__gte=start, closed_at__lt=end
    )
    plans = SalesPlan.objects.filter(month=month_start(day))
    if user.has_perm("leads.view_all_leads"):
        plans = plans.filter(manager__branch=branch) if branch is not None else plans
    else:
        plans = plans.filter(manager=user)
    plan = plans.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    fact = won.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    percent = int(fact * 100 / plan) if plan else None
    return {"plan": plan, "fact": fact, "percent": percent, "bar": min(percent or 0, 100)}


def sales_dynamics(*, user: Any, branch: Any, days: int = 30, by: str = "day") -> dict:
    """Won amount per day (or week) over the last ``days`` days (12 weeks by week), every period
    present (zero when nothing was won): labels and values for a line chart."""
    today = timezone.localdate()
    if by == "week":
        first = today - timedelta(days=today.weekday()) - timedelta(weeks=11)
        periods = [first + timedelta(weeks=i) for i in range(12)]
        trunc = TruncWeek
    else:
        first = today - timedelta(days=days - 1)
        periods = [first + timedelta(days=i) for i in range(days)]
        trunc = TruncDate
    since = datetime.combine(first, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    rows = (
        leads_for(user, branch)
        .filter(status=LeadStatus.WON, closed_at__gte=since)
        .annotate(period=trunc("closed_at"))
        .order_by("period")
        .values("period")
        .annotate(total=Sum("amount"))
    )
    totals: dict[date, Decimal] = {}
    for row in rows:
        period = row["period"]
        key = timezone.localtime(period).date() if isinstance(period, datetime) else period
        totals[key] = row["total"] or Decimal("0")
    return {
        "labels": [p.isoformat() for p in periods],
        # chart coordinates only, never used for money arithmetic
        "values": [float(totals.get(p, Decimal("0"))) for p in periods],
    }
