"""Create the role groups and give them their permissions."""

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from crm.accounts.roles import ROLE_PERMISSIONS, grant_role_permissions

    grant_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
