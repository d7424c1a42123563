"""One small factory per domain event of the case timeline (Saleor's order events)."""

from __future__ import annotations

import datetime as dt

from agencies.models import Agency, User
from core.japanese import format_wareki, to_tokyo

from .models import (
    Case,
    CaseAccess,
    CaseClosure,
    CaseEvent,
    CaseSuspension,
    Consultation,
    EmergencyAccessRequest,
    Person,
    SupportRecord,
)


def _event(*, case: Case, actor: User, kind: str, message: str, **parameters) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, actor=actor, kind=kind, message=message, parameters=parameters
    )


def case_opened_event(*, case: Case, actor: User) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.OPENED,
        message=f"ケース {case.number} を開始しました（主担当機関: {case.main_agency}）。",
        number=case.number,
        main_agency_id=case.main_agency_id,
    )


def consultation_linked_event(*, case: Case, actor: User, consultation: Consultation) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.CONSULTATION_LINKED,
        message=(
            f"{consultation.receiving_agency}の相談受付"
            f"（{format_wareki(consultation.received_at)}）をケースに含めました。"
        ),
        consultation_id=str(consultation.pk),
    )


def case_status_changed_event(*, case: Case, actor: User, old: str, reason: str) -> CaseEvent:
    old_label = Case.Status(old).label
    message = f"状態を「{old_label}」から「{case.get_status_display()}」に変更しました。"
    if reason:
        message += f" 理由: {reason}"
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.STATUS_CHANGED,
        message=message[:300],
        old=old,
        new=case.status,
        reason=reason,
    )


def case_updated_event(*, case: Case, actor: User, changes: list[str]) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.UPDATED,
        message=("、".join(changes) + "を変更しました。")[:300],
        fields=changes,
    )


def access_granted_event(*, case: Case, actor: User, agency: Agency, basis_label: str) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ACCESS_GRANTED,
        message=f"{agency}に閲覧権限（根拠: {basis_label}）を付与しました。",
        agency_id=agency.pk,
    )


def member_added_event(*, case: Case, actor: User, person: Person) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.MEMBER_ADDED,
        message=f"世帯員「{person.full_name}」を追加しました。",
        person_id=str(person.pk),
    )


def member_updated_event(
    *, case: Case, actor: User, person: Person, changes: list[str]
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.MEMBER_UPDATED,
        message=f"世帯員「{person.full_name}」の{'、'.join(changes)}を変更しました。"[:300],
        person_id=str(person.pk),
        fields=changes,
    )


def access_revoked_event(*, case: Case, actor: User, access: CaseAccess) -> CaseEvent:
    who = access.agency or access.user
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ACCESS_REVOKED,
        message=f"{who}の閲覧権限（根拠: {access.get_basis_display()}）を取り消しました。"
        f" 理由: {access.revoke_reason}"[:300],
        access_id=access.pk,
        reason=access.revoke_reason,
    )


def case_handed_over_event(
    *, case: Case, actor: User, leaving: User, successor: User, reason: str
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.HANDED_OVER,
        message=f"担当調整役を{leaving}さんから{successor}さんに引き継ぎました。理由: {reason}"[
            :300
        ],
        leaving_id=leaving.pk,
        successor_id=successor.pk,
    )


def agenda_proposed_event(
    *, case: Case, actor: User, body_name: str, purpose: str, routed: bool
) -> CaseEvent:
    """A proposal to discuss the case; ``routed`` when another agency proposed it and it
    waits for the case's coordinators."""
    who = f"{actor.agency}から" if routed else ""
    message = f"{who}「{body_name}」への議題の申出がありました（{purpose}）。"
    if routed:
        message += "調整役が確認して、事務局に回すか判断してください。"
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.AGENDA_PROPOSED,
        message=message[:300],
        body_name=body_name,
        routed=routed,
    )


