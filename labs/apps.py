from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "labs"
    label = "labs"
    verbose_name = _("Laboratory")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from labs import wiring  # noqa: F401  (nav, home, card tab, visibility, seeder, signals)
        from labs.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
