"""Every write of case data: keyword-only, one transaction, permission checked, history
user set, timeline event written — all in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import Role
from core.japanese import (
    fiscal_year,
    format_wareki,
    normalize_address,
    normalize_kana,
    normalize_phone,
    normalize_text,
)
from core.saving import model_save

from .. import events
from ..masking import protected_household_ids, sees_protected_contacts
from ..models import (
    Case,
    CaseAccess,
    CaseNumberCounter,
    Consultation,
    DvSupportMeasure,
    EmergencyAccessRequest,
    Household,
    IssueCategory,
    Person,
)
from ..permissions import (
    HOUSEHOLD_WORK_FIELDS,
    PERSON_WORK_FIELDS,
    Need,
    active_q,
    can_open_case,
    can_record_consultation,
    case_needs,
    fields_need,
    household_needs,
)
from ..selectors import consultations_visible_to
from ..signals import case_opened

# ---------------------------------------------------------------------------
# Optimistic locking


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


class EditConflict(Exception):
    """Somebody saved the record after this user started editing it."""

    def __init__(self, *, changes: list[FieldChange], by: str, at: dt.datetime | None):
        self.changes = changes
        self.by = by
        self.at = at
        super().__init__("edit conflict")


def _display(instance: models.Model, field: models.Field) -> str:
    value = getattr(instance, field.attname)
    if value in (None, ""):
        return "（空欄）"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return str(getattr(instance, field.name))
    if isinstance(value, dt.date):
        return format_wareki(value)
    return str(value)


def _changes_since(instance: models.Model, version: int) -> tuple[list[FieldChange], str, Any]:
    """What changed between the version a user started from and the current row."""
    history = instance.history.order_by("-history_date")
    base = history.filter(version=version).first()
    latest = history.first()
    by = str(latest.history_user) if latest and latest.history_user else "別の職員"
    at = latest.history_date if latest else None
    changes: list[FieldChange] = []
    if base is not None:
        for field in instance._meta.concrete_fields:
            if not field.editable or field.primary_key:
                continue
            old = getattr(base, field.attname)
            if old != getattr(instance, field.attname):
                before = _display(base, field) if not field.is_relation else str(old)
                if field.is_relation:
                    rel = field.related_model._default_manager.filter(pk=old).first()
                    before = str(rel) if rel else "（空欄）"
                changes.append(
                    FieldChange(str(field.verbose_name), before, _display(instance, field))
                )
    return changes, by, at


def versioned_update(
    *,
    instance: models.Model,
    data: dict[str, Any],
    expected_version: int,
    actor: User,
    reason: str = "",
) -> list[str]:
    """Apply ``data`` if nobody saved since ``expected_version``; return the labels of
    the user-editable fields that changed. Raises EditConflict otherwise — never
    overwrites silently."""
    model = type(instance)
    current = model._default_manager.select_for_update().get(pk=instance.pk)
    if current.version != expected_version:
        changes, by, at = _changes_since(current, expected_version)
        raise EditConflict(changes=changes, by=by, at=at)
    changed: list[str] = []
    for name, value in data.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        return []
    current.version += 1
    stamps = [f.name for f in model._meta.concrete_fields if f.name == "updated_at"]
    model_save(current, actor=actor, reason=reason, fields=[*changed, "version", *stamps])
    instance.__dict__.update(current.__dict__)
    fields = [model._meta.get_field(name) for name in changed]
    return [str(field.verbose_name) for field in fields if field.editable]


# ---------------------------------------------------------------------------
# Households and people


PERSON_KEYS = ("kana_key", "name_key", "phone_key", "address_key")


def _person_set_keys(person: Person) -> None:
    person.kana_key = normalize_kana(person.family_name_kana + person.given_name_kana)
    person.name_key = normalize_text(person.family_name + person.given_name)
    person.phone_key = normalize_phone(person.phone)
    person.address_key = normalize_address(person.address)


def _household_refresh_keys(household: Household, *, actor: User) -> None:
    """The household is shown and sorted by its 本人 (or first) member."""
    members = list(household.members.all())
    head = next((m for m in members if m.relation == Person.Relation.SELF), None) or (
        min(members, key=lambda m: m.created_at) if members else None
    )
    display = f"{head.family_name} {head.given_name}".strip() if head else ""
    kana = head.kana_key if head else ""
    if (household.display_name, household.kana_key) != (display, kana):
        household.display_name, household.kana_key = display, kana
        model_save(household, actor=actor, fields=["display_name", "kana_key", "updated_at"])


HOUSEHOLD_KEYS = ("address_key", "phone_key")


def _household_set_keys(household: Household) -> None:
    household.address_key = normalize_address(household.address)
    household.phone_key = normalize_phone(household.phone)


def require_case_need(actor: User, case: Case, need: Need) -> None:
    """The policy's answer for a write on a case; refuses with PermissionDenied."""
    if need not in case_needs(actor, case):
        raise PermissionDenied


