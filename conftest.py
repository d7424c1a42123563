"""Persona fixtures and the service-availability rule shared by every test.

Personas (DESIGN.md roles): a coordinator of the 多機関協働 agency, staff of the
agency that received the consultation (assigned), staff of another agency
(unassigned), secretariat, manager, admin — and anonymous.
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil

import pytest
from django.db import connection

from agencies.models import Agency
from agencies.roles import Role
from cases import services
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    make_consultation,
    user_with_role,
    verify_client,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Skip a test whose service is missing — but fail in CI, where a skip would
    hide that the test never ran."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {what} is not available", pytrace=False)
    pytest.skip(f"{what} is not available")


def require_postgres() -> None:
    require(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


# Data migrations whose rows a transactional test's flush removes: (module, function).
SEED_MIGRATIONS = [
    ("agencies.migrations.0002_roles", "create_roles"),
    ("cases.migrations.0002_issue_categories_and_search", "seed_categories"),
    ("cases.migrations.0019_forms_issue_categories", "add_forms_categories"),
    ("agencies.migrations.0011_community_resources", "grant_admin_resources"),
]


@functools.cache
def _migration_apps():
    """The project's model state as the migrations see it (built once)."""
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection, ignore_no_migrations=True).project_state().apps


def ensure_migration_seed_data() -> None:
    """Re-run the (idempotent) data migrations, as after ``migrate``."""
    apps = _migration_apps()
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With ``--reuse-db`` the database may come from a run whose last transactional
    test flushed the data migrations' rows: put them back once, before any test."""
    with django_db_blocker.unblock():
        ensure_migration_seed_data()


@pytest.fixture(autouse=True)
def _migration_seed_data(request):
    """A transactional test (live server, real worker, concurrency) starts from a
    database the previous one flushed: put back what the data migrations created."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in (
        request.fixturenames
    )
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_migration_seed_data()


@pytest.fixture
def hub(db) -> Agency:
    return AgencyFactory(name="福祉総務課", is_collaboration_hub=True)


@pytest.fixture
def assigned_agency(db) -> Agency:
    return AgencyFactory(name="地域包括支援センター")


@pytest.fixture
def other_agency(db) -> Agency:
    return AgencyFactory(name="障がい者基幹相談支援センター")


@pytest.fixture
def coordinator(hub):
    return user_with_role(Role.COORDINATOR, agency=hub, username="coordinator")


@pytest.fixture
def staff_assigned(assigned_agency):
    return user_with_role(Role.AGENCY_STAFF, agency=assigned_agency, username="staff_assigned")


@pytest.fixture
def staff_unassigned(other_agency):
    return user_with_role(Role.AGENCY_STAFF, agency=other_agency, username="staff_unassigned")


@pytest.fixture
def secretariat(hub):
    return user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat")


@pytest.fixture
def manager(hub):
    return user_with_role(Role.MANAGER, agency=hub, username="manager")


@pytest.fixture
def admin_user(hub):
    return user_with_role(Role.ADMIN, agency=hub, username="admin_user", is_staff=True)


@pytest.fixture
def consultation(staff_assigned):
    """A consultation taken at the assigned agency's window, not yet a case."""
    return make_consultation(actor=staff_assigned)


@pytest.fixture
def case(consultation, coordinator, assigned_agency):
    return services.case_open(
        actor=coordinator,
        consultation=consultation,
        subjects=[consultation.person],
        main_agency=assigned_agency,
        lead_coordinator=coordinator,
    )


@pytest.fixture
def login(client, settings):
    """login(user) → a client logged in as that user — and, when the second factor is
    required (as in CI), already verified with a confirmed TOTP device."""

    def _login(user):
        client.force_login(user)
        if settings.KASANE_REQUIRE_MFA:
            verify_client(client, user)
        return client

    return _login


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD
