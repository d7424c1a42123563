"""中断・再開 and 終結・再開: the case's transitions, their refusals and their grants."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import Agency
from agencies.roles import Role
from cases import services
from cases.models import Case, CaseAccess, CaseClosure, CaseEvent, CaseSuspension
from cases.permissions import Need, case_needs
from cases.services import support
from tests.factories import AgencyFactory, close_case, make_consent, user_with_role
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


def close(actor, case, **overrides):
    return close_case(case, actor=actor, **overrides)


def test_it_suspends_and_resumes_where_the_case_was(case, coordinator):
    services.case_update(
        actor=coordinator, case=case, data={"status": "support"}, expected_version=case.version
    )
    suspension = support.case_suspend(
        actor=coordinator, case=case, reason="lost_contact", note="3回訪問したが不在"
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUSPENDED
    assert suspension.previous_status == "support"
    # 中断 is still an open case (DESIGN.md): the window keeps its access.
    assert case.is_open
    support.case_resume(actor=coordinator, case=case, note="本人から電話があった")
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT
    kinds = list(case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.SUSPENDED in kinds and CaseEvent.Kind.RESUMED in kinds
    assert suspension.history.count() == 2
    assert case.history.first().history_user == coordinator


def test_only_the_managing_coordinators_suspend_close_and_reopen(case, coordinator, staff_assigned):
    with pytest.raises(PermissionDenied):
        support.case_suspend(actor=staff_assigned, case=case, reason="refusal", note="拒否")
    with pytest.raises(PermissionDenied):
        close(staff_assigned, case)
    close(coordinator, case)
    with pytest.raises(PermissionDenied):
        support.case_reopen(actor=staff_assigned, case=case, reason="再度の相談")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_it_refuses_what_does_not_fit_the_state(case, coordinator):
    with pytest.raises(ValidationError):
        support.case_resume(actor=coordinator, case=case, note="x")
    with pytest.raises(ValidationError):
        support.case_reopen(actor=coordinator, case=case, reason="x")
    support.case_suspend(actor=coordinator, case=case, reason="refusal", note="拒否")
    with pytest.raises(ValidationError):
        support.case_suspend(actor=coordinator, case=case, reason="refusal", note="二度目")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as edit:
        services.case_update(
            actor=coordinator, case=case, data={"status": "support"}, expected_version=case.version
        )
    assert "再開" in str(edit.value)
    assert CaseSuspension.objects.filter(case=case).count() == 1


def test_closing_needs_a_final_evaluation_and_a_hand_over_needs_its_agency(case, coordinator):
    with pytest.raises(ValidationError) as missing:
        close(coordinator, case, evaluation=" ", improvement="")
    assert set(missing.value.error_dict) == {"evaluation", "improvement"}
    with pytest.raises(ValidationError) as handover:
        close(coordinator, case, reason="existing_window")
    assert "handover_agency" in handover.value.error_dict
    with pytest.raises(ValidationError) as other:
        close(coordinator, case, reason="other")
    assert "note" in other.value.error_dict
    case.refresh_from_db()
    assert case.status != Case.Status.CLOSED
    assert not CaseClosure.objects.exists()


def test_a_hand_over_to_an_agency_without_consent_names_the_missing_consent(case, coordinator):
    carrier = AgencyFactory(name="障害福祉課（引継ぎ）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    _, missing = close(coordinator, case, reason="existing_window", handover_agency=carrier)
    person = case.subjects.get()
    assert missing == [person.full_name]
    case.refresh_from_db()
    assert case.main_agency == carrier
    # It gains nothing by being named 主担当.
    assert not case.accesses.filter(agency=carrier).exists()
    event = case.events.get(kind=CaseEvent.Kind.CLOSED)
    assert person.full_name in event.message and "同意がない" in event.message


def test_a_hand_over_covered_by_consent_or_to_the_receiving_window_misses_nothing(
    case, coordinator, assigned_agency
):
    _, missing = close(coordinator, case, reason="comprehensive", handover_agency=assigned_agency)
    assert missing == []
    support.case_reopen(actor=coordinator, case=case, reason="再び支援が必要")
    carrier = AgencyFactory(name="社会福祉協議会（引継ぎ）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[carrier])
    _, missing = close(coordinator, case, reason="existing_window", handover_agency=carrier)
    assert missing == []


def test_closing_ends_partner_grants_and_support_meeting_handlings(
    case, coordinator, secretariat, staff_unassigned, assigned_agency
):
    department = AgencyFactory(name="生活福祉課（終結）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    partner = services.case_access_grant(
        actor=coordinator, case=case, agency=department, reason="生活保護の相談"
    )
    body = make_body(secretariat, name="支援会議（終結）")
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, staff_unassigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, body, case=case)
    assert Need.VIEW in case_needs(staff_unassigned, case)

    close(coordinator, case)

    partner.refresh_from_db()
    assert partner.revoked_at is not None and partner.revoke_reason == "ケースの終結"
    assert case_needs(staff_unassigned, case) == frozenset()
    assert not body.handlings.filter(case=case, ended_at=None).exists()
    # The coordinators keep view and manage; the window keeps what 受付機関 gives.
    assert case_needs(coordinator, case) == frozenset(Need)
    window = CaseAccess.objects.get(case=case, basis="receiving_agency", agency=assigned_agency)
    assert window.revoked_at is None


def test_reopening_needs_a_reason_and_restores_no_ended_grant(case, coordinator):
    department = AgencyFactory(name="生活福祉課（再開）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    services.case_access_grant(actor=coordinator, case=case, agency=department, reason="相談")
    close(coordinator, case)
    with pytest.raises(ValidationError):
        support.case_reopen(actor=coordinator, case=case, reason="  ")
    closure = support.case_reopen(actor=coordinator, case=case, reason="再び困窮")
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT
    assert closure.reopen_reason == "再び困窮"
    assert not case.accesses.filter(agency=department, revoked_at__isnull=True).exists()
    assert case.events.filter(kind=CaseEvent.Kind.REOPENED).exists()


def test_the_pages_walk_a_case_through_its_transitions(case, coordinator, login):
    client = login(coordinator)
    detail = reverse("cases:case_detail", args=[case.pk])
    page = client.get(detail).content.decode()
    assert reverse("cases:case_suspend", args=[case.pk]) in page
    response = client.post(
        reverse("cases:case_suspend", args=[case.pk]), {"reason": "refusal", "note": "拒否"}
    )
    assert response.status_code == 302
    assert reverse("cases:case_resume", args=[case.pk]) in client.get(detail).content.decode()
    client.post(reverse("cases:case_resume", args=[case.pk]), {"note": "電話あり"})
    bad = client.post(reverse("cases:case_close", args=[case.pk]), {"reason": "resolved"})
    assert bad.status_code == 200
    assert "最終評価を入力してください" in bad.content.decode()
    carrier = AgencyFactory(name="こども家庭課（画面）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    response = client.post(
        reverse("cases:case_close", args=[case.pk]),
        {
            "reason": "existing_window",
            "handover_agency": carrier.pk,
            "improvement": "improved",
            "evaluation": "学校と連携できた。",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "ケースを終結しました" in body
    assert "同意を得て記録してください" in body
    client.post(reverse("cases:case_reopen", args=[case.pk]), {"reason": "再度の相談"})
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT


def test_a_window_sees_no_transition_buttons(case, staff_assigned, login):
    page = login(staff_assigned).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:case_close", args=[case.pk]) not in page
    assert reverse("cases:record_new", args=[case.pk]) in page


def test_a_coordinator_of_the_receiving_hub_only_works(case, assigned_agency):
    """A coordinator whose agency is only the 受付機関 works the case but may not close it."""
    window_coordinator = user_with_role(Role.COORDINATOR, agency=assigned_agency, username="wc")
    with pytest.raises(PermissionDenied):
        close(window_coordinator, case)


def test_reopening_applies_consents_given_while_closed_but_no_revoked_grant(case, coordinator):
    close(coordinator, case)
    newly = AgencyFactory(name="社会福祉協議会（再開後）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[newly])
    assert not case.accesses.filter(agency=newly).exists()  # closed: not applied
    support.case_reopen(actor=coordinator, case=case, reason="再び相談")
    assert case.accesses.filter(agency=newly, basis="consent", revoked_at=None).exists()

    granted = case.accesses.get(agency=newly)
    services.case_access_revoke(actor=coordinator, access=granted, reason="本人の意向")
    case.refresh_from_db()
    close(coordinator, case)
    support.case_reopen(actor=coordinator, case=case, reason="もう一度")
    assert not case.accesses.filter(agency=newly, revoked_at=None).exists()
