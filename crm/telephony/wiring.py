"""How the telephony app plugs into the shared registries (imported from AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.core.registry import NavItem, register_nav
from crm.telephony.roles import MANAGE_EXTENSIONS

register_nav(
    NavItem(
        "telephony",
        _("Telephony"),
        "telephony:extension-list",
        icon="☎",
        permission=MANAGE_EXTENSIONS,
        order=920,
        description=_("Operators' phone extensions for the incoming-call pop-up"),
    )
)

from crm.telephony import seed  # noqa: E402,F401  (demo extensions)
