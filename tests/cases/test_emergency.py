"""Break-glass (DESIGN.md): a coordinator provides a case or an uncased household to an
agency at once, for at most 72 hours; a second coordinator of any hub confirms it, and
it then lasts at most 14 days; read-only; on the timeline and in the access log."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent, Agency
from agencies.roles import Role
from cases import selectors, services
from cases.models import CaseAccess, CaseEvent, Consultation, EmergencyAccessRequest
from cases.permissions import Need, household_needs
from tests.factories import AgencyFactory, make_consultation, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_coordinator():
    """A coordinator of another hub: any hub may confirm."""
    other_hub = AgencyFactory(name="別の多機関協働", is_collaboration_hub=True)
    return user_with_role(Role.COORDINATOR, agency=other_hub, username="coordinator2")


@pytest.fixture
def department():
    return AgencyFactory(name="生活福祉課", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)


def ask(actor, agency, *, case=None, household=None, **kwargs):
    data = {
        "legal_basis": "27_1_2",
        "reason": "本人が自宅で倒れている恐れがあり安否確認が必要",
        "consent_obstacle": "連絡が取れない",
        "days": 3,
    }
    data.update(kwargs)
    return services.emergency_access_request(
        actor=actor, case=case, household=household, agency=agency, **data
    )


def test_a_provision_works_at_once_and_lapses_after_72_hours_unconfirmed(
    case, coordinator, other_agency, staff_unassigned
):
    request = ask(coordinator, other_agency, case=case, days=14)
    assert request.is_pending
    assert request.history.first().history_user == coordinator
    assert list(selectors.cases_visible_to(staff_unassigned)) == [case]
    assert selectors.case_needs_for_user(user=staff_unassigned, case=case) == {Need.VIEW}
    assert case.events.filter(kind=CaseEvent.Kind.EMERGENCY_REQUESTED).exists()
    later = request.requested_at + dt.timedelta(hours=72, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_a_second_coordinator_of_any_hub_confirms_for_at_most_14_days(
    case, coordinator, second_coordinator, other_agency, staff_unassigned
):
    request = ask(coordinator, other_agency, case=case, days=14)
    assert not selectors.cases_visible_to(second_coordinator).exists()
    services.emergency_access_approve(actor=second_coordinator, request=request)
    request.refresh_from_db()
    assert request.approved_by == second_coordinator
    assert request.valid_until == request.requested_at + dt.timedelta(days=14)
    access = CaseAccess.objects.get(basis=CaseAccess.Basis.EMERGENCY)
    assert access.approved_by == second_coordinator
    assert access.valid_until == request.valid_until
    after_72h = request.requested_at + dt.timedelta(days=5)
    with mock.patch("django.utils.timezone.now", return_value=after_72h):
        assert list(selectors.cases_visible_to(staff_unassigned)) == [case]
    after = request.requested_at + dt.timedelta(days=14, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_a_lapsed_provision_cannot_be_confirmed(
    case, coordinator, second_coordinator, other_agency
):
    request = ask(coordinator, other_agency, case=case)
    later = request.requested_at + dt.timedelta(hours=73)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        pytest.raises(ValidationError, match="失効"),
    ):
        services.emergency_access_approve(actor=second_coordinator, request=request)


def test_the_requester_cannot_confirm_their_own_provision(case, coordinator, other_agency):
    request = ask(coordinator, other_agency, case=case)
    with pytest.raises(ValidationError, match="別の調整役"):
        services.emergency_access_approve(actor=coordinator, request=request)


def test_the_database_refuses_self_approval_too(case, coordinator, other_agency):
    request = ask(coordinator, other_agency, case=case)
    request.approved_by = coordinator
    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()


def test_ending_a_provision_revokes_it_at_once(
    case, coordinator, second_coordinator, other_agency, staff_unassigned
):
    request = ask(coordinator, other_agency, case=case)
    services.emergency_access_end(actor=second_coordinator, request=request, reason="確認不要")
    assert not selectors.cases_visible_to(staff_unassigned).exists()
    request.refresh_from_db()
    assert request.ended_by == second_coordinator and request.end_reason == "確認不要"
    with pytest.raises(ValidationError, match="打ち切られて"):
        services.emergency_access_approve(actor=coordinator, request=request)


def test_the_article_follows_the_kind_of_agency(case, coordinator, other_agency, department):
    with pytest.raises(ValidationError, match="69条"):
        ask(coordinator, department, case=case, legal_basis="27_1_2")
    with pytest.raises(ValidationError, match="27条1項"):
        ask(coordinator, other_agency, case=case, legal_basis="69_2_3")
    assert ask(coordinator, department, case=case, legal_basis="69_2_3").legal_basis == "69_2_3"


def test_reasons_are_required_and_the_period_is_at_most_14_days(case, coordinator, other_agency):
    for bad in ({"reason": " "}, {"consent_obstacle": ""}, {"days": 15}, {"days": 0}):
        with pytest.raises(ValidationError):
            ask(coordinator, other_agency, case=case, **bad)
    assert not EmergencyAccessRequest.objects.exists()


def test_only_the_managing_coordinators_provide(
    case, coordinator, staff_assigned, second_coordinator, other_agency
):
    with pytest.raises(PermissionDenied):
        ask(staff_assigned, other_agency, case=case)
    with pytest.raises(PermissionDenied):
        ask(second_coordinator, other_agency, case=case)
    request = ask(coordinator, other_agency, case=case)
    with pytest.raises(PermissionDenied):
        services.emergency_access_approve(actor=staff_assigned, request=request)
    with pytest.raises(PermissionDenied):
        services.emergency_access_end(actor=staff_assigned, request=request, reason="x")


def test_an_uncased_abuse_household_is_provided_at_night_by_one_coordinator(
    coordinator, staff_assigned, other_agency, staff_unassigned
):
    """A one-coordinator town at night, an uncased 虐待 household: the provision works at
    once, read-only, and shows the household and its consultations — nothing more."""
    consultation = make_consultation(actor=staff_assigned)
    household = consultation.household
    assert not selectors.households_visible_to(staff_unassigned).exists()
    assert not selectors.households_for_list(staff_unassigned).exists()
    ask(coordinator, other_agency, household=household, legal_basis="27_1_2")
    assert list(selectors.households_visible_to(staff_unassigned)) == [household]
    # The 世帯一覧 reads the same households another way (a subquery, not a list).
    assert list(selectors.households_for_list(staff_unassigned)) == [household]
    assert list(selectors.consultations_visible_to(staff_unassigned)) == [consultation]
    assert household_needs(staff_unassigned, household) == {Need.VIEW}
    with pytest.raises(PermissionDenied):
        services.household_update(
            actor=staff_unassigned,
            household=household,
            data={"phone": "0"},
            expected_version=household.version,
        )
    later = timezone.now() + dt.timedelta(hours=72, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert not selectors.households_visible_to(staff_unassigned).exists()
        assert not selectors.households_for_list(staff_unassigned).exists()


def test_a_household_with_an_open_case_is_provided_through_its_case(
    case, coordinator, other_agency
):
    with pytest.raises(ValidationError, match="ケースから"):
        ask(coordinator, other_agency, household=case.household)


def test_the_flow_in_the_browser_pages(
    login, case, coordinator, second_coordinator, other_agency, staff_unassigned
):
    client = login(coordinator)
    response = client.post(
        reverse("cases:emergency_new", args=[case.household_id]),
        {
            "agency": other_agency.pk,
            "legal_basis": "27_1_1",
            "reason": "警察からの照会（法令）",
            "consent_obstacle": "本人と連絡が取れない",
            "days": "2",
        },
    )
    assert response.status_code == 302
    request = EmergencyAccessRequest.objects.get()
    assert request.case == case
    assert AccessEvent.objects.filter(action=AccessEvent.Action.EMERGENCY, user=coordinator)
    page = client.get(reverse("cases:case_access", args=[case.pk])).content.decode()
    assert "承認待ち" in page
    other = login(second_coordinator)
    listing = other.get(reverse("cases:emergency_list")).content.decode()
    assert "ケース " + case.number in listing and "警察からの照会" in listing
    other.post(reverse("cases:emergency_approve", args=[request.pk]))
    assert not EmergencyAccessRequest.objects.get().is_pending
    home = login(coordinator).get(reverse("home")).content.decode()
    assert "承認待ちの緊急時の提供" not in home


def test_a_wrong_article_is_shown_on_its_field(login, case, coordinator, other_agency):
    response = login(coordinator).post(
        reverse("cases:emergency_new", args=[case.household_id]),
        {
            "agency": other_agency.pk,
            "legal_basis": "69_2_3",
            "reason": "照会",
            "consent_obstacle": "不明",
            "days": "2",
        },
    )
    assert response.status_code == 200
    assert "27条1項の根拠から選んでください" in response.content.decode()
    assert not EmergencyAccessRequest.objects.exists()


def test_the_emergency_list_is_the_coordinators(login, staff_assigned, secretariat):
    for user in (staff_assigned, secretariat):
        assert login(user).get(reverse("cases:emergency_list")).status_code == 403


def test_the_coordinators_home_counts_provisions_waiting(
    login, case, coordinator, second_coordinator, other_agency
):
    ask(coordinator, other_agency, case=case)
    home = login(second_coordinator).get(reverse("home")).content.decode()
    assert "承認待ちの緊急時の提供が1件" in home
    assert Consultation.objects.count() == 1
