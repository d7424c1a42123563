"""Celery tasks of the reports: ids in, the services do the work (and are safe to run
twice). ``acks_late`` with ``reject_on_worker_lost``: a job whose worker is killed
goes back to the broker and runs again; the job row makes the second run finish it
exactly once."""

from celery import shared_task
from django.conf import settings


# No task result is read (the job row is the result): ignore_result spares a publish the
# result store's connection, which would retry for many seconds while Redis is down.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.KASANE_REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.KASANE_REPORT_TIME_LIMIT,
)
def report_job_run_task(job_id: str) -> None:
    from .services import report_job_run

    report_job_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def report_jobs_sweep_task() -> int:
    """Beat: hand over again the jobs the broker never got (the outbox)."""
    from .services import report_jobs_sweep

    return report_jobs_sweep()


@shared_task(acks_late=True, ignore_result=True)
def report_files_purge_task() -> int:
    """Beat: delete generated files past their 保存期限."""
    from .services import report_files_purge

    return report_files_purge()
