"""The consent app's reactions to the case app's signals."""

from __future__ import annotations

from django.dispatch import receiver

from cases.signals import case_consent_gaps, case_opened, case_reopened, persons_merged


@receiver(case_opened, dispatch_uid="consent.apply_consents_to_opened_case")
def apply_consents_to_opened_case(sender, *, case, actor, **kwargs):
    """A case just opened: the consents its subjects already gave apply to it."""
    from .services import consent_access_sync_for_case

    consent_access_sync_for_case(actor=actor, case=case)


@receiver(case_consent_gaps, dispatch_uid="consent.case_consent_gaps")
def answer_case_consent_gaps(sender, *, case, agency, **kwargs) -> list[str]:
    """The subjects of ``case`` whose valid 同意 (情報共有) today does not cover ``agency``."""
    from .selectors import persons_without_sharing_consent

    people = case.subjects.order_by("created_at")
    return [p.full_name for p in persons_without_sharing_consent(persons=people, agency=agency)]


@receiver(case_reopened, dispatch_uid="consent.apply_consents_to_reopened_case")
def apply_consents_to_reopened_case(sender, *, case, actor, **kwargs):
    """A closed case reopened: consents given while it was closed apply to it now; a
    grant a coordinator revoked stays revoked."""
    from .services import consent_access_sync_for_case

    consent_access_sync_for_case(actor=actor, case=case, keep_revoked=True)


@receiver(persons_merged, dispatch_uid="consent.follow_merged_person")
def follow_merged_person(sender, *, source, target, actor, **kwargs):
    """Consents given by or for the merged record are the person's: they move with
    their history; the access they gave stays as it is (same cases, same scope)."""
    from core.saving import model_save

    from .models import Consent

    for consent in Consent.objects.select_for_update().filter(person=source):
        consent.person = target
        model_save(consent, actor=actor, reason="世帯員の記録の統合", fields=["person"])
