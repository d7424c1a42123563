"""Gate 1: a case goes on a 重層的支援会議 agenda only with every subject person's consent
valid on the meeting date for 会議での協議, covering every attending agency — re-checked
when the date or the attendees change."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent import services as consent_services
from core.japanese import format_wareki
from meetings import selectors, services
from meetings.models import AgendaItem
from tests.factories import member_data
from tests.meetings.helpers import add_item, attend, consent, make_meeting, propose

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MEETING_DAY = TODAY + dt.timedelta(days=10)


@pytest.fixture
def meeting(secretariat, consent_body, coordinator, staff_assigned):
    meeting = make_meeting(secretariat, [consent_body], date=MEETING_DAY)
    attend(secretariat, meeting, coordinator, staff_assigned)
    return meeting


@pytest.fixture
def agencies(hub, assigned_agency):
    return [hub, assigned_agency]


def test_without_consent_the_case_is_refused_naming_person_date_and_rule(
    secretariat, meeting, consent_body, case
):
    with pytest.raises(ValidationError) as exc:
        add_item(secretariat, meeting, consent_body, case=case)
    message = " ".join(exc.value.messages)
    assert case.subjects.get().full_name in message
    assert format_wareki(MEETING_DAY) in message
    assert "重層的支援会議での協議" in message
    assert "対象者全員の有効な同意" in message
    assert not AgendaItem.objects.exists()


def test_consent_ending_the_day_before_the_meeting_is_refused(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    consent(coordinator, case.subjects.get(), agencies, valid_until=MEETING_DAY - dt.timedelta(1))
    with pytest.raises(ValidationError, match="有効期限が切れています"):
        add_item(secretariat, meeting, consent_body, case=case)


def test_consent_ending_on_the_meeting_date_is_enough(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    consent(coordinator, case.subjects.get(), agencies, valid_until=MEETING_DAY)
    item = add_item(secretariat, meeting, consent_body, case=case)
    assert not item.gate_blocked


def test_consent_for_other_purposes_does_not_count(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    consent(coordinator, case.subjects.get(), agencies, purpose_meeting=False, purpose_sharing=True)
    with pytest.raises(ValidationError, match="重層的支援会議での協議"):
        add_item(secretariat, meeting, consent_body, case=case)


def test_every_subject_person_of_the_household_must_consent(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    mother = case.household.members.create(
        **member_data(given_name="花子", given_name_kana="はなこ", relation="parent")
    )
    case.subjects.add(mother)
    consent(coordinator, case.subjects.exclude(pk=mother.pk).get(), agencies)
    with pytest.raises(ValidationError) as exc:
        add_item(secretariat, meeting, consent_body, case=case)
    assert "山田 花子さん" in " ".join(exc.value.messages)
    assert "山田 太郎さん" not in " ".join(exc.value.messages)
    consent(coordinator, mother, agencies)
    assert add_item(secretariat, meeting, consent_body, case=case)


def test_a_scope_missing_one_attending_agency_is_refused_naming_it(
    secretariat, coordinator, meeting, consent_body, case, hub, assigned_agency
):
    consent(coordinator, case.subjects.get(), [hub])
    with pytest.raises(ValidationError) as exc:
        add_item(secretariat, meeting, consent_body, case=case)
    assert f"「{assigned_agency.name}」" in " ".join(exc.value.messages)


def test_a_legal_proxys_consent_counts(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    child = case.household.members.create(
        **{
            **member_data(given_name="陽菜", given_name_kana="ひな", relation="child"),
            "birth_date": dt.date(TODAY.year - 10, 4, 2),
        }
    )
    case.subjects.set([child])
    consent(coordinator, child, agencies, given_by="parent", proxy_name="山田 花子")
    assert add_item(secretariat, meeting, consent_body, case=case)


def test_a_family_member_is_no_proxy_so_the_case_stays_refused(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    person = case.subjects.get()
    with pytest.raises(ValidationError, match="法定代理人"):
        consent_services.consent_record(
            actor=coordinator,
            person=person,
            data={
                "purpose_sharing": False,
                "purpose_meeting": True,
                "purpose_plan": False,
                "method": "written",
                "witness": "",
                "obtained_on": TODAY,
                "valid_until": None,
                "given_by": "family",
                "proxy_name": "山田 一郎（兄）",
            },
            agencies=agencies,
        )
    with pytest.raises(ValidationError, match="同意が記録されていません"):
        add_item(secretariat, meeting, consent_body, case=case)


def test_a_household_of_concern_is_never_a_consent_meeting_item(
    secretariat, meeting, consent_body, consultation
):
    with pytest.raises(ValidationError, match="支援決定したケースだけ"):
        add_item(secretariat, meeting, consent_body, household=consultation.household)


def test_withdrawal_after_the_agenda_was_built_flags_the_item_on_recheck(
    login, secretariat, coordinator, staff_assigned, meeting, consent_body, case, agencies
):
    given = consent(coordinator, case.subjects.get(), agencies)
    item = add_item(secretariat, meeting, consent_body, case=case)
    assert not item.gate_blocked
    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=TODAY, reason="本人の申し出"
    )
    # The pages check live, before any re-check has stored the flag.
    assert selectors.meeting_papers(user=secretariat, meeting=meeting).excluded_consent == 1
    item_url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    assert login(staff_assigned).get(item_url).status_code == 404

    flagged = services.agenda_recheck(actor=secretariat, meeting=meeting)
    assert flagged == [item]
    item.refresh_from_db()
    assert item.gate_blocked
    assert "撤回" in item.gate_reasons[0]
    assert item.history.first().history_user == secretariat

    page = login(secretariat).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert "同意の確認ができない議題が 1 件あります" in page.content.decode()
    assert "同意が撤回されています" in page.content.decode()
    papers = login(secretariat).get(reverse("meetings:meeting_papers", args=[meeting.pk]))
    assert "同意の確認ができないため除外した議題：1件" in papers.content.decode()
    assert case.number not in papers.content.decode()


def test_the_recheck_button_tells_the_secretariat_why(
    login, secretariat, coordinator, meeting, consent_body, case, agencies
):
    given = consent(coordinator, case.subjects.get(), agencies)
    add_item(secretariat, meeting, consent_body, case=case)
    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=TODAY, reason="本人の申し出"
    )
    response = login(secretariat).post(
        reverse("meetings:meeting_recheck", args=[meeting.pk]), follow=True
    )
    assert "資料から除外されます" in response.content.decode()
    assert "同意が撤回されています" in response.content.decode()


def test_moving_the_date_past_the_consent_flags_and_moving_back_clears(
    secretariat, coordinator, meeting, consent_body, support_body, case, agencies
):
    consent(coordinator, case.subjects.get(), agencies, valid_until=MEETING_DAY)
    item = add_item(secretariat, meeting, consent_body, case=case)
    data = {
        "date": MEETING_DAY + dt.timedelta(days=1),
        "start_time": None,
        "kind": "regular",
        "place": "",
    }
    flagged = services.meeting_update(
        actor=secretariat, meeting=meeting, bodies=[consent_body], data=data
    )
    assert flagged == [item]
    item.refresh_from_db()
    assert item.gate_blocked and "有効期限が切れています" in item.gate_reasons[0]
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        bodies=[consent_body],
        data={**data, "date": MEETING_DAY},
    )
    item.refresh_from_db()
    assert not item.gate_blocked and item.gate_reasons == []


def test_a_new_attendee_outside_the_scope_flags_and_removing_them_clears(
    secretariat, coordinator, staff_unassigned, other_agency, meeting, consent_body, case, agencies
):
    consent(coordinator, case.subjects.get(), agencies)
    item = add_item(secretariat, meeting, consent_body, case=case)
    flagged = services.attendee_add(
        actor=secretariat, meeting=meeting, name="", agency=other_agency, user=staff_unassigned
    )
    assert flagged == [item]
    item.refresh_from_db()
    assert other_agency.name in item.gate_reasons[0]
    attendee = meeting.attendees.get(user=staff_unassigned)
    services.attendee_remove(actor=secretariat, attendee=attendee)
    item.refresh_from_db()
    assert not item.gate_blocked


def test_a_flagged_item_cannot_be_discussed(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    given = consent(coordinator, case.subjects.get(), agencies)
    item = add_item(secretariat, meeting, consent_body, case=case)
    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=TODAY, reason="本人の申し出"
    )
    with pytest.raises(ValidationError, match="協議できません"):
        services.item_minutes_record(
            actor=secretariat, item=item, expected_version=item.version, minutes="協議した"
        )


def test_the_proposals_show_each_case_with_its_reason_eligible_first(
    secretariat, coordinator, meeting, consent_body, case, agencies, staff_unassigned
):
    from cases import services as case_services
    from tests.factories import make_consultation

    other = make_consultation(actor=staff_unassigned)
    consented = case_services.case_open(
        actor=coordinator,
        consultation=other,
        subjects=[other.person],
        main_agency=staff_unassigned.agency,
        lead_coordinator=coordinator,
    )
    consent(coordinator, consented.subjects.get(), agencies)
    refused_one, allowed_one = (
        propose(consent_body, case=case),
        propose(consent_body, case=consented),
    )
    rows = selectors.proposals_for_agenda(user=secretariat, meeting=meeting, body=consent_body)
    # Those that may go on come first; the other says why, per person.
    assert [row.proposal for row in rows] == [allowed_one, refused_one]
    assert rows[0].allowed and not rows[1].allowed
    assert "同意が記録されていません" in rows[1].problems[0]


def test_withdrawal_itself_flags_the_items_of_scheduled_meetings(
    django_capture_on_commit_callbacks,
    secretariat,
    coordinator,
    meeting,
    consent_body,
    case,
    agencies,
):
    given = consent(coordinator, case.subjects.get(), agencies)
    item = add_item(secretariat, meeting, consent_body, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        consent_services.consent_withdraw(
            actor=coordinator, consent=given, withdrawn_on=TODAY, reason="本人の申し出"
        )
    item.refresh_from_db()
    assert item.gate_blocked
    assert "撤回" in item.gate_reasons[0]


def test_an_agenda_item_is_on_the_case_timeline(
    secretariat, coordinator, meeting, consent_body, case, agencies
):
    from cases.models import CaseEvent

    consent(coordinator, case.subjects.get(), agencies)
    add_item(secretariat, meeting, consent_body, case=case)
    event = case.events.get(kind=CaseEvent.Kind.MEETING_AGENDA)
    assert consent_body.name in event.message and event.actor == secretariat
