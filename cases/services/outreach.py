"""Writes of アウトリーチ等を通じた継続的支援: an engagement with a household of concern,
its contacts log, the consultation it becomes, its end.

Every function asks the one policy (``permissions.outreach_needs`` /
``household_needs``) for its actor, writes in one transaction with the history user
and reason set, and leaves a line on the household's open case when it has one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from core.japanese import format_wareki
from core.saving import model_save

from .. import events
from ..models import Case, CaseEvent, Consultation, Household, OutreachContact, OutreachEngagement
from ..permissions import Need, outreach_needs, works_cases
from ..selectors import consultations_visible_to
from . import (
    _household_refresh_keys,
    _household_set_keys,
    _person_new,
    require_household_need,
)
from .support import RECORD_EARLIEST

Status = OutreachEngagement.Status


def require_outreach_need(actor: User, engagement: OutreachEngagement, need: Need) -> None:
    if need not in outreach_needs(actor, engagement):
        raise PermissionDenied


def _date_errors(name: str, label: str, day: dt.date | None, *, not_before=None) -> dict:
    if day is None:
        return {name: f"{label}を入力してください。"}
    if day > timezone.localdate():
        return {name: f"{label}に未来の日付は入力できません。"}
    earliest = max(RECORD_EARLIEST, not_before) if not_before else RECORD_EARLIEST
    if day < earliest:
        return {name: f"{label}は{format_wareki(earliest)}以降の日付にしてください。"}
    return {}


def _lock(engagement: OutreachEngagement) -> OutreachEngagement:
    return OutreachEngagement.objects.select_for_update().get(pk=engagement.pk)


def _on_open_cases(*, actor: User, engagement: OutreachEngagement, kind: str, message: str) -> None:
    """The line on the household's open case(s): its timeline tells the whole support."""
    for case in engagement.household.cases.filter(status__in=Case.OPEN_STATUSES):
        events.outreach_event(
            case=case, actor=actor, engagement=engagement, kind=kind, message=message
        )


def _bump(engagement: OutreachEngagement, *, actor: User, reason: str, fields: list[str]) -> None:
    engagement.version += 1
    model_save(engagement, actor=actor, reason=reason, fields=[*fields, "version", "updated_at"])


@transaction.atomic
def outreach_start(
    *,
    actor: User,
    household: Household | None,
    household_data: dict[str, Any] | None = None,
    person_data: dict[str, Any] | None = None,
    started_on: dt.date,
    concern: str,
) -> OutreachEngagement:
    """Start going out to a household of concern: an existing household the actor
    works, or a new one registered here with its 本人. Before a case, the actor's
    agency then holds the household as a window that took a consultation does."""
    if not works_cases(actor):
        raise PermissionDenied
    if household is not None:
        require_household_need(actor, household, Need.WORK)
    errors = _date_errors("started_on", "開始日", started_on)
    if not concern.strip():
        errors["concern"] = "気になっていることを入力してください。"
    if household is None and not person_data:
        errors["__all__"] = "新しい世帯には、気になる方（本人）を登録してください。"
    if errors:
        raise ValidationError(errors)
    if household is None:
        household = Household(**(household_data or {}))
        _household_set_keys(household)
        household.display_name = "（世帯員未登録）"
        model_save(household, actor=actor, reason="アウトリーチで新規登録")
        _person_new(actor=actor, household=household, data=person_data)
        _household_refresh_keys(household, actor=actor)
    engagement = OutreachEngagement(
        household=household,
        started_on=started_on,
        started_by=actor,
        agency=actor.agency,
        concern=concern.strip(),
    )
    model_save(engagement, actor=actor, reason="アウトリーチの開始")
    _on_open_cases(
        actor=actor,
        engagement=engagement,
        kind=CaseEvent.Kind.OUTREACH_STARTED,
        message=f"{actor.agency}がアウトリーチを開始しました。",
    )
    return engagement


@transaction.atomic
def outreach_contact_add(
    *,
    actor: User,
    engagement: OutreachEngagement,
    contacted_on: dt.date,
    method: str,
    with_whom: str = "",
    what_happened: str,
) -> OutreachContact:
    """A line of the contacts log: whoever works the engagement, for their agency."""
    require_outreach_need(actor, engagement, Need.WORK)
    engagement = _lock(engagement)
    errors = _date_errors("contacted_on", "日付", contacted_on, not_before=engagement.started_on)
    if not engagement.is_active:
        errors["__all__"] = "終了したアウトリーチには記録できません。"
    if not what_happened.strip():
        errors["what_happened"] = "様子・やりとりを入力してください。"
    if errors:
        raise ValidationError(errors)
    contact = OutreachContact(
        engagement=engagement,
        contacted_on=contacted_on,
        method=method,
        with_whom=with_whom.strip(),
        what_happened=what_happened.strip(),
        recorded_by=actor,
        agency=actor.agency,
    )
    model_save(contact, actor=actor, reason="アウトリーチの接触記録")
    _on_open_cases(
        actor=actor,
        engagement=engagement,
        kind=CaseEvent.Kind.OUTREACH_CONTACT,
        message=(
            f"{format_wareki(contact.contacted_on)}のアウトリーチ（{contact.get_method_display()}、"
            f"{actor.agency}）を記録しました。"
        ),
    )
    return contact


@transaction.atomic
def outreach_link_consultation(
    *, actor: User, engagement: OutreachEngagement, consultation: Consultation
) -> OutreachEngagement:
    """The engagement became this consultation (of the same household, one the actor
    sees); from there the consultation's flow opens a case."""
    require_outreach_need(actor, engagement, Need.WORK)
    if not consultations_visible_to(actor).filter(pk=consultation.pk).exists():
        raise PermissionDenied
    engagement = _lock(engagement)
    if consultation.household_id != engagement.household_id:
        raise ValidationError("アウトリーチと別の世帯の相談受付はつなげられません。")
    if engagement.consultation_id is not None:
        raise ValidationError("このアウトリーチはすでに相談受付につながっています。")
    engagement.consultation = consultation
    _bump(engagement, actor=actor, reason="相談受付につながった", fields=["consultation"])
    _on_open_cases(
        actor=actor,
        engagement=engagement,
        kind=CaseEvent.Kind.OUTREACH_LINKED,
        message=f"{engagement.agency}のアウトリーチが相談受付につながりました。",
    )
    return engagement


@transaction.atomic
def outreach_end(
    *, actor: User, engagement: OutreachEngagement, ended_on: dt.date, end_reason: str
) -> OutreachEngagement:
    """終了 with its reason; the engagement and its log stay."""
    require_outreach_need(actor, engagement, Need.WORK)
    engagement = _lock(engagement)
    errors = _date_errors("ended_on", "終了日", ended_on, not_before=engagement.started_on)
    if not end_reason.strip():
        errors["end_reason"] = "終了の理由を入力してください。"
    if not engagement.is_active:
        errors["__all__"] = "このアウトリーチはすでに終了しています。"
    if errors:
        raise ValidationError(errors)
    engagement.status = Status.ENDED
    engagement.ended_on = ended_on
    engagement.end_reason = end_reason.strip()
    _bump(
        engagement,
        actor=actor,
        reason=f"終了: {engagement.end_reason}",
        fields=["status", "ended_on", "end_reason"],
    )
    _on_open_cases(
        actor=actor,
        engagement=engagement,
        kind=CaseEvent.Kind.OUTREACH_ENDED,
        message=f"{engagement.agency}のアウトリーチを終了しました。",
    )
    return engagement
