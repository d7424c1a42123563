"""A meeting's packet as a job: one numbered copy per attendee who may receive it, who
may download which copy, 回収済, 再発行 (the old copy void), and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import AccessEvent
from agencies.roles import Role
from reports import services
from reports.models import ReportFile, ReportJob
from reports.permissions import may_download
from tests.factories import once, user_with_role
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge
from tests.reports.helpers import done_job, stored_file
from tests.reports.packet_helpers import pdf_pages

Status = ReportJob.Status


@pytest.fixture
def support_meeting(secretariat, coordinator, staff_assigned, staff_unassigned, case):
    """A 支援会議 today with the case on its agenda. The secretariat and the coordinator
    hold pledges and attend; the assigned window's staff attend without one; the
    unassigned agency's staff are not there."""
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, coordinator)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator, staff_assigned)
    add_item(secretariat, meeting, body, case=case)
    return meeting


def _packet(secretariat, meeting, django_capture_on_commit_callbacks) -> ReportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.packet_request(actor=secretariat, meeting=meeting)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_each_pledged_attendee_gets_a_numbered_watermarked_copy(
    secretariat,
    coordinator,
    staff_assigned,
    support_meeting,
    django_capture_on_commit_callbacks,
    private_root,
):
    job = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks)
    assert job.status == Status.DONE, job.error
    (copy,) = job.files.all()  # the window's staff hold no pledge: no copy (gate 2)
    assert copy.attendee.user == coordinator
    assert copy.copy_number == 1
    assert copy.copy_status == ReportFile.CopyStatus.ISSUED
    pages = pdf_pages((Path(private_root) / copy.path).read_bytes())
    for text in pages:
        assert coordinator.display_name in text
        assert "No. 1" in text or "No.1" in text
    # Who may download: the recipient and the pledged secretariat, no one else.
    assert may_download(user=coordinator, file=copy)
    assert may_download(user=secretariat, file=copy)
    assert not may_download(user=staff_assigned, file=copy)


@pytest.mark.django_db
def test_a_secretariat_user_without_a_pledge_may_not_hold_the_copy(
    secretariat, hub, support_meeting, django_capture_on_commit_callbacks
):
    colleague = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    job = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks)
    copy = job.files.get()
    assert not may_download(user=colleague, file=copy)
    with pytest.raises(PermissionDenied):
        services.packet_copy_return(actor=colleague, file=copy)


@pytest.mark.django_db
def test_numbers_are_never_given_twice(
    secretariat, support_meeting, django_capture_on_commit_callbacks
):
    first = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks)
    second = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks)
    assert [f.copy_number for f in first.files.all()] == [1]
    assert [f.copy_number for f in second.files.all()] == [2]


@pytest.mark.django_db
def test_a_retried_packet_job_keeps_the_numbers_it_reserved(
    secretariat, support_meeting, django_capture_on_commit_callbacks
):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.MEETING_PACKET, meeting=support_meeting, requested_by=secretariat
    )
    attendee = support_meeting.attendees.get(user__username="coordinator")
    reserved = services.copy_numbers_reserve(job=job, attendee_ids=[attendee.pk])
    # The worker died after reserving; the retry reuses the reservation.
    services.report_job_run(job_id=job.pk)
    assert [f.copy_number for f in job.files.all()] == [reserved[str(attendee.pk)]]
    assert services.copy_numbers_reserve(job=job, attendee_ids=[attendee.pk]) == reserved


@pytest.mark.django_db
def test_no_recipient_fails_the_job_with_a_reason(
    secretariat, staff_assigned, case, django_capture_on_commit_callbacks
):
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)  # the secretariat does not attend
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_assigned)  # no pledge
    add_item(secretariat, meeting, body, case=case)
    job = _packet(secretariat, meeting, django_capture_on_commit_callbacks)
    assert job.status == Status.FAILED
    assert "受け取れる出席者がいません" in job.error
    assert not ReportFile.objects.exists()


@pytest.mark.django_db
def test_a_copy_is_marked_returned_and_its_history_kept(
    secretariat, support_meeting, django_capture_on_commit_callbacks
):
    copy = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    services.packet_copy_return(actor=secretariat, file=copy)
    copy.refresh_from_db()
    assert copy.copy_status == ReportFile.CopyStatus.RETURNED
    latest = copy.history.first()
    assert (latest.history_user, latest.history_change_reason) == (secretariat, "会議資料を回収")
    with pytest.raises(ValidationError):
        services.packet_copy_reissue(actor=secretariat, file=copy)


