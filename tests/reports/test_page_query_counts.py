"""The reports pages ask the database the same number of times for one meeting's packet
as for three, and for two numbered copies of a meeting as for four: gates 1 and 2 are
asked again for every copy a user holds (a secretariat user holds every copy it made),
once for all of them, not once per copy, item and body.

Each test pins the count of the bigger case too (test settings: second factor on)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from consent import services as consent_services
from meetings.models import MeetingBody
from reports import services
from reports.models import ReportFile
from reports.selectors import files_downloadable_by
from tests.factories import user_with_role
from tests.meetings.helpers import add_item, attend, consent, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    # Warmed up first: guardian caches the permission's content type per process.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def packets(
    secretariat,
    coordinator,
    staff_assigned,
    assigned_agency,
    hub,
    case,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    """make(extra) → a joint meeting (支援会議 and 重層的支援会議, the case on both
    agendas) attended by the coordinator, the assigned window's staff and ``extra`` more
    of its staff, with its packet made: a numbered copy per attendee."""
    settings.KASANE_PRIVATE_ROOT = tmp_path
    support_body = make_body(secretariat, name="支援会議")
    consent_body = make_body(secretariat, kind=MeetingBody.Kind.GUIDELINE, name="重層的支援会議")
    pledge(secretariat, support_body, secretariat)
    pledge(secretariat, support_body, coordinator)
    consent(coordinator, case.subjects.get(), [hub, assigned_agency])
    made = []

    def make(extra: int):
        meeting = make_meeting(secretariat, [support_body, consent_body])
        colleagues = [
            user_with_role(
                Role.AGENCY_STAFF, agency=assigned_agency, username=f"colleague{len(made)}{i}"
            )
            for i in range(extra)
        ]
        attend(secretariat, meeting, coordinator, staff_assigned, *colleagues)
        add_item(secretariat, meeting, support_body, case=case)
        add_item(secretariat, meeting, consent_body, case=case)
        with django_capture_on_commit_callbacks(execute=True):
            job = services.packet_request(actor=secretariat, meeting=meeting)
        job.refresh_from_db()
        assert job.status == job.Status.DONE, job.error
        made.append(meeting)
        return meeting

    return make


# page → persona → the count with three meetings' packets (the last of four copies).
PINNED = {
    "index": {"secretariat": 29, "coordinator": 30},
    "packets": {"secretariat": 33},
}


def test_the_reports_pages_are_constant_in_packets_and_copies(
    packets, login, secretariat, coordinator
):
    users = {"secretariat": secretariat, "coordinator": coordinator}

    def counts(meeting):
        urls = {
            "index": reverse("reports:index"),
            "packets": reverse("reports:meeting_packets", args=[meeting.pk]),
        }
        return {
            page: {name: queries(login(users[name]), urls[page]) for name in personas}
            for page, personas in PINNED.items()
        }

    few = counts(packets(0))
    packets(0)
    last = packets(2)
    assert last.packet_copies.count() == 4
    many = counts(last)
    assert many == few
    assert many == PINNED


def test_the_copies_held_are_those_gates_one_and_two_allow_now(
    packets, secretariat, coordinator, staff_assigned, case
):
    """Asked for every copy at once, the gates answer as they did copy by copy: the
    secretariat holds every copy, the coordinator and the window's staff their own (the
    staff's, with no pledge, without the 支援会議 item); a consent withdrawn since ends
    every copy holding the 重層 item."""
    packets(0), packets(1)
    copies = list(ReportFile.objects.filter(copy_number__isnull=False))
    assert len(copies) == 5 and all(c.consent_item_ids for c in copies)

    def held(user):
        return {f.pk for f in files_downloadable_by(user) if f.copy_number is not None}

    assert held(secretariat) == {c.pk for c in copies}
    mine = {c.pk for c in copies if c.attendee.user_id == coordinator.pk}
    assert len(mine) == 2 and held(coordinator) == mine
    theirs = {c.pk for c in copies if c.attendee.user_id == staff_assigned.pk}
    assert len(theirs) == 2 and held(staff_assigned) == theirs
    assert not any(c.support_body_ids for c in copies if c.pk in theirs)
    given = case.subjects.get().consents.get()
    consent_services.consent_withdraw(
        actor=coordinator, consent=given, withdrawn_on=timezone.localdate(), reason="撤回"
    )
    assert held(secretariat) == held(coordinator) == held(staff_assigned) == set()
