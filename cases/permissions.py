"""The one place that decides who may see and change case data (DESIGN.md gate 3).

``access_rows_for`` gives the CaseAccess rows that apply to a user at a moment; the
needs they meet follow from their bases (the view / work / manage table of DESIGN.md).
Households and people before a case follow the consultation rules below. Every
selector, access helper and write service asks these functions; nothing else decides.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agencies.models import User
from agencies.roles import CASE_ROLES, Role

from .models import (
    Case,
    CaseAccess,
    Consultation,
    EmergencyAccessRequest,
    Household,
    OutreachEngagement,
    Person,
)

Basis = CaseAccess.Basis


class Need(StrEnum):
    """What a user wants to do (DESIGN.md): read, do the daily work, or decide."""

    VIEW = "view"
    # 支援経過, tasks and referrals of their agency, contact details, a withdrawal.
    WORK = "work"
    # Status, 主担当, 対象者, members, identity, consent, access, meetings, closure.
    MANAGE = "manage"


VIEW_ONLY = frozenset({Need.VIEW})
VIEW_WORK = frozenset({Need.VIEW, Need.WORK})
ALL_NEEDS = frozenset(Need)

# Which roles of an agency an agency-level grant reaches, per basis.
AGENCY_BASIS_ROLES: dict[str, frozenset[Role]] = {
    Basis.RECEIVING_AGENCY: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    Basis.COLLABORATION: frozenset({Role.COORDINATOR}),
    Basis.COLLABORATION_PARTNER: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    # 同意: the whole agency the consent's scope names, while the consent is valid.
    Basis.CONSENT: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    Basis.EMERGENCY: frozenset({Role.COORDINATOR, Role.AGENCY_STAFF}),
    # 支援会議 grants are user-level (the pledged members only), never agency-wide.
}

# What each basis lets its holder do. 支援会議 and 緊急 are read-only everywhere.
BASIS_NEEDS: dict[str, frozenset[Need]] = {
    Basis.RECEIVING_AGENCY: VIEW_WORK,
    Basis.CONSENT: VIEW_WORK,
    Basis.COLLABORATION_PARTNER: VIEW_WORK,
    Basis.COLLABORATION: ALL_NEEDS,
    Basis.SUPPORT_MEETING: VIEW_ONLY,
    Basis.EMERGENCY: VIEW_ONLY,
}

# The bases whose holders work a case: only their agencies take a plan's tasks.
WORKING_BASES = frozenset(basis for basis, needs in BASIS_NEEDS.items() if Need.WORK in needs)

# Fields of a household or a person that *work* may change (contact details and the
# notes of daily work); every other field is identity or membership: *manage*.
HOUSEHOLD_WORK_FIELDS = frozenset({"postal_code", "address", "phone", "notes"})
PERSON_WORK_FIELDS = frozenset({"phone", "email", "address", "notes"})


def active_q(at: dt.datetime) -> Q:
    return (
        Q(valid_from__lte=at)
        & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        & Q(revoked_at__isnull=True)
    )


def works_cases(user: User) -> bool:
    """The roles that take consultations and work cases (coordinators, agency staff)."""
    return user.is_authenticated and user.is_active and bool(user.role_names & CASE_ROLES)


def _access_row_parts(user: User, *, at: dt.datetime | None = None) -> list[Q]:
    """The one definition of the access rows that reach ``user`` at ``at`` (default:
    now), as its two parts: the user's own rows (支援会議), and their agency's rows of
    the bases the user's roles take up — each only while in effect. Empty for the roles
    that see no case content (manager, admin, secretariat) and for inactive users.
    ``access_rows_for`` is their OR; the lists ask them one by one."""
    if not works_cases(user):
        return []
    roles = user.role_names
    agency_bases = [basis for basis, allowed in AGENCY_BASIS_ROLES.items() if roles & allowed]
    active = active_q(at or timezone.now())
    return [
        active & Q(user_id=user.pk),
        active & Q(agency_id=user.agency_id, basis__in=agency_bases),
    ]


def access_rows_for(user: User, *, at: dt.datetime | None = None) -> QuerySet[CaseAccess]:
    """The CaseAccess rows that give ``user`` access at ``at`` (default: now)."""
    parts = _access_row_parts(user, at=at)
    if not parts:
        return CaseAccess.objects.none()
    own, agency = parts
    return CaseAccess.objects.filter(own | agency)


def visible_case_ids(user: User) -> QuerySet:
    """The ids of the cases ``user`` holds an access row on now (``access_rows_for``),
    as a subquery for the lists: the UNION of the user's own rows and their agency's,
    each read from its covering index alone. The OR of the two made PostgreSQL visit
    every heap page of the agency's rows (4,000 of them for a coordinator at a city's
    scale)."""
    own, agency = visible_case_id_parts(user)
    return own.union(agency)


def visible_case_id_parts(user: User) -> tuple[QuerySet, QuerySet]:
    """``visible_case_ids`` as its two subqueries: the cases of the user's own rows, and
    of their agency's. A list that walks an index in its order asks ``IN`` of each, in
    an OR: PostgreSQL then hashes each once and stops walking when the page is full,
    where one ``IN`` of their union becomes a join that gathers every row first."""
    parts = _access_row_parts(user)
    if not parts:
        none = CaseAccess.objects.none().values_list("case_id", flat=True)
        return none, none
    own, agency = (
        CaseAccess.objects.filter(part).order_by().values_list("case_id", flat=True)
        for part in parts
    )
    return own, agency


def case_needs_met(bases: set[str]) -> frozenset[Need]:
    """What the bases by which a user reaches a case let them do."""
    needs: frozenset[Need] = frozenset()
    for basis in bases:
        needs |= BASIS_NEEDS.get(basis, frozenset())
    return needs


def case_needs(user: User, case: Case) -> frozenset[Need]:
    bases = set(access_rows_for(user).filter(case=case).values_list("basis", flat=True))
    return case_needs_met(bases)


# ---------------------------------------------------------------------------
# Before a case: consultations and their households


# The state of an accepted つなぐシート (referrals.Referral.Status.ACCEPTED and, after
# it, COMPLETED): the referrals app sits above this one, so by value, not by import.
REFERRAL_TAKEN_STATUSES = ("accepted", "completed")


def handed_to_collaboration_q(area_id=None) -> Q:
    """A consultation handed to 多機関協働: by its outcome (in the area of the window
    that took it), or by a つなぐシート a hub accepted (in that hub's area). With
    ``area_id`` None, every handed consultation of the city (a hub with no area)."""
    by_outcome, by_referral = _handed_parts(area_id)
    return by_outcome | by_referral


def _handed_parts(area_id) -> tuple[Q, Q]:
    """``handed_to_collaboration_q``'s two ways: by outcome, by an accepted sheet."""
    by_outcome = Q(outcome=Consultation.Outcome.COLLABORATION)
    taken = {"status__in": REFERRAL_TAKEN_STATUSES, "to_agency__is_collaboration_hub": True}
    if area_id is not None:
        by_outcome &= Q(receiving_agency__area_id=area_id)
        taken["to_agency__area_id"] = area_id
    # A subquery of the sheets themselves, not a join: a consultation with several
    # sheets stays one row, and the sheets' consultation ids need no second visit to
    # the consultations. (The referrals app sits above this one: its model is reached
    # through the relation, not imported.)
    sheets = Consultation.referrals.rel.related_model.objects.filter(
        consultation__isnull=False, **taken
    )
    by_referral = Q(pk__in=sheets.values("consultation_id"))
    return by_outcome, by_referral


def uncased_consultations_q(user: User) -> Q:
    """The consultations without a case that ``user`` sees: their own window's, and —
    for a coordinator — those handed to 多機関協働 in the coordinator's area (a hub with
    no area serves the whole city). One closed at its window stays with its window."""
    branches = uncased_consultation_branches(user)
    if not branches:
        return Q(pk__in=[])
    visible = Q()
    for branch in branches:
        visible |= branch
    return visible


def uncased_consultation_branches(user: User) -> list[Q]:
    """``uncased_consultations_q`` as the separate conditions it is the OR of. Each one
    is served by an index of its own; lists that must be fast over a big city ask them
    one by one (an OR of them, with a subquery among them, makes PostgreSQL filter every
    uncased consultation of the city)."""
    if not works_cases(user):
        return []
    uncased = Q(case__isnull=True)
    branches = [uncased & Q(receiving_agency_id=user.agency_id)]
    if user.has_role(Role.COORDINATOR):
        by_outcome, by_referral = _handed_parts(user.agency.area_id)
        branches += [uncased & by_outcome, uncased & by_referral]
    return branches


def emergency_households(user: User, *, at: dt.datetime | None = None) -> QuerySet:
    """Households not yet a case that an emergency provision in effect opens to the
    user's agency (read-only; a provision on a case is a CaseAccess row instead), as a
    subquery of their ids."""
    if not works_cases(user):
        return EmergencyAccessRequest.objects.none().values_list("household_id", flat=True)
    now = at or timezone.now()
    return EmergencyAccessRequest.objects.filter(
        case__isnull=True,
        agency_id=user.agency_id,
        ended_at__isnull=True,
        requested_at__lte=now,
        valid_until__gt=now,
    ).values_list("household_id", flat=True)


def emergency_household_ids(user: User, *, at: dt.datetime | None = None) -> list:
    """``emergency_households`` read once: a short list (usually empty), so that the
    visibility queries that take it stay plain."""
    return list(emergency_households(user, at=at))


def household_needs(user: User, household: Household) -> frozenset[Need]:
    """What ``user`` may do to a household and its members.

    While the household has an open case, its open cases decide: *work* from a basis
    on any of them, *manage* only with manage on every one (a membership or identity
    change reaches all of them); anything else that shows the household (a closed
    case, a consultation the window took) shows it and no more. Before a case exists —
    or when all are closed — the window that took an uncased consultation and the
    coordinators it was handed to manage the household."""
    if not works_cases(user):
        return frozenset()
    per_case: dict = {}
    for case_id, basis in (
        access_rows_for(user).filter(case__household=household).values_list("case_id", "basis")
    ):
        per_case[case_id] = per_case.get(case_id, frozenset()) | BASIS_NEEDS.get(basis, frozenset())
    holds_consultation = household.consultations.filter(uncased_consultations_q(user)).exists()
    open_cases = set(
        household.cases.filter(status__in=Case.OPEN_STATUSES).values_list("pk", flat=True)
    )
    if not open_cases:
        needs = frozenset().union(*per_case.values())
        if household.pk in emergency_household_ids(user):
            needs |= VIEW_ONLY
        # An agency that goes out to a household of concern holds it like a window.
        holds = holds_consultation or carries_outreach(user, household)
        return needs | ALL_NEEDS if holds else needs
    needs = frozenset().union(*(per_case.get(pk, frozenset()) for pk in open_cases))
    if not all(Need.MANAGE in per_case.get(pk, ()) for pk in open_cases):
        needs -= {Need.MANAGE}
    if per_case or holds_consultation:
        needs |= VIEW_ONLY
    return needs


# ---------------------------------------------------------------------------
# アウトリーチ等を通じた継続的支援 (it may start before a case exists)


def carries_outreach(user: User, household: Household) -> bool:
    """The user's agency goes out to this household (an engagement of its own, ongoing
    or ended): before any case it holds the household as a window that took a
    consultation does. Once a case has existed, the case's bases decide — an engagement
    never outlives a 参加機関 grant or a withdrawn consent, and never turns *work* on a
    case into *manage* on its household."""
    return (
        not household.cases.exists()
        and household.outreach_engagements.filter(agency_id=user.agency_id).exists()
    )


def _open_case_exists() -> Exists:
    return Exists(
        Case.objects.filter(household_id=OuterRef("household_id"), status__in=Case.OPEN_STATUSES)
    )


def _handed_uncased_q(user: User) -> Q:
    """Uncased consultations handed to 多機関協働 in the coordinator's area."""
    return Q(case__isnull=True) & handed_to_collaboration_q(user.agency.area_id)


def outreach_visible_q(user: User) -> Q:
    """The engagements ``user`` sees — the queryset form of ``outreach_needs``, which
    must answer the same for every row (tests hold them together)."""
    if not works_cases(user):
        return Q(pk__in=[])
    carriers = Q(agency_id=user.agency_id)
    if user.has_role(Role.COORDINATOR):
        handed = Consultation.objects.filter(_handed_uncased_q(user)).values("household_id")
        carriers |= Q(household_id__in=handed)
    # With an open case, only a basis on an open case of the household: a window that
    # holds an uncased consultation sees the household "and no more".
    through_case = Q(
        household_id__in=Case.objects.filter(
            pk__in=visible_case_ids(user), status__in=Case.OPEN_STATUSES
        ).values("household_id")
    )
    open_case = _open_case_exists()
    ever_cased = Exists(Case.objects.filter(household_id=OuterRef("household_id")))
    own = Q(agency_id=user.agency_id) & ~ever_cased
    if user.has_role(Role.COORDINATOR):
        handed = Consultation.objects.filter(_handed_uncased_q(user)).values("household_id")
        own |= Q(household_id__in=handed)
    return (~open_case & own) | (open_case & through_case)


def outreach_needs(user: User, engagement: OutreachEngagement) -> frozenset[Need]:
    """Who sees and works an outreach engagement (DESIGN.md: "under the same policy").

    Before the household has an open case: the agency that carries it (like the window
    that took a consultation) and the coordinators a consultation of the household was
    handed to (多機関協働 in their area). Once it has an open case, the case decides:
    whoever works the household's case works the engagement, whoever only sees it sees
    it. Nobody *manages* an engagement: its decisions are the case's."""
    if not works_cases(user):
        return frozenset()
    household = engagement.household
    open_cases = household.cases.filter(status__in=Case.OPEN_STATUSES)
    if open_cases.exists():
        bases = access_rows_for(user).filter(case__in=open_cases).values_list("basis", flat=True)
        return case_needs_met(set(bases)) & VIEW_WORK
    if engagement.agency_id == user.agency_id and not household.cases.exists():
        return VIEW_WORK
    if (
        user.has_role(Role.COORDINATOR)
        and household.consultations.filter(_handed_uncased_q(user)).exists()
    ):
        return VIEW_WORK
    return frozenset()


def person_consent_needs_met(user: User, person: Person) -> bool:
    """Recording or changing a consent creates access: once the person is a subject of
    an open case, it needs *manage* on every such case; before that, *manage* on the
    household (the window that obtained it at intake, or the coordinators)."""
    return person.pk in persons_consent_needs_met(user, [person])


class HouseholdNeedsOnce:
    """``household_needs`` asked at most once per household for one user while one
    page is built (a case page asks it for 議題の申出 and again for 同意の記録). Made by
    the view for that page and dropped with it: never kept across requests or writes."""

    def __init__(self, user: User):
        self.user = user
        self._known: dict = {}

    @classmethod
    def of(cls, user: User, memo: HouseholdNeedsOnce | None) -> HouseholdNeedsOnce:
        """``memo`` when the caller passed one — checked to be ``user``'s, never another's
        decisions — else a new memo for ``user``."""
        if memo is None:
            return cls(user)
        if user.pk != memo.user.pk:
            raise ValueError("HouseholdNeedsOnce is another user's")
        return memo

    def __call__(self, household: Household) -> frozenset[Need]:
        if household.pk not in self._known:
            self._known[household.pk] = household_needs(self.user, household)
        return self._known[household.pk]


def persons_consent_needs_met(
    user: User, persons: Iterable[Person], *, needs_of: HouseholdNeedsOnce | None = None
) -> set:
    """The pks of ``persons`` whose consent ``user`` may record or change — the rule of
    ``person_consent_needs_met``, asked for a page of people at once: one query for
    their open cases, one for the user's bases on them, and the household rule once
    per household of a person with no open case (a case's subjects share one)."""
    needs_of = HouseholdNeedsOnce.of(user, needs_of)
    persons = list(persons)
    open_cases: dict = defaultdict(set)
    for person_id, case_id in Case.subjects.through.objects.filter(
        person_id__in=[person.pk for person in persons], case__status__in=Case.OPEN_STATUSES
    ).values_list("person_id", "case_id"):
        open_cases[person_id].add(case_id)
    bases: dict = defaultdict(set)
    case_ids = set().union(*open_cases.values())
    if case_ids:
        for case_id, basis in (
            access_rows_for(user).filter(case_id__in=case_ids).values_list("case_id", "basis")
        ):
            bases[case_id].add(basis)
    allowed = set()
    for person in persons:
        if open_cases[person.pk]:
            ok = all(Need.MANAGE in case_needs_met(bases[pk]) for pk in open_cases[person.pk])
        else:
            ok = Need.MANAGE in needs_of(person.household)
        if ok:
            allowed.add(person.pk)
    return allowed


def may_propose(
    user: User, household: Household, *, needs_of: HouseholdNeedsOnce | None = None
) -> bool:
    """議題の申出: users of an agency that holds a consultation of the household, and
    coordinators who see it, may propose it to a meeting body (DESIGN.md "Proposals").
    A proposal creates no access."""
    needs_of = HouseholdNeedsOnce.of(user, needs_of)
    if not works_cases(user):
        return False
    if household.consultations.filter(receiving_agency_id=user.agency_id).exists():
        return True
    return user.has_role(Role.COORDINATOR) and Need.VIEW in needs_of(household)


def fields_need(changed: set[str], work_fields: frozenset[str]) -> Need:
    """The need a change of these fields asks: *work* for contact details, else *manage*."""
    return Need.WORK if changed <= work_fields else Need.MANAGE


# ---------------------------------------------------------------------------
# Role-level checks (no case yet to decide on)


def can_record_consultation(user: User) -> bool:
    """Every window takes consultations (断らない相談): coordinators and agency staff."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.AGENCY_STAFF)


def can_list_case_data(user: User) -> bool:
    """Lists of cases, consultations and households are for the roles that work cases;
    for the others they would only ever be empty, so they are refused outright."""
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.AGENCY_STAFF)


def can_open_case(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR)


# ---------------------------------------------------------------------------
# Support records (支援経過) and the case's life after its opening


def sees_restricted_record(user: User, *, agency_id, needs: frozenset[Need]) -> bool:
    """閲覧制限: only the managing coordinators and the author's agency see the record."""
    return Need.MANAGE in needs or (agency_id is not None and user.agency_id == agency_id)


def may_amend_record(user: User, *, agency_id, needs: frozenset[Need]) -> bool:
    """A record is corrected or cancelled by its own agency (with *work* on the case)
    or by the managing coordinators — never by another agency that merely works it."""
    if Need.MANAGE in needs:
        return True
    return Need.WORK in needs and user.agency_id == agency_id
