"""Who may ask for which report, and who may download a file.

Downloading is an object permission on the ``ReportFile`` (django-guardian), granted
when the file is written: a meeting packet's copy to its recipient and to the
secretariat users who pass gate 2 for every item in it; an annual file to the
managers' group; a national-report CSV to the coordinators' group. Anyone else gets
404 — the same answer as for a file that does not exist.
"""

from __future__ import annotations

from agencies.models import User
from agencies.roles import Role
from cases.models import Person
from cases.permissions import person_consent_needs_met
from meetings.models import AgendaItem, Meeting, MeetingBody
from meetings.permissions import (
    attendee_is_current,
    attendee_may_receive_support_item,
    can_manage_meetings,
    item_consent_problems,
    item_visible_to,
    may_see_support_item,
)

from .models import DisclosureRequest, ReportFile, ReportJob

DOWNLOAD = "reports.download_reportfile"


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def may_request_packet(*, user: User, meeting: Meeting) -> bool:
    """The secretariat prepares the packets of any meeting it runs."""
    return can_manage_meetings(user)


def may_request_annual(*, user: User) -> bool:
    """The evaluation is the managers' (DESIGN.md: 管理職・評価担当)."""
    return _active(user) and user.has_role(Role.MANAGER)


def may_set_outcome_targets(*, user: User) -> bool:
    """The managers set the 成果指標's targets. A coordinator counts the stakeholders by
    writing plans; they do not move the goal."""
    return may_request_annual(user=user)


def may_request_national(*, user: User) -> bool:
    """The national survey is per case (keyed by case number): coordinators only."""
    return _active(user) and user.has_role(Role.COORDINATOR)


def may_handle_disclosure(*, user: User, person: Person) -> bool:
    """開示請求 of a person: the coordinators who *manage* them — on every open case they
    are a subject of, or on their household before a case (the policy's person-level
    manage, as for a consent). A window that manages an uncased household does not: the
    draft gathers every agency's records, which is 多機関協働's view of the person."""
    return (
        _active(user) and user.has_role(Role.COORDINATOR) and person_consent_needs_met(user, person)
    )


def may_decide_disclosure(*, user: User, disclosure: DisclosureRequest) -> bool:
    """The 開示決定 is recorded by a coordinator who manages the person now — the one who
    recorded the request or, after a hand-over, their successor: the same rule as
    recording the request and drafting (a request must not be stranded by 人事異動).
    Whether the request is still pending is the service's to check, not a permission."""
    return may_handle_disclosure(user=user, person=disclosure.person)


def may_download(*, user: User, file: ReportFile) -> bool:
    """The object permission, on a file still stored; a packet copy only while it is the
    valid copy of a current attendee, a 開示請求 draft only while its holder still
    manages the person (the same rules as ``files_downloadable_by``)."""
    current_copy = file.copy_number is None or (
        file.copy_status == ReportFile.CopyStatus.ISSUED and file.attendee_id is not None
    )
    return (
        _active(user)
        and file.available
        and current_copy
        and user.has_perm(DOWNLOAD, file)
        and copy_holder_current(user=user, file=file)
        and disclosure_holder_current(user=user, file=file)
    )


def disclosure_holder_current(*, user: User, file: ReportFile) -> bool:
    """The draft's download was granted to its requester when it was made; *manage* on
    the person is asked again now (人事異動, a hand-over or a new case ends it). Files of
    other kinds pass."""
    disclosure = file.job.disclosure
    if disclosure is None:
        return True
    return may_handle_disclosure(user=user, person=disclosure.person)


def copy_holder_current(*, user: User, file: ReportFile) -> bool:
    """The download permission of a packet copy was granted when it was made; gate 2 is
    asked again now. Its recipient holds it while their login is current (人事異動 ends
    it) and their pledge for each 支援会議 body in it is valid; a secretariat user while
    they are the secretariat with a valid pledge for each such body. Files that are not
    packet copies pass (their grants are the role's group)."""
    if file.copy_number is None:
        return True
    attendee = file.attendee
    if attendee is None:
        return False
    if not _consent_items_pass(file):
        return False
    bodies = list(MeetingBody.objects.filter(pk__in=file.support_body_ids))
    if attendee.user_id is not None and attendee.user_id == user.pk:
        return attendee_is_current(attendee) and all(
            attendee_may_receive_support_item(attendee=attendee, body=body) for body in bodies
        )
    return can_manage_meetings(user) and all(
        may_see_support_item(user=user, meeting=attendee.meeting, body=body) for body in bodies
    )


def _consent_items_pass(file: ReportFile) -> bool:
    """Gate 1, now, for each 重層的支援会議 item the copy holds (on the meeting date, for
    the attending agencies); an item taken off the agenda since fails too."""
    wanted = set(file.consent_item_ids)
    if not wanted:
        return True
    items = list(
        AgendaItem.objects.filter(pk__in=wanted).select_related(
            "body", "meeting", "case", "household"
        )
    )
    if {str(item.pk) for item in items} != wanted:
        return False
    return not any(item.gate_blocked or item_consent_problems(item) for item in items)


def passes_gate_two_for_all(*, user: User, items: list[AgendaItem]) -> bool:
    """A secretariat user may hold a copy only if they could see every item in it."""
    return can_manage_meetings(user) and all(
        item_visible_to(user=user, item=item) for item in items
    )


def may_handle_copy(*, user: User, file: ReportFile) -> bool:
    """回収済 and 再発行 are the secretariat's, on a copy it may itself hold."""
    return (
        file.copy_number is not None
        and can_manage_meetings(user)
        and user.has_perm(DOWNLOAD, file)
        and copy_holder_current(user=user, file=file)
    )


def may_see_job(*, user: User, job: ReportJob, file_ids: set) -> bool:
    """The requester follows a job; others only through a file they may download."""
    if not _active(user):
        return False
    return job.requested_by_id == user.pk or bool(file_ids)
