"""Celery tasks: take ids, import services inside, safe to retry."""

from celery import shared_task


@shared_task(acks_late=True)
def upcoming_meetings_recheck_task() -> int:
    """Periodic (daily): gate 1 for every scheduled meeting, so that a consent withdrawn
    or expired after the agenda was built flags its item before the papers go out."""
    from .services import upcoming_meetings_recheck

    return upcoming_meetings_recheck()
