"""Gate 2: a 支援会議 item, its papers and its minutes only for attendees — the secretariat
included — with a valid pledge for that body on the meeting date. And gate 3's 支援会議
basis: the pledged attending members read the case while the pledge is valid and the
case is under the body's handling."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from cases import selectors as case_selectors
from cases.models import CaseAccess, CaseEvent
from cases.permissions import Need
from core.japanese import end_of_day_tokyo, format_wareki
from meetings import selectors, services
from meetings.models import ConfidentialityPledge, MeetingBody
from tests.factories import user_with_role
from tests.meetings.helpers import add_item, attend, consent, make_meeting, pledge

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def meeting(secretariat, support_body, staff_unassigned):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_unassigned)
    return meeting


def support_grants(case, user):
    return CaseAccess.objects.filter(case=case, user=user, basis=CaseAccess.Basis.SUPPORT_MEETING)


# -- the body's kind ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "consent_required", "duty"),
    [
        (MeetingBody.Kind.SOCIAL_WELFARE_ACT, False, True),
        (MeetingBody.Kind.SELF_RELIANCE_ACT, False, True),
        (MeetingBody.Kind.PUBLIC_ASSISTANCE_ACT, False, True),
        (MeetingBody.Kind.GUIDELINE, True, False),
    ],
)
def test_the_kind_decides_consent_duty_and_wording(kind, consent_required, duty):
    body = MeetingBody(name="まるごと会議", kind=kind)
    assert body.consent_required is consent_required
    assert body.confidentiality_duty is duty
    assert "まるごと会議" in body.confidentiality_wording
    assert (
        "守秘" in body.confidentiality_wording
        or "漏らしてはなりません" in body.confidentiality_wording
    ) is duty


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (dt.date(2026, 3, 31), False),  # before signing
        (dt.date(2026, 4, 1), True),
        (dt.date(2027, 3, 31), True),  # the end date is inclusive
        (dt.date(2027, 4, 1), False),
    ],
)
def test_a_pledge_is_valid_from_signing_through_its_end_date(day, valid):
    pledge_ = ConfidentialityPledge(signed_on=dt.date(2026, 4, 1), valid_until=dt.date(2027, 3, 31))
    assert pledge_.valid_on(day) is valid


# -- gate 2 --------------------------------------------------------------------------


def test_a_secretariat_user_without_a_pledge_cannot_put_up_a_support_item(
    hub, meeting, support_body, case
):
    other = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    with pytest.raises(ValidationError) as exc:
        add_item(other, meeting, support_body, case=case)
    message = " ".join(exc.value.messages)
    assert other.display_name in message
    assert format_wareki(meeting.date) in message
    assert "誓約書が記録されていません" in message
    assert "社会福祉法第106条の6第5項" in message


def test_a_pledge_that_expired_the_day_before_hides_the_item(
    login, secretariat, meeting, support_body, case, staff_unassigned
):
    pledge(secretariat, support_body, staff_unassigned, valid_until=TODAY - dt.timedelta(days=1))
    item = add_item(secretariat, meeting, support_body, case=case)
    url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    assert login(staff_unassigned).get(url).status_code == 404
    gaps = selectors.pledge_gaps(meeting=meeting)
    assert [g.attendee.user for g in gaps] == [staff_unassigned]
    assert "有効期限" in gaps[0].reason and format_wareki(meeting.date) in gaps[0].reason
    assert not support_grants(case, staff_unassigned).exists()


def test_a_pledge_valid_on_the_day_shows_the_item_read_only(
    login, secretariat, meeting, support_body, case, staff_unassigned
):
    pledge(secretariat, support_body, staff_unassigned, valid_until=TODAY)
    item = add_item(secretariat, meeting, support_body, case=case)
    client = login(staff_unassigned)
    url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"form": "minutes", "minutes": "x"}).status_code == 403
    assert selectors.pledge_gaps(meeting=meeting) == []


def test_the_secretariat_sees_who_lacks_a_pledge_before_the_meeting(
    login, secretariat, meeting, support_body
):
    page = login(secretariat).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    assert "支援会議の誓約書がない出席者" in page.content.decode()
    assert "誓約書が記録されていません" in page.content.decode()


def test_minutes_are_hidden_from_a_secretariat_user_without_a_pledge(
    login, hub, secretariat, meeting, support_body, case
):
    item = add_item(secretariat, meeting, support_body, case=case)
    services.item_minutes_record(
        actor=secretariat,
        item=item,
        expected_version=item.version,
        minutes="長男の就労について共有",
    )
    other = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    client = login(other)
    assert (
        client.get(reverse("meetings:item_detail", args=[meeting.pk, item.pk])).status_code == 404
    )
    detail = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert case.number not in detail
    assert "表示できない議題が 1 件" in detail
    papers = client.get(reverse("meetings:meeting_papers", args=[meeting.pk])).content.decode()
    assert "長男の就労" not in papers
    assert "誓約書がないため表示しない支援会議の議題：1件" in papers
    with pytest.raises(PermissionDenied):
        services.item_minutes_record(
            actor=other, item=item, expected_version=item.version, minutes="書き換え"
        )


def test_the_papers_print_the_bodys_confidentiality_wording(
    login, secretariat, meeting, support_body, case
):
    add_item(secretariat, meeting, support_body, case=case)
    papers = login(secretariat).get(reverse("meetings:meeting_papers", args=[meeting.pk]))
    text = papers.content.decode()
    assert case.number in text
    assert "社会福祉法第106条の6第5項" in text
    assert "漏らしてはなりません" in text


def test_a_household_of_concern_may_be_a_support_item(
    secretariat, meeting, support_body, consultation
):
    item = add_item(secretariat, meeting, support_body, household=consultation.household)
    assert item.household == consultation.household
    assert item.history.get().history_user == secretariat


# -- gate 3, basis 支援会議 ---------------------------------------------------------------


def test_a_support_item_grants_pledged_attendees_read_only_access(
    secretariat, meeting, support_body, case, staff_unassigned, other_agency
):
    pledge(secretariat, support_body, staff_unassigned, valid_until=TODAY + dt.timedelta(days=60))
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    add_item(secretariat, meeting, support_body, case=case)
    access = support_grants(case, staff_unassigned).get()
    assert access.agency is None
    assert access.valid_until == end_of_day_tokyo(TODAY + dt.timedelta(days=60))
    assert access.history.get().history_user == secretariat
    assert case_selectors.case_needs_for_user(user=staff_unassigned, case=case) == {Need.VIEW}
    event = case.events.filter(kind=CaseEvent.Kind.ACCESS_GRANTED).first()
    assert staff_unassigned.display_name in event.message and "支援会議" in event.message


def test_an_unpledged_attendee_and_a_pledged_non_attendee_get_nothing(
    secretariat, meeting, support_body, case, staff_unassigned, staff_assigned
):
    pledge(secretariat, support_body, staff_assigned)  # a member, but not at this meeting
    add_item(secretariat, meeting, support_body, case=case)
    assert not CaseAccess.objects.filter(basis=CaseAccess.Basis.SUPPORT_MEETING).exists()


def test_support_access_ends_when_the_pledge_lapses(
    secretariat, meeting, support_body, case, staff_unassigned
):
    until = TODAY + dt.timedelta(days=3)
    pledge(secretariat, support_body, staff_unassigned, valid_until=until)
    add_item(secretariat, meeting, support_body, case=case)
    assert case_selectors.cases_visible_to(staff_unassigned).exists()
    later = end_of_day_tokyo(until) + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert not case_selectors.cases_visible_to(staff_unassigned).exists()


def test_support_access_ends_at_once_when_the_pledge_is_revoked(
    login, secretariat, meeting, support_body, case, staff_unassigned
):
    given = pledge(secretariat, support_body, staff_unassigned)
    item = add_item(secretariat, meeting, support_body, case=case)
    services.pledge_revoke(actor=secretariat, pledge=given, reason="異動のため")
    access = support_grants(case, staff_unassigned).get()
    assert access.revoked_at is not None and "誓約書の取消" in access.revoke_reason
    assert access.history.first().history_user == secretariat
    assert case.events.filter(kind=CaseEvent.Kind.ACCESS_REVOKED).exists()
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    assert login(staff_unassigned).get(url).status_code == 404


def test_removing_the_attendee_revokes_and_adding_them_grants(
    secretariat, meeting, support_body, case, staff_unassigned
):
    pledge(secretariat, support_body, staff_unassigned)
    add_item(secretariat, meeting, support_body, case=case)
    services.attendee_remove(actor=secretariat, attendee=meeting.attendees.get())
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    attend(secretariat, meeting, staff_unassigned)
    assert case_selectors.cases_visible_to(staff_unassigned).exists()


def test_a_pledge_recorded_later_grants_for_the_open_handling(
    secretariat, meeting, support_body, case, staff_unassigned
):
    add_item(secretariat, meeting, support_body, case=case)
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    pledge(secretariat, support_body, staff_unassigned)
    assert case_selectors.cases_visible_to(staff_unassigned).exists()


def test_the_handling_ends_by_the_secretariat_or_by_a_closure_decision(
    secretariat, meeting, support_body, case, staff_unassigned
):
    pledge(secretariat, support_body, staff_unassigned)
    item = add_item(secretariat, meeting, support_body, case=case, purpose="closure")
    handling = support_body.handlings.get()
    services.handling_end(actor=secretariat, handling=handling, reason="主担当機関で支援可能")
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    handling.refresh_from_db()
    assert handling.ended_by == secretariat
    assert handling.history.first().history_user == secretariat

    # A later meeting opens a new handling; its 終結の判断 ends it when the meeting is held.
    later = make_meeting(secretariat, [support_body])
    attend(secretariat, later, staff_unassigned)
    item = add_item(secretariat, later, support_body, case=case, purpose="closure")
    assert case_selectors.cases_visible_to(staff_unassigned).exists()
    services.item_minutes_record(
        actor=secretariat,
        item=item,
        expected_version=item.version,
        minutes="終結とする",
        ends_handling=True,
    )
    services.meeting_close(actor=secretariat, meeting=later)
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    assert support_body.handlings.filter(ended_at__isnull=True).count() == 0


def test_removing_the_only_item_ends_the_handling(
    secretariat, meeting, support_body, case, staff_unassigned
):
    pledge(secretariat, support_body, staff_unassigned)
    item = add_item(secretariat, meeting, support_body, case=case)
    services.agenda_item_remove(actor=secretariat, item=item)
    assert not case_selectors.cases_visible_to(staff_unassigned).exists()
    assert support_body.handlings.get().end_reason == "議題から外したため"


# -- a joint meeting ---------------------------------------------------------------------


def test_a_joint_meeting_applies_each_items_own_rule(
    login,
    secretariat,
    joint_meeting,
    consent_body,
    support_body,
    case,
    coordinator,
    staff_unassigned,
):
    attend(secretariat, joint_meeting, coordinator, staff_unassigned)
    pledge(secretariat, support_body, staff_unassigned)
    # No consent: refused under the 重層的支援会議 …
    with pytest.raises(ValidationError, match="同意が記録されていません"):
        add_item(secretariat, joint_meeting, consent_body, case=case)
    # … but the same case may be shared under the 支援会議 of the same sitting.
    item = add_item(secretariat, joint_meeting, support_body, case=case, purpose="roles")
    assert item.body == support_body
    # The coordinator attends without a pledge: the item is not theirs to see.
    url = reverse("meetings:item_detail", args=[joint_meeting.pk, item.pk])
    assert login(coordinator).get(url).status_code == 404
    assert login(staff_unassigned).get(url).status_code == 200

    # With consent the 重層 item goes on too — and the coordinator sees that one.
    consent(coordinator, case.subjects.get(), [coordinator.agency, staff_unassigned.agency])
    plan_item = add_item(secretariat, joint_meeting, consent_body, case=case, purpose="plan")
    plan_url = reverse("meetings:item_detail", args=[joint_meeting.pk, plan_item.pk])
    assert login(coordinator).get(plan_url).status_code == 200
