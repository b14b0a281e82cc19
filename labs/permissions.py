"""Who may see, change and move lab requests. One rule, two shapes: a queryset and predicates.

A manager sees the requests of the clients he may open (``clients.permissions.clients_for``:
his own clients); roles with ``labs.view_all_labrequests`` see every request of the active branch.
Which fields may be edited depends on the status and the role (admins always)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clients.permissions import clients_for
from crm.accounts.roles import Role
from labs.models import LabRequest, RequestStatus
from labs.roles import ADD, NORMS, VIEW, VIEW_ALL, WORK
from labs.workflow import SPECIAL_TARGETS, Move, find_move, moves_from, role_may

WISH_FIELDS = (
    "product",
    "purpose",
    "volume",
    "packaging",
    "target_price",
    "competitor_reference",
    "wishes",
    "deadline",
)
SAMPLE_FIELDS = ("sample_quantity", "ship_address", "receiver")
LAB_FIELDS = ("components", "cost_per_unit", "price_suggestion", "lab_comment")
#: the manager fixes wishes only while the request is on his side
SALES_EDITABLE = frozenset({RequestStatus.DRAFT, RequestStatus.RETURNED})
LAB_EDITABLE = frozenset({RequestStatus.IN_WORK})


def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMIN)


def requests_for(user: Any, branch: Any | None = None) -> QuerySet[LabRequest]:
    """Requests ``user`` may open, in ``branch`` when given (the request's active branch)."""
    qs = LabRequest.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW):
        return qs.none()
    if branch is not None:
        qs = qs.filter(branch=branch)
    elif not user.can_switch_branch:
        qs = qs.filter(branch_id=user.branch_id)
    if user.has_perm(VIEW_ALL):
        return qs
    return qs.filter(client__in=clients_for(user, branch).values("pk"))


def can_see_request(user: Any, request: LabRequest) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW):
        return False
    if not user.can_switch_branch and request.branch_id != user.branch_id:
        return False
    if user.has_perm(VIEW_ALL):
        return True
    return request.client.manager_id == user.pk and user.has_perm("clients.view_client")


def can_add_request(user: Any) -> bool:
    return user.has_perm(ADD)


def can_work(user: Any) -> bool:
    return user.has_perm(WORK)


def can_manage_norms(user: Any) -> bool:
    return user.has_perm(NORMS)


def editable_fields(user: Any, request: LabRequest) -> frozenset[str]:
    """The fields ``user`` may change on ``request`` now."""
    sample = SAMPLE_FIELDS if request.is_sample else ()
    if _is_admin(user):
        return frozenset((*WISH_FIELDS, *sample, *LAB_FIELDS))
    if not can_see_request(user, request):
        return frozenset()
    role = getattr(user, "role", None)
    if role == Role.MANAGER and request.status in SALES_EDITABLE:
        return frozenset((*WISH_FIELDS, *sample))
    if role == Role.LAB_TECHNICIAN and request.status in LAB_EDITABLE:
        return frozenset(LAB_FIELDS)
    return frozenset()


def can_edit_wishes(user: Any, request: LabRequest) -> bool:
    return "deadline" in editable_fields(user, request)


def can_edit_lab(user: Any, request: LabRequest) -> bool:
    return "components" in editable_fields(user, request)


def can_change_request(user: Any, request: LabRequest) -> bool:
    """Anyone who may edit something on it may also add and remove its files."""
    return bool(editable_fields(user, request))


def may_move(user: Any, request: LabRequest, move: Move) -> bool:
    return can_see_request(user, request) and role_may(user, move)


def available_moves(user: Any, request: LabRequest) -> list[Move]:
    """The status buttons to show ``user`` on ``request``."""
    return [
        m
        for m in moves_from(request.kind, request.status)
        if m.target not in SPECIAL_TARGETS and may_move(user, request, m)
    ]


def can_ship(user: Any, request: LabRequest) -> bool:
    move = find_move(request.kind, request.status, RequestStatus.SHIPPED)
    return move is not None and may_move(user, request, move)
