"""Writes about staff: 人事異動 (moving agency) and hand-over of a leaving coordinator."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Agency, User
from .roles import Role


@transaction.atomic
def staff_transfer(*, actor: User, user: User, agency: Agency, reason: str = "人事異動") -> None:
    """Move a user to another agency. What they saw through the old agency ends at
    once: agency grants follow the agency, and their personal grants are revoked."""
    from cases.models import CaseAccess
    from cases.services import _save

    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied
    if agency.pk == user.agency_id:
        raise ValidationError({"agency": "現在と同じ機関です。"})
    now = timezone.now()
    for access in CaseAccess.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        access.revoked_at = now
        access.revoke_reason = reason
        _save(access, actor=actor, reason=reason, fields=["revoked_at", "revoke_reason"])
    user.agency = agency
    user._history_user = actor
    user._change_reason = reason
    user.save(update_fields=["agency"])
