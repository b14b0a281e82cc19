from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import (  # noqa: F401  (nav, card tabs, seeder, jobs, signals; staff pay)
            roles_pay,
            wiring,
            wiring_pay,
        )
        from billing.roles import ROLE_PERMISSIONS
        from crm.accounts.roles import register_role_permissions

        register_role_permissions(ROLE_PERMISSIONS)
