"""The meeting app's reactions to the signals of the apps below it."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from cases.signals import case_closed
from consent.signals import consent_withdrawn


@receiver(consent_withdrawn, dispatch_uid="meetings.recheck_after_withdrawal")
def recheck_after_withdrawal(sender, *, consent, actor, **kwargs):
    """Gate 1 again for every scheduled meeting once the withdrawal is committed."""
    from .tasks import upcoming_meetings_recheck_task

    transaction.on_commit(upcoming_meetings_recheck_task.delay)


@receiver(case_closed, dispatch_uid="meetings.end_handlings_of_closed_case")
def end_handlings_of_closed_case(sender, *, case, actor, **kwargs):
    """Closing a case ends its 支援会議 handlings, and the pledged members' user-level
    grants with them, in the closing transaction."""
    from .services import handlings_end_for_closed_case

    handlings_end_for_closed_case(actor=actor, case=case)
