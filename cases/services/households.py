"""Households found to be one (統合) and households that part (分離).

Both are *manage* writes on every household they touch. Nothing is deleted: a merged
record stays, pointing at the household that carries on, and every moved row keeps
its history. Apps above cases (meetings, referrals) move their own rows on
``households_merged``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from agencies.roles import Role
from core.saving import model_save

from .. import events
from ..models import (
    AssessmentMember,
    Case,
    Consultation,
    DvSupportMeasure,
    EmergencyAccessRequest,
    Household,
    ParticipationSupport,
    Person,
)
from ..permissions import Need
from ..signals import households_merged, persons_merged
from . import (
    _household_new,
    _household_refresh_keys,
    dv_measure_set,
    require_household_need,
)

CONTACT_FIELDS = (("postal_code", "郵便番号"), ("address", "住所"), ("phone", "電話（自宅）"))

SPLIT_REASONS = {
    "dv": "DV等からの避難",
    "facility": "施設入所・入院",
    "moved_out": "世帯員の転出（子の独立など）",
    "other": "その他",
}


def _lock(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


def _move_person(person: Person, *, to: Household, actor: User, reason: str) -> None:
    person.household = to
    person.version += 1
    model_save(person, actor=actor, reason=reason, fields=["household", "version", "updated_at"])


def _move(rows, *, to: Household, actor: User, reason: str, versioned: bool) -> None:
    for row in rows:
        row.household = to
        fields = ["household"]
        if versioned:
            row.version += 1
            fields += ["version", "updated_at"]
        model_save(row, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def household_merge(*, actor: User, source: Household, target: Household, reason: str) -> Household:
    """Merge ``source`` into ``target`` (the same household, registered twice): its
    members, consultations, cases and provisions move — consents follow their people —
    and ``source`` stays as a record pointing at ``target``. Contact details of
    ``source`` that differ from ``target``'s are kept in ``target``'s notes."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    require_household_need(actor, source, Need.MANAGE)
    require_household_need(actor, target, Need.MANAGE)
    reason = reason.strip()
    if source.pk == target.pk:
        raise ValidationError({"target": "同じ世帯どうしは統合できません。"})
    first, second = sorted([source, target], key=lambda h: str(h.pk))
    _lock(first), _lock(second)
    source, target = _lock(source), _lock(target)
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError("すでに統合された世帯の記録は統合できません。")
    if not reason:
        raise ValidationError({"reason": "統合の理由を入力してください。"})
    label = f"世帯の統合（{reason}）"
    kept = [
        f"{name}: {getattr(source, field)}"
        for field, name in CONTACT_FIELDS
        if getattr(source, field) and getattr(source, field) != getattr(target, field)
    ]
    if source.notes.strip():
        kept.append(f"備考: {source.notes.strip()}")
    for person in source.members.all():
        _move_person(person, to=target, actor=actor, reason=label)
    _move(source.consultations.all(), to=target, actor=actor, reason=label, versioned=True)
    _move(source.cases.all(), to=target, actor=actor, reason=label, versioned=True)
    _move(source.emergency_requests.all(), to=target, actor=actor, reason=label, versioned=False)
    _move(source.outreach_engagements.all(), to=target, actor=actor, reason=label, versioned=True)
    if kept:
        addendum = "【統合した世帯の記録から】" + "／".join(kept)
        target.notes = (f"{target.notes}\n{addendum}" if target.notes else addendum)[:2000]
        target.version += 1
        model_save(target, actor=actor, reason=label, fields=["notes", "version", "updated_at"])
    source.merged_into = target
    source.merged_at = timezone.now()
    source.merge_reason = reason[:200]
    source.version += 1
    model_save(
        source,
        actor=actor,
        reason=label,
        fields=["merged_into", "merged_at", "merge_reason", "version", "updated_at"],
    )
    _household_refresh_keys(target, actor=actor)
    households_merged.send(sender=Household, source=source, target=target, actor=actor)
    for case in target.cases.all():
        events.household_event(
            case=case,
            actor=actor,
            kind="merged",
            message=f"同じ世帯として登録されていた記録を統合しました（理由: {reason}）。",
        )
    return target


def _split_errors(
    *, household: Household, people: Sequence[Person], reason_kind: str
) -> dict[str, str]:
    errors = {}
    if reason_kind not in SPLIT_REASONS:
        errors["reason_kind"] = "分かれる理由を選んでください。"
    if not people:
        errors["members"] = "新しい世帯に移る世帯員を1人以上選んでください。"
    elif any(p.household_id != household.pk for p in people):
        errors["members"] = "この世帯の世帯員から選んでください。"
    elif len(set(p.pk for p in people)) >= household.members.count():
        errors["members"] = "全員は移せません。元の世帯に1人以上残してください。"
    moving = {p.pk for p in people}
    for case in household.cases.filter(status__in=Case.OPEN_STATUSES):
        subjects = set(case.subjects.values_list("pk", flat=True))
        if subjects & moving and not subjects <= moving:
            errors["members"] = (
                f"ケース {case.number} の対象者の一部だけを移すことはできません。"
                "対象者全員を移すか、先にケースの対象者を見直してください。"
            )
    return errors


