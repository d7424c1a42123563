"""Every write of a つなぐシート: keyword-only, one transaction, the policy's check for
its actor, history user set, timeline event on the case when there is one.

送付 → 受理 / 辞退 (reason) → 対応完了, or 取下げ by the sender before an answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from cases.masking import protected_household_ids
from cases.models import Case, Consultation, IssueCategory, Person
from cases.selectors import members_in_order
from consent.selectors import sharing_consent_covering
from core.saving import model_save

from . import events
from .models import Referral
from .permissions import may_answer, may_send_from_case, may_send_from_consultation, may_withdraw
from .selectors import missing_consent_message

TEXT_LIMITS = {
    "situation": ("状況", 4000, True),
    "actions_taken": ("これまでの対応", 2000, False),
    "reason": ("紹介する理由", 2000, True),
    "considerations": ("配慮してほしいこと", 2000, False),
}
MEMBER_NOTE_LIMIT = 200
DECLINE_REASON_LIMIT = 500
WITHDRAW_REASON_LIMIT = 500
COMPLETION_NOTE_LIMIT = 1000


def _text_errors(data: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    for name, (label, limit, required) in TEXT_LIMITS.items():
        value = str(data.get(name) or "").strip()
        if required and not value:
            errors[name] = f"{label}を入力してください。"
        elif len(value) > limit:
            errors[name] = f"{label}は{limit}字以内で入力してください。"
    return errors


def _members_snapshot(
    *, household, person: Person, notes: Mapping[str, str], on
) -> list[dict[str, str]]:
    """世帯構成 as the sheet shows it: 本人 first, then the household's order."""
    members = list(members_in_order(household=household))
    members.sort(key=lambda m: m.pk != person.pk)
    return [
        {
            "name": member.full_name,
            "age": member.age_text(on),
            "relation": "本人" if member.pk == person.pk else member.get_relation_display(),
            "note": str(notes.get(str(member.pk), "")).strip(),
        }
        for member in members
    ]


@transaction.atomic
def referral_send(
    *,
    actor: User,
    to_agency: Agency,
    data: Mapping[str, Any],
    issues: Sequence[IssueCategory],
    consultation: Consultation | None = None,
    case: Case | None = None,
    person: Person | None = None,
    member_notes: Mapping[str, str] | None = None,
) -> Referral:
    """Send a sheet from an uncased consultation (its window, or the coordinators who
    see it) or from a case (*work* on it). To 多機関協働 always; to any other agency only
    under a consent of the person, valid today, that covers that agency — otherwise
    nothing is sent and the error names whose consent is missing for which agency."""
    if (consultation is None) == (case is None):
        raise ValueError("a sheet is sent from one consultation or one case")
    if consultation is not None:
        if consultation.case_id is not None:
            if not may_send_from_case(actor, consultation.case):
                raise PermissionDenied
            raise ValidationError(
                "この相談受付はケースになっています。ケースの画面から送ってください。"
            )
        if not may_send_from_consultation(actor, consultation):
            raise PermissionDenied
        household, person = consultation.household, consultation.person
    else:
        if not may_send_from_case(actor, case):
            raise PermissionDenied
        household = case.household
        if person is None or not case.subjects.filter(pk=person.pk).exists():
            raise ValidationError({"person": "本人はこのケースの対象者から選んでください。"})

    errors = _text_errors(data)
    notes = {key: str(value or "") for key, value in (member_notes or {}).items()}
    if any(len(note.strip()) > MEMBER_NOTE_LIMIT for note in notes.values()):
        errors["__all__"] = f"世帯構成の備考は{MEMBER_NOTE_LIMIT}字以内で入力してください。"
    if not issues:
        errors["issues"] = "お困りごとの内容を1つ以上選んでください。"
    if data.get("urgency") not in Referral.Urgency.values:
        errors["urgency"] = "緊急度を選んでください。"
    today = timezone.localdate()
    covering = None
    if to_agency.pk == actor.agency_id:
        errors["to_agency"] = "自分の機関には送れません。紹介先の機関を選んでください。"
    elif not to_agency.is_active:
        errors["to_agency"] = f"{to_agency}は現在使われていない機関です。"
    else:
        covering = sharing_consent_covering(person=person, agency=to_agency, on=today)
        if covering is None and not to_agency.is_collaboration_hub:
            errors["to_agency"] = missing_consent_message(person=person, agency=to_agency, on=today)
        source = {"case": case} if case is not None else {"consultation": consultation}
        pending = Referral.objects.select_for_update().filter(
            **source, to_agency=to_agency, status=Referral.Status.SENT
        )
        if "to_agency" not in errors and pending.exists():
            errors["to_agency"] = f"{to_agency}へのつなぐシートは送付済みで、回答を待っています。"
    if errors:
        raise ValidationError(errors)

    withheld = household.pk in protected_household_ids([household.pk])
    phones = [p for p in (person.phone, household.phone) if p]
    referral = Referral(
        household=household,
        person=person,
        consultation=consultation,
        case=case,
        from_agency=actor.agency,
        sent_by=actor,
        sent_at=timezone.now(),
        to_agency=to_agency,
        urgency=data["urgency"],
        consent_state=(
            Referral.ConsentState.GIVEN if covering is not None else Referral.ConsentState.NONE
        ),
        consent=covering,
        **{name: str(data.get(name) or "").strip() for name in TEXT_LIMITS},
        person_name=person.full_name,
        person_kana=person.full_name_kana,
        person_sex=person.get_sex_display(),
        person_birth_date=person.birth_date,
        person_age=person.age_text(today),
        postal_code="" if withheld else household.postal_code,
        address="" if withheld else (person.address or household.address),
        phone="" if withheld else " / ".join(phones)[:70],
        contacts_withheld=withheld,
        members=_members_snapshot(household=household, person=person, notes=notes, on=today),
    )
    model_save(referral, actor=actor, reason="つなぐシートを送付")
    referral.issues.set(issues)
    if case is not None:
        events.referral_sent_event(case=case, actor=actor, referral=referral)
    return referral


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update()
        .select_related("to_agency", "from_agency")
        .get(pk=referral.pk)
    )


