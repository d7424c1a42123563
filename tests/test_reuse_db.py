"""`pytest --reuse-db` after a run whose last test was transactional (it flushes every
table, the data migrations' roles and categories included) starts from a usable
database: the second run passes (it used to end in errors)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from conftest import require_postgres

pytestmark = pytest.mark.postgres

FIRST = "tests/reuse_db_probe.py::test_a_transactional_test_flushes_everything"
SECOND = "tests/reuse_db_probe.py::test_the_roles_and_categories_are_there"


def test_reuse_db_after_a_transactional_test_works():
    require_postgres()
    params = connection.get_connection_params()
    name = f"kasane_reuse_{uuid.uuid4().hex[:8]}"
    user = params.get("user", "postgres")
    host, port = params.get("host", "127.0.0.1"), params.get("port", 5432)
    password = f":{params['password']}" if params.get("password") else ""
    # Not the outer run's options: CI sets PYTEST_ADDOPTS=--create-db, which would
    # rebuild the database in the second run and hide the very bug this test is for.
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{name}",
    }
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reuse-db"]
    try:
        for extra, target in ((["--create-db"], FIRST), ([], SECOND)):
            result = subprocess.run(
                [*base, *extra, target],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
            assert "1 passed" in result.stdout
    finally:
        import psycopg

        admin = {k: params[k] for k in ("host", "port", "user", "password") if params.get(k)}
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
