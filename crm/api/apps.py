from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "crm.api"
    label = "api"
    verbose_name = _("Intake API")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from crm.api import wiring  # noqa: F401  (the Integrations nav item)
        from crm.api.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
