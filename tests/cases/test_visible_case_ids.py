"""The lists ask for a user's cases as ``visible_case_ids`` (a UNION of the user's own
access rows and their agency's, each answered by its covering index); it must give
exactly the cases ``access_rows_for`` gives — the one definition — for every kind of
row: own and agency's, each basis, revoked, expired, not yet started, another
agency's, another user's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agencies.roles import Role
from cases.models import CaseAccess
from cases.permissions import access_rows_for, visible_case_ids
from tests.factories import AgencyFactory, make_consultation, open_case, user_with_role

pytestmark = pytest.mark.django_db

Basis = CaseAccess.Basis


def a_case(actor):
    return open_case(make_consultation(actor=actor), actor=actor)


def test_visible_case_ids_are_the_cases_of_the_access_rows(coordinator, staff_unassigned):
    now = timezone.now()
    staff = staff_unassigned
    other_agency = AgencyFactory(name="別の機関")
    colleague = user_with_role(Role.AGENCY_STAFF, agency=staff.agency)

    def row(case, *, agency=None, user=None, basis=Basis.CONSENT, **times):
        CaseAccess.objects.create(
            case=case,
            agency=agency,
            user=user,
            basis=basis,
            granted_by=coordinator,
            valid_from=times.get("valid_from", now - dt.timedelta(days=1)),
            valid_until=times.get("valid_until"),
            revoked_at=times.get("revoked_at"),
        )
        return case.pk

    seen = {
        row(a_case(coordinator), agency=staff.agency, basis=Basis.CONSENT),
        row(a_case(coordinator), agency=staff.agency, basis=Basis.COLLABORATION_PARTNER),
        row(a_case(coordinator), agency=staff.agency, basis=Basis.EMERGENCY),
        row(a_case(coordinator), user=staff, basis=Basis.SUPPORT_MEETING),
        row(
            a_case(coordinator),
            agency=staff.agency,
            valid_until=now + dt.timedelta(days=1),
        ),
    }
    unseen = {
        # 多機関協働 is a coordinators' basis: agency staff do not take it up.
        row(a_case(coordinator), agency=staff.agency, basis=Basis.COLLABORATION),
        row(a_case(coordinator), agency=staff.agency, revoked_at=now),
        row(a_case(coordinator), agency=staff.agency, valid_until=now - dt.timedelta(hours=1)),
        row(a_case(coordinator), agency=staff.agency, valid_from=now + dt.timedelta(hours=1)),
        row(a_case(coordinator), agency=other_agency),
        row(a_case(coordinator), user=colleague, basis=Basis.SUPPORT_MEETING),
    }
    # Reached twice (own and agency's): once in the list.
    twice = a_case(coordinator)
    row(twice, user=staff, basis=Basis.SUPPORT_MEETING)
    CaseAccess.objects.create(
        case=twice,
        agency=staff.agency,
        basis=Basis.CONSENT,
        granted_by=coordinator,
        valid_from=now - dt.timedelta(days=1),
    )
    seen.add(twice.pk)

    ids = list(visible_case_ids(staff))
    assert sorted(ids, key=str) == sorted(seen, key=str)
    assert set(ids) == set(access_rows_for(staff).values_list("case_id", flat=True))
    assert not seen & unseen
    # The coordinator sees what their own agency's rows give them, by the same rule.
    assert set(visible_case_ids(coordinator)) == set(
        access_rows_for(coordinator).values_list("case_id", flat=True)
    )


def test_roles_without_case_work_see_no_case_ids(secretariat, manager, coordinator):
    a_case(coordinator)
    for user in (secretariat, manager):
        assert list(visible_case_ids(user)) == []


def test_the_household_list_reads_the_households_visible_to_each_user(
    coordinator, staff_assigned, staff_unassigned, secretariat
):
    """``households_for_list`` (the 世帯一覧's form) and ``households_visible_to`` (every
    other read) are the same households for every persona."""
    from cases import selectors
    from cases.models import Consultation

    open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    make_consultation(actor=staff_unassigned)
    make_consultation(actor=staff_unassigned, outcome=Consultation.Outcome.INFO_ONLY)
    make_consultation(actor=coordinator)
    for user in (coordinator, staff_assigned, staff_unassigned, secretariat):
        listed = set(selectors.households_for_list(user).values_list("pk", flat=True))
        seen = set(selectors.households_visible_to(user).values_list("pk", flat=True))
        assert listed == seen
    assert selectors.households_for_list(coordinator).count() == 3
    assert selectors.households_for_list(staff_unassigned).count() == 2
    assert not selectors.households_for_list(secretariat).exists()


def test_the_walked_forms_hold_the_same_rows(
    coordinator, staff_assigned, staff_unassigned, secretariat, settings, monkeypatch
):
    """The ケース一覧's page and a coordinator's consultations walked newest first ask
    the holders' subqueries in an OR (``visible_case_id_parts``); the rows are those of
    the union, for every persona."""
    from cases import selectors
    from cases.models import Case, Consultation

    open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    open_case(make_consultation(actor=coordinator), actor=coordinator)
    make_consultation(actor=staff_unassigned)
    for user in (coordinator, staff_assigned, staff_unassigned, secretariat):
        walked = set(selectors.cases_visible_to(user, walked=True).values_list("pk", flat=True))
        joined = set(selectors.cases_visible_to(user).values_list("pk", flat=True))
        assert walked == joined
        monkeypatch.setattr(selectors, "GATHER_CASES", 0)
        cased = set(selectors._cased_consultations(user).values_list("pk", flat=True))
        on_cases = Consultation.objects.filter(case__in=joined).values_list("pk", flat=True)
        assert cased == set(on_cases)
        monkeypatch.undo()
    assert Case.objects.count() == 2
    assert len(set(selectors.cases_visible_to(coordinator, walked=True))) == 2
    assert len(set(selectors.cases_visible_to(staff_assigned, walked=True))) == 1
    assert not selectors.cases_visible_to(staff_unassigned, walked=True).exists()


def test_a_households_needs_memo_answers_only_its_own_user(coordinator, staff_assigned):
    """The case page's memo of household needs (HouseholdNeedsOnce) is never asked on
    another user's behalf."""
    from cases.permissions import HouseholdNeedsOnce, may_propose, persons_consent_needs_met

    case = open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    memo = HouseholdNeedsOnce(coordinator)
    assert may_propose(coordinator, case.household, needs_of=memo)
    with pytest.raises(ValueError):
        may_propose(staff_assigned, case.household, needs_of=memo)
    with pytest.raises(ValueError):
        persons_consent_needs_met(staff_assigned, case.subjects.all(), needs_of=memo)
