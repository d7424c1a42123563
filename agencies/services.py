"""Writes about staff: 人事異動 (moving agency) and hand-over of a leaving coordinator."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .audit import Action, access_event_record
from .events import staff_transferred
from .models import Agency, User
from .roles import Role


@transaction.atomic
def staff_transfer(*, actor: User, user: User, agency: Agency, reason: str = "人事異動") -> None:
    """Move a user to another agency. What they saw through the old agency ends at
    once: agency grants follow the agency, and the apps that hold personal grants end
    them in the same transaction (``staff_transferred``)."""
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if agency.pk == user.agency_id:
        raise ValidationError({"agency": "現在と同じ機関です。"})
    old_agency = user.agency
    user.agency = agency
    user._history_user = actor
    user._change_reason = reason
    user.save(update_fields=["agency"])
    staff_transferred.send(
        sender=User, user=user, old_agency=old_agency, actor=actor, reason=reason
    )
    access_event_record(
        action=Action.ACCOUNT_CHANGED,
        user=actor,
        obj=user,
        changes={"所属機関": [str(old_agency), str(agency)]},
        reason=reason,
    )
