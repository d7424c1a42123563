"""世帯の統合 (the same household found twice) and 世帯の分離 (members who leave)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases import selectors
from cases.masking import protected_household_ids
from cases.models import Case, CaseEvent, Consultation, Household, Person
from cases.services import households
from referrals.models import Referral
from tests.factories import make_consent, make_consultation, member_data, open_case
from tests.meetings.helpers import add_item, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def twice(staff_assigned, coordinator):
    """The same family registered twice: a case on one record, an uncased consultation
    handed to 多機関協働 on the other."""
    first = make_consultation(
        actor=staff_assigned, members=[member_data(family_name="森", family_name_kana="もり")]
    )
    case = open_case(first, actor=coordinator)
    second = make_consultation(
        actor=staff_assigned,
        members=[member_data(family_name="森", given_name="花子", family_name_kana="もり")],
        outcome=Consultation.Outcome.COLLABORATION,
    )
    second.household.address = "架空市別町9-9"
    second.household.save(update_fields=["address"])
    return case, second


def test_a_merge_moves_people_records_and_cases_and_keeps_the_record(twice, coordinator):
    case, second = twice
    source, target = second.household, case.household
    consent = make_consent(actor=coordinator, person=second.person, agencies=[coordinator.agency])
    households.household_merge(actor=coordinator, source=source, target=target, reason="同一世帯")

    source.refresh_from_db()
    assert source.merged_into == target and Household.objects.filter(pk=source.pk).exists()
    assert set(target.members.values_list("given_name", flat=True)) == {"太郎", "花子"}
    second.refresh_from_db()
    assert second.household == target
    consent.refresh_from_db()
    assert consent.person.household == target  # consents follow their people
    assert "架空市別町9-9" in Household.objects.get(pk=target.pk).notes  # nothing lost
    moved = Person.objects.get(given_name="花子")
    assert moved.history.first().history_change_reason == "世帯の統合（同一世帯）"
    assert case.events.filter(kind=CaseEvent.Kind.HOUSEHOLD_MERGED).exists()
    assert source not in selectors.households_visible_to(coordinator)


def test_rows_of_the_apps_above_follow_the_merge(twice, coordinator, secretariat, staff_assigned):
    case, second = twice
    body = make_body(secretariat, name="支援会議（統合）")
    pledge(secretariat, body, secretariat)
    meeting = make_meeting(secretariat, [body])
    item = add_item(secretariat, meeting, body, household=second.household)
    from tests.referrals.helpers import send

    sheet = send(actor=staff_assigned, to=coordinator.agency, consultation=second)
    from cases.services import outreach

    outreach.outreach_start(
        actor=staff_assigned,
        household=second.household,
        started_on=second.received_at.date(),
        concern="閉じこもり",
    )
    households.household_merge(
        actor=coordinator, source=second.household, target=case.household, reason="同一世帯"
    )
    item.refresh_from_db()
    assert item.household == case.household
    assert case.household.outreach_engagements.count() == 1
    assert Referral.objects.get(pk=sheet.pk).household == case.household


def test_a_merge_needs_a_coordinator_who_manages_both(twice, staff_assigned, coordinator):
    case, second = twice
    with pytest.raises(PermissionDenied):
        households.household_merge(
            actor=staff_assigned, source=second.household, target=case.household, reason="x"
        )
    other = make_consultation(
        actor=staff_assigned,
        members=[member_data(family_name="林")],
        outcome=Consultation.Outcome.CONTINUING,
    )
    with pytest.raises(PermissionDenied):  # the window's own uncased household: not handed
        households.household_merge(
            actor=coordinator, source=second.household, target=other.household, reason="x"
        )
    with pytest.raises(ValidationError):
        households.household_merge(
            actor=coordinator, source=case.household, target=case.household, reason="x"
        )
    assert Person.objects.filter(household=second.household).count() == 1


def test_a_split_moves_a_child_and_leaves_the_case(case, coordinator, login):
    household = case.household
    from cases.services import person_add

    child = person_add(
        actor=coordinator,
        household=household,
        data={**member_data(given_name="次郎", given_name_kana="じろう"), "relation": "child"},
    )
    new = households.household_split(
        actor=coordinator, household=household, members=[child], reason_kind="moved_out"
    )
    child.refresh_from_db()
    assert child.household == new and new.split_from == household
    case.refresh_from_db()
    assert case.household == household
    assert case.events.filter(kind=CaseEvent.Kind.HOUSEHOLD_SPLIT).exists()


def test_a_dv_flight_masks_the_new_household_from_its_first_moment(
    case, coordinator, staff_assigned, login
):
    from cases.services import person_add

    household = case.household
    person_add(
        actor=coordinator,
        household=household,
        data={**member_data(given_name="加害", given_name_kana="かがい"), "relation": "spouse"},
    )
    subject = case.subjects.get()
    new = households.household_split(
        actor=coordinator,
        household=household,
        members=[subject],
        reason_kind="dv",
        contact={"address": "避難先市秘密町1-1", "postal_code": "", "phone": ""},
    )
    assert new.pk in protected_household_ids([new.pk])
    # The measure came first: no history row of the new household shows it unmasked
    # to anyone, and the case went with its only subject.
    case.refresh_from_db()
    assert case.household == new
    page = login(staff_assigned).get(reverse("cases:case_detail", args=[case.pk]))
    assert "避難先市秘密町" not in page.content.decode()
    household_page = login(staff_assigned).get(reverse("cases:household_detail", args=[new.pk]))
    assert "避難先市秘密町" not in household_page.content.decode()


def test_a_split_refuses_half_a_case_all_members_and_non_managers(
    case, coordinator, staff_assigned
):
    from cases.services import person_add

    household = case.household
    spouse = person_add(
        actor=coordinator,
        household=household,
        data={**member_data(given_name="配偶", given_name_kana="はいぐう"), "relation": "spouse"},
    )
    case.subjects.add(spouse)
    subject = Person.objects.get(household=household, relation="self")
    with pytest.raises(ValidationError) as half:
        households.household_split(
            actor=coordinator, household=household, members=[subject], reason_kind="other"
        )
    assert case.number in str(half.value)
    with pytest.raises(ValidationError):
        households.household_split(
            actor=coordinator,
            household=household,
            members=[subject, spouse],
            reason_kind="other",
        )
    with pytest.raises(PermissionDenied):
        households.household_split(
            actor=staff_assigned, household=household, members=[spouse], reason_kind="other"
        )
    assert Household.objects.filter(split_from=household).count() == 0
    assert Case.objects.get(pk=case.pk).household == household


def test_the_merge_page_finds_and_merges(twice, coordinator, login):
    case, second = twice
    client = login(coordinator)
    url = reverse("cases:household_merge", args=[second.household_id])
    page = client.get(url, {"q": "もり"}).content.decode()
    assert f'value="{case.household_id}"' in page
    refused = client.post(url + "?q=もり", {"target": case.household_id, "reason": "同一"})
    assert "チェックを入れてください" in refused.content.decode()
    done = client.post(
        url + "?q=もり", {"target": case.household_id, "reason": "同一", "confirm": "on"}
    )
    assert done.status_code == 302
    assert Household.objects.get(pk=second.household_id).merged_into_id == case.household_id


def test_the_split_page_splits(case, coordinator, login):
    from cases.services import person_add

    child = person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name="三郎", given_name_kana="さぶろう"), "relation": "child"},
    )
    client = login(coordinator)
    url = reverse("cases:household_split", args=[case.household_id])
    bad = client.post(url, {"reason_kind": "moved_out"})
    assert "1人以上選んでください" in bad.content.decode()
    done = client.post(url, {"members": [child.pk], "reason_kind": "moved_out"})
    assert done.status_code == 302
    child.refresh_from_db()
    assert child.household != case.household


def test_two_records_of_one_person_merge_with_everything_that_names_them(
    twice, coordinator, staff_assigned
):
    case, second = twice
    households.household_merge(
        actor=coordinator, source=second.household, target=case.household, reason="同一世帯"
    )
    kept = case.subjects.get()
    # The same 本人, typed again with a typo in the given name at the second window.
    duplicate = Person.objects.create(
        household=case.household,
        family_name="森",
        given_name="太朗",
        family_name_kana="もり",
        given_name_kana="たろう",
        relation="self",
        birth_date=kept.birth_date,
    )
    consultation = make_consultation(actor=staff_assigned, household=case.household)
    consultation.person = duplicate
    consultation.save(update_fields=["person"])
    consent = make_consent(actor=coordinator, person=duplicate, agencies=[coordinator.agency])
    case.subjects.add(duplicate)
    from tests.referrals.helpers import send

    sheet = send(actor=staff_assigned, to=coordinator.agency, case=case, person=duplicate)

    from agencies.services import resource_save
    from cases.services import participation

    shop = resource_save(actor=coordinator, data={"name": "森の居場所", "kind": "ibasho"})
    matched = participation.participation_add(
        actor=coordinator,
        case=case,
        person=duplicate,
        resource=shop,
        started_on=case.opened_at.date(),
    )
    households.person_merge(actor=coordinator, source=duplicate, target=kept, reason="入力違い")
    matched.refresh_from_db()
    assert matched.person == kept

    assert Person.all_objects.get(pk=duplicate.pk).merged_into == kept
    assert duplicate.pk not in set(case.household.members.values_list("pk", flat=True))
    assert list(case.subjects.all()) == [kept]
    consultation.refresh_from_db()
    consent.refresh_from_db()
    assert consultation.person == kept and consent.person == kept
    assert Referral.objects.get(pk=sheet.pk).person == kept
    assert case.events.filter(kind=CaseEvent.Kind.PERSON_MERGED).exists()
    # Its history stays, reached from the old records.
    assert Person.all_objects.get(pk=duplicate.pk).history.count() >= 2


def test_a_person_merge_is_a_coordinators_inside_one_household(twice, coordinator, staff_assigned):
    case, second = twice
    kept, other = case.subjects.get(), second.person
    with pytest.raises(ValidationError) as across:
        households.person_merge(actor=coordinator, source=other, target=kept, reason="x")
    assert "先に世帯を統合" in str(across.value)
    with pytest.raises(PermissionDenied):
        households.person_merge(actor=staff_assigned, source=other, target=kept, reason="x")
    assert Person.objects.filter(pk=other.pk).exists()
