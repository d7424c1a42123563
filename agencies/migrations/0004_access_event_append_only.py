"""The access log is append-only at the database (PostgreSQL).

UPDATE, DELETE and TRUNCATE raise, except while the session setting
``kasane.access_log_maintenance`` is 'on' — set only by the retention purge (and by
the test settings, so that the test runner may empty tables between tests). Run the
application under a role that does not own the table, so it cannot drop the triggers.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION kasane_access_event_append_only() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('kasane.access_log_maintenance', true), '') = 'on'
       AND TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'agencies_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kasane_access_event_allow_delete() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('kasane.access_log_maintenance', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'agencies_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER access_event_no_update BEFORE UPDATE ON agencies_accessevent
    FOR EACH ROW EXECUTE FUNCTION kasane_access_event_append_only();
CREATE TRIGGER access_event_no_delete BEFORE DELETE ON agencies_accessevent
    FOR EACH ROW EXECUTE FUNCTION kasane_access_event_allow_delete();
CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON agencies_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION kasane_access_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS access_event_no_update ON agencies_accessevent;
DROP TRIGGER IF EXISTS access_event_no_delete ON agencies_accessevent;
DROP TRIGGER IF EXISTS access_event_no_truncate ON agencies_accessevent;
DROP FUNCTION IF EXISTS kasane_access_event_append_only();
DROP FUNCTION IF EXISTS kasane_access_event_allow_delete();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0003_access_event")]

    operations = [migrations.RunPython(forward, backward)]
