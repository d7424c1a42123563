"""Operations for migrations that add PostgreSQL-only indexes (partial indexes, INCLUDE
columns): run on PostgreSQL, skipped on SQLite (the local demo), so that `make run`
still migrates."""

from __future__ import annotations

from django.db import migrations


def postgres_index(name: str, columns_sql: str) -> migrations.RunPython:
    """Create the index ``name`` (``CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON
    columns_sql``) on PostgreSQL; drop it on reverse. CONCURRENTLY keeps a city's table
    writable while the index is built, so the migration that uses this must say
    ``atomic = False`` (PostgreSQL refuses it inside a transaction)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            sql = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {columns_sql}"
            schema_editor.execute(sql)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    return migrations.RunPython(create, drop, atomic=False)
