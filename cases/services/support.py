"""Writes of a case's life after its opening: 支援経過記録, 中断・再開, 終結・再開.

Every function asks the policy for its actor's need on the case (view / work /
manage, DESIGN.md), writes in one transaction with the history user and reason set,
and leaves a line on the case timeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from core.japanese import format_wareki
from core.saving import model_save

from .. import events
from ..models import Case, CaseAccess, CaseClosure, CaseSuspension, SupportRecord
from ..permissions import Need, active_q, case_needs, may_amend_record
from ..signals import case_closed, case_consent_gaps, case_reopened
from . import require_case_need, versioned_update

RECORD_EARLIEST = dt.date(2000, 1, 1)


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _record_date_errors(occurred_on: dt.date | None) -> dict[str, str]:
    if occurred_on is None:
        return {"occurred_on": "実施日を入力してください。"}
    if occurred_on > timezone.localdate():
        return {"occurred_on": "実施日に未来の日付は入力できません。"}
    if occurred_on < RECORD_EARLIEST:
        return {
            "occurred_on": f"実施日は{format_wareki(RECORD_EARLIEST)}以降の日付にしてください。"
        }
    return {}


# ---------------------------------------------------------------------------
# 支援経過記録


@transaction.atomic
def support_record_add(
    *,
    actor: User,
    case: Case,
    occurred_on: dt.date,
    kind: str,
    content: str,
    restricted: bool = False,
) -> SupportRecord:
    """Write a 支援経過: anyone who *works* the case, for their own agency."""
    require_case_need(actor, case, Need.WORK)
    case = _lock_case(case)
    errors = _record_date_errors(occurred_on)
    if case.status == Case.Status.CLOSED:
        errors["__all__"] = "終結したケースには記録できません。必要なら調整役が再開します。"
    if not content.strip():
        errors["content"] = "内容を入力してください。"
    if errors:
        raise ValidationError(errors)
    record = SupportRecord(
        case=case,
        occurred_on=occurred_on,
        kind=kind,
        content=content.strip(),
        restricted=restricted,
        agency=actor.agency,
        author=actor,
    )
    model_save(record, actor=actor, reason="支援経過の記録")
    events.support_record_event(case=case, actor=actor, record=record, action="added")
    return record


def _require_amend(actor: User, record: SupportRecord) -> None:
    needs = case_needs(actor, record.case)
    if not may_amend_record(actor, agency_id=record.agency_id, needs=needs):
        raise PermissionDenied


@transaction.atomic
def support_record_correct(
    *,
    actor: User,
    record: SupportRecord,
    data: dict[str, Any],
    expected_version: int,
    reason: str,
) -> list[str]:
    """Correct a record: its own agency or the managing coordinators; the earlier text
    stays in the record's history with the reason."""
    _require_amend(actor, record)
    errors = {}
    if "occurred_on" in data:
        errors |= _record_date_errors(data["occurred_on"])
    if "content" in data and not str(data["content"]).strip():
        errors["content"] = "内容を入力してください。"
    if not reason.strip():
        errors["reason"] = "修正の理由を入力してください。"
    if record.is_cancelled:
        errors["__all__"] = "取り消した記録は修正できません。"
    if errors:
        raise ValidationError(errors)
    if "content" in data:
        data = {**data, "content": data["content"].strip()}
    changed = versioned_update(
        instance=record,
        data=data,
        expected_version=expected_version,
        actor=actor,
        reason=f"修正: {reason.strip()}",
    )
    if changed:
        events.support_record_event(
            case=record.case, actor=actor, record=record, action="corrected", reason=reason.strip()
        )
    return changed


@transaction.atomic
def support_record_cancel(*, actor: User, record: SupportRecord, reason: str) -> SupportRecord:
    """取消: the record stays, marked cancelled with the reason; nothing is deleted."""
    _require_amend(actor, record)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "取消の理由を入力してください。"})
    record = SupportRecord.objects.select_for_update().get(pk=record.pk)
    if record.is_cancelled:
        raise ValidationError("この記録はすでに取り消されています。")
    record.cancelled_at = timezone.now()
    record.cancelled_by = actor
    record.cancel_reason = reason
    record.version += 1
    model_save(
        record,
        actor=actor,
        reason=f"取消: {reason}",
        fields=["cancelled_at", "cancelled_by", "cancel_reason", "version", "updated_at"],
    )
    events.support_record_event(
        case=record.case, actor=actor, record=record, action="cancelled", reason=reason
    )
    return record


