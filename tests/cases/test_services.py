import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import Case, CaseAccess, CaseEvent, CaseNumberCounter, Consultation, Person
from core.japanese import TOKYO
from tests.factories import consultation_data, issue, make_consultation, member_data

pytestmark = pytest.mark.django_db


def test_it_records_a_consultation_for_a_new_household_with_history(staff_assigned):
    consultation = make_consultation(
        actor=staff_assigned,
        members=[
            member_data(),
            member_data(given_name="花子", given_name_kana="はなこ", relation="parent"),
        ],
    )
    assert consultation.receiving_agency == staff_assigned.agency
    assert consultation.received_by == staff_assigned
    assert consultation.household.members.count() == 2
    assert consultation.household.display_name == "山田 太郎"
    assert consultation.person.kana_key == "やまだたろお"
    records = list(consultation.history.order_by("history_id"))
    assert records[0].history_type == "+"
    assert {r.history_user for r in records} == {staff_assigned}
    # The issue categories (many-to-many) are in the history too.
    assert {i.issuecategory for i in records[-1].issues.all()} == {issue()}
    assert consultation.person.history.get().history_user == staff_assigned
    assert consultation.household.history.first().history_user == staff_assigned


def test_it_sets_the_fiscal_year_from_tokyo_midnight(staff_assigned):
    before = make_consultation(
        actor=staff_assigned, received_at=dt.datetime(2025, 3, 31, 14, 59, tzinfo=dt.UTC)
    )
    after = make_consultation(
        actor=staff_assigned, received_at=dt.datetime(2025, 3, 31, 15, 0, tzinfo=dt.UTC)
    )
    assert (before.fiscal_year, after.fiscal_year) == (2024, 2025)


def test_it_refuses_a_main_issue_that_is_not_among_the_issues(staff_assigned):
    with pytest.raises(ValidationError):
        services.consultation_record(
            actor=staff_assigned,
            household=None,
            household_data={},
            new_members=[member_data()],
            subject_new_index=0,
            data=consultation_data(),
            issues=[issue("高齢")],
            main_issue=issue("8050"),
        )
    assert not Consultation.objects.exists()
    assert not Person.objects.exists()


def test_it_refuses_intake_by_roles_without_a_window(manager, secretariat):
    for user in (manager, secretariat):
        with pytest.raises(PermissionDenied):
            make_consultation(actor=user)


def test_it_refuses_intake_into_a_household_the_actor_cannot_see(
    consultation, staff_unassigned, staff_assigned
):
    with pytest.raises(PermissionDenied):
        make_consultation(actor=staff_unassigned, household=consultation.household)
    # The window that took the first consultation may add another.
    again = make_consultation(actor=staff_assigned, household=consultation.household)
    assert again.household == consultation.household


def test_it_opens_a_case_with_number_grants_history_and_timeline(
    consultation, coordinator, assigned_agency
):
    case = services.case_open(
        actor=coordinator,
        consultation=consultation,
        subjects=[consultation.person],
        main_agency=assigned_agency,
        lead_coordinator=coordinator,
    )
    assert case.sequence == 1
    assert case.number.endswith("-0001")
    assert list(case.subjects.all()) == [consultation.person]
    consultation.refresh_from_db()
    assert consultation.case == case
    assert consultation.outcome == Consultation.Outcome.COLLABORATION
    assert consultation.history.first().history_user == coordinator
    assert case.history.first().history_user == coordinator
    bases = set(case.accesses.values_list("agency__name", "basis"))
    assert bases == {
        (coordinator.agency.name, CaseAccess.Basis.COLLABORATION),
        (assigned_agency.name, CaseAccess.Basis.RECEIVING_AGENCY),
    }
    assert all(a.history.first().history_user == coordinator for a in case.accesses.all())
    kinds = list(case.events.order_by("id").values_list("kind", "actor"))
    assert kinds[0] == (CaseEvent.Kind.OPENED, coordinator.pk)
    assert (CaseEvent.Kind.CONSULTATION_LINKED, coordinator.pk) in kinds


def test_it_opens_a_case_from_several_consultations_of_one_household(
    consultation, coordinator, staff_assigned
):
    second = make_consultation(actor=coordinator, household=consultation.household)
    case = services.case_open(
        actor=coordinator,
        consultation=consultation,
        extra_consultations=[second],
        subjects=[consultation.person],
        main_agency=staff_assigned.agency,
        lead_coordinator=coordinator,
    )
    assert set(case.consultations.all()) == {consultation, second}


def test_it_refuses_to_open_a_case_twice_or_by_agency_staff(case, consultation, coordinator):
    with pytest.raises(ValidationError):
        services.case_open(
            actor=coordinator,
            consultation=consultation,
            subjects=[consultation.person],
            main_agency=coordinator.agency,
            lead_coordinator=coordinator,
        )