@transaction.atomic
def household_split(
    *,
    actor: User,
    household: Household,
    members: Sequence[Person],
    reason_kind: str,
    note: str = "",
    contact: dict[str, Any] | None = None,
) -> Household:
    """Members leave to form a household of their own. Their consultations, and every
    open case whose subjects all leave, go with them. For a DV flight the measure is
    recorded on them *before* they move, so the new household's address is masked from
    its first moment (only a coordinator records a measure)."""
    require_household_need(actor, household, Need.MANAGE)
    household = _lock(household)
    people = list(Person.objects.select_for_update().filter(pk__in=[p.pk for p in members]))
    errors = _split_errors(household=household, people=people, reason_kind=reason_kind)
    if errors:
        raise ValidationError(errors)
    label = f"世帯の分離（{SPLIT_REASONS[reason_kind]}）"
    if reason_kind == "dv":
        if not actor.has_role(Role.COORDINATOR):
            raise PermissionDenied
        in_effect = set(
            DvSupportMeasure.objects.filter(person__in=people, ended_at__isnull=True).values_list(
                "person_id", flat=True
            )
        )
        for person in people:
            if person.pk not in in_effect:
                dv_measure_set(
                    actor=actor,
                    person=person,
                    valid_from=timezone.localdate(),
                    note=f"{label}に伴う措置"[:200],
                )
    new = _household_new(actor=actor, data={**(contact or {}), "notes": note.strip()[:2000]})
    new.split_from = household
    model_save(new, actor=actor, reason=label, fields=["split_from"])
    moving = {p.pk for p in people}
    for person in people:
        _move_person(person, to=new, actor=actor, reason=label)
    _move(
        Consultation.objects.filter(household=household, person_id__in=moving, case__isnull=True),
        to=new,
        actor=actor,
        reason=label,
        versioned=True,
    )
    for case in household.cases.filter(status__in=Case.OPEN_STATUSES):
        subjects = set(case.subjects.values_list("pk", flat=True))
        if subjects and subjects <= moving:
            _move([case], to=new, actor=actor, reason=label, versioned=True)
            _move(case.consultations.all(), to=new, actor=actor, reason=label, versioned=True)
            _move(
                EmergencyAccessRequest.objects.filter(case=case),
                to=new,
                actor=actor,
                reason=label,
                versioned=False,
            )
    _household_refresh_keys(household, actor=actor)
    _household_refresh_keys(new, actor=actor)
    names = "、".join(p.full_name for p in people)
    for case in {*household.cases.all(), *new.cases.all()}:
        events.household_event(
            case=case,
            actor=actor,
            kind="split",
            message=f"{names}さんが別の世帯になりました（{SPLIT_REASONS[reason_kind]}）。",
        )
    return new


@transaction.atomic
def person_merge(*, actor: User, source: Person, target: Person, reason: str) -> Person:
    """The same person registered twice in one household (after a household merge, or
    a typo in ふりがな at the window): ``source``'s consultations, case subjecthood, DV
    measures, assessment rows and — through ``persons_merged`` — consents and つなぐシート
    move to ``target`` (参加支援 too); ``source`` stays as a record pointing at ``target``, out of
    every list. Identity is *manage*, and a coordinator's to decide."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    require_household_need(actor, target.household, Need.MANAGE)
    reason = reason.strip()
    errors = {}
    if source.pk == target.pk:
        errors["target"] = "同じ記録どうしは統合できません。"
    elif source.household_id != target.household_id:
        errors["target"] = "別の世帯の人です。先に世帯を統合してください。"
    if not reason:
        errors["reason"] = "統合の理由を入力してください。"
    if errors:
        raise ValidationError(errors)
    source = Person.objects.select_for_update().get(pk=source.pk)
    target = Person.objects.select_for_update().get(pk=target.pk)
    label = f"世帯員の記録の統合（{reason}）"
    for consultation in Consultation.objects.filter(person=source):
        consultation.person = target
        consultation.version += 1
        model_save(
            consultation, actor=actor, reason=label, fields=["person", "version", "updated_at"]
        )
    for case in source.cases.all():
        case._history_user = actor
        case.subjects.remove(source)
        case.subjects.add(target)
        events.household_event(
            case=case,
            actor=actor,
            kind="person_merged",
            message=f"同じ人の2つの記録を{target.full_name}さんに統合しました（理由: {reason}）。",
        )
    for measure in DvSupportMeasure.objects.filter(person=source):
        measure.person = target
        model_save(measure, actor=actor, reason=label, fields=["person"])
    for participation in ParticipationSupport.objects.filter(person=source):
        participation.person = target
        participation.version += 1
        model_save(
            participation, actor=actor, reason=label, fields=["person", "version", "updated_at"]
        )
    for row in AssessmentMember.objects.filter(person=source):
        if not AssessmentMember.objects.filter(assessment=row.assessment, person=target).exists():
            row.person = target
            model_save(row, actor=actor, reason=label, fields=["person"])
    persons_merged.send(sender=Person, source=source, target=target, actor=actor)
    source.merged_into = target
    source.merged_at = timezone.now()
    source.version += 1
    model_save(
        source,
        actor=actor,
        reason=label,
        fields=["merged_into", "merged_at", "version", "updated_at"],
    )
    _household_refresh_keys(target.household, actor=actor)
    return target
