"""Redis is down (broker and cache): people still log in and work — sessions and the
axes lockout live in PostgreSQL — and a report asked for meanwhile waits 待機, says on
its page that it has not reached the worker yet, and is made once Redis is back (the
outbox sweep; tests/celery/test_reports_worker.py has the real-worker version)."""

from __future__ import annotations

import contextlib

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from core.japanese import fiscal_year
from reports import services
from reports.models import ReportJob
from tests.celery.test_reports_worker import broker_at
from tests.factories import TEST_PASSWORD, once

DEAD_REDIS = "redis://127.0.0.1:1/0"
NOT_REACHED = "作成の仕組みにまだ届いていません"
Status = ReportJob.Status


@pytest.fixture
def redis_down(settings, tmp_path):
    """The producer and the cache on a port where nothing listens; reports go to Celery.
    Yields ``back()``: Redis answers again, and what the sweep hands over runs at once."""
    settings.KASANE_REPORT_RUNNER = "celery"
    cache = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    settings.KASANE_PRIVATE_ROOT = tmp_path / "private"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with contextlib.ExitStack() as down:
        down.enter_context(broker_at(DEAD_REDIS))

        def back():
            down.close()
            settings.CACHES = cache
            settings.KASANE_REPORT_RUNNER = "eager"

        try:
            yield back
        finally:
            celery_app.conf.task_always_eager = eager


def test_sessions_and_lockout_do_not_depend_on_redis(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.MESSAGE_STORAGE.startswith("django.contrib.messages.storage.")


@pytest.mark.django_db(transaction=True)
def test_while_redis_is_down_people_work_and_a_report_waits_until_it_is_back(
    redis_down, client, manager
):
    # A wrong password is counted (in the database), then the right one logs in.
    login = reverse("login")
    failed = client.post(login, {"username": manager.username, "password": "wrong-password-1"})
    assert failed.status_code == 200
    assert AccessAttempt.objects.get(username=manager.username).failures_since_start == 1
    response = client.post(login, {"username": manager.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("reports:index")).status_code == 200

    year = fiscal_year(timezone.now()) - 1
    response = client.post(reverse("reports:annual_request"), {"fiscal_year": year, **once()})
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:job_detail", args=[job.pk])
    assert (job.status, job.enqueued_at) == (Status.QUEUED, None)  # 待機, never handed over
    page = client.get(response["Location"]).content.decode()
    assert "作成を依頼しました" in page
    assert "待機中です" in page and NOT_REACHED in page
    fragment = client.get(reverse("reports:job_status", args=[job.pk])).content.decode()
    assert NOT_REACHED in fragment and "hx-trigger" in fragment  # keeps polling
    assert services.report_jobs_sweep() == 0  # still down: the sweep cannot hand it over
    job.refresh_from_db()
    assert job.status == Status.QUEUED

    # Redis is back: the next sweep hands the job over and it is made (here at once).
    redis_down()
    assert services.report_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    assert job.attempts == 1 and job.files.count() == 3
    fragment = client.get(reverse("reports:job_status", args=[job.pk])).content.decode()
    assert "完了しました" in fragment and "hx-trigger" not in fragment
    pdf = job.files.get(filename__endswith=".pdf")
    download = client.get(reverse("reports:file_download", args=[pdf.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert services.report_jobs_sweep() == 0  # nothing more to hand over
