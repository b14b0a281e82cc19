from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "crm.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from crm.accounts.roles import register_role_permissions
        from crm.telephony import wiring  # noqa: F401  (navigation)
        from crm.telephony.roles import ROLE_PERMISSIONS

        register_role_permissions(ROLE_PERMISSIONS)
