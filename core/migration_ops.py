"""Operations for migrations that add PostgreSQL-only indexes (partial indexes, INCLUDE
columns): run on PostgreSQL, skipped on SQLite (the local demo), so that `make run`
still migrates."""

from __future__ import annotations

from django.db import migrations


def postgres_index(name: str, create_sql: str) -> migrations.RunPython:
    """Create the index ``name`` with ``create_sql`` on PostgreSQL; drop it on reverse."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
