"""The PDF packet (reports.packets.render_packets): opened with pypdf and read as text —
Japanese present, every page watermarked (name, agency, No.) with the body's
confidentiality line and n / N, and the gates and masking of meeting_papers obeyed."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from meetings import services as meeting_services
from meetings.models import MeetingBody
from reports.packets import NotARecipient, PacketCopy, packet_html, render_packets
from tests.meetings.helpers import add_item, attend, consent, make_body, make_meeting, pledge
from tests.reports.packet_helpers import (
    ABUSE_REPORTER,
    ABUSE_REPORTER_PHONE,
    CANCELLED_TEXT,
    RESTRICTED_TEXT,
    TODAY,
    fill_case,
    new_case,
    pdf_pages,
    protect,
)

pytestmark = pytest.mark.django_db

Kind = MeetingBody.Kind
ISSUED = dt.datetime(2026, 5, 1, 5, 30, tzinfo=dt.UTC)  # 14:30 in Tokyo
SWA_LINE = "社会福祉法第106条の6第5項により守秘義務が課されています。複製・持ち出し禁止"


def flat(text: str) -> str:
    """pypdf may break a line where the layout did: compare without white space."""
    return re.sub(r"\s+", "", text)


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


def copy_for(attendee, number: int) -> PacketCopy:
    return PacketCopy(
        attendee_id=attendee.pk,
        name=attendee.name,
        agency=attendee.agency.name,
        copy_number=number,
    )


@pytest.fixture
def support_packet(secretariat, support_body, coordinator, staff_assigned, volunteer):
    """A 支援会議 today at 14:00 with two filled cases — one under a DV measure, one an
    abuse report — for the coordinator (pledged), the volunteer (pledged, no login)
    and the assigned agency's staff (a member without a pledge)."""
    pledge(secretariat, support_body, coordinator)
    meeting = make_meeting(secretariat, [support_body])
    meeting_services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        bodies=[support_body],
        data={"start_time": dt.time(14, 0)},
    )
    attend(secretariat, meeting, coordinator, staff_assigned)
    meeting_services.attendees_add_members(actor=secretariat, meeting=meeting, members=[volunteer])
    protected = new_case(window_staff=staff_assigned, coordinator=coordinator)
    fill_case(protected, coordinator=coordinator, window_staff=staff_assigned)
    protect(protected, coordinator)
    reported = new_case(
        window_staff=staff_assigned,
        coordinator=coordinator,
        family_name="佐藤",
        family_name_kana="さとう",
        address="架空市青葉町9-9-9",
        phone="0561-00-0002",
        consulter="resident",
        consulter_name=ABUSE_REPORTER,
        consulter_relation="隣人",
        abuse=True,
    )
    add_item(secretariat, meeting, support_body, case=protected, purpose="roles")
    add_item(secretariat, meeting, support_body, case=reported)
    meeting.refresh_from_db()
    return meeting


def test_every_page_carries_the_watermark_the_line_and_n_of_n(support_packet, coordinator):
    meeting = support_packet
    coordinator_attendee = meeting.attendees.get(user=coordinator)
    volunteer_attendee = meeting.attendees.get(user=None)
    copies = [copy_for(coordinator_attendee, 3), copy_for(volunteer_attendee, 4)]
    calls = []
    pdfs = render_packets(
        meeting=meeting,
        copies=copies,
        issued_at=ISSUED,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 2), (2, 2)]
    assert len(pdfs) == 2
    for pdf, copy in zip(pdfs, copies, strict=True):
        pages = pdf_pages(pdf)
        assert len(pages) >= 3  # cover + one page per case at least
        for number, text in enumerate(pages, start=1):
            text = flat(text)
            assert flat(copy.name) in text and copy.agency in text
            assert f"No.{copy.copy_number}" in text
            assert "令和8年5月1日14:30" in text  # Asia/Tokyo
            assert SWA_LINE in text
            assert f"{number}/{len(pages)}" in text
        assert pdf.startswith(b"%PDF")
    # Copy 3's watermark is not on copy 4 (its recipient is on the cover, as an attendee).
    other = flat("".join(pdf_pages(pdfs[1])))
    assert flat(f"配布先：{coordinator_attendee.name}") not in other and "No.3" not in other


def test_the_packet_carries_the_cover_and_the_cases_in_japanese(
    support_packet, coordinator, staff_assigned
):
    meeting = support_packet
    attendee = meeting.attendees.get(user=coordinator)
    (pdf,) = render_packets(meeting=meeting, copies=[copy_for(attendee, 1)], issued_at=ISSUED)
    text = flat("".join(pdf_pages(pdf)))
    assert "会議資料" in text and "支援会議（社会福祉法第106条の6）" in text
    assert f"令和{meeting.date.year - 2018}年" in text and "14:00" in text
    assert "市役所第1会議室" in text
    # The cover marks who may receive 支援会議 material.
    assert "受け取れる（誓約書あり）" in text and "受け取れない（有効な誓約書なし）" in text
    # The case content: members, issues, plan, records, the question.
    for expected in ("山田太郎", "85歳くらい", "8050（主）", "月1回の訪問で見守る"):
        assert expected in text
    assert "訪問して母の様子を確認した" in text and "どの機関が何を担うか" in text


