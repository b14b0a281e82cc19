from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from reports import wiring  # noqa: F401  (nav, home page, seeder, bench)
        from reports.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
