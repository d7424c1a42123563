"""The つなぐシート services, both sides of every transition and of every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Area
from agencies.roles import Role
from cases import services as case_services
from cases.models import CaseAccess, CaseEvent
from cases.permissions import ALL_NEEDS, VIEW_WORK, Need, case_needs, household_needs
from cases.selectors import consultations_visible_to, households_visible_to
from consent.services import consent_withdraw
from referrals import services
from referrals.events import Kind
from referrals.models import Referral
from tests.factories import AgencyFactory, make_consent, member_data, user_with_role

from .helpers import send, window_consultation

pytestmark = pytest.mark.django_db


def referral_events(case, kind: Kind):
    return case.events.filter(kind=kind.value)


# -- sending --------------------------------------------------------------------


def test_a_window_sends_an_uncased_consultation_to_the_hub_without_consent(
    staff_assigned, hub, coordinator
):
    consultation = window_consultation(
        staff_assigned,
        members=[
            member_data(relation="parent", family_name="山田", given_name="花子"),
            member_data(given_name="一郎"),
        ],
    )
    # The subject of the consultation is the first new member: 本人 comes first.
    referral = send(
        actor=staff_assigned,
        to=hub,
        consultation=consultation,
        notes={str(consultation.person_id): "足が悪い"},
    )
    assert referral.status == Referral.Status.SENT
    assert referral.consent_state == Referral.ConsentState.NONE
    assert referral.consent is None
    assert (referral.from_agency, referral.to_agency) == (staff_assigned.agency, hub)
    assert [m["name"] for m in referral.members] == ["山田 花子", "山田 一郎"]
    assert referral.members[0]["relation"] == "本人"
    assert referral.members[0]["note"] == "足が悪い"
    assert referral.address == "架空市若葉町1-2-3"
    # The row, then its issues (simple-history records the m2m as a second row).
    history = list(referral.history.order_by("history_date", "history_id"))
    assert [(h.history_user, h.history_type) for h in history] == [
        (staff_assigned, "+"),
        (staff_assigned, "~"),
    ]
    assert list(referral.issues.values_list("name", flat=True)) == ["8050"]


def test_coordinators_who_see_a_handed_consultation_may_send_it_too(
    consultation, coordinator, other_agency
):
    hub_b = AgencyFactory(name="南部多機関協働", is_collaboration_hub=True)
    referral = send(actor=coordinator, to=hub_b, consultation=consultation)
    assert referral.from_agency == coordinator.agency


def test_an_agency_that_does_not_see_the_consultation_may_not_send_it(
    staff_assigned, staff_unassigned, hub
):
    consultation = window_consultation(staff_assigned)
    with pytest.raises(PermissionDenied):
        send(actor=staff_unassigned, to=hub, consultation=consultation)
    assert not Referral.objects.exists()


def test_a_case_sheet_needs_work_on_the_case(case, coordinator, staff_unassigned, hub):
    other_hub = AgencyFactory(name="南部多機関協働", is_collaboration_hub=True)
    with pytest.raises(PermissionDenied):
        send(actor=staff_unassigned, to=other_hub, case=case)
    # A read-only basis (an emergency provision) is not enough either.
    case_services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=staff_unassigned.agency,
        legal_basis="27_1_2",
        reason="安否確認",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    assert case_needs(staff_unassigned, case) == frozenset({Need.VIEW})
    with pytest.raises(PermissionDenied):
        send(actor=staff_unassigned, to=other_hub, case=case)
    assert not Referral.objects.exists()


def test_a_case_sheet_is_sent_by_the_receiving_window_and_is_on_the_timeline(
    case, staff_assigned, hub
):
    referral = send(actor=staff_assigned, to=hub, case=case)
    event = referral_events(case, Kind.SENT).get()
    assert event.actor == staff_assigned
    assert hub.name in event.message
    assert event.parameters["referral_id"] == str(referral.pk)


def test_the_sheet_of_a_case_names_a_subject_as_the_person(case, staff_assigned, hub):
    other = case_services.person_add(
        actor=case.lead_coordinator,
        household=case.household,
        data=member_data(given_name="次郎", relation="child", birth_date=None),
    )
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=hub, case=case, person=other)
    assert "対象者" in str(exc.value)


def test_nothing_goes_to_ones_own_agency_nor_twice_while_waiting(staff_assigned, hub):
    consultation = window_consultation(staff_assigned)
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=staff_assigned.agency, consultation=consultation)
    assert "自分の機関" in str(exc.value)
    send(actor=staff_assigned, to=hub, consultation=consultation)
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=hub, consultation=consultation)
    assert "回答を待っています" in str(exc.value)
    assert Referral.objects.count() == 1


def test_texts_are_required_and_bounded(staff_assigned, hub):
    consultation = window_consultation(staff_assigned)
    with pytest.raises(ValidationError) as exc:
        send(
            actor=staff_assigned,
            to=hub,
            consultation=consultation,
            situation="",
            reason="あ" * 2001,
            urgency="someday",
        )
    errors = exc.value.message_dict
    assert errors["situation"] == ["状況を入力してください。"]
    assert errors["reason"] == ["紹介する理由は2000字以内で入力してください。"]
    assert errors["urgency"] == ["緊急度を選んでください。"]


# -- the consent rule ---------------------------------------------------------------


def test_no_consent_no_sheet_and_the_error_names_whose_consent_for_which_agency(
    case, staff_assigned, other_agency
):
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=other_agency, case=case)
    message = exc.value.message_dict["to_agency"][0]
    assert "山田 太郎さん" in message
    assert other_agency.name in message
    assert "記録されていません" in message
    assert not Referral.objects.exists()
    assert not referral_events(case, Kind.SENT).exists()


def test_a_consent_that_does_not_cover_the_agency_is_named_as_such(
    case, coordinator, staff_assigned, other_agency, hub
):
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[hub])
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=other_agency, case=case)
    assert f"同意の範囲に{other_agency.name}が含まれていません" in str(exc.value)


def test_an_expired_consent_sends_nothing(case, coordinator, staff_assigned, other_agency):
    today = timezone.localdate()
    make_consent(
        actor=coordinator,
        person=case.subjects.get(),
        agencies=[other_agency],
        obtained_on=today - dt.timedelta(days=30),
        valid_until=today - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=other_agency, case=case)
    assert "有効期限が切れています" in str(exc.value)
    assert not Referral.objects.exists()


def test_a_withdrawn_consent_sends_nothing(case, coordinator, staff_assigned, other_agency):
    consent = make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    consent_withdraw(
        actor=coordinator, consent=consent, withdrawn_on=timezone.localdate(), reason="本人から"
    )
    with pytest.raises(ValidationError) as exc:
        send(actor=staff_assigned, to=other_agency, case=case)
    assert "撤回されています" in str(exc.value)
    assert not Referral.objects.exists()


def test_a_consent_without_the_sharing_purpose_sends_nothing(
    case, coordinator, staff_assigned, other_agency
):
    make_consent(
        actor=coordinator,
        person=case.subjects.get(),
        agencies=[other_agency],
        purpose_sharing=False,
    )
    with pytest.raises(ValidationError):
        send(actor=staff_assigned, to=other_agency, case=case)


def test_a_valid_consent_covering_the_agency_sends_the_sheet(
    case, coordinator, staff_assigned, other_agency
):
    consent = make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    referral = send(actor=staff_assigned, to=other_agency, case=case)
    assert referral.consent == consent
    assert referral.consent_state == Referral.ConsentState.GIVEN


def test_a_hub_always_receives_and_a_consent_is_recorded_when_there_is_one(
    case, coordinator, staff_assigned, hub
):
    other_hub = AgencyFactory(name="南部多機関協働", is_collaboration_hub=True)
    assert send(actor=staff_assigned, to=other_hub, case=case).consent_state == "none"
    consent = make_consent(actor=coordinator, person=case.subjects.get(), agencies=[hub])
    referral = send(actor=staff_assigned, to=hub, case=case)
    assert (referral.consent_state, referral.consent) == ("given", consent)


# -- accepting: what access it gives ----------------------------------------------------


def test_the_hub_sees_only_the_sheet_until_it_accepts_then_manages_the_consultation(
    staff_assigned, hub, coordinator
):
    consultation = window_consultation(staff_assigned)
    household = consultation.household
    referral = send(actor=staff_assigned, to=hub, consultation=consultation)
    assert not consultations_visible_to(coordinator).filter(pk=consultation.pk).exists()
    assert not households_visible_to(coordinator).filter(pk=household.pk).exists()
    assert household_needs(coordinator, household) == frozenset()

    services.referral_accept(actor=coordinator, referral=referral)
    referral.refresh_from_db()
    assert (referral.status, referral.answered_by) == (Referral.Status.ACCEPTED, coordinator)
    assert [h.history_user for h in referral.history.order_by("history_date")] == [
        staff_assigned,
        staff_assigned,
        coordinator,
    ]
    assert list(consultations_visible_to(coordinator).filter(pk=consultation.pk)) == [consultation]
    assert household_needs(coordinator, household) == ALL_NEEDS
    # The window keeps what it had; the hub's other staff get nothing.
    assert household_needs(staff_assigned, household) == ALL_NEEDS
    hub_staff = user_with_role(Role.AGENCY_STAFF, agency=hub, username="hub_staff")
    assert household_needs(hub_staff, household) == frozenset()


def test_a_declined_or_withdrawn_sheet_hands_nothing(staff_assigned, hub, coordinator):
    first = window_consultation(staff_assigned)
    second = window_consultation(staff_assigned, members=[member_data(family_name="佐藤")])
    declined = send(actor=staff_assigned, to=hub, consultation=first)
    services.referral_decline(actor=coordinator, referral=declined, reason="窓口で対応可能")
    withdrawn = send(actor=staff_assigned, to=hub, consultation=second)
    services.referral_withdraw(actor=staff_assigned, referral=withdrawn)
    assert not consultations_visible_to(coordinator).filter(pk__in=[first.pk, second.pk]).exists()


def test_an_accepted_sheet_hands_the_consultation_to_the_hubs_area_only(staff_assigned):
    north, south = Area.objects.create(name="北"), Area.objects.create(name="南")
    north_hub = AgencyFactory(name="北の多機関協働", is_collaboration_hub=True, area=north)
    south_hub = AgencyFactory(name="南の多機関協働", is_collaboration_hub=True, area=south)
    city_hub = AgencyFactory(name="市の多機関協働", is_collaboration_hub=True)
    north_c = user_with_role(Role.COORDINATOR, agency=north_hub, username="north_c")
    south_c = user_with_role(Role.COORDINATOR, agency=south_hub, username="south_c")
    city_c = user_with_role(Role.COORDINATOR, agency=city_hub, username="city_c")
    consultation = window_consultation(staff_assigned)
    services.referral_accept(
        actor=north_c, referral=send(actor=staff_assigned, to=north_hub, consultation=consultation)
    )
    seen = {
        user.username: consultations_visible_to(user).filter(pk=consultation.pk).exists()
        for user in (north_c, south_c, city_c)
    }
    assert seen == {"north_c": True, "south_c": False, "city_c": True}


def test_a_hub_that_accepts_a_case_sheet_without_consent_gets_no_case_access(
    case, staff_assigned, login
):
    from django.urls import reverse

    other_hub = AgencyFactory(name="南部多機関協働", is_collaboration_hub=True)
    receiver = user_with_role(Role.COORDINATOR, agency=other_hub, username="south")
    referral = send(actor=staff_assigned, to=other_hub, case=case)
    client = login(receiver)
    pages = [
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:household_detail", args=[case.household_id]),
    ]
    sheet = reverse("referrals:referral_detail", args=[referral.pk])
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert client.get(sheet).status_code == 200
    services.referral_accept(actor=receiver, referral=referral)
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert not CaseAccess.objects.filter(agency=other_hub).exists()
    event = referral_events(case, Kind.ACCEPTED).get()
    assert event.actor == receiver


def test_accepting_a_case_sheet_gives_exactly_the_consents_access(
    case, coordinator, staff_assigned, staff_unassigned, other_agency
):
    consent = make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    referral = send(actor=staff_assigned, to=other_agency, case=case)
    services.referral_accept(actor=staff_unassigned, referral=referral)
    rows = CaseAccess.objects.filter(case=case, agency=other_agency, revoked_at__isnull=True)
    assert {(row.basis, row.source_id) for row in rows} == {
        (CaseAccess.Basis.CONSENT, str(consent.pk))
    }
    assert case_needs(staff_unassigned, case) == VIEW_WORK
    # The access lasts only as long as the consent: withdrawing it ends it.
    consent_withdraw(
        actor=coordinator, consent=consent, withdrawn_on=timezone.localdate(), reason="本人から"
    )
    assert case_needs(staff_unassigned, case) == frozenset()


def test_accepting_does_not_undo_a_coordinators_revocation(
    case, coordinator, staff_assigned, staff_unassigned, other_agency
):
    """A sheet gives no access of its own: the consent's basis, revoked by the managing
    coordinator, stays revoked when its agency accepts a sheet."""
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    access = CaseAccess.objects.get(case=case, agency=other_agency)
    case_services.case_access_revoke(actor=coordinator, access=access, reason="一時停止")
    referral = send(actor=staff_assigned, to=other_agency, case=case)
    services.referral_accept(actor=staff_unassigned, referral=referral)
    assert not CaseAccess.objects.filter(
        case=case, agency=other_agency, revoked_at__isnull=True
    ).exists()
    assert case_needs(staff_unassigned, case) == frozenset()


# -- answering and withdrawing: who, and in which state ------------------------------------


@pytest.fixture
def sent(staff_assigned, hub, coordinator):
    return send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))


def test_only_the_addressed_agency_answers(sent, staff_assigned, staff_unassigned, hub):
    hub_staff = user_with_role(Role.AGENCY_STAFF, agency=hub, username="hub_staff")
    for actor in (staff_assigned, staff_unassigned, hub_staff):
        with pytest.raises(PermissionDenied):
            services.referral_accept(actor=actor, referral=sent)
        with pytest.raises(PermissionDenied):
            services.referral_decline(actor=actor, referral=sent, reason="x")
    sent.refresh_from_db()
    assert sent.status == Referral.Status.SENT
    assert sent.history.count() == 2


def test_declining_needs_a_reason_and_ends_the_sheet(sent, coordinator):
    with pytest.raises(ValidationError) as exc:
        services.referral_decline(actor=coordinator, referral=sent, reason="  ")
    assert exc.value.message_dict == {"reason": ["辞退の理由を入力してください。"]}
    with pytest.raises(ValidationError):
        services.referral_decline(actor=coordinator, referral=sent, reason="あ" * 501)
    services.referral_decline(actor=coordinator, referral=sent, reason="窓口で対応できます")
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason, sent.answered_by) == (
        Referral.Status.DECLINED,
        "窓口で対応できます",
        coordinator,
    )
    latest = sent.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        coordinator,
        "辞退: 窓口で対応できます",
    )
    for answer in (services.referral_accept, services.referral_complete):
        with pytest.raises(ValidationError):
            answer(actor=coordinator, referral=sent)


def test_complete_follows_accept_only(sent, coordinator, staff_assigned):
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(actor=coordinator, referral=sent)
    assert "受理したものだけ" in str(exc.value)
    services.referral_accept(actor=coordinator, referral=sent)
    with pytest.raises(ValidationError):
        services.referral_accept(actor=coordinator, referral=sent)
    with pytest.raises(PermissionDenied):
        services.referral_complete(actor=staff_assigned, referral=sent)
    services.referral_complete(actor=coordinator, referral=sent, note="ケースとして支援開始")
    sent.refresh_from_db()
    assert (sent.status, sent.completed_by, sent.completion_note) == (
        Referral.Status.COMPLETED,
        coordinator,
        "ケースとして支援開始",
    )
    assert sent.history.count() == 4
    # Still handed after completion.
    assert consultations_visible_to(coordinator).filter(pk=sent.consultation_id).exists()


def test_withdrawing_is_the_senders_agency_before_an_answer(sent, coordinator, staff_assigned):
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(actor=coordinator, referral=sent)
    colleague = user_with_role(
        Role.AGENCY_STAFF, agency=staff_assigned.agency, username="colleague"
    )
    services.referral_withdraw(actor=colleague, referral=sent, reason="記入誤り")
    sent.refresh_from_db()
    assert (sent.status, sent.withdrawn_by, sent.withdraw_reason) == (
        Referral.Status.WITHDRAWN,
        colleague,
        "記入誤り",
    )
    with pytest.raises(ValidationError):
        services.referral_accept(actor=coordinator, referral=sent)


def test_an_answered_sheet_cannot_be_withdrawn(sent, coordinator, staff_assigned):
    services.referral_accept(actor=coordinator, referral=sent)
    with pytest.raises(ValidationError) as exc:
        services.referral_withdraw(actor=staff_assigned, referral=sent)
    assert "「受理」" in str(exc.value)


def test_every_transition_of_a_case_sheet_is_on_the_timeline(
    case, coordinator, staff_assigned, staff_unassigned, other_agency
):
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    first = send(actor=staff_assigned, to=other_agency, case=case)
    services.referral_decline(actor=staff_unassigned, referral=first, reason="定員超過")
    second = send(actor=staff_assigned, to=other_agency, case=case)
    services.referral_withdraw(actor=staff_assigned, referral=second, reason="重複")
    third = send(actor=staff_assigned, to=other_agency, case=case)
    services.referral_accept(actor=staff_unassigned, referral=third)
    services.referral_complete(actor=staff_unassigned, referral=third, note="利用開始")
    kinds = list(
        case.events.filter(kind__startswith="referral_")
        .order_by("created_at", "id")
        .values_list("kind", "actor__username")
    )
    assert kinds == [
        (Kind.SENT, "staff_assigned"),
        (Kind.DECLINED, "staff_unassigned"),
        (Kind.SENT, "staff_assigned"),
        (Kind.WITHDRAWN, "staff_assigned"),
        (Kind.SENT, "staff_assigned"),
        (Kind.ACCEPTED, "staff_unassigned"),
        (Kind.COMPLETED, "staff_unassigned"),
    ]
    declined = referral_events(case, Kind.DECLINED).get()
    assert "定員超過" in declined.message
    # The timeline names the kind in Japanese.
    from cases.selectors import case_timeline

    lines, _older = case_timeline(case=case)
    labels = {line.get_kind_display() for line in lines}
    assert {"つなぐシートを送付", "つなぐシートを辞退", "つなぐシートの対応完了"} <= labels
    assert CaseEvent.objects.filter(kind__startswith="referral_").count() == 7


# -- what a sheet never carries ------------------------------------------------------------


def test_a_dv_measure_keeps_address_and_phones_off_the_sheet(staff_assigned, hub, coordinator):
    consultation = window_consultation(staff_assigned)
    services.referral_accept(
        actor=coordinator,
        referral=send(actor=staff_assigned, to=hub, consultation=consultation),
    )
    case_services.dv_measure_set(
        actor=coordinator, person=consultation.person, valid_from=timezone.localdate()
    )
    other_hub = AgencyFactory(name="南部多機関協働", is_collaboration_hub=True)
    referral = send(actor=staff_assigned, to=other_hub, consultation=consultation)
    assert (referral.address, referral.phone, referral.postal_code) == ("", "", "")
    assert referral.contacts_withheld
