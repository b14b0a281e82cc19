"""How the lab plugs into the shared registries (imported from LabsConfig.ready): navigation (the
cabinet is the lab technician's only section and home page), the client card's "Lab" tab,
visibility of requests for the shared files panel, the live group of the branch's lab, the demo
seeder, and the reaction to a delivered sample's order."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from clients.cards import register_card_tab
from crm.accounts.roles import Role
from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_home, register_nav, register_visibility
from labs import reactions, seed  # noqa: F401  (signal receivers, the demo seeder)
from labs.models import LabRequest
from labs.permissions import can_change_request, requests_for
from labs.roles import CONTROL, NORMS, VIEW, WORK

register_nav(
    NavItem(
        "labs-requests",
        _("Lab requests"),
        "labs:request-list",
        icon="🧪",
        permission=VIEW,
        roles=(Role.MANAGER, Role.HEAD_OF_SALES, Role.DIRECTOR, Role.ADMIN),
        order=250,
        description=_("Cost calculations and samples: statuses, deadlines, the lab's answers"),
    )
)
register_nav(
    NavItem(
        "labs-cabinet",
        _("Lab cabinet"),
        "labs:cabinet",
        icon="⚗",
        permission=WORK,
        order=251,
        description=_("The lab's queue in the order to take requests into work"),
    )
)
register_nav(
    NavItem(
        "labs-control",
        _("Lab control"),
        "labs:control",
        icon="📈",
        permission=CONTROL,
        roles=(Role.HEAD_OF_SALES, Role.DIRECTOR, Role.ADMIN),
        order=252,
        description=_("Requests by status and age, overdue per technician, turnaround"),
    )
)
register_nav(
    NavItem(
        "labs-norms",
        _("Lab norms"),
        "labs:norms",
        icon="⏱",
        permission=NORMS,
        roles=(Role.DIRECTOR, Role.ADMIN),
        order=253,
        description=_("Turnaround per request type and the lab's daily capacity"),
    )
)
register_home(Role.LAB_TECHNICIAN, "labs:cabinet")

register_visibility(LabRequest, lambda user: requests_for(user), can_change=can_change_request)


def _lab_group_authorizer(user: Any, key: str) -> bool:
    if not user.is_authenticated or not user.has_perm(WORK):
        return False
    return user.can_switch_branch or str(user.branch_id) == key


register_group_authorizer("labs.branch", _lab_group_authorizer)


def _lab_tab(request: Any, client: Any) -> str:
    from labs.views_requests import client_tab

    return client_tab(request, client)


register_card_tab("labs", _("Lab"), _lab_tab, order=55, permission=VIEW)
