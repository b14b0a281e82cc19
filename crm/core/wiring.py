"""How the core app plugs into the shared registries (imported from AppConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.core.registry import NavItem, register_nav

register_nav(
    NavItem(
        "jobs",
        _("Background jobs"),
        "core:job-list",
        icon="⏳",
        order=950,
        description=_("Imports, bulk runs and their progress"),
    )
)
register_nav(
    NavItem(
        "notifications",
        _("Notifications"),
        "core:notification-list",
        icon="🔔",
        order=960,
        description=_("Everything you were told about"),
    )
)
