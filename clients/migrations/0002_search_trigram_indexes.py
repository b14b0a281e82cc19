"""pg_trgm and GIN trigram indexes on the expressions the client search uses (``icontains`` is
``UPPER(col::text) LIKE UPPER(%s)`` on Postgres). A no-op on SQLite (``make run``)."""

from django.db import migrations

INDEXES = [
    ("client_name_trgm_idx", "clients_client", "name"),
    ("client_inn_trgm_idx", "clients_client", "inn"),
    ("client_phone_digits_trgm_idx", "clients_clientphone", "digits"),
    ("client_email_trgm_idx", "clients_clientemail", "email"),
    ("client_contact_digits_trgm_idx", "clients_contactperson", "phone_digits"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
