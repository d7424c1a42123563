"""The secretariat's pages, and who sees a meeting at all (非公開)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent
from agencies.services import staff_transfer
from meetings import services
from meetings.models import (
    AgendaItem,
    AgendaProposal,
    BodyMember,
    ConfidentialityPledge,
    Meeting,
    MeetingBody,
)
from tests.factories import date_post, once, verify_client
from tests.meetings.helpers import (
    add_item,
    attend,
    consent,
    make_body,
    make_meeting,
    make_member,
    pledge,
    propose,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_the_secretariat_runs_a_meeting_in_the_browser_forms(
    login, secretariat, coordinator, staff_assigned, case, hub, assigned_agency, other_agency
):
    client = login(secretariat)
    response = client.post(
        reverse("meetings:body_new"),
        {"name": "まるごと会議", "kind": "guideline", "chair": coordinator.pk, "piggybacks_on": ""},
    )
    body = MeetingBody.objects.get(name="まるごと会議")
    assert response.status_code == 302
    assert body.consent_required and body.chair == coordinator

    client.post(reverse("meetings:member_add", args=[body.pk]), {"user": coordinator.pk})
    client.post(reverse("meetings:member_add", args=[body.pk]), {"user": staff_assigned.pk})
    response = client.post(
        reverse("meetings:member_add", args=[body.pk]),
        {"name": "民生 委員子", "agency": other_agency.pk, "title": "民生委員"},
    )
    assert response.status_code == 302
    assert body.members.count() == 3
    volunteer = body.members.get(user=None)

    response = client.post(
        reverse("meetings:meeting_new"),
        {
            **once(),
            "bodies": [body.pk],
            **date_post("date", TODAY),
            "start_time": "14:00",
            "kind": "regular",
            "place": "第1会議室",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("meetings:meeting_attendees", args=[meeting.pk])
    members = body.members.exclude(pk=volunteer.pk)
    client.post(
        reverse("meetings:meeting_attendees", args=[meeting.pk]),
        {"form": "members", "members": [m.pk for m in members]},
    )
    assert meeting.attendees.count() == 2

    # The coordinator proposes the case from its household's page.
    proposer = Client()
    proposer.force_login(coordinator)
    verify_client(proposer, coordinator)
    proposed = proposer.post(
        reverse("meetings:proposal_new", args=[case.household_id]),
        {"body": body.pk, "purpose": "plan", "reason": "プランが適切か協議したい", **once()},
    )
    assert proposed.status_code == 302
    proposal = AgendaProposal.objects.get()

    agenda_url = reverse("meetings:agenda_build", args=[meeting.pk])
    page = client.get(agenda_url).content.decode()
    assert case.number in page and "不可" in page and "同意が記録されていません" in page
    refused = client.post(agenda_url, {"body": body.pk, "proposal": proposal.pk})
    assert refused.status_code == 200
    assert "同意が記録されていません" in refused.content.decode()
    assert not AgendaItem.objects.exists()

    consent(coordinator, case.subjects.get(), [hub, assigned_agency])
    added = client.post(agenda_url, {"body": body.pk, "proposal": proposal.pk})
    assert added.status_code == 302
    item = AgendaItem.objects.get()
    assert item.purpose == "plan"

    item_url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    client.post(item_url, {"form": "minutes", "minutes": "プランの目標を確認した。", "version": 1})
    client.post(
        item_url,
        {
            "form": "decision",
            "content": "就労準備支援につなぐ",
            "assignee_agency": hub.pk,
            **date_post("due_on", TODAY + dt.timedelta(days=30)),
        },
    )
    item.refresh_from_db()
    assert item.minutes == "プランの目標を確認した。"
    assert item.decisions.get().due_on == TODAY + dt.timedelta(days=30)
    client.post(
        reverse("meetings:issue_add", args=[meeting.pk]), {"content": "移動手段がない地域がある"}
    )
    closed = client.post(reverse("meetings:meeting_close", args=[meeting.pk]), follow=True)
    assert "開催済みにしました" in closed.content.decode()
    meeting.refresh_from_db()
    assert meeting.is_closed and meeting.regional_issues.count() == 1


def test_pledges_in_the_browser_with_the_document_served_checked_and_logged(
    login, secretariat, support_body, staff_assigned, coordinator, settings, tmp_path
):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    member = make_member(secretariat, support_body, user=staff_assigned)
    client = login(secretariat)
    response = client.post(
        reverse("meetings:pledge_new", args=[support_body.pk, member.pk]),
        {
            **once(),
            **date_post("signed_on", TODAY),
            **date_post("valid_until", TODAY),
            "document": SimpleUploadedFile("seiyaku.png", b"\x89PNG\r\n\x1a\nxxxx"),
        },
    )
    assert response.status_code == 302
    given = ConfidentialityPledge.objects.get(member=member)
    url = reverse("meetings:pledge_document", args=[support_body.pk, member.pk, given.pk])
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert AccessEvent.objects.filter(action="download", object_id=str(given.pk)).exists()
    assert login(coordinator).get(url).status_code == 404
    client = login(secretariat)
    detail = client.get(reverse("meetings:body_detail", args=[support_body.pk])).content.decode()
    assert "有効" in detail
    client.post(
        reverse("meetings:pledge_revoke", args=[support_body.pk, member.pk, given.pk]),
        {"reason": "退任"},
    )
    given.refresh_from_db()
    assert given.revoked_by == secretariat and given.revoke_reason == "退任"


def test_a_meeting_is_seen_only_by_the_secretariat_and_its_attendees(
    login,
    secretariat,
    support_body,
    coordinator,
    staff_assigned,
    staff_unassigned,
    manager,
    admin_user,
):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_assigned)
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    assert login(secretariat).get(url).status_code == 200
    assert login(staff_assigned).get(url).status_code == 200
    for outsider in (coordinator, staff_unassigned, manager, admin_user):
        assert login(outsider).get(url).status_code == 404, outsider
    listing = login(coordinator).get(reverse("meetings:meeting_list")).content.decode()
    assert reverse("meetings:meeting_detail", args=[meeting.pk]) not in listing
    for role_without_meetings in (manager, admin_user):
        assert login(role_without_meetings).get(reverse("meetings:meeting_list")).status_code == 403


def test_an_attendee_who_moved_agency_no_longer_sees_the_meeting(
    login, secretariat, support_body, staff_assigned, admin_user, other_agency
):
    meeting = make_meeting(secretariat, [support_body])
    attend(secretariat, meeting, staff_assigned)
    staff_transfer(actor=admin_user, user=staff_assigned, agency=other_agency)
    fresh = type(staff_assigned).objects.get(pk=staff_assigned.pk)
    assert (
        login(fresh).get(reverse("meetings:meeting_detail", args=[meeting.pk])).status_code == 404
    )


def test_reads_and_prints_are_in_the_access_log(login, secretariat, support_body, case):
    meeting = make_meeting(secretariat, [support_body])
    item = add_item(secretariat, meeting, support_body, case=case)
    client = login(secretariat)
    client.get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    client.get(reverse("meetings:item_detail", args=[meeting.pk, item.pk]))
    client.get(reverse("meetings:meeting_papers", args=[meeting.pk]))
    actions = set(AccessEvent.objects.filter(user=secretariat).values_list("action", "object_type"))
    assert ("view", "meetings.meeting") in actions
    assert ("view", "meetings.agendaitem") in actions
    assert ("print", "meetings.meeting") in actions


def test_the_menu_shows_meetings_to_the_secretariat_and_coordinators(
    login, secretariat, coordinator, staff_assigned
):
    link = f'href="{reverse("meetings:meeting_list")}"'
    assert link in login(secretariat).get(reverse("home")).content.decode()
    assert link in login(coordinator).get(reverse("home")).content.decode()
    assert link not in login(staff_assigned).get(reverse("home")).content.decode()


def test_a_support_meeting_proposal_list_needs_the_secretariats_own_pledge(
    login, hub, secretariat, support_body, consultation
):
    from agencies.roles import Role
    from tests.factories import user_with_role

    meeting = make_meeting(secretariat, [support_body])
    propose(support_body, household=consultation.household)
    page = login(secretariat).get(reverse("meetings:agenda_build", args=[meeting.pk]))
    assert consultation.household.display_name in page.content.decode()
    other = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    page = login(other).get(reverse("meetings:agenda_build", args=[meeting.pk]))
    assert "誓約書が記録されていません" in page.content.decode()
    assert consultation.household.display_name not in page.content.decode()
    page = login(other).get(reverse("meetings:proposal_list"))
    assert consultation.household.display_name not in page.content.decode()


def test_a_household_of_concern_goes_on_from_its_proposal(
    login, secretariat, support_body, consultation, staff_assigned
):
    meeting = make_meeting(secretariat, [support_body])
    response = login(staff_assigned).post(
        reverse("meetings:proposal_new", args=[consultation.household_id]),
        {"body": support_body.pk, "purpose": "sharing", "reason": "近所から心配の声", **once()},
    )
    assert response.status_code == 302
    proposal = AgendaProposal.objects.get()
    response = login(secretariat).post(
        reverse("meetings:agenda_build", args=[meeting.pk]),
        {"body": support_body.pk, "proposal": proposal.pk},
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get().household == consultation.household
    proposal.refresh_from_db()
    assert proposal.status == AgendaProposal.Status.ACCEPTED


def test_the_agenda_accepts_nothing_but_a_proposal(login, secretariat, support_body, case):
    """No case number, no search: a case without a proposal cannot be put on."""
    meeting = make_meeting(secretariat, [support_body])
    client = login(secretariat)
    for data in (
        {"body": support_body.pk, "purpose": "plan", "case_number": case.number},
        {"body": support_body.pk, "purpose": "plan", "case": case.pk},
        {"body": support_body.pk, "proposal": case.pk},
    ):
        response = client.post(reverse("meetings:agenda_build", args=[meeting.pk]), data)
        assert response.status_code in (200, 404)
    assert not AgendaItem.objects.exists()
    page = client.get(reverse("meetings:agenda_build", args=[meeting.pk]) + "?q=山田")
    assert case.number not in page.content.decode()
    assert case.household.display_name not in page.content.decode()


def test_members_without_a_login_attend_but_never_see_support_items(
    login, secretariat, support_body, case, other_agency
):
    volunteer = make_member(secretariat, support_body, name="民生 委員子", agency=other_agency)
    services.pledge_record(actor=secretariat, member=volunteer, signed_on=TODAY)
    meeting = make_meeting(secretariat, [support_body])
    services.attendees_add_members(actor=secretariat, meeting=meeting, members=[volunteer])
    add_item(secretariat, meeting, support_body, case=case)
    assert BodyMember.objects.get(pk=volunteer.pk).user is None
    # A pledged member without a login: no gap (the papers may be handed to them).
    from meetings.selectors import pledge_gaps

    assert pledge_gaps(meeting=meeting) == []


def test_changing_the_date_in_the_form_tells_why_an_item_left_the_papers(
    login, secretariat, consent_body, coordinator, case, hub
):
    meeting = make_meeting(secretariat, [consent_body], date=TODAY + dt.timedelta(days=2))
    attend(secretariat, meeting, coordinator)
    consent(coordinator, case.subjects.get(), [hub], valid_until=TODAY + dt.timedelta(days=2))
    add_item(secretariat, meeting, consent_body, case=case)
    response = login(secretariat).post(
        reverse("meetings:meeting_edit", args=[meeting.pk]),
        {
            "bodies": [consent_body.pk],
            **date_post("date", TODAY + dt.timedelta(days=3)),
            "start_time": "",
            "kind": "ad_hoc",
            "place": "",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "資料から除外されます" in text
    assert "有効期限が切れています" in text
    meeting.refresh_from_db()
    assert meeting.kind == "ad_hoc" and meeting.history.first().history_user == secretariat


def test_the_pledge_form_shows_a_real_pledge_not_the_papers_notice(
    login, secretariat, support_body, staff_assigned
):
    member = make_member(secretariat, support_body, user=staff_assigned, title="主任相談支援員")
    url = reverse("meetings:pledge_new", args=[support_body.pk, member.pk])
    content = login(secretariat).get(url).content.decode()
    assert "社会福祉法第106条の6第5項" in content and "誓約します" in content
    assert "主任相談支援員" in content and "署名" in content
    assert "事務局に返却してください" not in content  # the packet's notice is another text


def test_a_body_name_is_never_doubled(login, secretariat, support_body):
    meeting = make_meeting(secretariat, [support_body])
    content = login(secretariat).get(reverse("meetings:meeting_detail", args=[meeting.pk]))
    text = content.content.decode()
    assert "支援会議（社会福祉法第106条の6）" in text
    assert "支援会議（支援会議（" not in text


def test_a_past_meeting_date_needs_the_confirmation_that_it_was_held(login, secretariat):
    body = make_body(secretariat)
    client = login(secretariat)
    post = {"bodies": [body.pk], "kind": "regular", "place": "", **once()}
    yesterday = TODAY - dt.timedelta(days=1)
    refused = client.post(reverse("meetings:meeting_new"), {**post, **date_post("date", yesterday)})
    assert refused.status_code == 200
    assert "は過去の日付です。すでに開いた会議を記録するときは" in refused.content.decode()
    assert not Meeting.objects.exists()

    held = client.post(
        reverse("meetings:meeting_new"),
        {**post, **date_post("date", yesterday), "held_confirmed": "on"},
    )
    assert held.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.date == yesterday

    # Keeping the date it already has is no new past date.
    kept = client.post(
        reverse("meetings:meeting_edit", args=[meeting.pk]),
        {**post, **date_post("date", yesterday), "place": "第2会議室"},
    )
    assert kept.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "第2会議室"


def test_submitting_a_meeting_twice_schedules_one_meeting(login, secretariat):
    body = make_body(secretariat)
    client = login(secretariat)
    post = {"bodies": [body.pk], "kind": "regular", "place": "", **once()}
    post.update(date_post("date", TODAY + dt.timedelta(days=7)))
    first = client.post(reverse("meetings:meeting_new"), post)
    second = client.post(reverse("meetings:meeting_new"), post)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Meeting.objects.count() == 1


def test_two_secretaries_saving_the_same_minutes_never_overwrite_silently(
    login, secretariat, hub, case, support_body
):
    from agencies.roles import Role
    from tests.factories import user_with_role

    meeting = make_meeting(secretariat, [support_body])
    second = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    pledge(secretariat, support_body, secretariat)
    pledge(secretariat, support_body, second)
    attend(secretariat, meeting, secretariat, second)
    item = add_item(secretariat, meeting, support_body, case=case)
    url = reverse("meetings:item_detail", args=[meeting.pk, item.pk])
    first = login(secretariat).post(url, {"form": "minutes", "minutes": "Aの記録", "version": 1})
    assert first.status_code == 302
    other = Client()
    other.force_login(second)
    verify_client(other, second)
    late = other.post(url, {"form": "minutes", "minutes": "Bの記録", "version": 1})
    assert late.status_code == 200
    page = late.content.decode()
    assert "保存できませんでした" in page and "Aの記録" in page and "Bの記録" in page
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Aの記録", 2)
