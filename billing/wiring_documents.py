"""How the documents pages plug into the shared registries (imported from billing.wiring): the
"Documents" section and the client card's "Documents" tab (replacing the clients app's
placeholder), shown to whoever holds ``VIEW_DOCUMENTS``; the tab lists only documents the user
may see (``billing.permissions.documents_for``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from billing.roles import VIEW_DOCUMENTS
from clients.cards import register_card_tab
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "billing-documents",
        _("Documents"),
        "billing:document-list",
        icon="🧾",
        permission=VIEW_DOCUMENTS,
        order=300,
        description=_("Invoices, acts, waybills, VAT invoices and proposals"),
    )
)


def _documents_tab(request: Any, client: Any) -> str:
    from billing.views_documents import client_tab

    return client_tab(request, client)


register_card_tab("documents", _("Documents"), _documents_tab, order=60, permission=VIEW_DOCUMENTS)