# ---------------------------------------------------------------------------
# 中断・再開


def _set_status(case: Case, status: str, *, actor: User, reason: str) -> str:
    old = case.status
    case.status = status
    case.version += 1
    model_save(case, actor=actor, reason=reason, fields=["status", "version", "updated_at"])
    return old


@transaction.atomic
def case_suspend(*, actor: User, case: Case, reason: str, note: str) -> CaseSuspension:
    """中断 (lost contact, refusal): the case stays open — its access and records stay —
    and can be resumed where it was."""
    require_case_need(actor, case, Need.MANAGE)
    case = _lock_case(case)
    errors = {}
    if case.status not in Case.ACTIVE_STATUSES:
        errors["__all__"] = f"「{case.get_status_display()}」のケースは中断できません。"
    if reason not in CaseSuspension.Reason.values:
        errors["reason"] = "中断の理由を選んでください。"
    if not note.strip():
        errors["note"] = "中断の経緯を入力してください。"
    if errors:
        raise ValidationError(errors)
    suspension = CaseSuspension(
        case=case,
        reason=reason,
        note=note.strip(),
        previous_status=case.status,
        suspended_at=timezone.now(),
        suspended_by=actor,
    )
    model_save(suspension, actor=actor, reason="中断")
    _set_status(case, Case.Status.SUSPENDED, actor=actor, reason="中断")
    events.case_suspended_event(case=case, actor=actor, suspension=suspension)
    return suspension


@transaction.atomic
def case_resume(*, actor: User, case: Case, note: str) -> CaseSuspension:
    require_case_need(actor, case, Need.MANAGE)
    case = _lock_case(case)
    suspension = case.suspensions.select_for_update().filter(resumed_at__isnull=True).first()
    if case.status != Case.Status.SUSPENDED or suspension is None:
        raise ValidationError("このケースは中断していません。")
    if not note.strip():
        raise ValidationError({"note": "再開の経緯を入力してください。"})
    suspension.resumed_at = timezone.now()
    suspension.resumed_by = actor
    suspension.resume_note = note.strip()
    model_save(
        suspension,
        actor=actor,
        reason="再開",
        fields=["resumed_at", "resumed_by", "resume_note"],
    )
    _set_status(case, suspension.previous_status, actor=actor, reason="中断からの再開")
    events.case_resumed_event(case=case, actor=actor, suspension=suspension)
    return suspension


# ---------------------------------------------------------------------------
# 終結・再開


def consent_gaps(*, case: Case, agency: Agency) -> list[str]:
    """The subjects whose valid 同意 (情報共有) does not cover ``agency`` — asked of the
    consent app, which sits above cases. Without an answer every subject is named."""
    answers = [names for _, names in case_consent_gaps.send(sender=Case, case=case, agency=agency)]
    if not answers:
        return [person.full_name for person in case.subjects.order_by("created_at")]
    return sorted({name for names in answers for name in names})


def handover_access_gap(*, case: Case, agency: Agency) -> list[str]:
    """After a hand-over the 主担当 agency keeps only what 受付機関 or a valid 同意 gives
    it: the names of the subjects whose consent it lacks, or [] when it is covered."""
    now = timezone.now()
    kept = case.accesses.filter(
        active_q(now),
        agency=agency,
        basis__in=[CaseAccess.Basis.RECEIVING_AGENCY, CaseAccess.Basis.CONSENT],
    )
    if kept.filter(basis=CaseAccess.Basis.RECEIVING_AGENCY).exists():
        return []
    return consent_gaps(case=case, agency=agency)


def _end_grants_of_closed_case(*, actor: User, case: Case, now: dt.datetime) -> None:
    """Closing ends 参加機関 and 緊急 grants; 支援会議 handlings end in the meetings app
    (``case_closed``). 受付機関, 同意 and 多機関協働 stay: the coordinators keep view and
    manage, and the other agencies keep what the person agreed to."""
    ending = case.accesses.select_for_update().filter(
        active_q(now),
        basis__in=[CaseAccess.Basis.COLLABORATION_PARTNER, CaseAccess.Basis.EMERGENCY],
    )
    for access in ending:
        access.revoked_at = now
        access.revoke_reason = "ケースの終結"
        model_save(
            access, actor=actor, reason="ケースの終結", fields=["revoked_at", "revoke_reason"]
        )
        events.access_revoked_event(case=case, actor=actor, access=access)
    for request in case.emergency_requests.select_for_update().filter(ended_at__isnull=True):
        request.ended_at = now
        request.ended_by = actor
        request.end_reason = "ケースの終結"
        model_save(
            request,
            actor=actor,
            reason="ケースの終結",
            fields=["ended_at", "ended_by", "end_reason"],
        )