def require_household_need(actor: User, household: Household, need: Need) -> None:
    if need not in household_needs(actor, household):
        raise PermissionDenied


def _require_unmasked(actor: User, household: Household) -> None:
    """Contact details hidden by a DV等支援措置 are changed only by those who see them
    (the managing coordinators): nobody edits what they cannot read."""
    if household.pk in protected_household_ids([household.pk]) and not sees_protected_contacts(
        actor, household
    ):
        raise PermissionDenied


def _changed_fields(instance: models.Model, data: dict[str, Any]) -> set[str]:
    return {name for name, value in data.items() if getattr(instance, name) != value}


def _household_new(*, actor: User, data: dict[str, Any]) -> Household:
    household = Household(**data)
    _household_set_keys(household)
    household.display_name = "（世帯員未登録）"
    model_save(household, actor=actor, reason="相談受付で新規登録")
    return household


def _person_new(*, actor: User, household: Household, data: dict[str, Any]) -> Person:
    person = Person(household=household, **data)
    _person_set_keys(person)
    model_save(person, actor=actor, reason="新規登録")
    return person


@transaction.atomic
def person_add(*, actor: User, household: Household, data: dict[str, Any]) -> Person:
    require_household_need(actor, household, Need.MANAGE)
    person = _person_new(actor=actor, household=household, data=data)
    _household_refresh_keys(household, actor=actor)
    for case in household.cases.all():
        events.member_added_event(case=case, actor=actor, person=person)
    return person


@transaction.atomic
def person_update(
    *, actor: User, person: Person, data: dict[str, Any], expected_version: int
) -> list[str]:
    # Contact details are daily work; name, ふりがな, birth date and relation are *manage*.
    need = fields_need(_changed_fields(person, data), PERSON_WORK_FIELDS)
    require_household_need(actor, person.household, need)
    _require_unmasked(actor, person.household)
    probe = Person(**{**{f.attname: getattr(person, f.attname) for f in Person._meta.fields}})
    for name, value in data.items():
        setattr(probe, name, value)
    _person_set_keys(probe)
    keys = {name: getattr(probe, name) for name in PERSON_KEYS}
    changed = versioned_update(
        instance=person,
        data={**data, **keys},
        expected_version=expected_version,
        actor=actor,
        reason="世帯員の情報を更新",
    )
    if changed:
        _household_refresh_keys(person.household, actor=actor)
        for case in person.household.cases.all():
            events.member_updated_event(case=case, actor=actor, person=person, changes=changed)
    return changed


@transaction.atomic
def household_update(
    *, actor: User, household: Household, data: dict[str, Any], expected_version: int
) -> list[str]:
    require_household_need(
        actor, household, fields_need(_changed_fields(household, data), HOUSEHOLD_WORK_FIELDS)
    )
    _require_unmasked(actor, household)
    probe = Household(address=data.get("address", ""), phone=data.get("phone", ""))
    _household_set_keys(probe)
    return versioned_update(
        instance=household,
        data={**data, "address_key": probe.address_key, "phone_key": probe.phone_key},
        expected_version=expected_version,
        actor=actor,
        reason="世帯の情報を更新",
    )


