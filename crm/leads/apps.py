from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "crm.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from crm.leads import bench, seed, wiring  # noqa: F401  (nav, visibility, seeders, bench)
        from crm.leads.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