@transaction.atomic
def case_close(
    *,
    actor: User,
    case: Case,
    reason: str,
    improvement: str,
    evaluation: str,
    note: str = "",
    handover_agency: Agency | None = None,
) -> tuple[CaseClosure, list[str]]:
    """終結 with its reason and the final evaluation. A hand-over names the 主担当 agency
    that carries on; it gains nothing by that — the names of the subjects whose consent
    would cover it are returned so the coordinator is told what is missing."""
    require_case_need(actor, case, Need.MANAGE)
    case = _lock_case(case)
    errors = {}
    if case.status == Case.Status.CLOSED:
        errors["__all__"] = "このケースはすでに終結しています。"
    if reason not in CaseClosure.Reason.values:
        errors["reason"] = "終結の理由を選んでください。"
    if improvement not in CaseClosure.Improvement.values:
        errors["improvement"] = "自立に向けた改善が見られたかを選んでください。"
    if not evaluation.strip():
        errors["evaluation"] = "最終評価を入力してください（終結には評価が必要です）。"
    if reason in CaseClosure.HANDOVER_REASONS and handover_agency is None:
        errors["handover_agency"] = "引き継ぐ主担当機関を選んでください。"
    if reason not in CaseClosure.HANDOVER_REASONS and handover_agency is not None:
        errors["handover_agency"] = (
            "引き継ぐ機関は「既存の窓口で支援可能」「包括的相談支援へ戻す」のときだけ選べます。"
        )
    if reason == CaseClosure.Reason.OTHER and not note.strip():
        errors["note"] = "「その他」のときは終結の経緯を入力してください。"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    closure = CaseClosure(
        case=case,
        reason=reason,
        note=note.strip(),
        handover_agency=handover_agency,
        improvement=improvement,
        evaluation=evaluation.strip(),
        closed_at=now,
        closed_by=actor,
    )
    model_save(closure, actor=actor, reason="終結")
    if handover_agency is not None and handover_agency != case.main_agency:
        case.main_agency = handover_agency
        model_save(case, actor=actor, reason="終結による引継ぎ", fields=["main_agency"])
    _set_status(case, Case.Status.CLOSED, actor=actor, reason="終結")
    open_suspension = case.suspensions.filter(resumed_at__isnull=True).first()
    if open_suspension is not None:
        open_suspension.resumed_at = now
        open_suspension.resumed_by = actor
        open_suspension.resume_note = "中断のまま終結"
        model_save(
            open_suspension,
            actor=actor,
            reason="終結",
            fields=["resumed_at", "resumed_by", "resume_note"],
        )
    _end_grants_of_closed_case(actor=actor, case=case, now=now)
    case_closed.send(sender=Case, case=case, actor=actor)
    gaps = handover_access_gap(case=case, agency=handover_agency) if handover_agency else []
    events.case_closed_event(case=case, actor=actor, closure=closure, missing=gaps)
    return closure, gaps


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> CaseClosure:
    """A closed case reopens with a reason (support needed again); grants that closing
    ended are not restored — they are granted again deliberately if still needed — but
    consents the subjects gave while it was closed apply to it now."""
    require_case_need(actor, case, Need.MANAGE)
    case = _lock_case(case)
    closure = case.closures.select_for_update().filter(reopened_at__isnull=True).first()
    if case.status != Case.Status.CLOSED or closure is None:
        raise ValidationError("このケースは終結していません。")
    if not reason.strip():
        raise ValidationError({"reason": "再開の理由を入力してください。"})
    closure.reopened_at = timezone.now()
    closure.reopened_by = actor
    closure.reopen_reason = reason.strip()
    model_save(
        closure, actor=actor, reason="再開", fields=["reopened_at", "reopened_by", "reopen_reason"]
    )
    _set_status(case, Case.Status.SUPPORT, actor=actor, reason=f"再開: {reason.strip()}")
    events.case_reopened_event(case=case, actor=actor, closure=closure)
    case_reopened.send(sender=Case, case=case, actor=actor)
    return closure


__all__ = [
    "case_close",
    "case_reopen",
    "case_resume",
    "case_suspend",
    "consent_gaps",
    "handover_access_gap",
    "support_record_add",
    "support_record_cancel",
    "support_record_correct",
]