# ---------------------------------------------------------------------------
# Consultations


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    household: Household | None,
    household_data: dict[str, Any] | None = None,
    new_members: Sequence[dict[str, Any]] = (),
    subject: Person | None = None,
    subject_new_index: int | None = None,
    data: dict[str, Any],
    issues: Sequence[IssueCategory],
    main_issue: IssueCategory,
    household_changes: dict[str, Any] | None = None,
    member_changes: Sequence[tuple[Person, dict[str, Any]]] = (),
) -> Consultation:
    """相談受付: record a consultation for an existing household or a new one.

    The subject (本人) is an existing member (``subject``) or one of ``new_members``
    (``subject_new_index``). The receiving window is always the actor's agency.
    ``household_changes`` / ``member_changes``: values typed at a 名寄せ that the user
    chose to keep over the existing record's, written by the update services (and
    their checks) in the same transaction.
    """
    if not can_record_consultation(actor):
        raise PermissionDenied
    if household is None:
        if not new_members:
            raise ValidationError("新しい世帯には世帯員を1人以上登録してください。")
        household = _household_new(actor=actor, data=household_data or {})
    else:
        # Taking a consultation needs only sight of the household; adding members to
        # it is a membership change (*manage*).
        require_household_need(actor, household, Need.MANAGE if new_members else Need.VIEW)
    if main_issue not in issues:
        raise ValidationError(
            {"main_issue": "主な相談内容は、選んだ相談内容の中から選んでください。"}
        )

    if household_changes:
        household_update(
            actor=actor,
            household=household,
            data=household_changes,
            expected_version=household.version,
        )
    for person, changes in member_changes:
        if person.household_id != household.pk:
            raise ValidationError("紐付けた方は別の世帯の記録です。")
        person_update(actor=actor, person=person, data=changes, expected_version=person.version)

    created = [_person_new(actor=actor, household=household, data=m) for m in new_members]
    if subject_new_index is not None:
        subject = created[subject_new_index]
    if subject is None or subject.household_id != household.pk:
        raise ValidationError("相談の対象者（本人）をこの世帯の世帯員から選んでください。")
    _household_refresh_keys(household, actor=actor)

    consultation = Consultation(
        household=household,
        person=subject,
        receiving_agency=actor.agency,
        received_by=actor,
        main_issue=main_issue,
        **data,
    )
    consultation.fiscal_year = fiscal_year(consultation.received_at)
    model_save(consultation, actor=actor, reason="相談受付")
    consultation.issues.set(issues)
    for case in household.cases.all():
        for person in created:
            events.member_added_event(case=case, actor=actor, person=person)
    return consultation


# ---------------------------------------------------------------------------
# Cases


