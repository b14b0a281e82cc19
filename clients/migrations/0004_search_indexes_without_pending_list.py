"""Search indexes answer from the index itself, not from a GIN "pending list".

GIN indexes buffer new entries in a pending list (``fastupdate``) until the next VACUUM; every
search then scans that list linearly and the planner prices the index as expensive. After a bulk
seed or an Excel import of thousands of clients, searches went to sequential scans (an e-mail
trigram lookup: 75 ms instead of 0.05 ms at 100 000 clients). Clients are added a few at a time
or in one import job, so paying for the index on insert is the better trade. A no-op on SQLite.
"""

from django.db import migrations

INDEXES = [  # the trigram indexes of 0002
    "client_name_trgm_idx",
    "client_inn_trgm_idx",
    "client_phone_digits_trgm_idx",
    "client_email_trgm_idx",
    "client_contact_digits_trgm_idx",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)")
        schema_editor.execute(
            "SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = %s", [name]
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_clientgroup_client_group")]

    operations = [migrations.RunPython(forwards, backwards)]
