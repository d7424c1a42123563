"""Granting and revoking case access, expiry, 人事異動, hand-over."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from agencies.services import staff_transfer
from cases import selectors, services
from cases.models import Case, CaseAccess, CaseEvent
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_agency(db):
    """A department of the city: a 参加機関 without the person's consent, on the legal
    reason recorded with the grant."""
    from agencies.models import Agency
    from tests.factories import AgencyFactory

    return AgencyFactory(name="生活福祉課", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)


def grant(case, actor, agency, **kwargs):
    return services.case_access_grant(
        actor=actor, case=case, agency=agency, reason="就労支援の役割分担", **kwargs
    )


def test_a_coordinator_grants_an_agency_access_with_a_reason(
    case, coordinator, staff_unassigned, other_agency
):
    access = grant(case, coordinator, other_agency)
    assert access.basis == CaseAccess.Basis.COLLABORATION_PARTNER
    assert access.history.get().history_user == coordinator
    assert selectors.case_get_for_user(user=staff_unassigned, pk=case.pk) == case
    event = case.events.filter(kind=CaseEvent.Kind.ACCESS_GRANTED).first()
    assert other_agency.name in event.message


def test_a_grant_needs_a_reason(case, coordinator, other_agency):
    with pytest.raises(ValidationError):
        services.case_access_grant(actor=coordinator, case=case, agency=other_agency, reason=" ")


def test_agency_staff_cannot_grant_access(case, staff_assigned, other_agency):
    with pytest.raises(PermissionDenied):
        grant(case, staff_assigned, other_agency)


def test_revoking_ends_access_at_once_and_is_on_record(
    case, coordinator, staff_unassigned, other_agency
):
    access = grant(case, coordinator, other_agency)
    services.case_access_revoke(actor=coordinator, access=access, reason="支援終了")
    access.refresh_from_db()
    assert access.revoked_at is not None
    assert access.revoke_reason == "支援終了"
    assert not selectors.cases_visible_to(staff_unassigned).exists()
    assert case.events.filter(kind=CaseEvent.Kind.ACCESS_REVOKED).exists()
    assert access.history.first().history_user == coordinator


def test_the_lead_coordinators_own_access_cannot_be_revoked(case, coordinator):
    access = case.accesses.get(basis=CaseAccess.Basis.COLLABORATION)
    with pytest.raises(ValidationError):
        services.case_access_revoke(actor=coordinator, access=access, reason="誤り")


def test_a_grant_with_an_end_date_ends_by_itself(case, coordinator, staff_unassigned, other_agency):
    until = timezone.now() + dt.timedelta(days=3)
    grant(case, coordinator, other_agency, valid_until=until)
    assert selectors.cases_visible_to(staff_unassigned).exists()
    later = until + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        # The policy checks dates on every read: nothing has to run for it to end.
        assert not selectors.cases_visible_to(staff_unassigned).exists()
        with pytest.raises(Http404):
            selectors.case_get_for_user(user=staff_unassigned, pk=case.pk)


def test_moving_agency_ends_what_was_seen_through_the_old_one(
    case, admin_user, staff_assigned, other_agency
):
    assert selectors.cases_visible_to(staff_assigned).exists()
    staff_transfer(actor=admin_user, user=staff_assigned, agency=other_agency)
    assert not selectors.cases_visible_to(staff_assigned).exists()
    fresh = type(staff_assigned).objects.get(pk=staff_assigned.pk)
    assert fresh.history.first().history_user == admin_user


def test_only_the_admin_role_moves_staff(coordinator, staff_assigned, other_agency):
    with pytest.raises(PermissionDenied):
        staff_transfer(actor=coordinator, user=staff_assigned, agency=other_agency)


def test_a_leaving_coordinators_cases_are_handed_over_in_one_step(case, coordinator, hub):
    successor = user_with_role(Role.COORDINATOR, agency=hub, username="successor")
    moved = services.coordinator_handover(
        actor=coordinator, leaving=coordinator, successor=successor, reason="4月の異動"
    )
    assert moved == 1
    case.refresh_from_db()
    assert case.lead_coordinator == successor
    event = case.events.get(kind=CaseEvent.Kind.HANDED_OVER)
    assert "4月の異動" in event.message
    assert case.history.first().history_user == coordinator


def test_handover_refuses_a_successor_who_is_not_a_coordinator(case, coordinator, staff_assigned):
    with pytest.raises(ValidationError):
        services.coordinator_handover(
            actor=coordinator, leaving=coordinator, successor=staff_assigned, reason=""
        )


def test_the_access_page_lets_a_coordinator_grant_and_revoke(
    login, case, coordinator, other_agency, staff_unassigned
):
    client = login(coordinator)
    url = reverse("cases:case_access", args=[case.pk])
    response = client.post(url, {"agency": other_agency.pk, "reason": "学校との連携"})
    assert response.status_code == 302
    access = case.accesses.get(agency=other_agency)
    page = client.get(url).content.decode()
    assert "学校との連携" in page and other_agency.name in page
    revoke = reverse("cases:case_access_revoke", args=[case.pk, access.pk])
    assert client.post(revoke, {"reason": "役割終了"}).status_code == 302
    access.refresh_from_db()
    assert access.revoke_reason == "役割終了"


def test_the_access_page_is_read_only_for_agency_staff(login, case, staff_assigned, other_agency):
    client = login(staff_assigned)
    url = reverse("cases:case_access", args=[case.pk])
    page = client.get(url).content.decode()
    assert "閲覧権限を付与する" not in page
    assert client.post(url, {"agency": other_agency.pk, "reason": "x"}).status_code == 403
    access = case.accesses.first()
    revoke = reverse("cases:case_access_revoke", args=[case.pk, access.pk])
    assert client.post(revoke, {"reason": "x"}).status_code == 403


def test_an_access_id_of_another_case_answers_404(login, case, coordinator, staff_assigned):
    from tests.factories import make_consultation

    other_consultation = make_consultation(actor=staff_assigned)
    other = services.case_open(
        actor=coordinator,
        consultation=other_consultation,
        subjects=[other_consultation.person],
        main_agency=staff_assigned.agency,
        lead_coordinator=coordinator,
    )
    foreign = other.accesses.first()
    revoke = reverse("cases:case_access_revoke", args=[case.pk, foreign.pk])
    assert login(coordinator).post(revoke, {"reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_the_history_page_shows_field_diffs_in_japanese(login, case, coordinator):
    services.case_update(
        actor=coordinator,
        case=case,
        data={"status": Case.Status.ASSESSMENT},
        expected_version=case.version,
        reason="初回訪問",
    )
    person = case.household.members.get()
    services.person_update(
        actor=coordinator, person=person, data={"phone": "090-2222-3333"}, expected_version=1
    )
    page = login(coordinator).get(reverse("cases:case_history", args=[case.pk])).content.decode()
    assert "状態" in page and "受付" in page and "アセスメント" in page
    assert "初回訪問" in page
    assert "電話（携帯など）" in page and "090-2222-3333" in page
    assert "kana_key" not in page and "version" not in page


def test_the_history_page_is_404_for_an_unassigned_agency(login, case, staff_unassigned):
    url = reverse("cases:case_history", args=[case.pk])
    assert login(staff_unassigned).get(url).status_code == 404


def test_a_coordinator_cannot_hand_over_a_colleagues_cases_in_the_service(case, hub):
    colleague = user_with_role(Role.COORDINATOR, agency=hub, username="colleague")
    successor = user_with_role(Role.COORDINATOR, agency=hub, username="successor")
    with pytest.raises(PermissionDenied):
        services.coordinator_handover(
            actor=colleague, leaving=case.lead_coordinator, successor=successor, reason=""
        )


def test_an_agency_outside_the_city_needs_the_persons_consent_to_be_brought_in(case, coordinator):
    from agencies.models import Agency
    from tests.factories import AgencyFactory, make_consent

    school = AgencyFactory(name="架空市立第一中学校", kind=Agency.Kind.SCHOOL)
    with pytest.raises(ValidationError, match="情報共有）の範囲に含まれていません"):
        grant(case, coordinator, school)
    assert not case.accesses.filter(agency=school).exists()
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[school])
    assert grant(case, coordinator, school).basis == CaseAccess.Basis.COLLABORATION_PARTNER


def test_a_transfer_leaves_no_user_level_grant_active_and_says_so_on_the_case(
    case, admin_user, secretariat, coordinator, other_agency
):
    """人事異動 ends the user's own grants (支援会議) at once, each on its case's timeline."""
    from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

    body = make_body(secretariat)
    meeting = make_meeting(secretariat, [body])
    member = user_with_role(Role.AGENCY_STAFF, agency=coordinator.agency, username="member")
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, member)
    attend(secretariat, meeting, member)
    add_item(secretariat, meeting, body, case=case)
    assert case.accesses.filter(user=member, revoked_at__isnull=True).exists()

    staff_transfer(actor=admin_user, user=member, agency=other_agency)

    assert not CaseAccess.objects.filter(user=member, revoked_at__isnull=True).exists()
    revoked = case.accesses.get(user=member)
    assert "人事異動" in revoked.revoke_reason
    assert case.events.filter(kind=CaseEvent.Kind.ACCESS_REVOKED).exists()
