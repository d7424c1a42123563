"""Review: a packet copy's download is gate 2 *now*, not only when the copy was made.

A recipient who moved agency (人事異動), whose pledge was revoked, or a secretariat user
who left the role or whose pledge was revoked, no longer reaches a 支援会議 copy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from agencies import services as agency_services
from agencies.roles import Role
from meetings import services as meeting_services
from meetings.models import ConfidentialityPledge
from reports import services
from reports.permissions import may_download
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge


@pytest.fixture
def copy(secretariat, coordinator, staff_assigned, case, django_capture_on_commit_callbacks):
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, coordinator)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator, staff_assigned)
    add_item(secretariat, meeting, body, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.packet_request(actor=secretariat, meeting=meeting)
    job.refresh_from_db()
    assert job.status == job.Status.DONE, job.error
    return job.files.get()


def _url(file):
    return reverse("reports:file_download", args=[file.pk])


@pytest.mark.django_db
def test_a_recipient_moved_to_another_agency_loses_the_copy(
    login, admin_user, coordinator, other_agency, copy
):
    assert login(coordinator).get(_url(copy)).status_code == 200
    agency_services.staff_transfer(actor=admin_user, user=coordinator, agency=other_agency)
    coordinator.refresh_from_db()
    assert not may_download(user=coordinator, file=copy)
    assert login(coordinator).get(_url(copy)).status_code == 404


@pytest.mark.django_db
def test_a_recipient_whose_pledge_is_revoked_loses_the_copy(login, secretariat, coordinator, copy):
    revoked = ConfidentialityPledge.objects.get(member__user=coordinator)
    meeting_services.pledge_revoke(actor=secretariat, pledge=revoked, reason="退職")
    assert not may_download(user=coordinator, file=copy)
    assert login(coordinator).get(_url(copy)).status_code == 404


@pytest.mark.django_db
def test_a_secretariat_user_who_leaves_the_role_loses_the_copy(login, secretariat, copy):
    assert may_download(user=secretariat, file=copy)
    secretariat.groups.remove(Group.objects.get(name=Role.SECRETARIAT))
    secretariat = type(secretariat).objects.get(pk=secretariat.pk)
    assert not may_download(user=secretariat, file=copy)
    assert login(secretariat).get(_url(copy)).status_code == 404


@pytest.mark.django_db
def test_a_secretariat_user_whose_pledge_is_revoked_loses_the_copy(login, secretariat, hub, copy):
    from tests.factories import user_with_role

    colleague = user_with_role(Role.SECRETARIAT, agency=hub, username="secretariat2")
    revoked = ConfidentialityPledge.objects.get(member__user=secretariat)
    meeting_services.pledge_revoke(actor=colleague, pledge=revoked, reason="異動")
    assert not may_download(user=secretariat, file=copy)
    assert login(secretariat).get(_url(copy)).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        services.packet_copy_return(actor=secretariat, file=copy)


@pytest.mark.django_db
def test_a_consent_withdrawn_before_the_meeting_ends_the_copys_download(
    login, secretariat, coordinator, hub, case, django_capture_on_commit_callbacks
):
    """Gate 1: a copy issued a week ahead carries a 重層 case; the person withdraws
    consent effective before the meeting. The copy no longer passes gate 1 on the
    meeting date, so it may not be downloaded any more."""
    import datetime as dt

    from django.utils import timezone

    from consent import services as consent_services
    from meetings.models import MeetingBody
    from tests.meetings.helpers import consent

    body = make_body(secretariat, kind=MeetingBody.Kind.GUIDELINE, name="重層的支援会議")
    today = timezone.localdate()
    meeting = make_meeting(secretariat, [body], date=today + dt.timedelta(days=7))
    attend(secretariat, meeting, coordinator)
    given = consent(coordinator, case.subjects.get(), [hub])
    add_item(secretariat, meeting, body, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.packet_request(actor=secretariat, meeting=meeting)
    job.refresh_from_db()
    assert job.status == job.Status.DONE, job.error
    copy = job.files.get()
    assert login(coordinator).get(_url(copy)).status_code == 200

    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=today + dt.timedelta(days=1), reason="申出"
    )
    assert not may_download(user=coordinator, file=copy)
    assert not may_download(user=secretariat, file=copy)
    assert login(coordinator).get(_url(copy)).status_code == 404
