"""Celery tasks: take ids, import services inside, safe to retry."""

from celery import shared_task


@shared_task(acks_late=True)
def form_submissions_purge_task() -> int:
    """Periodic (daily): forget the one-time tokens of forms sent over a month ago."""
    from .submissions import form_submissions_purge

    return form_submissions_purge()
