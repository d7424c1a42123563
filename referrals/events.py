"""The case timeline's つなぐシート events: one small factory per event.

The kinds are listed in the case timeline's choices (CaseEvent.Kind.REFERRAL_*)."""

from __future__ import annotations

from agencies.models import User
from cases.models import Case, CaseEvent

from .models import Referral


class Kind:
    SENT = CaseEvent.Kind.REFERRAL_SENT
    ACCEPTED = CaseEvent.Kind.REFERRAL_ACCEPTED
    DECLINED = CaseEvent.Kind.REFERRAL_DECLINED
    COMPLETED = CaseEvent.Kind.REFERRAL_COMPLETED
    WITHDRAWN = CaseEvent.Kind.REFERRAL_WITHDRAWN


def _event(
    *, case: Case, actor: User, kind: CaseEvent.Kind, message: str, referral: Referral
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind=kind.value,
        message=message[:300],
        parameters={"referral_id": str(referral.pk)},
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
