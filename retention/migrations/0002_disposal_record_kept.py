"""The 廃棄記録 is never deleted, at the database (PostgreSQL).

DELETE and TRUNCATE on the plans, their items and their history pass only for a role
that is (a member of) the table's owner — the role of ``migrate`` (and of the test
runner, which empties tables between tests) — as for the access log
(agencies 0008, whose owner check this reuses). The application's role owns nothing
(deploy/postgres/init-roles.sql): it writes 廃棄記録 rows and updates their status, and
can neither delete them nor drop the triggers.
"""

from django.db import migrations

TABLES = (
    "retention_disposalplan",
    "retention_disposalitem",
    "retention_historicaldisposalplan",
    "retention_historicaldisposalitem",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION kasane_disposal_record_kept() RETURNS trigger AS $$
BEGIN
    IF kasane_access_event_by_owner(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is a 廃棄記録 and is kept (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION kasane_disposal_record_kept()",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_kept_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kasane_disposal_record_kept()",
            params=None,
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_kept ON {table}", params=None)
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_kept_truncate ON {table}", params=None
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS kasane_disposal_record_kept()", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0008_access_event_owner_only_purge"),
        ("retention", "0001_disposal_records"),
    ]

    operations = [migrations.RunPython(forward, backward)]