def case_number_allocate(*, year: int) -> int:
    """Next number of the 年度, gapless and unique under concurrency.

    Must run inside the transaction that creates the case: the counter row stays
    locked until it commits, and a rollback gives the number back.
    """
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(fiscal_year=year, last_value=0)], ignore_conflicts=True
    )
    counter = CaseNumberCounter.objects.select_for_update().get(fiscal_year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def _access_grant(
    *,
    actor: User,
    case: Case,
    agency: Agency,
    basis: str,
    at: dt.datetime,
    reason: str = "ケースの開始",
    valid_until: dt.datetime | None = None,
) -> CaseAccess | None:
    current = case.accesses.filter(active_q(at), agency=agency, basis=basis)
    if current.exists():
        return None
    access = CaseAccess(
        case=case,
        agency=agency,
        basis=basis,
        reason=reason,
        granted_by=actor,
        valid_from=at,
        valid_until=valid_until,
    )
    model_save(access, actor=actor, reason=reason)
    events.access_granted_event(
        case=case, actor=actor, agency=agency, basis_label=access.get_basis_display()
    )
    return access


@transaction.atomic
def case_open(
    *,
    actor: User,
    consultation: Consultation,
    extra_consultations: Sequence[Consultation] = (),
    subjects: Sequence[Person],
    main_agency: Agency,
    lead_coordinator: User,
) -> Case:
    """Open a 多機関協働 case from one or more consultations of one household."""
    if not can_open_case(actor):
        raise PermissionDenied
    consultations = [consultation, *extra_consultations]
    ids = [c.pk for c in consultations]
    visible = consultations_visible_to(actor).select_for_update().filter(pk__in=ids)
    if visible.count() != len(set(ids)):
        raise PermissionDenied
    require_household_need(actor, consultation.household, Need.MANAGE)
    errors: dict[str, str] = {}
    if any(c.household_id != consultation.household_id for c in consultations):
        errors["extra_consultations"] = "同じ世帯の相談受付だけを含められます。"
    if visible.filter(case__isnull=False).exists():
        errors["__all__"] = "この相談受付はすでにケースに含まれています。"
    if not subjects:
        errors["subjects"] = "対象者を1人以上選んでください。"
    elif any(p.household_id != consultation.household_id for p in subjects):
        errors["subjects"] = "対象者はこの世帯の世帯員から選んでください。"
    if not lead_coordinator.has_role(Role.COORDINATOR) or not lead_coordinator.is_active:
        errors["lead_coordinator"] = "担当調整役には調整役の職員を選んでください。"
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    year = fiscal_year(now)
    case = Case(
        household=consultation.household,
        fiscal_year=year,
        sequence=case_number_allocate(year=year),
        lead_coordinator=lead_coordinator,
        main_agency=main_agency,
        opened_at=now,
        opened_by=actor,
    )
    model_save(case, actor=actor, reason="ケースの開始")
    case.subjects.set(subjects)
    events.case_opened_event(case=case, actor=actor)

    _access_grant(
        actor=actor,
        case=case,
        agency=lead_coordinator.agency,
        basis=CaseAccess.Basis.COLLABORATION,
        at=now,
    )
    for item in sorted(consultations, key=lambda c: c.received_at):
        item.case = case
        item.outcome = Consultation.Outcome.COLLABORATION
        item.version += 1
        model_save(
            item,
            actor=actor,
            reason=f"ケース {case.number} に含めた",
            fields=["case", "outcome", "version", "updated_at"],
        )
        events.consultation_linked_event(case=case, actor=actor, consultation=item)
        _access_grant(
            actor=actor,
            case=case,
            agency=item.receiving_agency,
            basis=CaseAccess.Basis.RECEIVING_AGENCY,
            at=now,
        )
    # The consents its subjects already gave apply to it (the consent app reacts).
    case_opened.send(sender=Case, case=case, actor=actor)
    return case


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    data: dict[str, Any],
    expected_version: int,
    reason: str = "",
) -> list[str]:
    """Change status, 主担当機関 or 担当調整役. Status changes need no reason here;
    終結 and 中断 get their own flows in the lifecycle work."""
    require_case_need(actor, case, Need.MANAGE)
    status = data.get("status", case.status)
    if status != case.status and (
        case.status not in Case.ACTIVE_STATUSES or status not in Case.ACTIVE_STATUSES
    ):
        # 中断・再開・終結 have their own flows: reasons, evaluation, hand-over.
        raise ValidationError({"status": "中断・終結・再開は、それぞれの画面から行ってください。"})
    lead = data.get("lead_coordinator")
    if lead is not None and not lead.has_role(Role.COORDINATOR):
        raise ValidationError({"lead_coordinator": "担当調整役には調整役の職員を選んでください。"})
    old_status = case.status
    changed = versioned_update(
        instance=case, data=data, expected_version=expected_version, actor=actor, reason=reason
    )
    status_label = str(Case._meta.get_field("status").verbose_name)
    if status_label in changed:
        events.case_status_changed_event(case=case, actor=actor, old=old_status, reason=reason)
    others = [label for label in changed if label != status_label]
    if others:
        events.case_updated_event(case=case, actor=actor, changes=others)
    if lead is not None and lead.agency_id != actor.agency_id:
        _access_grant(
            actor=actor,
            case=case,
            agency=lead.agency,
            basis=CaseAccess.Basis.COLLABORATION,
            at=timezone.now(),
        )
    return changed


# ---------------------------------------------------------------------------
# Maintenance


