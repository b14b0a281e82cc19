from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutesConfig(AppConfig):
    name = "routes"
    label = "routes"
    verbose_name = _("Routes")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from routes import wiring  # noqa: F401  (nav, seeder, job handler)
        from routes.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)

        from crm.orders.services.workflow import order_status_changed
        from routes.services.reactions import on_order_status_changed

        order_status_changed.connect(on_order_status_changed, dispatch_uid="routes-order-status")
