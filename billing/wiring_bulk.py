"""How bulk invoicing plugs into the shared registries (imported from billing.wiring): the job
handler the core job runner calls, the "Bulk invoicing" menu item and the ``bench invoicing``
suite."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from billing import bench  # noqa: F401  (register_bench)
from billing.roles import RUN_BULK
from billing.services import bulk
from crm.core.registry import NavItem, register_job_handler, register_nav

register_job_handler(bulk.JOB_KIND)(bulk.bulk_job)

register_nav(
    NavItem(
        "billing-bulk",
        _("Bulk invoicing"),
        "billing:bulk-home",
        icon="📨",
        permission=RUN_BULK,
        order=410,
        description=_("Invoice every monthly contract of a branch in two clicks"),
    )
)
