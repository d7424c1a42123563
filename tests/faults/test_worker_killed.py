"""A Celery worker SIGKILLed in the middle of a report (the OOM killer, a pulled plug):
the job runs again on the next worker and ends with exactly one set of files.

The test starts its own workers (Redis DB 6, the pytest database) so it can kill one.
To kill it at the worst moment — attempt 1 has rendered and written its files and is
recording them — this test holds an EXCLUSIVE lock on ``reports_reportfile`` from
another PostgreSQL connection: the worker's first INSERT there waits, visibly in
``pg_locks``, and the worker is killed while it waits. No production code knows about
the test. After the kill the lock is released (the dead worker's backend then finds its
client gone and rolls back), the broker's visibility timeout (5 s here) hands the
unacknowledged message to a new worker, and the job row makes that second attempt the
one that finishes.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from conftest import require, require_postgres
from reports import services
from reports.models import ReportJob
from tests.celery.test_reports_worker import broker_at

from .workers import Workers, redis_reachable, redis_url

Status = ReportJob.Status
VISIBILITY_TIMEOUT = 5


@pytest.fixture
def faults_broker():
    url = redis_url()
    require(redis_reachable(url), f"Redis at {url}")
    client = redis.Redis.from_url(url)
    client.flushdb()  # DB 6 is the fault tests' own: nothing left from an earlier run
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def workers(faults_broker, tmp_path, settings):
    settings.KASANE_REPORT_RUNNER = "celery"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    started = Workers(broker=faults_broker, log_dir=tmp_path, visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        with broker_at(faults_broker):
            yield started
    finally:
        started.stop_all()
        celery_app.conf.task_always_eager = eager


@pytest.fixture
def reportfile_lock(transactional_db):
    """lock() takes an EXCLUSIVE lock on reports_reportfile in a transaction of its own
    connection (reads go on, inserts wait); waiting() counts who waits for it;
    release() ends the transaction."""
    s = connection.settings_dict
    conn = psycopg.connect(
        dbname=s["NAME"],
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        connect_timeout=5,
    )

    class Lock:
        def lock(self):
            conn.execute("LOCK TABLE reports_reportfile IN EXCLUSIVE MODE")

        def waiting(self) -> int:
            return conn.execute(
                "SELECT count(*) FROM pg_locks"
                " WHERE relation = 'reports_reportfile'::regclass AND NOT granted"
            ).fetchone()[0]

        def release(self):
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()

    lock = Lock()
    try:
        yield lock
    finally:
        lock.release()
        conn.close()


def _until(condition, *, seconds: float, what: str, log=lambda: ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds}s\n{log()}")


def _attempt_dirs(job: ReportJob) -> list[Path]:
    folder = Path(settings.KASANE_PRIVATE_ROOT) / "reports" / str(job.pk)
    return sorted(p for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.celery
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_leaves_one_finished_job_with_one_set_of_files(
    workers, reportfile_lock, manager, faults_broker
):
    require_postgres()
    first = workers.start()
    reportfile_lock.lock()
    from core.japanese import fiscal_year

    job = services.annual_request(actor=manager, fiscal_year=fiscal_year(timezone.now()) - 1)
    job_folder = Path(settings.KASANE_PRIVATE_ROOT) / "reports" / str(job.pk)
    try:
        # Attempt 1 has written its files and waits to record them.
        _until(
            reportfile_lock.waiting,
            seconds=90,
            what="the worker's INSERT into reports_reportfile",
            log=lambda: workers.log(first),
        )
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Status.RUNNING, 1)  # 作成中
        [attempt_one] = _attempt_dirs(job)
        assert sorted(p.suffix for p in attempt_one.iterdir()) == [".csv", ".pdf", ".xlsx"]

        workers.kill(first)
        # The broker holds the message, unacknowledged, stamped with its delivery time.
        broker = redis.Redis.from_url(faults_broker)
        [(_tag, delivered_at)] = broker.zrange("unacked_index", 0, -1, withscores=True)
        reportfile_lock.release()  # the dead worker's backend rolls back and ends
        # A new worker restores messages older than the visibility timeout when it starts
        # (and then only every ~100 s): start it once this one is that old.
        time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 1 - time.time()))
        second = workers.start()

        def finished():
            job.refresh_from_db()
            return job.finished

        _until(finished, seconds=60, what="the job finished", log=lambda: workers.log(second))
        assert job.status == Status.DONE, job.error
        assert job.attempts == 2
        assert broker.zcard("unacked_index") == 0  # acknowledged once done
        broker.close()

        files = list(job.files.all())
        assert sorted(f.filename.rsplit(".", 1)[1] for f in files) == ["csv", "pdf", "xlsx"]
        # One attempt folder: attempt 2's. Attempt 1's went when attempt 2 recorded its own.
        folders = _attempt_dirs(job)
        assert len(folders) == 1, f"attempt folders left: {[f.name for f in folders]}"
        kept = folders[0]
        assert kept != attempt_one and not attempt_one.exists()
        root = Path(settings.KASANE_PRIVATE_ROOT)
        on_disk = sorted(p.name for p in kept.iterdir())
        assert on_disk == sorted(Path(f.path).name for f in files)  # no .part, no extra
        for file in files:
            stored = root / file.path
            assert stored.parent == kept
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == file.sha256
        assert job.error == ""
    finally:
        shutil.rmtree(job_folder, ignore_errors=True)
