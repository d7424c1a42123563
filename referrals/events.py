"""The case timeline's つなぐシート events: one small factory per event.

The kinds are this app's (the case app's choices cannot list them without it knowing
of referrals); each event carries its own label, which the timeline shows."""

from __future__ import annotations

from django.db import models

from agencies.models import User
from cases.models import Case, CaseEvent

from .models import Referral


class Kind(models.TextChoices):
    SENT = "referral_sent", "つなぐシートを送付"
    ACCEPTED = "referral_accepted", "つなぐシートを受理"
    DECLINED = "referral_declined", "つなぐシートを辞退"
    COMPLETED = "referral_completed", "つなぐシートの対応完了"
    WITHDRAWN = "referral_withdrawn", "つなぐシートを取下げ"


def _event(*, case: Case, actor: User, kind: Kind, message: str, referral: Referral) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind=kind.value,
        message=message[:300],
        parameters={"kind_label": kind.label, "referral_id": str(referral.pk)},
    )


def referral_sent_event(*, case: Case, actor: User, referral: Referral) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=Kind.SENT,
        referral=referral,
        message=(
            f"{referral.to_agency}へつなぐシートを送りました"
            f"（{referral.get_urgency_display()}、{referral.get_consent_state_display()}）。"
        ),
    )


def referral_accepted_event(*, case: Case, actor: User, referral: Referral) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=Kind.ACCEPTED,
        referral=referral,
        message=f"{referral.to_agency}がつなぐシート（{referral.from_agency}から）を受理しました。",
    )


def referral_declined_event(*, case: Case, actor: User, referral: Referral) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=Kind.DECLINED,
        referral=referral,
        message=(
            f"{referral.to_agency}がつなぐシート（{referral.from_agency}から）を辞退しました。"
            f"理由: {referral.decline_reason}"
        ),
    )


def referral_completed_event(*, case: Case, actor: User, referral: Referral) -> CaseEvent:
    message = f"{referral.to_agency}がつなぐシートの対応を完了しました。"
    if referral.completion_note:
        message += f" 結果: {referral.completion_note}"
    return _event(case=case, actor=actor, kind=Kind.COMPLETED, referral=referral, message=message)


def referral_withdrawn_event(*, case: Case, actor: User, referral: Referral) -> CaseEvent:
    message = f"{referral.to_agency}へのつなぐシートを取り下げました。"
    if referral.withdraw_reason:
        message += f" 理由: {referral.withdraw_reason}"
    return _event(case=case, actor=actor, kind=Kind.WITHDRAWN, referral=referral, message=message)
