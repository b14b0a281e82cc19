"""How billing plugs into the shared registries (imported from BillingConfig.ready): each part
has its own wiring module (navigation, client card tabs, jobs, beat tasks, signal receivers)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from billing import (  # noqa: F401
    seed,
    wiring_bulk,
    wiring_contracts,
    wiring_debts,
    wiring_documents,
    wiring_payments,
)
from billing.roles import EDIT_DOCUMENT_TEMPLATES
from crm.accounts.roles import Role
from crm.core.registry import NavItem, register_home, register_nav

# the accountant's day starts with who owes what (documents and payments are a click away)
register_home(Role.ACCOUNTANT, "billing:debtors")

register_nav(
    NavItem(
        "billing-doc-templates",
        _("Document templates"),
        "billing:doc-template-list",
        icon="🖨",
        permission=EDIT_DOCUMENT_TEMPLATES,
        order=390,
        description=_("The HTML templates the PDFs of documents are printed from"),
    )
)
