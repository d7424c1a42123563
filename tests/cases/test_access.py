"""Who sees what (DESIGN.md gate 3, bases 受付機関 and 多機関協働), both sides of each rule."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from cases import selectors
from cases.models import CaseAccess
from cases.permissions import Need
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


def test_coordinators_and_the_receiving_agency_see_the_case(case, coordinator, staff_assigned):
    for user in (coordinator, staff_assigned):
        assert list(selectors.cases_visible_to(user)) == [case]
        assert selectors.case_get_for_user(user=user, pk=case.pk) == case


@pytest.mark.parametrize("persona", ["staff_unassigned", "secretariat", "manager", "admin_user"])
def test_everyone_else_gets_404_as_if_the_case_did_not_exist(request, case, persona):
    user = request.getfixturevalue(persona)
    assert not selectors.cases_visible_to(user).exists()
    with pytest.raises(Http404):
        selectors.case_get_for_user(user=user, pk=case.pk)


def test_a_visible_case_without_manage_rights_answers_403(case, staff_assigned, coordinator):
    with pytest.raises(PermissionDenied):
        selectors.case_get_for_user(user=staff_assigned, pk=case.pk, need=Need.MANAGE)
    assert selectors.case_get_for_user(user=coordinator, pk=case.pk, need=Need.MANAGE) == case
    # The receiving window works the case: work, but not manage.
    assert selectors.case_get_for_user(user=staff_assigned, pk=case.pk, need=Need.WORK) == case


def test_a_revoked_or_expired_grant_gives_no_access(case, staff_assigned):
    access = case.accesses.get(basis=CaseAccess.Basis.RECEIVING_AGENCY)
    access.valid_until = timezone.now() - dt.timedelta(minutes=1)
    access.save()
    assert not selectors.cases_visible_to(staff_assigned).exists()
    access.valid_until = None
    access.revoked_at = timezone.now()
    access.save()
    assert not selectors.cases_visible_to(staff_assigned).exists()


def test_a_grant_not_yet_started_gives_no_access(case, staff_assigned):
    access = case.accesses.get(basis=CaseAccess.Basis.RECEIVING_AGENCY)
    access.valid_from = timezone.now() + dt.timedelta(days=1)
    access.save()
    assert not selectors.cases_visible_to(staff_assigned).exists()


def test_the_collaboration_basis_reaches_coordinators_not_other_staff_of_the_hub(case, hub):
    from agencies.roles import Role
    from tests.factories import user_with_role

    hub_clerk = user_with_role(Role.AGENCY_STAFF, agency=hub)
    assert not selectors.cases_visible_to(hub_clerk).exists()


def test_an_inactive_user_sees_nothing(case, staff_assigned):
    staff_assigned.is_active = False
    assert not selectors.cases_visible_to(staff_assigned).exists()


def test_uncased_consultations_are_seen_by_their_window_and_coordinators(
    consultation, coordinator, staff_assigned, staff_unassigned, manager
):
    assert list(selectors.consultations_visible_to(staff_assigned)) == [consultation]
    assert list(selectors.consultations_visible_to(coordinator)) == [consultation]
    assert not selectors.consultations_visible_to(staff_unassigned).exists()
    assert not selectors.consultations_visible_to(manager).exists()
    assert list(selectors.households_visible_to(staff_assigned)) == [consultation.household]
    assert not selectors.households_visible_to(staff_unassigned).exists()
    with pytest.raises(Http404):
        selectors.consultation_get_for_user(user=staff_unassigned, pk=consultation.pk)
    with pytest.raises(Http404):
        selectors.household_get_for_user(user=staff_unassigned, pk=consultation.household_id)


def test_a_cased_consultation_follows_the_case_access(case, staff_assigned):
    consultation = case.consultations.get()
    assert selectors.consultation_get_for_user(user=staff_assigned, pk=consultation.pk)
    access = case.accesses.get(agency=staff_assigned.agency)
    access.revoked_at = timezone.now()
    access.save()
    with pytest.raises(Http404):
        selectors.consultation_get_for_user(user=staff_assigned, pk=consultation.pk)


def test_a_member_of_another_household_answers_404(consultation, staff_assigned):
    other = make_consultation(actor=staff_assigned)
    with pytest.raises(Http404):
        selectors.person_get_for_user(
            user=staff_assigned, household=consultation.household, pk=other.person_id
        )


def test_household_search_ignores_width_and_kana_kind(consultation, staff_assigned):
    for query in ("ﾔﾏﾀﾞ", "ヤマダ", "やまだ　たろう", "山田", "ﾀﾛｰ"):
        assert list(selectors.household_search(user=staff_assigned, query=query)) == [
            consultation.household
        ], query
    assert not selectors.household_search(user=staff_assigned, query="すずき").exists()


def test_household_search_shows_only_visible_households(consultation, staff_unassigned):
    assert not selectors.household_search(user=staff_unassigned, query="やまだ").exists()
