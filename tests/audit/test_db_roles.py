"""The access log against the application's own database role (PostgreSQL).

The application runs as a role that owns nothing (deploy/postgres/init-roles.sql).
That role cannot UPDATE, DELETE or TRUNCATE the access log, cannot disable or drop its
triggers, and cannot reach the purge path: no session setting opens it any more. Only
the owner (the role of `migrate` and `purge_access_log`) may purge."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from agencies.audit import access_event_record, access_events_purge
from agencies.models import AccessEvent
from conftest import require, require_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

APP = "kasane_app_probe"
INIT_SQL = Path(settings.BASE_DIR) / "deploy" / "postgres" / "init-roles.sql"


@pytest.fixture
def as_app_role(coordinator):
    """Statements run as a role like the deployment's app role: rows yes, ownership no.
    Created inside the test's transaction, so it is gone with it. Every privilege on
    the table is granted, TRUNCATE included: what stops it must be the trigger."""
    require_postgres()
    access_event_record(action=AccessEvent.Action.LOGIN, user=coordinator)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP}")
        cursor.execute(f"GRANT ALL ON agencies_accessevent TO {APP}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP}")

    def run(sql: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL ROLE {APP}")
            cursor.execute(sql)

    return run


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE agencies_accessevent SET username = 'forged'",
        "DELETE FROM agencies_accessevent",
        "TRUNCATE agencies_accessevent",
        # The old escape: a setting any role could set opens nothing now.
        "SET LOCAL kasane.access_log_maintenance = 'on'; DELETE FROM agencies_accessevent",
        "SET LOCAL kasane.access_log_maintenance = 'on'; TRUNCATE agencies_accessevent",
    ],
)
def test_the_app_role_cannot_change_the_log(as_app_role, sql, coordinator):
    with pytest.raises(DatabaseError, match="append-only"):
        as_app_role(sql)
    assert AccessEvent.objects.get().username == coordinator.username


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE agencies_accessevent DISABLE TRIGGER access_event_no_delete",
        "ALTER TABLE agencies_accessevent DISABLE TRIGGER ALL",
        "DROP TRIGGER access_event_no_update ON agencies_accessevent",
        "CREATE OR REPLACE FUNCTION kasane_access_event_by_owner(relid oid) RETURNS boolean "
        "AS 'SELECT true' LANGUAGE sql",
    ],
)
def test_the_app_role_cannot_disable_or_drop_the_triggers(as_app_role, sql):
    with pytest.raises(DatabaseError, match=r"must be owner|permission denied"):
        as_app_role(sql)


def test_the_app_role_cannot_reach_the_purge_path(as_app_role, coordinator):
    old = timezone.now() - dt.timedelta(days=3650)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP}")
        with pytest.raises(DatabaseError, match="append-only"):
            access_events_purge(before=old + dt.timedelta(days=7300), actor_name="app")
    assert AccessEvent.objects.filter(user=coordinator).count() == 1


def test_the_owner_purges_without_any_setting(coordinator):
    """The test runner connects as the owner of the test database: the purge works
    with nothing opened first (and forgets nothing: the purge logs itself)."""
    require_postgres()
    access_event_record(action=AccessEvent.Action.LOGIN, user=coordinator)
    deleted = access_events_purge(
        before=timezone.now() + dt.timedelta(seconds=1), actor_name="owner"
    )
    assert deleted == 1
    assert list(AccessEvent.objects.values_list("action", flat=True)) == ["purge"]


def test_the_owner_cannot_update_the_log_either(coordinator):
    require_postgres()
    access_event_record(action=AccessEvent.Action.LOGIN, user=coordinator)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE agencies_accessevent SET username = 'forged'")


@pytest.fixture
def scratch_database():
    """An empty database and two role names, dropped again afterwards."""
    require_postgres()
    require(shutil.which("psql") is not None, "psql (postgresql-client)")
    import psycopg

    suffix = uuid.uuid4().hex[:8]
    names = {"db": f"kasane_init_{suffix}", "owner": f"kso_{suffix}", "app": f"ksa_{suffix}"}
    params = connection.get_connection_params()
    admin = {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'CREATE DATABASE "{names["db"]}"')
    try:
        yield names, admin
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{names["db"]}" WITH (FORCE)')
            for role in (names["owner"], names["app"]):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_the_init_script_makes_an_app_role_that_owns_nothing(scratch_database):
    import psycopg

    names, admin = scratch_database
    env = {"PGPASSWORD": admin.get("password", "")} if admin.get("password") else {}
    command = [
        "psql",
        "-h",
        str(admin.get("host", "127.0.0.1")),
        "-p",
        str(admin.get("port", 5432)),
        "-U",
        admin.get("user", "postgres"),
        "-d",
        names["db"],
        "-v",
        f"db={names['db']}",
        "-v",
        f"owner={names['owner']}",
        "-v",
        "owner_password=owner-secret",
        "-v",
        f"app={names['app']}",
        "-v",
        "app_password=app-secret",
        "-f",
        str(INIT_SQL),
    ]
    for _run in range(2):  # idempotent: a second run changes nothing and fails nothing
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={**_path_env(), **env}
        )
        assert result.returncode == 0, result.stderr

    owner, app = names["owner"], names["app"]
    with psycopg.connect(dbname=names["db"], autocommit=True, **admin) as conn:
        db_owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [names["db"]]
        ).fetchone()[0]
        assert db_owner == owner
        # A table the owner creates later (a migration) is the app's to use, not to alter.
        conn.execute(f'SET ROLE "{owner}"')
        conn.execute("CREATE TABLE probe (id serial PRIMARY KEY, note text)")
        conn.execute("RESET ROLE")
        conn.execute(f'SET ROLE "{app}"')
        conn.execute("INSERT INTO probe (note) VALUES ('row')")
        assert conn.execute("SELECT count(*) FROM probe").fetchone()[0] == 1
        for sql in (
            "ALTER TABLE probe DISABLE TRIGGER ALL",
            "DROP TABLE probe",
            "CREATE TABLE own (id int)",
            "TRUNCATE probe",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        conn.execute("RESET ROLE")


def _path_env() -> dict[str, str]:
    import os

    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