def _case_of(referral: Referral) -> Case | None:
    if referral.case_id:
        return referral.case
    if referral.consultation_id and referral.consultation.case_id:
        return referral.consultation.case
    return None


def _require_sent(referral: Referral, what: str) -> None:
    if referral.status != Referral.Status.SENT:
        raise ValidationError(
            f"このつなぐシートは「{referral.get_status_display()}」です。{what}できません。"
        )


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral) -> Referral:
    """受理. For a sheet from a case, the agency has the access the consent the sheet
    went under supports — the 同意 basis the consent app applied to the open case when
    the consent was recorded, or when the case was opened or reopened — and accepting
    adds nothing to it;
    for a sheet from an uncased consultation to a 多機関協働 hub, the consultation is
    handed to 多機関協働 (cases.permissions counts an accepted sheet to a hub)."""
    referral = _lock(referral)
    if not may_answer(actor, referral):
        raise PermissionDenied
    _require_sent(referral, "受理")
    referral.status = Referral.Status.ACCEPTED
    referral.answered_at, referral.answered_by = timezone.now(), actor
    model_save(
        referral, actor=actor, reason="受理", fields=["status", "answered_at", "answered_by"]
    )
    case = _case_of(referral)
    if case is not None:
        events.referral_accepted_event(case=case, actor=actor, referral=referral)
    return referral


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    referral = _lock(referral)
    if not may_answer(actor, referral):
        raise PermissionDenied
    _require_sent(referral, "辞退")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "辞退の理由を入力してください。"})
    if len(reason) > DECLINE_REASON_LIMIT:
        raise ValidationError(
            {"reason": f"辞退の理由は{DECLINE_REASON_LIMIT}字以内で入力してください。"}
        )
    referral.status = Referral.Status.DECLINED
    referral.answered_at, referral.answered_by = timezone.now(), actor
    referral.decline_reason = reason
    model_save(
        referral,
        actor=actor,
        reason=f"辞退: {reason}",
        fields=["status", "answered_at", "answered_by", "decline_reason"],
    )
    case = _case_of(referral)
    if case is not None:
        events.referral_declined_event(case=case, actor=actor, referral=referral)
    return referral


@transaction.atomic
def referral_complete(*, actor: User, referral: Referral, note: str = "") -> Referral:
    referral = _lock(referral)
    if not may_answer(actor, referral):
        raise PermissionDenied
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError(
            f"このつなぐシートは「{referral.get_status_display()}」です。"
            "対応完了にできるのは受理したものだけです。"
        )
    note = (note or "").strip()
    if len(note) > COMPLETION_NOTE_LIMIT:
        raise ValidationError(
            {"note": f"対応の結果は{COMPLETION_NOTE_LIMIT}字以内で入力してください。"}
        )
    referral.status = Referral.Status.COMPLETED
    referral.completed_at, referral.completed_by = timezone.now(), actor
    referral.completion_note = note
    model_save(
        referral,
        actor=actor,
        reason="対応完了",
        fields=["status", "completed_at", "completed_by", "completion_note"],
    )
    case = _case_of(referral)
    if case is not None:
        events.referral_completed_event(case=case, actor=actor, referral=referral)
    return referral


@transaction.atomic
def referral_withdraw(*, actor: User, referral: Referral, reason: str = "") -> Referral:
    """取下げ by the sender's agency, before the addressed agency has answered."""
    referral = _lock(referral)
    if not may_withdraw(actor, referral):
        raise PermissionDenied
    _require_sent(referral, "取り下げ")
    reason = (reason or "").strip()
    if len(reason) > WITHDRAW_REASON_LIMIT:
        raise ValidationError(
            {"reason": f"取下げの理由は{WITHDRAW_REASON_LIMIT}字以内で入力してください。"}
        )
    referral.status = Referral.Status.WITHDRAWN
    referral.withdrawn_at, referral.withdrawn_by = timezone.now(), actor
    referral.withdraw_reason = reason
    model_save(
        referral,
        actor=actor,
        reason=f"取下げ: {reason}" if reason else "取下げ",
        fields=["status", "withdrawn_at", "withdrawn_by", "withdraw_reason"],
    )
    case = _case_of(referral)
    if case is not None:
        events.referral_withdrawn_event(case=case, actor=actor, referral=referral)
    return referral
