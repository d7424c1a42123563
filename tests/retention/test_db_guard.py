"""The 廃棄記録 against the application's own database role (PostgreSQL): it may write
and update 廃棄記録 rows, never delete them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from conftest import require_postgres
from retention.models import DisposalItem, DisposalPlan

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

APP = "kasane_app_probe"
TABLES = (
    "retention_disposalplan",
    "retention_disposalitem",
    "retention_historicaldisposalplan",
    "retention_historicaldisposalitem",
)


@pytest.fixture
def as_app_role(manager):
    require_postgres()
    plan = DisposalPlan.objects.create(listed_by=manager, listed_at=timezone.now())
    DisposalItem.objects.create(
        plan=plan,
        kind="case",
        record_id="x",
        fiscal_year=2018,
        ended_on=timezone.localdate(),
        retained_until=timezone.localdate(),
    )
    plan.history.create(
        id=plan.pk,
        listed_by=manager,
        listed_at=plan.listed_at,
        history_date=timezone.now(),
        history_type="+",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP}")
        for table in TABLES:
            cursor.execute(f"GRANT ALL ON {table} TO {APP}")

    def run(sql: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL ROLE {APP}")
            cursor.execute(sql)

    return run


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("statement", ["DELETE FROM {}", "TRUNCATE {} CASCADE"])
def test_the_app_role_cannot_delete_a_disposal_record(as_app_role, table, statement):
    with pytest.raises(DatabaseError, match="is kept"):
        as_app_role(statement.format(table))
    assert DisposalPlan.objects.count() == 1 and DisposalItem.objects.count() == 1


def test_the_app_role_updates_a_plan_status(as_app_role):
    as_app_role("UPDATE retention_disposalplan SET cancel_reason = '監査の前'")
    assert DisposalPlan.objects.get().cancel_reason == "監査の前"
