"""The consent app's reactions to the case app's signals."""

from __future__ import annotations

from django.dispatch import receiver

from cases.signals import case_opened


@receiver(case_opened, dispatch_uid="consent.apply_consents_to_opened_case")
def apply_consents_to_opened_case(sender, *, case, actor, **kwargs):
    """A case just opened: the consents its subjects already gave apply to it."""
    from .services import consent_access_sync_for_case

    consent_access_sync_for_case(actor=actor, case=case)
