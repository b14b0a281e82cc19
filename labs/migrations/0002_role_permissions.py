"""Grant the lab's permissions to the roles (labs.roles.ROLE_PERMISSIONS)."""

from django.db import migrations


def grant(apps, schema_editor):
    from crm.accounts.roles import grant_role_permissions
    from labs.roles import ROLE_PERMISSIONS

    grant_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("labs", "0001_lab_requests"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