def test_agency_staff_may_not_open_a_case(consultation, staff_assigned):
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=staff_assigned,
            consultation=consultation,
            subjects=[consultation.person],
            main_agency=staff_assigned.agency,
            lead_coordinator=staff_assigned,
        )
    assert not Case.objects.exists()


def test_it_refuses_subjects_from_another_household(consultation, coordinator, staff_assigned):
    stranger = make_consultation(actor=staff_assigned, members=[member_data(given_name="次郎")])
    with pytest.raises(ValidationError) as excinfo:
        services.case_open(
            actor=coordinator,
            consultation=consultation,
            subjects=[stranger.person],
            main_agency=coordinator.agency,
            lead_coordinator=coordinator,
        )
    assert "subjects" in excinfo.value.error_dict


def test_case_numbers_restart_at_0001_on_1_april_tokyo(coordinator, staff_assigned):
    def open_at(moment):
        consultation = make_consultation(actor=staff_assigned, received_at=moment)
        with mock.patch("cases.services.timezone.now", return_value=moment):
            return services.case_open(
                actor=coordinator,
                consultation=consultation,
                subjects=[consultation.person],
                main_agency=staff_assigned.agency,
                lead_coordinator=coordinator,
            )

    march = [open_at(dt.datetime(2026, 3, 31, 23, 50, tzinfo=TOKYO)) for _ in range(2)]
    april = open_at(dt.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO))
    assert [c.number for c in march] == ["R7-0001", "R7-0002"]
    assert april.number == "R8-0001"
    assert CaseNumberCounter.objects.get(fiscal_year=2025).last_value == 2


def test_a_failed_opening_gives_its_number_back(consultation, coordinator, staff_assigned):
    with (
        mock.patch("cases.services.events.case_opened_event", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        services.case_open(
            actor=coordinator,
            consultation=consultation,
            subjects=[consultation.person],
            main_agency=staff_assigned.agency,
            lead_coordinator=coordinator,
        )
    case = services.case_open(
        actor=coordinator,
        consultation=consultation,
        subjects=[consultation.person],
        main_agency=staff_assigned.agency,
        lead_coordinator=coordinator,
    )
    assert case.sequence == 1


def test_case_update_writes_history_and_a_status_event(case, coordinator):
    changed = services.case_update(
        actor=coordinator,
        case=case,
        data={"status": Case.Status.ASSESSMENT},
        expected_version=case.version,
        reason="初回訪問",
    )
    assert changed == ["状態"]
    case.refresh_from_db()
    assert case.version == 2
    latest = case.history.first()
    assert (latest.status, latest.history_user, latest.history_change_reason) == (
        Case.Status.ASSESSMENT,
        coordinator,
        "初回訪問",
    )
    event = case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).get()
    assert "「受付」から「アセスメント」" in event.message
    assert event.actor == coordinator


def test_case_update_refuses_a_stale_version_and_says_what_changed(case, coordinator):
    stale = case.version
    services.case_update(
        actor=coordinator, case=case, data={"status": Case.Status.PLANNING}, expected_version=stale
    )
    with pytest.raises(services.EditConflict) as excinfo:
        services.case_update(
            actor=coordinator,
            case=Case.objects.get(pk=case.pk),
            data={"status": Case.Status.SUPPORT},
            expected_version=stale,
        )
    change = excinfo.value.changes[0]
    assert (change.label, change.before, change.after) == ("状態", "受付", "プラン作成")
    assert excinfo.value.by == str(coordinator)
    case.refresh_from_db()
    assert case.status == Case.Status.PLANNING


def test_agency_staff_cannot_change_a_case_they_can_see(case, staff_assigned):
    with pytest.raises(PermissionDenied):
        services.case_update(
            actor=staff_assigned,
            case=case,
            data={"status": Case.Status.SUPPORT},
            expected_version=case.version,
        )


def test_person_update_refreshes_keys_and_writes_a_member_event(case, coordinator):
    person = case.household.members.get()
    changed = services.person_update(
        actor=coordinator,
        person=person,
        data={"family_name_kana": "ヤマダ", "phone": "０９０－１１１１－２２２２"},
        expected_version=person.version,
    )
    assert set(changed) == {"せい（ふりがな）", "電話（携帯など）"}
    person.refresh_from_db()
    assert person.phone_key == "09011112222"
    assert person.history.first().history_user == coordinator
    event = case.events.filter(kind=CaseEvent.Kind.MEMBER_UPDATED).get()
    assert "電話" in event.message


def test_person_update_refuses_a_stale_version(case, coordinator, staff_assigned):
    person = case.household.members.get()
    version = person.version
    services.person_update(
        actor=staff_assigned, person=person, data={"notes": "A"}, expected_version=version
    )
    with pytest.raises(services.EditConflict) as excinfo:
        services.person_update(
            actor=coordinator,
            person=Person.objects.get(pk=person.pk),
            data={"notes": "B"},
            expected_version=version,
        )
    assert [(c.label, c.after) for c in excinfo.value.changes] == [("備考", "A")]
    person.refresh_from_db()
    assert person.notes == "A"
