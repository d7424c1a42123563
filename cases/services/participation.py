"""Writes of 参加支援: matching a member of the household to a 社会資源 and following
how it goes.

Any agency that *works* the case may match a person (the one who knows a 協力事業者
often is not the coordinator); the row records which agency did. A closed case takes
no new match and no change until it is reopened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import CommunityResource, User
from core.japanese import format_wareki
from core.saving import model_save

from .. import events
from ..models import Case, Person
from ..models.participation import ParticipationSupport
from ..permissions import Need
from . import require_case_need, versioned_update

PARTICIPATION_EARLIEST = dt.date(2000, 1, 1)
# A match may be arranged ahead of its start; not years ahead.
START_AHEAD_DAYS = 366
UPDATE_FIELDS = ("started_on", "status", "outcome", "ended_on", "note")

Status = ParticipationSupport.Status


def _require_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError(
            "終結したケースの参加支援は登録・変更できません。必要なら調整役が再開します。"
        )


def _errors(values: dict[str, Any]) -> dict[str, str]:
    """The rules of one row, on its values after the change."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    started_on, ended_on, status = values["started_on"], values["ended_on"], values["status"]
    if status not in Status.values:
        errors["status"] = "状況を選んでください。"
    if started_on is None:
        errors["started_on"] = "開始日を入力してください。"
    elif started_on < PARTICIPATION_EARLIEST:
        errors["started_on"] = (
            f"開始日は{format_wareki(PARTICIPATION_EARLIEST)}以降の日付にしてください。"
        )
    elif started_on > today + dt.timedelta(days=START_AHEAD_DAYS):
        errors["started_on"] = "開始日は1年以内の日付にしてください。"
    if status == Status.ENDED and ended_on is None:
        errors["ended_on"] = "「終了」にするときは終了日を入力してください。"
    if ended_on is not None:
        if status != Status.ENDED:
            errors["ended_on"] = "終了日は状況が「終了」のときだけ入力してください。"
        elif ended_on > today:
            errors["ended_on"] = "終了日に未来の日付は入力できません。"
        elif started_on is not None and ended_on < started_on:
            errors["ended_on"] = "終了日は開始日以降にしてください。"
    return errors


def _clean_text(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


@transaction.atomic
def participation_add(
    *,
    actor: User,
    case: Case,
    person: Person,
    resource: CommunityResource,
    started_on: dt.date | None,
    status: str = Status.ARRANGING,
    outcome: str = "",
    ended_on: dt.date | None = None,
    note: str = "",
) -> ParticipationSupport:
    """Match a member of the case's household (a subject or another member) to a
    resource: anyone who *works* the case, for their own agency."""
    require_case_need(actor, case, Need.WORK)
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    values = _clean_text(
        {
            "started_on": started_on,
            "status": status,
            "outcome": outcome,
            "ended_on": ended_on,
            "note": note,
        }
    )
    errors = _errors(values)
    if person.household_id != case.household_id:
        errors["person"] = "このケースの世帯員を選んでください。"
    if not resource.is_active:
        errors["resource"] = "無効になっている社会資源にはつなげません。"
    if errors:
        raise ValidationError(errors)
    participation = ParticipationSupport(
        case=case,
        person=person,
        resource=resource,
        agency=actor.agency,
        created_by=actor,
        **values,
    )
    model_save(participation, actor=actor, reason="参加支援の登録")
    events.participation_event(case=case, actor=actor, participation=participation, added=True)
    return participation


@transaction.atomic
def participation_update(
    *,
    actor: User,
    participation: ParticipationSupport,
    data: dict[str, Any],
    expected_version: int,
) -> list[str]:
    """状況・成果 and dates, by anyone who *works* the case; a save against a newer
    version raises ``EditConflict`` (never overwrites silently)."""
    unknown = set(data) - set(UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"not participation fields: {sorted(unknown)}")
    case = participation.case
    require_case_need(actor, case, Need.WORK)
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    data = _clean_text(data)
    current = {name: getattr(participation, name) for name in UPDATE_FIELDS}
    errors = _errors(current | data)
    if errors:
        raise ValidationError(errors)
    changed = versioned_update(
        instance=participation,
        data=data,
        expected_version=expected_version,
        actor=actor,
        reason="参加支援の更新",
    )
    if changed:
        events.participation_event(case=case, actor=actor, participation=participation, added=False)
    return changed


__all__ = ["participation_add", "participation_update"]
