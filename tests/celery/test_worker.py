"""Tasks on a real Celery worker over Redis (CI starts one against the test database)."""

import pytest
from django.core.management import call_command

from cases.models import Person
from cases.tasks import search_keys_refresh_task
from config.celery import app as celery_app
from conftest import require
from tests.factories import make_consultation


def _worker_available() -> bool:
    if celery_app.conf.broker_url.startswith("memory"):
        return False
    try:
        return bool(celery_app.control.ping(timeout=3))
    except Exception:
        return False


@pytest.fixture
def real_worker():
    require(_worker_available(), "a Celery worker on REDIS_URL")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def _stale_person(actor) -> Person:
    person = make_consultation(actor=actor).person
    # Simulate keys written under an older normalisation table.
    Person.objects.filter(pk=person.pk).update(kana_key="stale", name_key="stale")
    return person


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_worker_refreshes_search_keys_as_the_acting_user(real_worker, coordinator):
    person = _stale_person(coordinator)
    changed = search_keys_refresh_task.delay(actor_id=coordinator.pk).get(timeout=60)
    assert changed == 1
    person.refresh_from_db()
    assert person.kana_key == "やまだたろお"
    latest = person.history.first()
    assert latest.history_user_id == coordinator.pk
    assert latest.history_change_reason == "検索キーの再計算"


@pytest.mark.django_db
def test_the_command_runs_the_task_in_process_without_a_broker(coordinator, capsys):
    person = _stale_person(coordinator)
    call_command("refresh_search_keys", actor=coordinator.username)
    assert "1 件の検索キーを更新しました" in capsys.readouterr().out
    person.refresh_from_db()
    assert person.name_key == "山田太郎"


@pytest.mark.django_db
def test_only_admins_and_coordinators_may_refresh(staff_assigned):
    from django.core.exceptions import PermissionDenied

    from cases.services import search_keys_refresh

    with pytest.raises(PermissionDenied):
        search_keys_refresh(actor=staff_assigned)
