from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from clients import seed, wiring  # noqa: F401  (registers nav, visibility, seeders, jobs)
        from clients.roles import ROLE_PERMISSIONS
        from crm.accounts.roles import register_role_permissions

        register_role_permissions(ROLE_PERMISSIONS)