def emergency_requested_event(
    *, case: Case, actor: User, request: EmergencyAccessRequest
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.EMERGENCY_REQUESTED,
        message=(
            f"{request.agency}に緊急時の提供をしました（{request.get_legal_basis_display()}、"
            f"確認待ち・最長72時間）。理由: {request.reason}"
        )[:300],
        request_id=request.pk,
    )


def emergency_decided_event(
    *, case: Case, actor: User, request: EmergencyAccessRequest
) -> CaseEvent:
    if request.ended_at is not None:
        what = f"打ち切りました。理由: {request.end_reason}"
    else:
        until = to_tokyo(request.valid_until)
        what = f"承認しました（{format_wareki(until)} {until:%H:%M}まで）。"
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.EMERGENCY_DECIDED,
        message=f"{request.agency}への緊急時の提供を{what}"[:300],
        request_id=request.pk,
    )


def dv_measure_event(*, case: Case, actor: User, person: Person, ended: bool) -> CaseEvent:
    """Says that a measure began or ended; never what it hides."""
    what = (
        "解除しました"
        if ended
        else "記録しました。住所・連絡先は担当の調整役以外には表示されません"
    )
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.DV_MEASURE,
        message=f"世帯員「{person.full_name}」のDV等支援措置を{what}。",
        person_id=str(person.pk),
        ended=ended,
    )


def consent_recorded_event(
    *,
    case: Case,
    actor: User,
    person: Person,
    consent_id: str,
    given_by: str,
    purposes: list[str],
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.CONSENT_RECORDED,
        message=(
            f"{person.full_name}さんの同意を記録しました（{given_by}、{'・'.join(purposes)}）。"
        )[:300],
        consent_id=consent_id,
    )


def consent_withdrawn_event(
    *,
    case: Case,
    actor: User,
    person: Person,
    consent_id: str,
    withdrawn_on: dt.date,
    reason: str,
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.CONSENT_WITHDRAWN,
        message=f"{person.full_name}さんが同意を撤回しました。理由: {reason}"[:300],
        consent_id=consent_id,
        withdrawn_on=withdrawn_on.isoformat(),
    )


def meeting_agenda_event(
    *,
    case: Case,
    actor: User,
    meeting_date: dt.date,
    body_name: str,
    purpose: str,
    attendees: str,
    **ids: str,
) -> CaseEvent:
    """When, under which body and before whom the case was shared."""
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.MEETING_AGENDA,
        message=(
            f"{format_wareki(meeting_date)}の{body_name}の議題に追加しました"
            f"（{purpose}。出席機関: {attendees or 'なし'}）。"
        )[:300],
        **ids,
    )


def support_access_granted_event(
    *, case: Case, actor: User, user: User, body_name: str, pledge_until: str, **ids
) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ACCESS_GRANTED,
        message=(
            f"{user.display_name}さん（{user.agency}）に閲覧権限（根拠: 支援会議"
            f"「{body_name}」、閲覧のみ、誓約書 {pledge_until}）を付与しました。"
        )[:300],
        user_id=user.pk,
        **ids,
    )


# ---------------------------------------------------------------------------
# The case's life after its opening

_RECORD_KINDS = {
    "added": (CaseEvent.Kind.RECORD_ADDED, "記録しました"),
    "corrected": (CaseEvent.Kind.RECORD_CORRECTED, "修正しました"),
    "cancelled": (CaseEvent.Kind.RECORD_CANCELLED, "取り消しました"),
}


def support_record_event(
    *, case: Case, actor: User, record: SupportRecord, action: str, reason: str = ""
) -> CaseEvent:
    """Names the record by date, kind and agency — never its content, which the
    timeline's readers may not all see (閲覧制限)."""
    kind, verb = _RECORD_KINDS[action]
    if record.restricted:
        what = f"{record.agency}の閲覧制限付きの支援経過を{verb}"
    else:
        what = (
            f"{format_wareki(record.occurred_on)}の支援経過（{record.get_kind_display()}、"
            f"{record.agency}）を{verb}"
        )
    message = f"{what}。" + (f" 理由: {reason}" if reason and not record.restricted else "")
    return _event(
        case=case, actor=actor, kind=kind, message=message[:300], record_id=str(record.pk)
    )


