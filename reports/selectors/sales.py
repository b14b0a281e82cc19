"""Sales figures: the funnel with the conversion per stage, managers' KPIs (leads, conversion,
tasks, revenue against plan), leads by source, and clients at risk of leaving."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client, ClientMood
from crm.accounts.models import User
from crm.accounts.roles import Role
from crm.leads.models import Lead, LeadStatus, SalesPlan, Stage, StageKind, Task
from crm.orders.models import Order, OrderStatus
from reports.filters import ReportFilter
from reports.selectors.common import MONEY, ZERO, DateDiff, money, money_sum, percent

#: a client is "silent" after this many usual intervals without an order
SILENCE_FACTOR = 2
#: and needs at least this many completed orders for "usual" to mean anything
MIN_ORDERS_FOR_RHYTHM = 3


def _period_bounds(flt: ReportFilter) -> tuple[datetime.datetime, datetime.datetime]:
    tz = flt.branch.tzinfo if flt.branch is not None else timezone.get_current_timezone()
    start = datetime.datetime.combine(flt.date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        flt.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


def leads_in_period(flt: ReportFilter) -> QuerySet[Lead]:
    start, end = _period_bounds(flt)
    return Lead.objects.filter(created_at__gte=start, created_at__lt=end, **flt.branch_q())


# --- funnel --------------------------------------------------------------------------------------
def funnel(flt: ReportFilter, managers: QuerySet[User] | None = None) -> list[dict[str, Any]]:
    """Per open stage (in pipeline order) of the leads created in the period: how many are
    there now, how many reached it (there now, further on, or won) and the conversion from the
    previous stage; then won and lost. One grouped query; the cumulative sums run over the few
    stage rows."""
    leads = leads_in_period(flt)
    if managers is not None:
        leads = leads.filter(manager__in=managers)
    per_stage = {
        row["stage_id"]: row["n"]
        for row in leads.order_by().values("stage_id").annotate(n=Count("pk"))
    }
    stages = Stage.objects.filter(pipeline__is_active=True, **flt.branch_q("pipeline__"))
    stages = stages.order_by("pipeline__position", "pipeline_id", "position", "pk").values(
        "pk", "name", "kind", "position", "pipeline_id", "pipeline__name"
    )
    rows: list[dict[str, Any]] = []
    by_pipeline: dict[int, list[dict[str, Any]]] = {}
    for stage in stages:
        by_pipeline.setdefault(stage["pipeline_id"], []).append(stage)
    for pipeline_stages in by_pipeline.values():
        won = sum(per_stage.get(s["pk"], 0) for s in pipeline_stages if s["kind"] == StageKind.WON)
        lost = sum(
            per_stage.get(s["pk"], 0) for s in pipeline_stages if s["kind"] == StageKind.LOST
        )
        open_stages = [s for s in pipeline_stages if s["kind"] == StageKind.OPEN]
        reached = won
        cumulative: list[int] = []
        for stage in reversed(open_stages):
            reached += per_stage.get(stage["pk"], 0)
            cumulative.append(reached)
        cumulative.reverse()
        if cumulative:  # lost leads entered the funnel; how far they got is not recorded
            cumulative[0] += lost
        previous = None
        for stage, count in zip(open_stages, cumulative, strict=True):
            rows.append(
                {
                    "stage_id": stage["pk"],
                    "pipeline": stage["pipeline__name"],
                    "name": stage["name"],
                    "now": per_stage.get(stage["pk"], 0),
                    "reached": count,
                    "conversion": percent(count, previous) if previous is not None else None,
                    "kind": StageKind.OPEN,
                }
            )
            previous = count
        if open_stages:
            first = cumulative[0]
            for kind, count in ((StageKind.WON, won), (StageKind.LOST, lost)):
                rows.append(
                    {
                        "stage_id": None,
                        "pipeline": open_stages[0]["pipeline__name"],
                        "name": str(StageKind(kind).label),
                        "now": count,
                        "reached": count,
                        "conversion": percent(count, first),
                        "kind": kind,
                    }
                )
    return rows


# --- managers' KPIs ------------------------------------------------------------------------------
def _count(qs: QuerySet) -> Coalesce:
    """``COUNT(*)`` of a correlated queryset as a scalar subquery (no GROUP BY)."""
    counted = qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _sum(qs: QuerySet, field: str) -> Coalesce:
    """``SUM(field)`` of a correlated queryset as a scalar subquery, 0.00 when empty."""
    summed = qs.order_by().annotate(_s=Func(F(field), function="SUM")).values("_s")[:1]
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def sales_managers(flt: ReportFilter) -> QuerySet[User]:
    users = User.objects.filter(role=Role.MANAGER, is_active=True)
    if flt.branch is not None:
        users = users.filter(branch=flt.branch)
    return users


def manager_kpis(flt: ReportFilter, managers: QuerySet[User]) -> list[dict[str, Any]]:
    """One row per manager: leads received in the period, won, conversion, tasks done in the
    period and overdue now, revenue of completed orders of their clients, plan and plan %.
    One query (a subquery per figure, so no join multiplies another)."""
    start, end = _period_bounds(flt)
    now = timezone.now()
    me = OuterRef("pk")
    leads = Lead.objects.filter(manager=me, created_at__gte=start, created_at__lt=end)
    won = Lead.objects.filter(
        manager=me, status=LeadStatus.WON, closed_at__gte=start, closed_at__lt=end
    )
    done = Task.objects.filter(assignee=me, is_done=True, done_at__gte=start, done_at__lt=end)
    overdue = Task.objects.filter(assignee=me, is_done=False, due_at__lt=now)
    revenue = Order.objects.filter(
        client__manager=me,
        status=OrderStatus.COMPLETED,
        date__gte=flt.date_from,
        date__lte=flt.date_to,
        **flt.branch_q(),
    )
    plans = SalesPlan.objects.filter(
        manager=me,
        month__gte=flt.date_from.replace(day=1),
        month__lte=flt.date_to.replace(day=1),
    )
    rows = (
        managers.order_by("last_name", "first_name", "pk")
        .annotate(
            leads_in=_count(leads),
            leads_won=_count(won),
            tasks_done=_count(done),
            tasks_overdue=_count(overdue),
            revenue=_sum(revenue, "total"),
            plan=_sum(plans, "amount"),
        )
        .values(
            "pk",
            "first_name",
            "last_name",
            "username",
            "leads_in",
            "leads_won",
            "tasks_done",
            "tasks_overdue",
            "revenue",
            "plan",
        )
    )
    result = []
    for row in rows:
        row["name"] = f"{row['last_name']} {row['first_name']}".strip() or row["username"]
        row["conversion"] = percent(row["leads_won"], row["leads_in"])
        row["plan_percent"] = percent(row["revenue"], row["plan"])
        row["revenue"] = money(row["revenue"])
        row["plan"] = money(row["plan"])
        result.append(row)
    return result


# --- leads by source -----------------------------------------------------------------------------
def leads_by_source(flt: ReportFilter) -> list[dict[str, Any]]:
    rows = (
        leads_in_period(flt)
        .order_by()
        .values("source_id", "source__name")
        .annotate(
            total=Count("pk"),
            won=Count("pk", filter=Q(status=LeadStatus.WON)),
            lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
            open=Count("pk", filter=Q(status=LeadStatus.OPEN)),
            won_amount=money_sum("amount", Q(status=LeadStatus.WON)),
        )
        .order_by("-total", "source__name")
    )
    return [{**row, "conversion": percent(row["won"], row["total"])} for row in rows]


# --- clients at risk -----------------------------------------------------------------------------
def clients_with_rhythm(flt: ReportFilter) -> QuerySet[Client]:
    """Clients annotated with their completed orders' count, first and last dates and the
    usual interval in days (span ÷ (count − 1))."""
    done = Q(orders__status=OrderStatus.COMPLETED)
    return (
        Client.objects.filter(is_archived=False, **flt.branch_q())
        .annotate(
            n_orders=Count("orders", filter=done),
            first_order=Min("orders__date", filter=done),
            last_order=Max("orders__date", filter=done),
        )
        .filter(n_orders__gte=MIN_ORDERS_FOR_RHYTHM)
        .annotate(
            usual_days=ExpressionWrapper(
                DateDiff(F("last_order"), F("first_order")) / (F("n_orders") - 1),
                output_field=IntegerField(),
            ),
            silent_days=DateDiff(Value(flt.today), F("last_order")),
        )
    )


def clients_at_risk(flt: ReportFilter) -> QuerySet[Client]:
    """Silent for more than ``SILENCE_FACTOR`` usual intervals, unhappy, or with a debt overdue
    by more than 30 days (and still ordering at some point: only clients with a rhythm)."""
    silent = Q(silent_days__gt=F("usual_days") * SILENCE_FACTOR) & Q(usual_days__gt=0)
    unhappy = Q(mood__in=[ClientMood.UNHAPPY, ClientMood.ANGRY])
    return (
        clients_with_rhythm(flt)
        .filter(silent | unhappy | Q(overdue_debt__gt=0))
        .select_related("manager")
        .order_by("-overdue_debt", "-silent_days", "name")
    )


def risk_counts(flt: ReportFilter) -> dict[str, int]:
    silent = Q(silent_days__gt=F("usual_days") * SILENCE_FACTOR) & Q(usual_days__gt=0)
    return clients_at_risk(flt).aggregate(
        total=Count("pk"),
        silent=Count("pk", filter=silent),
        unhappy=Count("pk", filter=Q(mood__in=[ClientMood.UNHAPPY, ClientMood.ANGRY])),
        in_debt=Count("pk", filter=Q(overdue_debt__gt=0)),
    )


def overdue_tasks(flt: ReportFilter) -> int:
    return Task.objects.filter(is_done=False, due_at__lt=timezone.now(), **flt.branch_q()).count()