@transaction.atomic
def search_keys_refresh(*, actor: User) -> int:
    """Recompute the stored search keys of every person and household.

    Needed after the normalisation rules change (a 旧字 added to the table, say);
    returns how many rows changed. Each changed row gets a history entry by ``actor``.
    """
    if not actor.has_role(Role.ADMIN, Role.COORDINATOR):
        raise PermissionDenied
    changed = 0
    for person in Person.objects.select_for_update().iterator():
        before = [getattr(person, name) for name in PERSON_KEYS]
        _person_set_keys(person)
        if [getattr(person, name) for name in PERSON_KEYS] != before:
            model_save(person, actor=actor, reason="検索キーの再計算", fields=PERSON_KEYS)
            changed += 1
    for household in Household.objects.select_for_update().iterator():
        before = (household.address_key, household.phone_key)
        _household_set_keys(household)
        if (household.address_key, household.phone_key) != before:
            model_save(household, actor=actor, reason="検索キーの再計算", fields=HOUSEHOLD_KEYS)
            changed += 1
        _household_refresh_keys(household, actor=actor)
    return changed


# ---------------------------------------------------------------------------
# Case access: grants and revokes


@transaction.atomic
def case_access_grant(
    *,
    actor: User,
    case: Case,
    agency: Agency,
    reason: str,
    valid_until: dt.datetime | None = None,
) -> CaseAccess:
    """A coordinator brings an agency into the 多機関協働 of this case (参加機関): an agency
    the person's valid 同意 (情報共有) already covers, or a department of the city with
    the legal reason recorded — never an agency the person did not agree to."""
    require_case_need(actor, case, Need.MANAGE)
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "付与の理由を入力してください。"
    covered = case.accesses.filter(
        active_q(timezone.now()), agency=agency, basis=CaseAccess.Basis.CONSENT
    ).exists()
    if agency.kind != Agency.Kind.MUNICIPAL_DEPARTMENT and not covered:
        errors["agency"] = (
            f"{agency}は、対象者の有効な同意（関係機関との情報共有）の範囲に含まれていません。"
            "先に同意の範囲に加えるか、急を要する場合は緊急時の提供を使ってください。"
        )
    if valid_until is not None and valid_until <= timezone.now():
        errors["valid_until"] = "終了日は今日より後の日付にしてください。"
    if errors:
        raise ValidationError(errors)
    access = _access_grant(
        actor=actor,
        case=case,
        agency=agency,
        basis=CaseAccess.Basis.COLLABORATION_PARTNER,
        at=timezone.now(),
        reason=reason,
        valid_until=valid_until,
    )
    if access is None:
        raise ValidationError({"agency": f"{agency}はすでにこのケースを閲覧できます。"})
    return access


@transaction.atomic
def case_access_revoke(*, actor: User, access: CaseAccess, reason: str) -> CaseAccess:
    case = access.case
    require_case_need(actor, case, Need.MANAGE)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "取消の理由を入力してください。"})
    access = CaseAccess.objects.select_for_update().get(pk=access.pk)
    if access.revoked_at is not None:
        raise ValidationError("この権限はすでに取り消されています。")
    if (
        access.basis == CaseAccess.Basis.COLLABORATION
        and access.agency_id == case.lead_coordinator.agency_id
    ):
        raise ValidationError(
            "担当調整役の所属機関の権限は取り消せません。先に担当調整役を変更してください。"
        )
    access.revoked_at = timezone.now()
    access.revoke_reason = reason
    model_save(access, actor=actor, reason=reason, fields=["revoked_at", "revoke_reason"])
    events.access_revoked_event(case=case, actor=actor, access=access)
    return access


@transaction.atomic
def coordinator_handover(*, actor: User, leaving: User, successor: User, reason: str) -> int:
    """A leaving coordinator's open cases go to a successor in one step."""
    from agencies.permissions import can_hand_over_cases

    if not can_hand_over_cases(actor, leaving=leaving):
        raise PermissionDenied
    if not successor.has_role(Role.COORDINATOR) or not successor.is_active:
        raise ValidationError({"successor": "引継ぎ先には調整役の職員を選んでください。"})
    if successor == leaving:
        raise ValidationError({"successor": "引継ぎ先に同じ職員は選べません。"})
    reason = reason.strip() or "担当調整役の異動・退職"
    cases = Case.objects.select_for_update().filter(
        lead_coordinator=leaving, status__in=Case.OPEN_STATUSES
    )
    count = 0
    now = timezone.now()
    for case in cases:
        case.lead_coordinator = successor
        case.version += 1
        model_save(
            case, actor=actor, reason=reason, fields=["lead_coordinator", "version", "updated_at"]
        )
        events.case_handed_over_event(
            case=case, actor=actor, leaving=leaving, successor=successor, reason=reason
        )
        _access_grant(
            actor=actor,
            case=case,
            agency=successor.agency,
            basis=CaseAccess.Basis.COLLABORATION,
            at=now,
            reason=reason,
        )
        count += 1
    return count


