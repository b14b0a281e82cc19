"""Who may open a call's pop-up and who keeps the extensions. One rule, two shapes.

A call's pop-up belongs to the users it was pushed to; anyone who may open the caller's client
card may see it too. Everyone else gets a 404, exactly like a missing call."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clients.permissions import can_see_client, clients_for
from crm.accounts.permissions import branches_for
from crm.telephony.models import Call, OperatorExtension
from crm.telephony.roles import MANAGE_EXTENSIONS


def calls_for(user: Any) -> QuerySet[Call]:
    if not getattr(user, "is_authenticated", False):
        return Call.objects.none()
    pushed = Call.notified.through.objects.filter(user_id=user.pk).values("call_id")
    return Call.objects.filter(Q(pk__in=pushed) | Q(client__in=clients_for(user).values("pk")))


def can_open_call(user: Any, call: Call) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if call.notified.filter(pk=user.pk).exists():
        return True
    return call.client is not None and can_see_client(user, call.client)


def extensions_for(user: Any, branch: Any | None) -> QuerySet[OperatorExtension]:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(MANAGE_EXTENSIONS):
        return OperatorExtension.objects.none()
    qs = OperatorExtension.objects.filter(branch__in=branches_for(user))
    return qs.filter(branch=branch) if branch is not None else qs


def can_manage_extensions(user: Any) -> bool:
    return user.has_perm(MANAGE_EXTENSIONS)