def case_suspended_event(*, case: Case, actor: User, suspension: CaseSuspension) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.SUSPENDED,
        message=(
            f"ケースを中断しました（{suspension.get_reason_display()}）。経緯: {suspension.note}"
        )[:300],
        previous_status=suspension.previous_status,
    )


def case_resumed_event(*, case: Case, actor: User, suspension: CaseSuspension) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.RESUMED,
        message=(
            f"中断から再開しました（状態: {case.get_status_display()}）。"
            f"経緯: {suspension.resume_note}"
        )[:300],
    )


def case_closed_event(
    *, case: Case, actor: User, closure: CaseClosure, missing: list[str]
) -> CaseEvent:
    message = f"ケースを終結しました（{closure.get_reason_display()}）。"
    if closure.handover_agency_id:
        message += f" 主担当機関: {closure.handover_agency}。"
        if missing:
            message += (
                f" {closure.handover_agency}を範囲に含む同意がない対象者: {'、'.join(missing)}。"
            )
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.CLOSED,
        message=message[:300],
        reason=closure.reason,
        improvement=closure.improvement,
    )


def case_reopened_event(*, case: Case, actor: User, closure: CaseClosure) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.REOPENED,
        message=f"終結したケースを再開しました。理由: {closure.reopen_reason}"[:300],
    )


def plan_event(*, case: Case, actor: User, plan, what: str, status: bool = False) -> CaseEvent:
    """支援プラン: made, edited, discussed, approved (``status``) — by version number."""
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.PLAN_STATUS if status else CaseEvent.Kind.PLAN_SAVED,
        message=f"支援プラン第{plan.number}版{what}。"[:300],
        plan_id=str(plan.pk),
    )


def task_reported_event(*, case: Case, actor: User, task) -> CaseEvent:
    state = "完了" if task.status == "done" else "対応中"
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.TASK_REPORTED,
        message=f"役割分担「{task.content}」（{task.assignee}）を報告しました（{state}）。"[:300],
        task_id=task.pk,
    )


def assessment_event(*, case: Case, actor: User, what: str) -> CaseEvent:
    return _event(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.ASSESSMENT_SAVED,
        message=f"インテーク・アセスメントシート{what}。",
    )


def household_event(*, case: Case, actor: User, kind: str, message: str) -> CaseEvent:
    """世帯の統合・分離, 世帯員の統合 — says who moved, never where to."""
    kinds = {
        "merged": CaseEvent.Kind.HOUSEHOLD_MERGED,
        "split": CaseEvent.Kind.HOUSEHOLD_SPLIT,
        "person_merged": CaseEvent.Kind.PERSON_MERGED,
    }
    return _event(case=case, actor=actor, kind=kinds[kind], message=message[:300])


def outreach_event(*, case: Case, actor: User, engagement, kind: str, message: str) -> CaseEvent:
    """A line of an outreach engagement on the household's case (contacts, the
    consultation it became, its end). The message names no contact detail."""
    return _event(
        case=case,
        actor=actor,
        kind=kind,
        message=message[:300],
        engagement_id=str(engagement.pk),
    )


def participation_event(*, case: Case, actor: User, participation, added: bool) -> CaseEvent:
    """参加支援: named by the person and the resource's kind, never the resource's name —
    where a person goes regularly is a whereabouts (DV等支援措置)."""
    resource = participation.resource
    what = f"{participation.person.full_name}さんの参加支援（{resource.get_kind_display()}）"
    verb = "を登録しました" if added else "を更新しました"
    return _event(
        case=case,
        actor=actor,
        kind=(
            CaseEvent.Kind.PARTICIPATION_ADDED if added else CaseEvent.Kind.PARTICIPATION_UPDATED
        ),
        message=f"{what}{verb}（{participation.get_status_display()}）。"[:300],
        participation_id=str(participation.pk),
        status=participation.status,
    )
