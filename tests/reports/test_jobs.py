"""The job framework: the outbox, idempotent runs, progress, the checked download and
the purge. The renderer is replaced by a small one here; the real renderers have
their own tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from agencies.models import AccessEvent
from agencies.roles import Role
from reports import renderers, services
from reports.models import ReportFile, ReportJob
from reports.renderers import Output
from reports.selectors import files_downloadable_by
from tests.factories import once, user_with_role

Status = ReportJob.Status
YEAR = 2025


def _fake(data: bytes = b"%PDF-1.7 fake", calls: list | None = None):
    def render(job, progress):
        if calls is not None:
            calls.append(job.pk)
        progress(1, 2)
        return [
            Output(
                "令和7年度 年次評価（PDF）", "nenji.pdf", renderers.PDF, data, groups=["manager"]
            )
        ]

    return render


@pytest.fixture
def fake_annual(monkeypatch):
    calls: list = []
    monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, _fake(calls=calls))
    return calls


def _request_annual(manager, django_capture_on_commit_callbacks) -> ReportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.annual_request(actor=manager, fiscal_year=YEAR)
    job.refresh_from_db()
    return job


# -- asking -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_runs_a_requested_job_after_commit_and_keeps_one_file(
    manager, fake_annual, django_capture_on_commit_callbacks, private_root
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.annual_request(actor=manager, fiscal_year=YEAR)
    assert ReportJob.objects.get(pk=job.pk).status == Status.QUEUED
    assert fake_annual == []  # nothing runs inside the request's transaction
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.progress == 100
    assert job.expires_at > job.finished_at
    (file,) = job.files.all()
    stored = Path(private_root) / file.path
    assert stored.read_bytes() == b"%PDF-1.7 fake"
    assert file.sha256 == hashlib.sha256(b"%PDF-1.7 fake").hexdigest()
    assert file.history.first().history_user == manager


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "secretariat", "admin_user"])
def test_only_managers_may_ask_for_the_annual_evaluation(persona, request, fake_annual):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.annual_request(actor=user, fiscal_year=YEAR)
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager", "staff_assigned", "secretariat"])
def test_only_coordinators_may_ask_for_the_national_csv(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.national_report_request(actor=user, fiscal_year=YEAR)
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2014, 2100, "2025"])
def test_a_year_out_of_bounds_is_refused_in_japanese(manager, year):
    with pytest.raises(ValidationError) as error:
        services.annual_request(actor=manager, fiscal_year=year)
    assert "年度" in str(error.value)


@pytest.mark.django_db
def test_the_request_page_answers_a_bad_year_with_a_message(login, manager, fake_annual):
    client = login(manager)
    response = client.post(
        reverse("reports:annual_request"), {"fiscal_year": "abc", **once()}, follow=True
    )
    assert response.status_code == 200
    assert "年度を一覧から選んでください。" in response.content.decode()
    assert not ReportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_asks_once(login, manager, fake_annual):
    client = login(manager)
    token = once()
    first = client.post(reverse("reports:annual_request"), {"fiscal_year": YEAR, **token})
    second = client.post(reverse("reports:annual_request"), {"fiscal_year": YEAR, **token})
    job = ReportJob.objects.get()
    assert first.url == second.url == reverse("reports:job_detail", args=[job.pk])
    assert len(fake_annual) == 1


@pytest.mark.django_db
def test_a_coordinator_posting_the_annual_request_is_refused_and_logged(login, coordinator):
    client = login(coordinator)
    response = client.post(reverse("reports:annual_request"), {"fiscal_year": YEAR, **once()})
    assert response.status_code == 403
    assert not ReportJob.objects.exists()
    assert AccessEvent.objects.filter(user=coordinator, action=AccessEvent.Action.DENIED).exists()


# -- the outbox -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_whose_enqueue_failed_waits_and_the_sweep_runs_it(
    manager, fake_annual, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from reports.tasks import report_job_run_task

    settings.KASANE_REPORT_RUNNER = "celery"

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(report_job_run_task, "apply_async", broker_down)
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    assert (job.status, job.enqueued_at) == (Status.QUEUED, None)
    assert fake_annual == []

    settings.KASANE_REPORT_RUNNER = "eager"  # the broker is back
    assert services.report_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.files.count() == 1
    assert services.report_jobs_sweep() == 0


@pytest.mark.django_db
def test_the_sweep_leaves_a_job_just_handed_to_the_broker(manager, fake_annual, settings):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        enqueued_at=timezone.now(),
    )
    assert services.report_jobs_sweep() == 0
    later = timezone.now() + services.REQUEUE_AFTER + dt.timedelta(seconds=1)
    assert services.report_jobs_sweep(now=later) == 1
    job.refresh_from_db()
    assert job.status == Status.DONE


@pytest.mark.django_db
def test_the_sweep_takes_back_a_job_whose_worker_died(manager, fake_annual, settings):
    long_ago = (
        timezone.now()
        - dt.timedelta(seconds=settings.KASANE_REPORT_TIME_LIMIT)
        - dt.timedelta(hours=1)
    )
    stuck = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        status=Status.RUNNING,
        started_at=long_ago,
        attempts=1,
    )
    recent = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        status=Status.RUNNING,
        started_at=timezone.now(),
        attempts=1,
    )
    assert services.report_jobs_sweep() == 1
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == Status.DONE and stuck.attempts == 2
    assert recent.status == Status.RUNNING


# -- running twice ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_finished_job_run_again_changes_nothing(
    manager, fake_annual, django_capture_on_commit_callbacks
):
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    services.report_job_run(job_id=job.pk)
    assert len(fake_annual) == 1
    assert ReportFile.objects.filter(job=job).count() == 1


@pytest.mark.django_db
def test_a_job_redelivered_after_its_worker_died_ends_with_exactly_one_file(
    manager, fake_annual, private_root
):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        status=Status.RUNNING,
        attempts=1,
        started_at=timezone.now(),
    )
    # The dead attempt left a half-written file behind.
    dead = Path(private_root) / "reports" / str(job.pk) / "dead-attempt"
    dead.mkdir(parents=True)
    (dead / "000.pdf.part").write_bytes(b"%PDF-half")

    services.report_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 2
    (file,) = ReportFile.objects.filter(job=job)
    assert not dead.exists()
    on_disk = [p for p in (Path(private_root) / "reports" / str(job.pk)).rglob("*") if p.is_file()]
    assert on_disk == [Path(private_root) / file.path]


@pytest.mark.django_db
def test_the_attempt_that_finishes_second_discards_its_files(manager, monkeypatch, private_root):
    """Two deliveries of one job at once: the first to finish keeps its files."""
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL, fiscal_year=YEAR, requested_by=manager
    )

    def render_while_another_finishes(job_, progress):
        # The other delivery runs to the end while this one renders.
        monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, _fake(b"%PDF other"))
        ReportJob.objects.filter(pk=job_.pk).update(status=Status.QUEUED)
        services.report_job_run(job_id=job_.pk)
        return _fake(b"%PDF mine")(job_, progress)

    monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, render_while_another_finishes)
    services.report_job_run(job_id=job.pk)
    (file,) = ReportFile.objects.filter(job=job)
    assert (Path(private_root) / file.path).read_bytes() == b"%PDF other"
    files = [p for p in (Path(private_root) / "reports" / str(job.pk)).rglob("*") if p.is_file()]
    assert len(files) == 1


@pytest.mark.django_db
def test_a_failure_is_told_in_japanese_and_leaves_no_file(manager, monkeypatch, private_root):
    def broken(job, progress):
        raise RuntimeError("weasyprint exploded")

    monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, broken)
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL, fiscal_year=YEAR, requested_by=manager
    )
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("作成中に予期しないエラーが発生しました")
    assert "weasyprint" not in job.error
    assert not ReportFile.objects.exists()
    assert not list((Path(private_root) / "reports").rglob("*.pdf"))


@pytest.mark.django_db
def test_a_job_that_keeps_killing_its_worker_stops_after_three_attempts(manager, fake_annual):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        status=Status.RUNNING,
        attempts=services.MAX_ATTEMPTS,
    )
    services.report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "3回試みました" in job.error
    assert fake_annual == []


# -- the thread runner (no REDIS_URL) ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_redis_a_thread_renders_while_the_request_returns(
    login, manager, settings, monkeypatch
):
    settings.KASANE_REPORT_RUNNER = "thread"
    release = threading.Event()

    def slow(job, progress):
        release.wait(10)
        return _fake()(job, progress)

    monkeypatch.setitem(renderers.RENDERERS, ReportJob.Kind.ANNUAL, slow)
    client = login(manager)
    response = client.post(reverse("reports:annual_request"), {"fiscal_year": YEAR, **once()})
    assert response.status_code == 302  # answered while the render still waits
    job = ReportJob.objects.get()
    assert job.status in (Status.QUEUED, Status.RUNNING)
    release.set()
    for _ in range(100):
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.1)
    assert job.status == Status.DONE


# -- progress and download ------------------------------------------------------


@pytest.mark.django_db
def test_the_progress_fragment_polls_until_the_job_is_done(login, manager):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.ANNUAL,
        fiscal_year=YEAR,
        requested_by=manager,
        status=Status.RUNNING,
        progress=40,
    )
    client = login(manager)
    running = client.get(reverse("reports:job_status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in running
    assert "作成中です（40%）" in running
    ReportJob.objects.filter(pk=job.pk).update(
        status=Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    done = client.get(reverse("reports:job_status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in done
    assert "完了しました" in done


@pytest.mark.django_db
def test_any_manager_downloads_the_annual_file_and_the_download_is_logged(
    login, manager, hub, fake_annual, django_capture_on_commit_callbacks
):
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    file = job.files.get()
    other_manager = user_with_role(Role.MANAGER, agency=hub, username="manager2")
    client = login(other_manager)
    response = client.get(reverse("reports:file_download", args=[file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 fake"
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
    assert (event.user, event.object_id) == (other_manager, str(file.pk))
    # A manager may follow the job from its file.
    assert client.get(reverse("reports:job_detail", args=[job.pk])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["coordinator", "staff_assigned", "staff_unassigned", "secretariat", "admin_user"]
)
def test_no_one_else_reaches_the_annual_file(
    persona, request, login, manager, fake_annual, django_capture_on_commit_callbacks
):
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    file = job.files.get()
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(reverse("reports:file_download", args=[file.pk])).status_code == 404
    assert client.get(reverse("reports:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job_status", args=[job.pk])).status_code == 404
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DOWNLOAD).exists()
    assert AccessEvent.objects.filter(user=user, action=AccessEvent.Action.DENIED).exists()


@pytest.mark.django_db
def test_a_manager_who_leaves_the_role_loses_the_file(
    login, manager, fake_annual, django_capture_on_commit_callbacks
):
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    file = job.files.get()
    manager.groups.clear()
    manager = type(manager).objects.get(pk=manager.pk)
    assert not files_downloadable_by(manager).filter(pk=file.pk).exists()


# -- purge -----------------------------------------------------------------------


@pytest.mark.django_db
def test_expired_files_are_purged_and_their_record_kept(
    login, manager, fake_annual, django_capture_on_commit_callbacks, private_root
):
    job = _request_annual(manager, django_capture_on_commit_callbacks)
    file = job.files.get()
    stored = Path(private_root) / file.path
    assert services.report_files_purge() == 0
    assert stored.exists()
    assert services.report_files_purge(now=job.expires_at + dt.timedelta(seconds=1)) == 1
    file.refresh_from_db()
    assert file.purged_at is not None and not stored.exists()
    assert file.history.first().history_change_reason == "保存期限を過ぎたため削除"
    client = login(manager)
    assert client.get(reverse("reports:file_download", args=[file.pk])).status_code == 404
