"""Writes about consent: record, withdraw, and the 同意 access basis (gates 3 and 4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from agencies.documents import scanned_document_type
from agencies.models import Agency, User
from cases import events
from cases.models import Case, CaseAccess, Person
from cases.permissions import Need, household_needs, person_consent_needs_met
from core.japanese import TOKYO, age_on, end_of_day_tokyo, format_wareki
from core.saving import model_save

from .models import Consent
from .signals import consent_withdrawn

SELF_CONSENT_MIN_AGE = 15
ADULT_AGE = 18


def _check_giver(person: Person, data: dict[str, Any]) -> None:
    given_by = data.get("given_by")
    if given_by not in Consent.GivenBy.values:
        raise ValidationError(
            {
                "given_by": "家族などは法定代理人ではありません。本人または法定代理人（親権者・"
                "未成年後見人・成年後見人・代理権のある保佐人／補助人）の同意を記録してください。"
            }
        )
    age = age_on(person.birth_date, data["obtained_on"]) if person.birth_date else None
    if given_by == Consent.GivenBy.SELF:
        if age is not None and age < SELF_CONSENT_MIN_AGE:
            raise ValidationError(
                {
                    "given_by": f"{person.full_name}さんは同意日に{age}歳です。15歳未満の方は、"
                    "親権者または未成年後見人の同意を記録してください。"
                }
            )
        if age is None and not data.get("self_capacity_confirmed"):
            raise ValidationError(
                {
                    "self_capacity_confirmed": f"{person.full_name}さんの生年月日がわかりません。"
                    "本人の同意として記録するには、15歳以上で同意の内容を理解できることを"
                    "確認してチェックしてください。"
                }
            )
        return
    if not data.get("proxy_name", "").strip():
        raise ValidationError({"proxy_name": "法定代理人の氏名を入力してください。"})
    minor_only = {Consent.GivenBy.PARENT, Consent.GivenBy.MINOR_GUARDIAN}
    if age is not None and given_by in minor_only and age >= ADULT_AGE:
        raise ValidationError({"given_by": "成年の方には親権者・未成年後見人は代理できません。"})
    if age is not None and given_by not in minor_only and age < ADULT_AGE:
        raise ValidationError(
            {"given_by": "未成年の方の法定代理人は親権者または未成年後見人です。"}
        )


def _resting_on(consent: Consent) -> dict[str, str]:
    """The grants a consent is the source of, by kind and id."""
    return {"source_type": CaseAccess.Source.CONSENT, "source_id": str(consent.pk)}


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TOKYO)


def consent_access_grant(
    *, actor: User, consent: Consent, case: Case, keep_revoked: bool = False
) -> list[CaseAccess]:
    """Gate 3, basis 同意: each agency in the consent's scope sees the case while the
    consent is valid — if its purposes include 関係機関との情報共有. With
    ``keep_revoked``, a grant a coordinator revoked on this case is not made again."""
    if not consent.purpose_sharing or consent.withdrawn_on is not None:
        return []
    created = []
    for agency in consent.agencies.all():
        rows = case.accesses.filter(**_resting_on(consent), agency=agency)
        if not keep_revoked:
            rows = rows.filter(revoked_at__isnull=True)
        exists = rows.exists()
        if exists:
            continue
        access = CaseAccess(
            case=case,
            agency=agency,
            basis=CaseAccess.Basis.CONSENT,
            reason=f"{consent.person.full_name}さんの同意（{format_wareki(consent.obtained_on)}）",
            granted_by=actor,
            valid_from=max(_start_of_day(consent.obtained_on), case.opened_at),
            valid_until=end_of_day_tokyo(consent.valid_until),
            **_resting_on(consent),
        )
        model_save(access, actor=actor, reason=access.reason)
        events.access_granted_event(
            case=case, actor=actor, agency=agency, basis_label=access.get_basis_display()
        )
        created.append(access)
    return created


def consent_access_sync_for_case(*, actor: User, case: Case, keep_revoked: bool = False) -> None:
    """After a case is opened (or reopened): the consents its subjects already gave
    apply to it. On reopening, a grant revoked before stays revoked."""
    for person in case.subjects.all():
        for consent in person.consents.filter(withdrawn_on__isnull=True):
            consent_access_grant(actor=actor, consent=consent, case=case, keep_revoked=keep_revoked)


@transaction.atomic
def consent_record(
    *,
    actor: User,
    person: Person,
    data: dict[str, Any],
    agencies: Sequence[Agency],
    document: UploadedFile | None = None,
) -> Consent:
    # A consent creates access: the hardest check of all (DESIGN.md gate 3).
    if not person_consent_needs_met(actor, person):
        raise PermissionDenied
    _check_giver(person, data)
    if not any(data.get(f) for f in ("purpose_sharing", "purpose_meeting", "purpose_plan")):
        raise ValidationError("同意の目的を1つ以上選んでください。")
    if not agencies:
        raise ValidationError({"agencies": "共有してよい機関を1つ以上選んでください。"})
    if data.get("method") == Consent.Method.ORAL and not data.get("witness", "").strip():
        raise ValidationError({"witness": "口頭での同意は、立ち会った職員を入力してください。"})
    consent = Consent(person=person, obtained_by=actor, **data)
    if document is not None:
        consent.document_content_type = scanned_document_type(document, what="同意書")
        consent.document = document
    model_save(consent, actor=actor, reason="同意を記録")
    consent.agencies.set(agencies)
    for case in person.cases.all():
        events.consent_recorded_event(
            case=case,
            actor=actor,
            person=person,
            consent_id=str(consent.pk),
            given_by=consent.get_given_by_display(),
            purposes=[Consent.Purpose(p).label for p in consent.purposes],
        )
        if case.is_open:
            consent_access_grant(actor=actor, consent=consent, case=case)
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: User, consent: Consent, withdrawn_on: dt.date, reason: str
) -> list[CaseAccess]:
    """Gate 4: future 重層的支援会議 use stops (validity is checked on the meeting date)
    and access resting only on this consent is revoked at once. What was shared stays
    on record: the grants are revoked, not deleted, and the timeline says so."""
    # Recording a withdrawal the person told them of is daily work; it only ever
    # takes access away.
    if Need.WORK not in household_needs(actor, consent.person.household):
        raise PermissionDenied
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError("この同意はすでに撤回されています。")
    if not reason.strip():
        raise ValidationError({"reason": "撤回の理由を入力してください。"})
    if withdrawn_on < consent.obtained_on:
        raise ValidationError({"withdrawn_on": "撤回日は同意を得た日以降にしてください。"})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason.strip()
    consent.withdrawn_by = actor
    model_save(
        consent,
        actor=actor,
        reason=f"同意の撤回: {reason}",
        fields=["withdrawn_on", "withdrawal_reason", "withdrawn_by"],
    )
    now = timezone.now()
    revoked = []
    for access in CaseAccess.objects.select_for_update().filter(
        **_resting_on(consent), revoked_at__isnull=True
    ):
        access.revoked_at = now
        access.revoke_reason = f"同意の撤回（{format_wareki(withdrawn_on)}）"
        model_save(
            access, actor=actor, reason=access.revoke_reason, fields=["revoked_at", "revoke_reason"]
        )
        events.access_revoked_event(case=access.case, actor=actor, access=access)
        revoked.append(access)
    # Meetings already scheduled re-check gate 1 at once (the meeting app reacts).
    consent_withdrawn.send(sender=Consent, consent=consent, actor=actor)
    for case in consent.person.cases.all():
        events.consent_withdrawn_event(
            case=case,
            actor=actor,
            person=consent.person,
            consent_id=str(consent.pk),
            withdrawn_on=withdrawn_on,
            reason=reason,
        )
    return revoked
