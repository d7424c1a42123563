"""Reads about consent, and the checks the meeting gates ask of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from agencies.models import Agency, User
from cases.models import Case, Person
from cases.selectors import households_visible_to, people_matching_q
from core.japanese import format_wareki

from .models import Consent

PURPOSES = Consent.Purpose


def consents_visible_to(user: User, *, within: QuerySet | None = None) -> QuerySet[Consent]:
    """A consent is seen by whoever sees the person's household. ``within`` (household
    ids) narrows the visibility check to those households first."""
    return Consent.objects.filter(person__household__in=households_visible_to(user, within=within))


def person_consent_state(*, person: Person, on: dt.date | None = None) -> dict[str, str]:
    """Per purpose: 有効 / 期限切れ / 撤回 / なし on ``on`` (default: today in Tokyo).

    The best state wins: one valid consent for a purpose is enough."""
    day = on or timezone.localdate()
    rank = {
        Consent.State.VALID: 0,
        Consent.State.NOT_YET: 1,
        Consent.State.EXPIRED: 2,
        Consent.State.WITHDRAWN: 3,
    }
    result = {purpose: Consent.State.NONE for purpose in PURPOSES.values}
    for consent in person.consents.all():
        state = consent.state_on(day)
        for purpose in consent.purposes:
            current = result[purpose]
            if current == Consent.State.NONE or rank[state] < rank[current]:
                result[purpose] = state
    return result


def case_consent_state(*, case: Case, on: dt.date | None = None) -> list[tuple[Person, dict]]:
    return [
        (person, person_consent_state(person=person, on=on))
        for person in case.subjects.order_by("created_at").prefetch_related("consents")
    ]


def consents_expiring(*, user: User, within_days: int = 30, query: str = "") -> QuerySet[Consent]:
    """Valid consents whose end date falls within the next ``within_days`` days."""
    today = timezone.localdate()
    expiring = Consent.objects.filter(
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=within_days),
        withdrawn_on__isnull=True,
        obtained_on__lte=today,
    )
    matching = people_matching_q(query)
    if matching is not None:
        expiring = expiring.filter(person__in=Person.objects.filter(matching))
    # The few households with a consent ending soon are checked for visibility, not
    # every household the user sees (thousands, for a coordinator).
    households = expiring.values("person__household_id")
    return (
        consents_visible_to(user, within=households)
        .filter(pk__in=expiring.values("pk"))
        .select_related("person", "person__household")
        .order_by("valid_until")
    )


def meeting_consent_problems(
    *, case: Case, meeting_date: dt.date, attending_agencies: Iterable[Agency]
) -> list[str]:
    """Gate 1: why ``case`` may not be discussed at a 重層的支援会議 on ``meeting_date``
    with these agencies attending — empty when it may.

    Every subject person needs one consent valid on that date whose purposes include
    重層的支援会議での協議 and whose agency scope covers every attending agency."""
    agencies = {agency.pk: agency for agency in attending_agencies}
    problems: list[str] = []
    subjects = sorted(case.subjects.all(), key=lambda person: person.created_at)
    if not subjects:
        return [f"ケース {case.number} には対象者が登録されていません。"]
    # Nothing is read again when the caller prefetched ``subjects__consents__agencies``
    # (the papers do, for every item at once); otherwise one query for all subjects.
    prefetch_related_objects(subjects, "consents__agencies")
    date_text = format_wareki(meeting_date)
    for person in subjects:
        consents = list(person.consents.all())
        candidates = [c for c in consents if c.purpose_meeting and c.is_valid_on(meeting_date)]
        if not candidates:
            states = {c.state_on(meeting_date) for c in consents if c.purpose_meeting}
            if Consent.State.WITHDRAWN in states:
                why = "同意が撤回されています"
            elif Consent.State.EXPIRED in states:
                why = "同意の有効期限が切れています"
            elif Consent.State.NOT_YET in states:
                why = "同意を得た日が会議の日より後です"
            else:
                why = "「重層的支援会議での協議」への同意が記録されていません"
            problems.append(
                f"{person.full_name}さん：{date_text}の時点で{why}（重層的支援会議には"
                "対象者全員の有効な同意が必要です）。"
            )
            continue
        covered = any(
            set(agencies) <= {a.pk for a in consent.agencies.all()} for consent in candidates
        )
        if not covered:
            best = max(
                candidates, key=lambda c: len(set(agencies) & {a.pk for a in c.agencies.all()})
            )
            missing = [
                agencies[pk].name for pk in set(agencies) - {a.pk for a in best.agencies.all()}
            ]
            problems.append(
                f"{person.full_name}さん：同意の範囲に出席機関「{'」「'.join(sorted(missing))}」が"
                f"含まれていません（{date_text}の会議。同意の範囲外の機関には共有できません）。"
            )
    return problems


def consent_get_for_user(*, user: User, person: Person, pk) -> Consent:
    """A consent, reached through a person the user already passed the check for."""
    from django.http import Http404

    try:
        return person.consents.prefetch_related("agencies").get(pk=pk)
    except (Consent.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def sharing_consent_covering(*, person: Person, agency: Agency, on: dt.date) -> Consent | None:
    """A consent of ``person`` valid on ``on`` whose purposes include 関係機関との情報共有
    and whose agency scope covers ``agency`` (the newest), or None."""
    for consent in person.consents.filter(purpose_sharing=True, agencies=agency).order_by(
        "-obtained_on"
    ):
        if consent.is_valid_on(on):
            return consent
    return None


def covered_agency_names(*, person: Person, on: dt.date) -> list[str]:
    """The agencies a consent of the person (情報共有, valid on ``on``) covers."""
    names: set[str] = set()
    prefetch_related_objects([person], "consents__agencies")  # none again if prefetched
    for consent in person.consents.all():
        if consent.purpose_sharing and consent.is_valid_on(on):
            names |= {agency.name for agency in consent.agencies.all()}
    return sorted(names)


def persons_without_sharing_consent(*, persons, agency, on: dt.date | None = None) -> list[Person]:
    """Of ``persons``, those with no consent valid on ``on`` whose purposes include
    関係機関との情報共有 and whose scope names ``agency``."""
    day = on or timezone.localdate()
    return [
        person
        for person in persons
        if sharing_consent_covering(person=person, agency=agency, on=day) is None
    ]
