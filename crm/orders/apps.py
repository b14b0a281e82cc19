from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "crm.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from crm.orders import (  # noqa: F401  (nav, visibility, card tabs, bench, seed; workers)
            roles_workers,
            wiring,
            wiring_workers,
        )
        from crm.orders.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
