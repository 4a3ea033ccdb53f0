"""Trigram indexes for the search's address fragments (``address_key LIKE '%...%'``), PostgreSQL only.

A contains-match cannot use the btree index on ``address_key``; without these the search reads every
person and household. They are raw SQL and not declared on the models, so the model state (and
SQLite, the embedded default, where this migration does nothing) is unchanged.
"""

from django.db import migrations

INDEXES = (
    ("referrals_person", "referrals_person_address_trgm"),
    ("referrals_household", "referrals_household_address_trgm"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (address_key gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0010_dashboard_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
