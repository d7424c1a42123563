"""The access log's one exception (the retention purge) is a role check, not a setting.

Before, DELETE and TRUNCATE passed while the session setting
``kasane.access_log_maintenance`` was 'on' — a setting any role may set. Now they pass
only for a role that is (a member of) the table's owner: the role that runs
``migrate`` and ``purge_access_log``. The application runs as a role that owns
nothing (deploy/postgres/init-roles.sql): it cannot delete, truncate, disable or drop
the triggers, and no setting opens anything. UPDATE is refused for everyone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION kasane_access_event_by_owner(relid oid) RETURNS boolean AS $$
    SELECT pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = relid), 'MEMBER'
    )
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION kasane_access_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND kasane_access_event_by_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'agencies_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kasane_access_event_allow_delete() RETURNS trigger AS $$
BEGIN
    IF kasane_access_event_by_owner(TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'agencies_accessevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
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

DROP FUNCTION IF EXISTS kasane_access_event_by_owner(oid);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0007_access_event_existence_notice")]

    operations = [migrations.RunPython(forward, backward)]
