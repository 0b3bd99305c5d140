"""pg_trgm GIN indexes for the lists' free-text ("contains") search, on PostgreSQL only.

Django's ``icontains`` compiles to ``UPPER(col) LIKE UPPER('%term%')`` on PostgreSQL, so the
indexes are on ``UPPER(col)``. Without them a term that matches nothing scans every row
(PERFORMANCE.md: 181 ms at 500k). They are not in the models' ``Meta.indexes`` because SQLite
(the embedded demo) has no GIN; this migration skips them there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("reg_name_trgm", "registrations_opportunityregistration", "name"),
    ("reg_company_name_trgm", "registrations_opportunityregistration", "company_name"),
    ("opp_name_trgm", "registrations_opportunity", "name"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
