"""Who may see and change leads and tasks. One rule, two shapes: querysets and predicates.

Managers see only the leads and tasks they are responsible for; roles with
``leads.view_all_leads`` (head of sales, director, admin) see all of the active branch."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from crm.accounts.permissions import may_see_owned, scoped_to_owner
from crm.leads.models import Lead, Pipeline, Task


def _branch_id(user: Any, branch: Any | None) -> int | None:
    if branch is not None:
        return branch.pk
    return user.branch_id


def pipelines_for(user: Any, branch: Any | None = None) -> QuerySet[Pipeline]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm("leads.view_lead"):
        return Pipeline.objects.none()
    qs = Pipeline.objects.filter(is_active=True)
    if branch is None and user.can_switch_branch:
        return qs
    return qs.filter(branch_id=_branch_id(user, branch))


def can_see_pipeline(user: Any, pipeline_id: int) -> bool:
    """Used by the realtime authoriser: viewers of a board join ``leads.pipeline.<id>``."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("leads.view_lead"):
        return False
    qs = Pipeline.objects.filter(pk=pipeline_id)
    if not user.can_switch_branch:
        qs = qs.filter(branch_id=user.branch_id)
    return qs.exists()


_LEAD_RULE = {
    "view_perm": "leads.view_lead",
    "all_perm": "leads.view_all_leads",
    "owner_field": "manager",
}
_TASK_RULE = {
    "view_perm": "leads.view_task",
    "all_perm": "leads.view_all_leads",
    "owner_field": "assignee",
}


def leads_for(user: Any, branch: Any | None = None) -> QuerySet[Lead]:
    return scoped_to_owner(Lead.objects.all(), user, branch, **_LEAD_RULE)


def can_see_lead(user: Any, lead: Lead) -> bool:
    return may_see_owned(user, lead, **_LEAD_RULE)


def can_change_lead(user: Any, lead: Lead) -> bool:
    return user.has_perm("leads.change_lead") and can_see_lead(user, lead)


def tasks_for(user: Any, branch: Any | None = None) -> QuerySet[Task]:
    return scoped_to_owner(Task.objects.all(), user, branch, **_TASK_RULE)


def can_change_task(user: Any, task: Task) -> bool:
    if not user.has_perm("leads.change_task"):
        return False
    if user.has_perm("leads.view_all_leads"):
        return user.can_switch_branch or task.branch_id == user.branch_id
    return task.assignee_id == user.pk
