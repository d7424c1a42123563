"""Meeting services: only the secretariat writes, every write has its history user, and
the documents of pledges are checked by content and kept out of public media."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import CaseEvent
from meetings import selectors, services
from meetings.models import (
    AgendaProposal,
    Attendee,
    Decision,
    Meeting,
    MeetingBody,
    RegionalIssue,
)
from tests.meetings.helpers import (
    add_item,
    attend,
    make_body,
    make_meeting,
    make_member,
    pledge,
    propose,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_only_the_secretariat_manages_bodies_and_meetings(
    coordinator, staff_assigned, manager, admin_user, support_body
):
    for user in (coordinator, staff_assigned, manager, admin_user):
        with pytest.raises(PermissionDenied):
            make_body(user, name="まるごと会議")
        with pytest.raises(PermissionDenied):
            make_meeting(user, [support_body])


def test_a_body_with_members_with_and_without_a_login(secretariat, staff_assigned, other_agency):
    body = make_body(secretariat, name="包括的支援会議")
    assert body.history.get().history_user == secretariat
    staff = make_member(secretariat, body, user=staff_assigned)
    assert (staff.name, staff.agency) == (staff_assigned.display_name, staff_assigned.agency)
    volunteer = make_member(
        secretariat, body, name="民生 委員子", agency=other_agency, title="民生委員・児童委員"
    )
    assert volunteer.user is None
    assert volunteer.history.get().history_user == secretariat
    with pytest.raises(ValidationError):
        make_member(secretariat, body, name="名前だけ")
    with pytest.raises(ValidationError, match="すでに構成員"):
        make_member(secretariat, body, user=staff_assigned)


def test_pledges_are_for_bodies_with_a_duty_only(secretariat, consent_body, staff_assigned):
    with pytest.raises(ValidationError, match="誓約書は要りません"):
        pledge(secretariat, consent_body, staff_assigned)


def test_a_pledge_records_who_and_when(secretariat, support_body, staff_assigned):
    given = pledge(secretariat, support_body, staff_assigned, valid_until=TODAY)
    assert given.recorded_by == secretariat
    assert given.history.get().history_user == secretariat
    with pytest.raises(ValidationError, match="有効期限は署名日以降"):
        pledge(
            secretariat,
            support_body,
            staff_assigned,
            signed_on=TODAY,
            valid_until=TODAY - dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="未来"):
        pledge(secretariat, support_body, staff_assigned, signed_on=TODAY + dt.timedelta(days=1))


def test_a_pledge_document_is_checked_by_content_and_kept_private(
    secretariat, support_body, staff_assigned, settings, tmp_path
):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    member = make_member(secretariat, support_body, user=staff_assigned)
    with pytest.raises(ValidationError, match="PDF・JPEG・PNG"):
        services.pledge_record(
            actor=secretariat,
            member=member,
            signed_on=TODAY,
            document=SimpleUploadedFile("seiyaku.pdf", b"MZ\x90\x00 not a pdf"),
        )
    given = services.pledge_record(
        actor=secretariat,
        member=member,
        signed_on=TODAY,
        document=SimpleUploadedFile("scan.bin", b"%PDF-1.7\n..."),
    )
    assert given.document_content_type == "application/pdf"
    assert given.document.path.startswith(str(tmp_path / "pledges"))
    assert "media" not in given.document.path


def test_a_joint_meeting_with_its_history(secretariat, support_body, consent_body):
    meeting = make_meeting(secretariat, [consent_body, support_body])
    assert set(meeting.bodies.all()) == {consent_body, support_body}
    assert meeting.history.first().history_user == secretariat
    assert meeting.title in {"重層的支援会議・支援会議", "支援会議・重層的支援会議"}
    with pytest.raises(ValidationError):
        make_meeting(secretariat, [])


def test_attendees_members_and_invited(
    secretariat, support_body, staff_assigned, staff_unassigned, other_agency
):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_assigned)
    services.attendee_add(
        actor=secretariat, meeting=meeting, name="事業者 太郎", agency=other_agency, title="所長"
    )
    with pytest.raises(ValidationError, match="所属"):
        services.attendee_add(
            actor=secretariat,
            meeting=meeting,
            name="",
            agency=staff_assigned.agency,
            user=staff_unassigned,
        )
    attendees = Attendee.objects.filter(meeting=meeting)
    assert attendees.count() == 2
    assert {a.history.get().history_user for a in attendees} == {secretariat}
    removed = attendees.get(user=staff_assigned)
    removed_pk = removed.pk
    services.attendee_remove(actor=secretariat, attendee=removed)
    deleted = Attendee.history.filter(id=removed_pk, history_type="-").get()
    assert deleted.history_user == secretariat


def test_minutes_decisions_issues_and_closing(
    secretariat, support_body, case, staff_assigned, assigned_agency
):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_assigned)
    item = add_item(secretariat, meeting, support_body, case=case, purpose="roles")
    services.item_minutes_record(
        actor=secretariat, item=item, expected_version=item.version, minutes="役割分担を確認した。"
    )
    item.refresh_from_db()
    assert item.minutes_recorded_by == secretariat
    assert item.history.first().history_user == secretariat
    decision = services.decision_add(
        actor=secretariat,
        item=item,
        content="自宅を訪問する",
        assignee_agency=assigned_agency,
        due_on=TODAY + dt.timedelta(days=14),
    )
    assert decision.history.get().history_user == secretariat
    with pytest.raises(ValidationError, match="担当する機関か担当者"):
        services.decision_add(actor=secretariat, item=item, content="誰かがする")
    issue = services.regional_issue_add(
        actor=secretariat, meeting=meeting, content="ひきこもりの若者の居場所が足りない"
    )
    assert issue.history.get().history_user == secretariat
    services.meeting_close(actor=secretariat, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.history.first().history_user == secretariat
    with pytest.raises(ValidationError, match="開催済み"):
        services.item_minutes_record(
            actor=secretariat, item=item, expected_version=item.version, minutes="後から"
        )
    with pytest.raises(ValidationError, match="開催済み"):
        services.agenda_item_remove(actor=secretariat, item=item)
    assert Decision.objects.count() == RegionalIssue.objects.count() == 1


def test_a_meeting_cannot_be_closed_before_its_date(secretariat, support_body, staff_assigned):
    meeting = make_meeting(secretariat, [support_body], date=TODAY + dt.timedelta(days=1))
    attend(secretariat, meeting, staff_assigned)
    with pytest.raises(ValidationError, match="より前には"):
        services.meeting_close(actor=secretariat, meeting=meeting)


def test_an_item_with_minutes_stays_on_the_agenda(secretariat, support_body, case):
    meeting = make_meeting(secretariat, [support_body])
    item = add_item(secretariat, meeting, support_body, case=case)
    services.item_minutes_record(
        actor=secretariat, item=item, expected_version=item.version, minutes="共有した"
    )
    with pytest.raises(ValidationError, match="外せません"):
        services.agenda_item_remove(actor=secretariat, item=item)


def test_the_same_subject_goes_on_once_per_body(secretariat, support_body, case):
    meeting = make_meeting(secretariat, [support_body])
    add_item(secretariat, meeting, support_body, case=case)
    with pytest.raises(ValidationError, match="すでに"):
        add_item(secretariat, meeting, support_body, case=case)


def test_a_body_outside_the_meeting_is_refused(secretariat, support_body, consent_body, case):
    meeting = make_meeting(secretariat, [support_body])
    with pytest.raises(ValidationError, match="この会議の会議体ではありません"):
        add_item(secretariat, meeting, consent_body, case=case)


def test_a_household_with_an_open_case_goes_on_as_the_case(
    secretariat, support_body, case, coordinator, staff_assigned
):
    """A window proposes the household; it has an open case, so the proposal goes to
    the case's coordinators first, and the window is told only 申出."""
    meeting = make_meeting(secretariat, [support_body])
    proposal = propose(support_body, household=case.household, proposer=staff_assigned)
    assert proposal.status == AgendaProposal.Status.WITH_COORDINATORS
    assert proposal.case == case
    assert proposal.status_for_proposer == "申出"
    assert not selectors.proposals_for_agenda(user=secretariat, meeting=meeting, body=support_body)
    with pytest.raises(PermissionDenied):
        services.proposal_accept(actor=secretariat, proposal=proposal, meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.proposal_forward(actor=staff_assigned, proposal=proposal)
    services.proposal_forward(actor=coordinator, proposal=proposal)
    rows = selectors.proposals_for_agenda(user=secretariat, meeting=meeting, body=support_body)
    assert [row.proposal for row in rows] == [proposal]
    item = services.proposal_accept(actor=secretariat, proposal=proposal, meeting=meeting)
    assert item.case == case and item.household is None
    proposal.refresh_from_db()
    assert proposal.status == AgendaProposal.Status.ACCEPTED and proposal.item == item
    assert case.events.filter(kind=CaseEvent.Kind.AGENDA_PROPOSED).exists()


def test_a_bodys_kind_is_fixed_once_it_has_items(secretariat, support_body, case):
    meeting = make_meeting(secretariat, [support_body])
    add_item(secretariat, meeting, support_body, case=case)
    with pytest.raises(ValidationError, match="種類は変更できません"):
        services.body_update(
            actor=secretariat, body=support_body, data={"kind": MeetingBody.Kind.GUIDELINE}
        )
    assert services.body_update(actor=secretariat, body=support_body, data={"name": "支援会議A"})


def test_the_periodic_recheck_flags_without_an_actor(
    secretariat, consent_body, coordinator, case, hub
):
    from consent import services as consent_services
    from meetings.tasks import upcoming_meetings_recheck_task
    from tests.meetings.helpers import consent

    meeting = make_meeting(secretariat, [consent_body], date=TODAY + dt.timedelta(days=3))
    attend(secretariat, meeting, coordinator)
    given = consent(coordinator, case.subjects.get(), [hub])
    item = add_item(secretariat, meeting, consent_body, case=case)
    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=TODAY, reason="本人の申し出"
    )
    assert upcoming_meetings_recheck_task.delay().get() == 1
    item.refresh_from_db()
    assert item.gate_blocked
    assert item.history.first().history_change_reason.startswith("同意の再確認")


def test_meeting_content_is_not_in_the_admin():
    from django.contrib import admin

    from meetings.models import AgendaItem, BodyCaseHandling, ConfidentialityPledge

    for model in (Meeting, AgendaItem, Attendee, Decision, ConfidentialityPledge, BodyCaseHandling):
        assert not admin.site.is_registered(model)
