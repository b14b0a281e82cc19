"""How the debtors page plugs into the shared registries (imported from billing.wiring): the
"Debtors" section for those who see receivables, and the daily dunning task (imported here so
the Celery worker registers it: Celery autodiscovers only ``tasks.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from billing import tasks_dunning  # noqa: F401  (registers run_dunning_task)
from billing.roles import VIEW_DEBTORS
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "billing-debtors",
        _("Debtors"),
        "billing:debtors",
        icon="⏰",
        permission=VIEW_DEBTORS,
        order=330,
        description=_("Receivables aging, promises to pay and debt reminders"),
    )
)
