from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from crm.accounts import seed, wiring  # noqa: F401  (registers nav, visibility, seeders)
        from crm.accounts.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self, dispatch_uid="kolo-role-groups")