@pytest.mark.django_db
def test_a_reissued_copy_gets_a_new_number_and_the_old_one_is_void(
    secretariat, coordinator, support_meeting, django_capture_on_commit_callbacks, private_root
):
    old = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.packet_copy_reissue(actor=secretariat, file=old)
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    new = job.files.get()
    old.refresh_from_db()
    assert (new.copy_number, new.attendee_id) == (2, old.attendee_id)
    assert old.copy_status == ReportFile.CopyStatus.VOID
    assert old.replaced_by == new
    assert old.history.first().history_change_reason == "再発行（No.2）により無効"
    assert any(
        "No. 2" in t or "No.2" in t for t in pdf_pages((Path(private_root) / new.path).read_bytes())
    )
    with pytest.raises(ValidationError):
        services.packet_copy_reissue(actor=secretariat, file=old)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "manager"])
def test_only_the_secretariat_asks_for_a_packet(persona, request, support_meeting):
    with pytest.raises(PermissionDenied):
        services.packet_request(actor=request.getfixturevalue(persona), meeting=support_meeting)
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_the_recipient_downloads_their_copy_but_may_not_mark_it(
    login, secretariat, coordinator, support_meeting, django_capture_on_commit_callbacks
):
    copy = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    client = login(coordinator)
    assert client.get(reverse("reports:file_download", args=[copy.pk])).status_code == 200
    index = client.get(reverse("reports:index")).content.decode()
    assert "あなたに配付された会議資料" in index and f"No.{copy.copy_number}" in index
    assert client.post(reverse("reports:copy_return", args=[copy.pk])).status_code == 403
    assert client.post(reverse("reports:copy_reissue", args=[copy.pk]), once()).status_code == 403
    copy.refresh_from_db()
    assert copy.copy_status == ReportFile.CopyStatus.ISSUED
    assert (
        AccessEvent.objects.filter(user=coordinator, action=AccessEvent.Action.DENIED).count() == 2
    )


@pytest.mark.django_db
def test_the_packets_page_lists_exactly_the_meetings_copies(
    login, secretariat, coordinator, support_meeting, django_capture_on_commit_callbacks
):
    mine = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    other_meeting = make_meeting(secretariat, list(support_meeting.bodies.all()))
    attend(secretariat, other_meeting, coordinator)
    elsewhere = done_job(
        kind=ReportJob.Kind.MEETING_PACKET, requested_by=secretariat, meeting=other_meeting
    )
    stored_file(
        elsewhere,
        users=[secretariat],
        meeting=other_meeting,
        attendee=other_meeting.attendees.get(),
        copy_number=1,
        copy_status=ReportFile.CopyStatus.ISSUED,
    )
    page = login(secretariat).get(reverse("reports:meeting_packets", args=[support_meeting.pk]))
    assert [row[0].pk for row in page.context["rows"]] == [mine.pk]


@pytest.mark.django_db
def test_a_copy_is_downloadable_only_while_it_is_the_valid_copy_of_an_attendee(
    login, secretariat, coordinator, support_meeting, django_capture_on_commit_callbacks
):
    from meetings import services as meeting_services

    url = lambda file: reverse("reports:file_download", args=[file.pk])  # noqa: E731
    first = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.packet_copy_reissue(actor=secretariat, file=first)
    first.refresh_from_db()
    second = first.replaced_by
    recipient = login(coordinator)
    assert recipient.get(url(first)).status_code == 404  # void
    assert recipient.get(url(second)).status_code == 200
    assert not may_download(user=secretariat, file=first)
    assert may_download(user=secretariat, file=second)

    services.packet_copy_return(actor=secretariat, file=second)
    second.refresh_from_db()
    assert recipient.get(url(second)).status_code == 404  # 回収済
    assert not may_download(user=coordinator, file=second)

    third = _packet(secretariat, support_meeting, django_capture_on_commit_callbacks).files.get()
    assert recipient.get(url(third)).status_code == 200
    meeting_services.attendee_remove(actor=secretariat, attendee=third.attendee)
    third.refresh_from_db()
    assert third.attendee is None and third.recipient_name == coordinator.display_name
    assert recipient.get(url(third)).status_code == 404  # no longer an attendee
