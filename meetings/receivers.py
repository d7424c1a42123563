"""The meeting app's reactions to the signals of the apps below it."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from cases.signals import case_closed, households_merged
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


@receiver(households_merged, dispatch_uid="meetings.follow_merged_household")
def follow_merged_household(sender, *, source, target, actor, **kwargs):
    """Agenda items and proposals about the merged record now name the household that
    carries on (with history)."""
    from core.saving import model_save

    from .models import AgendaItem, AgendaProposal

    for model in (AgendaItem, AgendaProposal):
        for row in model.objects.select_for_update().filter(household=source):
            row.household = target
            model_save(row, actor=actor, reason="世帯の統合", fields=["household"])
