"""Indexes for the access policy's hot queries, on PostgreSQL only (partial indexes with
INCLUDE columns; SQLite, the local demo, needs none of this and skips it)."""

from django.db import migrations

INDEXES = [
    # access_rows_for: an agency's active rows, and a user's own (支援会議) rows.
    (
        "cases_caseaccess_agency_active",
        "CREATE INDEX IF NOT EXISTS cases_caseaccess_agency_active ON cases_caseaccess "
        "(agency_id, basis) INCLUDE (case_id, valid_from, valid_until) "
        "WHERE revoked_at IS NULL AND agency_id IS NOT NULL",
    ),
    (
        "cases_caseaccess_user_active",
        "CREATE INDEX IF NOT EXISTS cases_caseaccess_user_active ON cases_caseaccess "
        "(user_id) INCLUDE (case_id, basis, valid_from, valid_until) "
        "WHERE revoked_at IS NULL AND user_id IS NOT NULL",
    ),
    # Uncased consultations: a window's own, and those handed to 多機関協働.
    (
        "cases_consultation_uncased_window",
        "CREATE INDEX IF NOT EXISTS cases_consultation_uncased_window ON cases_consultation "
        "(receiving_agency_id, received_at DESC) WHERE case_id IS NULL",
    ),
    (
        "cases_consultation_uncased_outcome",
        "CREATE INDEX IF NOT EXISTS cases_consultation_uncased_outcome ON cases_consultation "
        "(outcome, receiving_agency_id) WHERE case_id IS NULL",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_agenda_proposed_event")]

    operations = [migrations.RunPython(create, drop)]
