"""How the intake API plugs in: the admins' "Integrations" section."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.api.roles import MANAGE_INTEGRATIONS
from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "api-integrations",
        _("Integrations"),
        "api:integrations",
        icon="🔌",
        permission=MANAGE_INTEGRATIONS,
        order=900,
        description=_("API keys for the website and the PBX, the log of incoming calls"),
    )
)

from crm.api import seed  # noqa: E402,F401  (demo API key)