def test_no_restricted_record_dv_contact_or_reporter_reaches_the_pdf(support_packet, coordinator):
    meeting = support_packet
    attendee = meeting.attendees.get(user=coordinator)  # the managing coordinator
    (pdf,) = render_packets(meeting=meeting, copies=[copy_for(attendee, 1)], issued_at=ISSUED)
    text = flat("".join(pdf_pages(pdf)))
    for secret in (
        RESTRICTED_TEXT,
        CANCELLED_TEXT,
        "架空市若葉町1-2-3",  # the protected household
        "0561-00-0001",
        ABUSE_REPORTER,
        ABUSE_REPORTER_PHONE,
    ):
        assert flat(secret) not in text, secret
    # The allowed side: the unprotected household's address, the masks in their place.
    assert "架空市青葉町9-9-9" in text and "0561-00-0002" in text
    assert "DV等支援措置" in text and "通報者・相談者の情報は表示されません" in text


def test_a_support_meeting_copy_goes_only_to_a_pledged_attendee(support_packet, staff_assigned):
    meeting = support_packet
    unpledged = meeting.attendees.get(user=staff_assigned)
    pledged = meeting.attendees.get(user=None)
    with pytest.raises(NotARecipient):
        render_packets(
            meeting=meeting,
            copies=[copy_for(pledged, 1), copy_for(unpledged, 2)],
            issued_at=ISSUED,
        )
    with pytest.raises(NotARecipient):
        packet_html(meeting=meeting, attendee=unpledged)
    assert "議題1" in packet_html(meeting=meeting, attendee=pledged)


def test_a_joint_meetings_copies_hold_only_each_recipients_items(
    secretariat,
    support_body,
    consent_body,
    coordinator,
    staff_assigned,
    staff_unassigned,
    hub,
    other_agency,
    assigned_agency,
):
    meeting = make_meeting(secretariat, [consent_body, support_body])
    pledge(secretariat, support_body, coordinator)
    attend(secretariat, meeting, coordinator, staff_unassigned)  # staff_unassigned: no pledge
    consented = new_case(window_staff=staff_assigned, coordinator=coordinator)
    consent(coordinator, consented.subjects.get(), [hub, other_agency])
    concern = new_case(
        window_staff=staff_assigned,
        coordinator=coordinator,
        family_name="佐藤",
        family_name_kana="さとう",
    )
    add_item(secretariat, meeting, consent_body, case=consented, purpose="plan")
    add_item(secretariat, meeting, support_body, case=concern)
    with_pledge = meeting.attendees.get(user=coordinator)
    without = meeting.attendees.get(user=staff_unassigned)
    both, consent_only = render_packets(
        meeting=meeting,
        copies=[copy_for(with_pledge, 1), copy_for(without, 2)],
        issued_at=ISSUED,
    )
    both_text, consent_text = flat("".join(pdf_pages(both))), flat("".join(pdf_pages(consent_only)))
    assert consented.number in both_text and concern.number in both_text
    assert consented.number in consent_text and concern.number not in consent_text
    assert "佐藤" not in consent_text
    assert SWA_LINE in both_text and SWA_LINE not in consent_text
    for text in pdf_pages(consent_only):
        assert "本人が同意した範囲の機関の間でだけ共有できます" in flat(text)


@pytest.mark.parametrize(("meeting_in_days", "shown"), [(7, True), (8, False)])
def test_a_consent_meeting_packet_holds_no_case_without_consent_on_the_meeting_date(
    secretariat, consent_body, coordinator, staff_assigned, hub, meeting_in_days, shown
):
    """The consent runs until a week from today; the meeting moves past it or not."""
    meeting = make_meeting(secretariat, [consent_body], date=TODAY + dt.timedelta(days=7))
    attend(secretariat, meeting, coordinator)
    kept = new_case(window_staff=staff_assigned, coordinator=coordinator)
    consent(coordinator, kept.subjects.get(), [hub])
    lapsing = new_case(
        window_staff=staff_assigned,
        coordinator=coordinator,
        family_name="佐藤",
        family_name_kana="さとう",
    )
    consent(coordinator, lapsing.subjects.get(), [hub], valid_until=TODAY + dt.timedelta(days=7))
    add_item(secretariat, meeting, consent_body, case=kept)
    add_item(secretariat, meeting, consent_body, case=lapsing)
    meeting_services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        bodies=[consent_body],
        data={"date": TODAY + dt.timedelta(days=meeting_in_days)},
    )
    meeting.refresh_from_db()
    attendee = meeting.attendees.get(user=coordinator)
    (pdf,) = render_packets(meeting=meeting, copies=[copy_for(attendee, 1)], issued_at=ISSUED)
    text = flat("".join(pdf_pages(pdf)))
    assert kept.number in text
    assert (lapsing.number in text) is shown
    assert ("佐藤" in text) is shown


def test_no_copies_render_nothing(support_packet):
    assert render_packets(meeting=support_packet, copies=[], issued_at=ISSUED) == []