# ---------------------------------------------------------------------------
# Emergency provision (break-glass): at once for 72 hours, 14 days once confirmed


def _emergency_errors(*, agency: Agency, legal_basis: str, reason: str, obstacle: str, days):
    errors = {}
    public = agency.kind == Agency.Kind.MUNICIPAL_DEPARTMENT
    allowed = EmergencyAccessRequest.PUBLIC_BASES
    if legal_basis not in EmergencyAccessRequest.LegalBasis.values:
        errors["legal_basis"] = "根拠を選んでください。"
    elif public and legal_basis not in allowed:
        errors["legal_basis"] = (
            f"{agency}は庁内の課です。個人情報保護法69条の根拠から選んでください。"
        )
    elif not public and legal_basis in allowed:
        errors["legal_basis"] = (
            f"{agency}は庁外の機関です。個人情報保護法27条1項の根拠から選んでください。"
        )
    if not reason.strip():
        errors["reason"] = "緊急に提供する理由を具体的に入力してください。"
    elif len(reason) > 1000:
        errors["reason"] = "理由は1000字以内で入力してください。"
    if not obstacle.strip():
        errors["consent_obstacle"] = "本人の同意を得られない理由を入力してください。"
    elif len(obstacle) > 500:
        errors["consent_obstacle"] = "同意を得られない理由は500字以内で入力してください。"
    if not isinstance(days, int) or not 1 <= days <= EmergencyAccessRequest.MAX_DAYS:
        errors["days"] = "期間は1日から14日までです。"
    return errors


@transaction.atomic
def emergency_access_request(
    *,
    actor: User,
    agency: Agency,
    legal_basis: str,
    reason: str,
    consent_obstacle: str,
    days: int,
    case: Case | None = None,
    household: Household | None = None,
) -> EmergencyAccessRequest:
    """A coordinator who manages the case (or the uncased household) provides it to an
    agency at once, for at most 72 hours until a second coordinator confirms it."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    if case is not None:
        require_case_need(actor, case, Need.MANAGE)
        household = case.household
    elif household is not None:
        require_household_need(actor, household, Need.MANAGE)
        if household.cases.filter(status__in=Case.OPEN_STATUSES).exists():
            raise ValidationError(
                "この世帯には支援中のケースがあります。ケースから申請してください。"
            )
    else:
        raise ValidationError("提供するケースまたは世帯を選んでください。")
    errors = _emergency_errors(
        agency=agency, legal_basis=legal_basis, reason=reason, obstacle=consent_obstacle, days=days
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    until = now + min(
        dt.timedelta(hours=EmergencyAccessRequest.UNCONFIRMED_HOURS), dt.timedelta(days=days)
    )
    request = EmergencyAccessRequest(
        case=case,
        household=household,
        agency=agency,
        legal_basis=legal_basis,
        reason=reason.strip(),
        consent_obstacle=consent_obstacle.strip(),
        days=days,
        requested_by=actor,
        requested_at=now,
        valid_until=until,
    )
    model_save(request, actor=actor, reason="緊急時の提供")
    if case is not None:
        access = CaseAccess(
            case=case,
            agency=agency,
            basis=CaseAccess.Basis.EMERGENCY,
            reason=f"{request.get_legal_basis_display()}: {request.reason}"[:200],
            granted_by=actor,
            valid_from=now,
            valid_until=until,
            source_type=CaseAccess.Source.EMERGENCY,
            source_id=str(request.pk),
        )
        model_save(access, actor=actor, reason="緊急時の提供（確認待ち）")
        request.access = access
        model_save(request, actor=actor, reason="閲覧権限", fields=["access"])
        events.emergency_requested_event(case=case, actor=actor, request=request)
    return request


def _lock_active_request(request: EmergencyAccessRequest) -> EmergencyAccessRequest:
    request = EmergencyAccessRequest.objects.select_for_update().get(pk=request.pk)
    if request.ended_at is not None:
        raise ValidationError("この緊急時の提供はすでに打ち切られています。")
    if not request.is_active_at(timezone.now()):
        raise ValidationError(
            "この緊急時の提供は期限が過ぎて失効しています。必要なら改めて申請してください。"
        )
    return request


@transaction.atomic
def emergency_access_approve(*, actor: User, request: EmergencyAccessRequest):
    """A second coordinator, of any hub, confirms: the provision lasts the days asked
    (at most 14) counted from the request."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    request = _lock_active_request(request)
    if request.approved_at is not None:
        raise ValidationError("この申請はすでに承認されています。")
    if request.requested_by_id == actor.pk:
        raise ValidationError("申請した本人は承認できません。別の調整役が承認してください。")
    now = timezone.now()
    request.approved_by, request.approved_at = actor, now
    request.valid_until = request.requested_at + dt.timedelta(days=request.days)
    model_save(
        request, actor=actor, reason="承認", fields=["approved_by", "approved_at", "valid_until"]
    )
    if request.access_id:
        access = CaseAccess.objects.select_for_update().get(pk=request.access_id)
        access.approved_by, access.valid_until = actor, request.valid_until
        model_save(
            access, actor=actor, reason="緊急時の提供を承認", fields=["approved_by", "valid_until"]
        )
        events.emergency_decided_event(case=request.case, actor=actor, request=request)
    return request


