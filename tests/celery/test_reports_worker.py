"""Report jobs on the real Celery worker over Redis (not eager): CI starts one against
the test database. The worker and this process share KASANE_PRIVATE_ROOT."""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from reports import services
from reports.models import ReportJob
from tests.celery.test_worker import real_worker  # noqa: F401 (a fixture)

Status = ReportJob.Status


def _wait_until_finished(job: ReportJob, seconds: int = 120) -> ReportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job still {job.get_status_display()} after {seconds}s")


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's producer at another broker (a dead port: Redis is down for
    us, while the worker keeps its own connection)."""
    original = celery_app.conf.broker_url

    def reset():
        celery_app.amqp._producer_pool = None
        celery_app._pool = None

    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = original
        reset()


def _fiscal_year() -> int:
    from core.japanese import fiscal_year

    return fiscal_year(timezone.now()) - 1


@pytest.fixture
def on_the_worker(real_worker, settings):  # noqa: F811
    settings.KASANE_REPORT_RUNNER = "celery"


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_worker_renders_the_annual_evaluation(on_the_worker, manager):
    job = services.annual_request(actor=manager, fiscal_year=_fiscal_year())
    job = _wait_until_finished(job)
    assert job.status == Status.DONE, job.error
    assert job.enqueued_at is not None and job.attempts == 1
    files = {f.filename.rsplit(".", 1)[1]: f for f in job.files.all()}
    assert set(files) == {"pdf", "csv", "xlsx"}
    pdf = files["pdf"]
    stored = (Path(settings.KASANE_PRIVATE_ROOT) / pdf.path).read_bytes()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == pdf.sha256
    # The worker wrote the history row as the manager who asked.
    assert pdf.history.first().history_user_id == manager.pk


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_sweep_recovers_a_job_requested_while_redis_was_down(on_the_worker, manager):
    with broker_at("redis://127.0.0.1:1/0"):
        job = services.annual_request(actor=manager, fiscal_year=_fiscal_year())
        job.refresh_from_db()
        assert (job.status, job.enqueued_at) == (Status.QUEUED, None)
        # The sweep cannot hand it over either while Redis is away.
        assert services.report_jobs_sweep() == 0
    time.sleep(2)
    job.refresh_from_db()
    assert job.status == Status.QUEUED  # nothing ran it meanwhile

    assert services.report_jobs_sweep() == 1  # Redis is back
    job = _wait_until_finished(job)
    assert job.status == Status.DONE, job.error
    assert job.files.count() == 3
