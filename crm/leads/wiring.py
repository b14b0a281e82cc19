"""How the leads app plugs into the shared registries (imported from LeadsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.accounts.workday import workday_started
from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_home, register_nav, register_visibility
from crm.leads.models import Lead, Task
from crm.leads.permissions import (
    can_change_lead,
    can_change_task,
    can_see_pipeline,
    leads_for,
    tasks_for,
)

register_nav(
    NavItem(
        "leads",
        _("Leads"),
        "leads:board",
        icon="🎯",
        permission="leads.view_lead",
        order=10,
        description=_("The sales funnel: new requests to won deals"),
    )
)
register_nav(
    NavItem(
        "lead-tasks",
        _("Tasks"),
        "leads:task-list",
        icon="✅",
        permission="leads.view_task",
        order=12,
        description=_("Calls, meetings and follow-ups that fall due"),
    )
)
register_nav(
    NavItem(
        "lead-archive",
        _("Archive"),
        "leads:archive",
        icon="🗄",
        permission="leads.view_lead",
        order=14,
        description=_("Won and lost leads"),
    )
)
register_nav(
    NavItem(
        "pipelines",
        _("Pipelines"),
        "leads:pipeline-list",
        icon="⚙",
        permission="leads.manage_pipelines",
        order=800,
        description=_("Sales pipelines and their stages"),
    )
)
register_nav(
    NavItem(
        "lead-directories",
        _("Sources & loss reasons"),
        "leads:directories",
        icon="📚",
        permission="leads.manage_directories",
        order=810,
        description=_("Where leads come from and why they are lost"),
    )
)

register_home("manager", "leads:dashboard")
register_home("head_of_sales", "leads:dashboard")

register_visibility(Lead, lambda user: leads_for(user), can_change=can_change_lead)
register_visibility(Task, lambda user: tasks_for(user), can_change=can_change_task)


def _pipeline_group_authorizer(user: Any, key: str) -> bool:
    return can_see_pipeline(user, int(key))


register_group_authorizer("leads.pipeline", _pipeline_group_authorizer)


def _client_tasks_tab(request: Any, client: Any) -> str:
    from django.template.loader import render_to_string

    from crm.leads.selectors import task_list

    tasks = task_list(user=request.user, branch=getattr(request, "branch", None), mine=False)
    return render_to_string(
        "leads/_client_tasks.html",
        {"tasks": tasks.filter(client=client)[:50], "client": client},
        request=request,
    )


try:  # the clients card exposes a tab registry; replace its "Tasks" placeholder
    from clients.cards import register_card_action, register_card_tab

    register_card_action(
        "new_task",
        _("New task"),
        lambda client: f"{reverse('leads:task-create')}?client={client.pk}",
        order=10,
        permission="leads.add_task",
    )
    register_card_tab(
        "tasks", _("Tasks"), _client_tasks_tab, order=40, permission="leads.view_task"
    )
except ImportError:  # pragma: no cover
    pass

register_nav(
    NavItem(
        "lead-distribution",
        _("Fair distribution"),
        "leads:distribution-fairness",
        icon="⚖",
        permission="leads.view_distribution",
        order=16,
        description=_("Who receives new leads, their load and why each lead went to whom"),
    )
)


def _hand_out_waiting_leads(sender: Any, user: Any, **kwargs: Any) -> None:
    """Someone started the day (or came back from a break): leads that waited go out now."""
    import logging

    from crm.leads.tasks import assign_waiting_leads_task

    try:
        assign_waiting_leads_task.delay(branch_id=user.branch_id)
    except Exception:  # broker down: the beat sweep hands them out within 10 minutes
        logging.getLogger(__name__).warning("waiting leads sweep not queued", exc_info=True)


workday_started.connect(_hand_out_waiting_leads, dispatch_uid="leads-hand-out-waiting")
