"""Seeing is not changing: the write side of the one policy (DESIGN.md view / work /
manage). One regression test per finding of the access-policy issue, named after it,
plus the service-level refusals and the boundaries of the table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent, Agency, Area
from agencies.roles import Role
from cases import selectors, services
from cases.fields import years_from_today
from cases.models import CaseAccess, Consultation, Person
from cases.permissions import Need, household_needs, person_consent_needs_met
from consent import services as consent_services
from consent.models import Consent
from tests.factories import (
    AgencyFactory,
    consultation_data,
    issue,
    make_consent,
    make_consultation,
    member_data,
    open_case,
    user_with_role,
)
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinators_own_case(coordinator, staff_unassigned):
    """The demo's finding: a window (staff_unassigned) took an intake for a household;
    a coordinator opened a case for it from a consultation of their own. The window
    still sees the household through its own consultation, but not the case."""
    window = make_consultation(actor=staff_unassigned)
    household = window.household
    own = make_consultation(actor=coordinator, household=household)
    case = open_case(own, actor=coordinator)
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[coordinator.agency])
    return case


def test_a_user_who_cannot_see_a_case_cannot_grant_it_by_recording_a_consent(
    coordinators_own_case, staff_unassigned
):
    case = coordinators_own_case
    person = case.subjects.get()
    assert not selectors.cases_visible_to(staff_unassigned).exists()
    assert selectors.households_visible_to(staff_unassigned).filter(pk=case.household_id)
    with pytest.raises(PermissionDenied):
        make_consent(actor=staff_unassigned, person=person, agencies=list(Agency.objects.all()))
    assert person.consents.count() == 1
    granted = case.accesses.filter(basis=CaseAccess.Basis.CONSENT)
    assert set(granted.values_list("agency_id", flat=True)) == {case.lead_coordinator.agency_id}
    assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_a_user_who_cannot_see_a_case_cannot_withdraw_its_consent(
    coordinators_own_case, staff_unassigned
):
    consent = coordinators_own_case.subjects.get().consents.get()
    with pytest.raises(PermissionDenied):
        consent_services.consent_withdraw(
            actor=staff_unassigned,
            consent=consent,
            withdrawn_on=timezone.localdate(),
            reason="本人から",
        )
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert coordinators_own_case.accesses.filter(
        basis=CaseAccess.Basis.CONSENT, revoked_at__isnull=True
    ).exists()


def test_the_consent_pages_refuse_a_window_without_a_basis_on_the_case(
    login, coordinators_own_case, staff_unassigned
):
    case = coordinators_own_case
    person = case.subjects.get()
    consent = person.consents.get()
    http = login(staff_unassigned)
    kwargs = {"household_pk": case.household_id, "person_pk": person.pk}
    assert http.get(reverse("consent:person_consents", kwargs=kwargs)).status_code == 200
    response = http.post(
        reverse("consent:consent_new", kwargs=kwargs),
        {"method": "written", "given_by": "self", "agencies": [staff_unassigned.agency_id]},
    )
    assert response.status_code == 403
    response = http.post(
        reverse("consent:consent_withdraw", kwargs={**kwargs, "pk": consent.pk}),
        {"withdrawn_on": "2026-11-01", "reason": "本人から"},
    )
    assert response.status_code == 403
    assert person.consents.count() == 1 and person.consents.get().withdrawn_on is None
    denied = AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, user=staff_unassigned)
    assert denied.count() == 2


def test_a_pledged_member_with_the_read_only_basis_cannot_change_the_household(
    case, secretariat, staff_unassigned
):
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, staff_unassigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, body, case=case)
    assert selectors.case_needs_for_user(user=staff_unassigned, case=case) == {Need.VIEW}
    household = case.household
    person = case.subjects.get()
    assert household_needs(staff_unassigned, household) == {Need.VIEW}
    with pytest.raises(PermissionDenied):
        services.household_update(
            actor=staff_unassigned,
            household=household,
            data={"phone": "090-0000-1111"},
            expected_version=household.version,
        )
    with pytest.raises(PermissionDenied):
        services.person_add(
            actor=staff_unassigned, household=household, data=member_data(relation="child")
        )
    with pytest.raises(PermissionDenied):
        make_consent(actor=staff_unassigned, person=person, agencies=[staff_unassigned.agency])
    household.refresh_from_db()
    assert household.phone == "0561-00-0000"
    assert household.members.count() == 1
    assert not person.consents.exists()


def test_a_user_with_no_basis_on_a_case_cannot_change_the_household_of_that_case(
    login, coordinators_own_case, staff_unassigned
):
    household = coordinators_own_case.household
    response = login(staff_unassigned).post(
        reverse("cases:household_edit", args=[household.pk]),
        {"version": household.version, "address": "架空市別町9-9", "phone": "0000"},
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.address == "架空市若葉町1-2-3"


def test_a_window_that_works_a_case_changes_contact_details_but_not_identity(case, staff_assigned):
    person = case.subjects.get()
    services.person_update(
        actor=staff_assigned, person=person, data={"phone": "090-1111-2222"}, expected_version=1
    )
    person.refresh_from_db()
    assert person.phone == "090-1111-2222"
    with pytest.raises(PermissionDenied):
        services.person_update(
            actor=staff_assigned,
            person=person,
            data={"family_name": "佐藤"},
            expected_version=person.version,
        )
    person.refresh_from_db()
    assert person.family_name == "山田"


def test_the_person_edit_page_of_a_working_window_ignores_posted_identity_fields(
    login, case, staff_assigned
):
    person = case.subjects.get()
    data = {**member_data(family_name="佐藤", phone="090-3333-4444"), "version": person.version}
    data["birth_date_era"], data["birth_date_year"] = "seireki", "1970"
    data["birth_date_month"], data["birth_date_day"] = "5", "5"
    response = login(staff_assigned).post(
        reverse("cases:person_edit", args=[case.household_id, person.pk]), data
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.family_name, person.phone) == ("山田", "090-3333-4444")


def test_the_coordinator_manages_identity_and_members(case, coordinator):
    person = case.subjects.get()
    services.person_update(
        actor=coordinator, person=person, data={"family_name": "佐藤"}, expected_version=1
    )
    services.person_add(
        actor=coordinator, household=case.household, data=member_data(relation="child")
    )
    assert case.household.members.count() == 2


def test_a_partner_agency_never_gets_manage(case, coordinator, staff_unassigned, other_agency):
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    services.case_access_grant(actor=coordinator, case=case, agency=other_agency, reason="役割分担")
    coordinator_there = user_with_role(Role.COORDINATOR, agency=other_agency)
    for user in (staff_unassigned, coordinator_there):
        assert selectors.case_needs_for_user(user=user, case=case) == {Need.VIEW, Need.WORK}
        assert Need.MANAGE not in household_needs(user, case.household)
        with pytest.raises(PermissionDenied):
            services.case_access_grant(actor=user, case=case, agency=user.agency, reason="自分に")


def test_an_emergency_or_support_meeting_basis_is_read_only(case, coordinator, staff_unassigned):
    services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=staff_unassigned.agency,
        legal_basis="27_1_2",
        reason="安否確認",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    request = case.emergency_requests.get()
    second = user_with_role(Role.COORDINATOR, agency=coordinator.agency)
    services.emergency_access_approve(actor=second, request=request)
    assert selectors.case_needs_for_user(user=staff_unassigned, case=case) == {Need.VIEW}


# -- before a case: the window and the coordinators of its area ---------------------


@pytest.fixture
def areas():
    return Area.objects.create(name="北圏域"), Area.objects.create(name="南圏域")


def test_coordinators_see_only_handed_consultations_of_their_area(areas, coordinator):
    north, south = areas
    north_hub = AgencyFactory(name="北の多機関協働", is_collaboration_hub=True, area=north)
    north_coordinator = user_with_role(Role.COORDINATOR, agency=north_hub)
    north_window = user_with_role(
        Role.AGENCY_STAFF, agency=AgencyFactory(name="北窓口", area=north)
    )
    south_window = user_with_role(
        Role.AGENCY_STAFF, agency=AgencyFactory(name="南窓口", area=south)
    )
    handed_north = make_consultation(actor=north_window)
    closed_north = make_consultation(
        actor=north_window,
        outcome=Consultation.Outcome.INFO_ONLY,
        members=[member_data(family_name="北")],
    )
    handed_south = make_consultation(actor=south_window, members=[member_data(family_name="南")])
    assert set(selectors.consultations_visible_to(north_coordinator)) == {handed_north}
    # The hub without an area (the city's) serves every area, but not what was closed
    # at its window.
    assert set(selectors.consultations_visible_to(coordinator)) == {handed_north, handed_south}
    assert set(selectors.consultations_visible_to(north_window)) == {handed_north, closed_north}
    assert set(selectors.households_visible_to(north_coordinator)) == {handed_north.household}


def test_every_coordinator_seeing_every_uncased_consultation_is_gone(coordinator, staff_assigned):
    kept = make_consultation(actor=staff_assigned, outcome=Consultation.Outcome.INFO_ONLY)
    assert not selectors.consultations_visible_to(coordinator).filter(pk=kept.pk).exists()


def test_the_window_manages_the_household_until_a_case_is_opened(
    consultation, staff_assigned, coordinator
):
    household = consultation.household
    assert household_needs(staff_assigned, household) == {Need.VIEW, Need.WORK, Need.MANAGE}
    assert household_needs(coordinator, household) == {Need.VIEW, Need.WORK, Need.MANAGE}
    assert person_consent_needs_met(staff_assigned, consultation.person)
    open_case(consultation, actor=coordinator)
    assert household_needs(staff_assigned, household) == {Need.VIEW, Need.WORK}
    assert not person_consent_needs_met(staff_assigned, consultation.person)
    assert person_consent_needs_met(coordinator, consultation.person)


def test_manage_on_a_household_needs_manage_on_every_open_case(case, coordinator, staff_assigned):
    other_hub = AgencyFactory(name="別の多機関協働", is_collaboration_hub=True)
    other_coordinator = user_with_role(Role.COORDINATOR, agency=other_hub)
    second = make_consultation(actor=staff_assigned, household=case.household)
    services.case_open(
        actor=coordinator,
        consultation=second,
        subjects=[case.subjects.get()],
        main_agency=other_hub,
        lead_coordinator=other_coordinator,
    )
    assert Need.MANAGE not in household_needs(coordinator, case.household)
    with pytest.raises(PermissionDenied):
        make_consent(actor=coordinator, person=case.subjects.get(), agencies=[coordinator.agency])


# -- the self-consent age boundary ---------------------------------------------


@pytest.mark.parametrize(("age", "allowed"), [(14, False), (15, True)])
def test_the_self_consent_age_boundary(coordinator, case, age, allowed):
    from django.core.exceptions import ValidationError

    child = services.person_add(
        actor=coordinator,
        household=case.household,
        data=member_data(
            given_name="花子",
            relation=Person.Relation.CHILD,
            birth_date=years_from_today(-age)() - dt.timedelta(days=1),
        ),
    )
    if allowed:
        consent = make_consent(actor=coordinator, person=child, agencies=[coordinator.agency])
        assert consent.given_by == Consent.GivenBy.SELF
    else:
        with pytest.raises(ValidationError):
            make_consent(actor=coordinator, person=child, agencies=[coordinator.agency])


def test_a_window_that_works_a_case_cannot_add_members_through_an_intake(case, staff_assigned):
    household = case.household
    category = issue()
    with pytest.raises(PermissionDenied):
        services.consultation_record(
            actor=staff_assigned,
            household=household,
            new_members=[member_data(given_name="次郎", relation=Person.Relation.CHILD)],
            subject=case.subjects.get(),
            data=consultation_data(),
            issues=[category],
            main_issue=category,
        )
    assert household.members.count() == 1
    # A consultation about the members already known is taken as always (断らない相談).
    make_consultation(actor=staff_assigned, household=household)
    assert household.consultations.count() == 2
