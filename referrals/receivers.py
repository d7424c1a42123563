"""The referrals app's reactions to the signals of the apps below it."""

from __future__ import annotations

from django.dispatch import receiver

from cases.signals import households_merged, persons_merged


@receiver(households_merged, dispatch_uid="referrals.follow_merged_household")
def follow_merged_household(sender, *, source, target, actor, **kwargs):
    """Sheets about the merged record now name the household that carries on."""
    from core.saving import model_save

    from .models import Referral

    for referral in Referral.objects.select_for_update().filter(household=source):
        referral.household = target
        model_save(referral, actor=actor, reason="世帯の統合", fields=["household"])


@receiver(persons_merged, dispatch_uid="referrals.follow_merged_person")
def follow_merged_person(sender, *, source, target, actor, **kwargs):
    from core.saving import model_save

    from .models import Referral

    for referral in Referral.objects.select_for_update().filter(person=source):
        referral.person = target
        model_save(referral, actor=actor, reason="世帯員の記録の統合", fields=["person"])