@transaction.atomic
def emergency_access_end(*, actor: User, request: EmergencyAccessRequest, reason: str):
    """A coordinator ends a provision at once: not confirmed, or no longer needed."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    request = _lock_active_request(request)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "打ち切る理由を入力してください。"})
    now = timezone.now()
    request.ended_at, request.ended_by, request.end_reason = now, actor, reason[:200]
    model_save(request, actor=actor, reason=reason, fields=["ended_at", "ended_by", "end_reason"])
    if request.access_id:
        access = CaseAccess.objects.select_for_update().get(pk=request.access_id)
        if access.revoked_at is None:
            access.revoked_at, access.revoke_reason = now, f"緊急時の提供の打切り: {reason}"[:200]
            model_save(access, actor=actor, reason=reason, fields=["revoked_at", "revoke_reason"])
        events.emergency_decided_event(case=request.case, actor=actor, request=request)
    return request


# ---------------------------------------------------------------------------
# DV等支援措置


@transaction.atomic
def dv_measure_set(
    *,
    actor: User,
    person: Person,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    note: str = "",
) -> DvSupportMeasure:
    """Record that a person is under DV等支援措置: from now on the household's address and
    contacts are masked for everyone but the managing coordinators."""
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    require_household_need(actor, person.household, Need.MANAGE)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": "終了日は開始日以降にしてください。"})
    measure = DvSupportMeasure(
        person=person,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note.strip()[:200],
        set_by=actor,
        set_at=timezone.now(),
    )
    model_save(measure, actor=actor, reason="DV等支援措置を記録")
    for case in person.household.cases.all():
        events.dv_measure_event(case=case, actor=actor, person=person, ended=False)
    return measure


@transaction.atomic
def dv_measure_end(*, actor: User, measure: DvSupportMeasure, reason: str) -> DvSupportMeasure:
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied
    require_household_need(actor, measure.person.household, Need.MANAGE)
    measure = DvSupportMeasure.objects.select_for_update().get(pk=measure.pk)
    if measure.ended_at is not None:
        raise ValidationError("この支援措置はすでに解除されています。")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "解除の理由を入力してください。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "解除の理由は200文字以内で入力してください。"})
    measure.ended_at, measure.ended_by, measure.end_reason = timezone.now(), actor, reason
    model_save(measure, actor=actor, reason=reason, fields=["ended_at", "ended_by", "end_reason"])
    for case in measure.person.household.cases.all():
        events.dv_measure_event(case=case, actor=actor, person=measure.person, ended=True)
    return measure
