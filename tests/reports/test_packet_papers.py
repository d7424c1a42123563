"""The 会議資料 selector, for a user (the page) or an attendee (a paper copy): gates 1
and 2 decided once, the case content a meeting needs, and what paper never carries.
Every rule is tested from both sides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.services import staff_transfer
from cases.masking import CONSULTER_MASK_TEXT, MASK_TEXT
from consent import services as consent_services
from meetings import services as meeting_services
from meetings.models import Attendee, MeetingBody
from meetings.selectors import meeting_papers, packet_recipients
from tests.meetings.helpers import add_item, attend, consent, make_body, make_meeting, pledge
from tests.reports.packet_helpers import (
    ABUSE_REPORTER,
    ABUSE_REPORTER_PHONE,
    CANCELLED_TEXT,
    RESTRICTED_TEXT,
    TODAY,
    add_record,
    fill_case,
    new_case,
    protect,
)

pytestmark = pytest.mark.django_db

Kind = MeetingBody.Kind


@pytest.fixture
def support_body(secretariat):
    body = make_body(secretariat, kind=Kind.SOCIAL_WELFARE_ACT, name="支援会議")
    pledge(secretariat, body, secretariat)
    return body


@pytest.fixture
def consent_body(secretariat):
    return make_body(secretariat, kind=Kind.GUIDELINE, name="重層的支援会議")


@pytest.fixture
def volunteer(secretariat, support_body, other_agency):
    """A pledged member without a login (民生委員)."""
    member = meeting_services.member_add(
        actor=secretariat,
        body=support_body,
        user=None,
        name="民生 委員子",
        agency=other_agency,
        title="民生委員",
    )
    pledge(secretariat, support_body, member=member)
    return member


def attendee_of(meeting, **lookup) -> Attendee:
    return meeting.attendees.get(**lookup)


def items_of(papers) -> list:
    return [entry.item for entry in papers.items]


# -- gate 2 for a recipient ------------------------------------------------------------


def test_a_pledged_member_without_a_login_receives_the_support_items(
    secretariat, support_body, volunteer, staff_assigned, coordinator, case
):
    meeting = make_meeting(secretariat, [support_body])
    meeting_services.attendees_add_members(actor=secretariat, meeting=meeting, members=[volunteer])
    item = add_item(secretariat, meeting, support_body, case=case)
    papers = meeting_papers(meeting=meeting, attendee=attendee_of(meeting, member=volunteer))
    assert items_of(papers) == [item]
    assert papers.excluded == 0


def test_an_attendee_without_a_valid_pledge_receives_no_support_item(
    secretariat, support_body, staff_unassigned, volunteer, case
):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_unassigned)  # a member, no pledge
    meeting_services.attendees_add_members(actor=secretariat, meeting=meeting, members=[volunteer])
    add_item(secretariat, meeting, support_body, case=case)
    papers = meeting_papers(meeting=meeting, attendee=attendee_of(meeting, user=staff_unassigned))
    assert papers.items == [] and papers.excluded_pledge == 1
    recipients = [attendee.name for attendee, _ in packet_recipients(meeting=meeting)]
    assert recipients == ["民生 委員子"]


def test_a_pledge_is_judged_on_the_meeting_date(secretariat, support_body, staff_unassigned, case):
    meeting = make_meeting(secretariat, [support_body], date=TODAY + dt.timedelta(days=7))
    pledge(secretariat, support_body, staff_unassigned, valid_until=TODAY + dt.timedelta(days=6))
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, support_body, case=case)
    attendee = attendee_of(meeting, user=staff_unassigned)
    # Valid today, expired by the meeting: nothing.
    assert meeting_papers(meeting=meeting, attendee=attendee).items == []
    pledge(secretariat, support_body, staff_unassigned, valid_until=TODAY + dt.timedelta(days=7))
    assert len(meeting_papers(meeting=meeting, attendee=attendee).items) == 1


def test_an_attendee_whose_login_moved_agency_receives_nothing(
    secretariat, support_body, staff_unassigned, admin_user, assigned_agency, case
):
    pledge(secretariat, support_body, staff_unassigned)
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, support_body, case=case)
    assert [a.user for a, _ in packet_recipients(meeting=meeting)] == [staff_unassigned]
    staff_transfer(actor=admin_user, user=staff_unassigned, agency=assigned_agency)
    assert packet_recipients(meeting=meeting) == []
    papers = meeting_papers(meeting=meeting, attendee=attendee_of(meeting, user=staff_unassigned))
    assert papers.items == [] and papers.excluded_recipient == 1


def test_a_joint_meetings_recipients_get_only_their_items(
    secretariat, support_body, consent_body, coordinator, staff_unassigned, hub, other_agency, case
):
    meeting = make_meeting(secretariat, [consent_body, support_body])
    pledge(secretariat, support_body, coordinator)
    attend(secretariat, meeting, coordinator, staff_unassigned)  # staff_unassigned: no pledge
    second = new_case(
        window_staff=case.consultations.get().received_by,
        coordinator=coordinator,
        family_name="佐藤",
        family_name_kana="さとう",
    )
    consent(coordinator, second.subjects.get(), [hub, other_agency])
    consent_item = add_item(secretariat, meeting, consent_body, case=second)
    support_item = add_item(secretariat, meeting, support_body, case=case)
    papers_of = {a.user: p for a, p in packet_recipients(meeting=meeting)}
    assert items_of(papers_of[coordinator]) == [consent_item, support_item]
    assert items_of(papers_of[staff_unassigned]) == [consent_item]
    # The unpledged copy carries only the 重層 line; the pledged one both.
    assert "第106条の6第5項" not in papers_of[staff_unassigned].line
    assert "第106条の6第5項" in papers_of[coordinator].line
    assert "本人が同意した範囲" in papers_of[staff_unassigned].line


# -- gate 1 on the meeting date ---------------------------------------------------------


@pytest.mark.parametrize(("withdrawn_in_days", "shown"), [(7, False), (8, True)])
def test_a_consent_meeting_item_needs_consent_valid_on_the_meeting_date(
    secretariat, consent_body, coordinator, hub, case, withdrawn_in_days, shown
):
    """A withdrawal recorded after the item went up, taking effect on the meeting day
    or the day after: the papers check gate 1 themselves, on the meeting date (the
    stored flag waits for the re-check task)."""
    meeting = make_meeting(secretariat, [consent_body], date=TODAY + dt.timedelta(days=7))
    attend(secretariat, meeting, coordinator)
    given = consent(coordinator, case.subjects.get(), [hub])
    add_item(secretariat, meeting, consent_body, case=case)
    consent_services.consent_withdraw(
        actor=coordinator,
        consent=given,
        withdrawn_on=TODAY + dt.timedelta(days=withdrawn_in_days),
        reason="本人の申出",
    )
    assert not meeting.items.get().gate_blocked
    papers = meeting_papers(meeting=meeting, attendee=attendee_of(meeting, user=coordinator))
    assert (len(papers.items) == 1) is shown
    assert papers.excluded_consent == (0 if shown else 1)
    assert bool(packet_recipients(meeting=meeting)) is shown
    assert (len(meeting_papers(meeting=meeting, user=secretariat).items) == 1) is shown


# -- the content ------------------------------------------------------------------------


@pytest.fixture
def support_meeting(secretariat, support_body, coordinator):
    pledge(secretariat, support_body, coordinator)
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, coordinator)
    return meeting


@pytest.fixture
def family(staff_assigned, coordinator):
    """A case of two members (本人 and a mother of about 85) and a 〒, address and phone."""
    return new_case(window_staff=staff_assigned, coordinator=coordinator)


def content_of(meeting, user):
    (entry,) = meeting_papers(meeting=meeting, user=user).items
    return entry


def test_the_papers_carry_what_the_meeting_needs(
    secretariat, support_body, support_meeting, coordinator, staff_assigned, family
):
    fill_case(family, coordinator=coordinator, window_staff=staff_assigned)
    add_item(secretariat, support_meeting, support_body, case=family, purpose="roles")
    entry = content_of(support_meeting, coordinator)
    c = entry.content
    assert [m.relation for m in c.members] == ["本人", "父母"]  # 本人 first
    assert c.members[0].subject and c.members[0].age.endswith("歳")
    assert c.members[1].age == "85歳くらい" and not c.members[1].subject
    assert c.members[0].issues == ("ひきこもり",)
    assert c.issues == ["8050（主）"]
    assert c.situation.startswith("80代の母") and c.risks == "母の転倒"
    assert c.plan.number == 1 and [t.content for t in c.tasks] == ["月1回の訪問で見守る"]
    assert [r.content[:7] for r in c.records] == ["訪問して母の様"]
    assert entry.question.startswith("どの機関が何を担うか")
    assert entry.request == "協議したい"
    (line,) = c.consents
    assert ("関係機関との情報共有", "なし") in line.states and line.sharing_agencies == ()


def test_the_consent_line_names_whom_sharing_covers(
    secretariat, support_body, support_meeting, coordinator, hub, other_agency, family
):
    consent(coordinator, family.subjects.get(), [hub, other_agency], purpose_sharing=True)
    add_item(secretariat, support_meeting, support_body, case=family)
    (line,) = content_of(support_meeting, coordinator).content.consents
    assert ("関係機関との情報共有", "有効") in line.states
    assert set(line.sharing_agencies) == {hub.name, other_agency.name}


def test_only_the_latest_printable_records_are_carried(
    secretariat, support_body, support_meeting, coordinator, staff_assigned, family
):
    for n in range(7):
        add_record(family, staff_assigned, f"記録{n}", days_ago=20 - n)
    add_item(secretariat, support_meeting, support_body, case=family)
    records = content_of(support_meeting, coordinator).content.records
    assert [r.content for r in records] == ["記録2", "記録3", "記録4", "記録5", "記録6"]


def test_restricted_and_cancelled_records_never_reach_paper(
    secretariat, support_body, support_meeting, coordinator, staff_assigned, family
):
    fill_case(family, coordinator=coordinator, window_staff=staff_assigned)
    add_item(secretariat, support_meeting, support_body, case=family)
    # The managing coordinator sees the restricted record on screen — not on paper.
    texts = [r.content for r in content_of(support_meeting, coordinator).content.records]
    assert texts and RESTRICTED_TEXT not in texts and CANCELLED_TEXT not in texts


@pytest.mark.parametrize("flagged", [False, True])
def test_dv_masked_contacts_never_reach_paper_even_for_the_managing_coordinator(
    secretariat, support_body, support_meeting, coordinator, family, flagged
):
    if flagged:
        protect(family, coordinator)
    add_item(secretariat, support_meeting, support_body, case=family)
    c = content_of(support_meeting, coordinator).content
    if flagged:
        assert c.address == MASK_TEXT and c.phone == MASK_TEXT
    else:
        assert c.address == "〒000-0001 架空市若葉町1-2-3" and c.phone == "0561-00-0001"


@pytest.mark.parametrize("abuse", [False, True])
def test_who_reported_abuse_never_reaches_paper(
    secretariat, support_body, support_meeting, coordinator, staff_assigned, abuse
):
    case = new_case(
        window_staff=staff_assigned,
        coordinator=coordinator,
        consulter="resident",
        consulter_name=ABUSE_REPORTER,
        consulter_relation="隣人",
        abuse=abuse,
    )
    add_item(secretariat, support_meeting, support_body, case=case)
    (line,) = content_of(support_meeting, coordinator).content.consultations
    if abuse:
        assert line.consulter == CONSULTER_MASK_TEXT
    else:
        assert line.consulter == f"地域住民　{ABUSE_REPORTER}（隣人）"
    assert ABUSE_REPORTER_PHONE not in repr(line)  # a phone is never printed


def test_a_household_of_concern_has_its_members_and_consultations(
    secretariat, support_body, support_meeting, coordinator, consultation
):
    add_item(secretariat, support_meeting, support_body, household=consultation.household)
    entry = content_of(support_meeting, coordinator)
    assert [m.name for m in entry.content.members] == ["山田 太郎"]
    assert entry.content.plan is None and entry.content.records == []
    assert entry.content.consultations[0].summary.startswith("母の介護")


# -- a fixed number of queries ----------------------------------------------------------


def _meeting_with(n, *, secretariat, body, coordinator, staff_assigned, volunteer):
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator)
    meeting_services.attendees_add_members(actor=secretariat, meeting=meeting, members=[volunteer])
    for i in range(n):
        case = new_case(
            window_staff=staff_assigned,
            coordinator=coordinator,
            family_name=f"試験{i}",
            family_name_kana=f"しけん{i}",
        )
        fill_case(case, coordinator=coordinator, window_staff=staff_assigned)
        add_item(secretariat, meeting, body, case=case)
    return meeting


@pytest.mark.parametrize("how", ["user", "attendee", "recipients"])
def test_the_papers_read_the_same_number_of_queries_for_one_item_or_many(
    django_assert_max_num_queries,
    secretariat,
    support_body,
    consent_body,
    coordinator,
    staff_assigned,
    volunteer,
    hub,
    assigned_agency,
    other_agency,
    how,
):
    pledge(secretariat, support_body, coordinator)
    kwargs = dict(
        secretariat=secretariat,
        body=support_body,
        coordinator=coordinator,
        staff_assigned=staff_assigned,
        volunteer=volunteer,
    )
    one = _meeting_with(1, **kwargs)
    many = _meeting_with(4, **kwargs)

    def read(meeting):
        if how == "user":
            return meeting_papers(meeting=meeting, user=coordinator)
        if how == "attendee":
            return meeting_papers(meeting=meeting, attendee=attendee_of(meeting, member=volunteer))
        return packet_recipients(meeting=meeting)

    with CaptureQueriesContext(connection) as baseline:
        read(one)
    with django_assert_max_num_queries(len(baseline)):
        result = read(many)
    if how == "recipients":
        assert [len(papers.items) for _, papers in result] == [4, 4]
    else:
        assert len(result.items) == 4


# -- the page ---------------------------------------------------------------------------


def test_the_papers_page_shows_the_same_content_and_marks_the_pledges(
    login, secretariat, support_body, support_meeting, coordinator, staff_assigned, family
):
    meeting_services.attendee_add(
        actor=secretariat, meeting=support_meeting, name="招待 太郎", agency=staff_assigned.agency
    )
    fill_case(family, coordinator=coordinator, window_staff=staff_assigned)
    protect(family, coordinator)
    add_item(secretariat, support_meeting, support_body, case=family)
    page = login(coordinator).get(reverse("meetings:meeting_papers", args=[support_meeting.pk]))
    text = page.content.decode()
    assert family.number in text and "月1回の訪問で見守る" in text and "85歳くらい" in text
    assert "社会福祉法第106条の6第5項により守秘義務が課されています。複製・持ち出し禁止" in text
    assert RESTRICTED_TEXT not in text and CANCELLED_TEXT not in text
    assert "架空市若葉町" not in text and MASK_TEXT in text
    assert "受け取れる（誓約書あり）" in text  # the coordinator
    assert "受け取れない（有効な誓約書なし）" in text  # the invited guest


def test_the_body_kind_gives_the_line_every_page_carries():
    lines = {
        kind: MeetingBody(name="まるごと会議", kind=kind).confidentiality_line for kind in Kind
    }
    assert lines[Kind.SOCIAL_WELFARE_ACT] == (
        "社会福祉法第106条の6第5項により守秘義務が課されています。複製・持ち出し禁止"
    )
    assert lines[Kind.SELF_RELIANCE_ACT].startswith("生活困窮者自立支援法第9条第5項により")
    assert "守秘義務" not in lines[Kind.GUIDELINE] and "複製・持ち出し禁止" in lines[Kind.GUIDELINE]
    assert all("まるごと会議" not in line for line in lines.values())
