"""purge_access_log: deletes what is older than the retention period, says so, and the
purge itself is logged."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import AccessEvent

pytestmark = pytest.mark.django_db


def event(days_ago: int, label: str) -> AccessEvent:
    return AccessEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=days_ago),
        username="coordinator",
        action=AccessEvent.Action.VIEW,
        object_label=label,
    )


def test_it_purges_rows_older_than_the_retention(settings):
    settings.KASANE_ACCESS_LOG_RETENTION_DAYS = 30
    event(31, "old")
    event(29, "recent")
    out = StringIO()
    call_command("purge_access_log", stdout=out)
    assert "保存期間 30 日" in out.getvalue()
    assert "1 件を削除しました" in out.getvalue()
    labels = set(AccessEvent.objects.values_list("object_label", flat=True))
    assert labels == {"recent", ""}
    purge = AccessEvent.objects.get(action=AccessEvent.Action.PURGE)
    assert purge.detail["deleted"] == 1
    assert purge.username == "purge_access_log"


def test_dry_run_deletes_nothing(settings):
    settings.KASANE_ACCESS_LOG_RETENTION_DAYS = 30
    event(31, "old")
    out = StringIO()
    call_command("purge_access_log", "--dry-run", stdout=out)
    assert "1 件が削除の対象です" in out.getvalue()
    assert AccessEvent.objects.count() == 1
