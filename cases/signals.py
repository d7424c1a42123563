"""Signals the case app sends, and its reactions to those of the apps below it.

Higher apps (consent, meetings) react to a case being opened without cases importing
them; cases reacts to 人事異動 without agencies importing cases."""

from __future__ import annotations

from django.dispatch import Signal, receiver
from django.utils import timezone

from agencies.events import staff_transferred
from core.saving import model_save

from . import events
from .models import CaseAccess

# Sent inside the transaction that opened the case: case, actor.
case_opened = Signal()


@receiver(staff_transferred, dispatch_uid="cases.end_personal_grants_on_transfer")
def end_personal_grants_on_transfer(sender, *, user, old_agency, actor, reason, **kwargs):
    """人事異動: the user's own grants (支援会議) end at once, each said on its case's
    timeline; agency grants need nothing (they follow the agency)."""
    now = timezone.now()
    for access in CaseAccess.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        access.revoked_at = now
        access.revoke_reason = f"人事異動（{old_agency}から異動）: {reason}"[:200]
        model_save(
            access, actor=actor, reason=access.revoke_reason, fields=["revoked_at", "revoke_reason"]
        )
        events.access_revoked_event(case=access.case, actor=actor, access=access)


# Sent inside the transaction that closed the case: case, actor. The meetings app ends
# the case's 支援会議 handlings (and their user-level grants) in reply.
case_closed = Signal()

# Sent inside the transaction that reopened a closed case: case, actor. The consent app
# applies the consents given while it was closed.
case_reopened = Signal()

# Asked when a closing hands the case over: case, agency. The consent app answers with
# the names of the subjects whose valid 同意 (情報共有) does not cover the agency.
case_consent_gaps = Signal()

# Sent inside the transaction that merged ``source`` into ``target``: source, target,
# actor. Apps above cases move their own rows that name the merged record.
households_merged = Signal()

# Sent inside the transaction that merged the person ``source`` into ``target``: source,
# target, actor. Apps above cases move their own rows about that person.
persons_merged = Signal()
