from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import wiring  # noqa: F401  (nav, card tabs, seeder, jobs, signals)
        from billing.roles import ROLE_PERMISSIONS
        from crm.accounts.roles import register_role_permissions

        register_role_permissions(ROLE_PERMISSIONS)
