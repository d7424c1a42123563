"""The meeting app's reactions to the signals of the apps below it."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from consent.signals import consent_withdrawn


@receiver(consent_withdrawn, dispatch_uid="meetings.recheck_after_withdrawal")
def recheck_after_withdrawal(sender, *, consent, actor, **kwargs):
    """Gate 1 again for every scheduled meeting once the withdrawal is committed."""
    from .tasks import upcoming_meetings_recheck_task

    transaction.on_commit(upcoming_meetings_recheck_task.delay)
