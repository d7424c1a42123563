"""Who may ask for which report, and who may download a file.

Downloading is an object permission on the ``ReportFile`` (django-guardian), granted
when the file is written: a meeting packet's copy to its recipient and to the
secretariat users who pass gate 2 for every item in it; an annual file to the
managers' group; a national-report CSV to the coordinators' group. Anyone else gets
404 — the same answer as for a file that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from guardian.core import ObjectPermissionChecker

from agencies.models import User
from agencies.roles import Role
from cases.models import Person
from cases.permissions import person_consent_needs_met, persons_consent_needs_met
from meetings.models import AgendaItem, Meeting, MeetingBody
from meetings.permissions import (
    GATE_ONE_PREFETCH,
    attendee_is_current,
    attendees_pledges,
    can_manage_meetings,
    item_consent_problems,
    item_visible_to,
    meetings_attending_agencies,
    user_pledges_for_bodies,
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
    return file.pk in disclosure_holders_current(user=user, files=[file])


def disclosure_holders_current(*, user: User, files: Iterable[ReportFile]) -> set:
    """``disclosure_holder_current`` for many files: the persons asked all at once."""
    files = list(files)
    drafts = [file for file in files if file.job.disclosure is not None]
    current = {file.pk for file in files if file.job.disclosure is None}
    if drafts and _active(user) and user.has_role(Role.COORDINATOR):
        persons = [file.job.disclosure.person for file in drafts]
        managed = persons_consent_needs_met(user, persons)
        current |= {file.pk for file in drafts if file.job.disclosure.person_id in managed}
    return current


def copy_holder_current(*, user: User, file: ReportFile) -> bool:
    """The download permission of a packet copy was granted when it was made; gate 2 is
    asked again now. Its recipient holds it while their login is current (人事異動 ends
    it) and their pledge for each 支援会議 body in it is valid; a secretariat user while
    they are the secretariat with a valid pledge for each such body. Files that are not
    packet copies pass (their grants are the role's group)."""
    return file.pk in copies_holder_current(user=user, files=[file])


def copies_holder_current(*, user: User, files: Iterable[ReportFile]) -> set:
    """The pks of ``files`` for which ``copy_holder_current`` holds, asked for many
    copies at once (every copy a secretariat user was ever granted): the items, bodies,
    attending agencies and pledges are each read once for all of them, and the rules
    are those of gates 1 and 2 (``pledge.valid_on`` is ``pledge_valid_q`` in Python)."""
    files = list(files)
    current = {file.pk for file in files if file.copy_number is None}
    copies = [file for file in files if file.copy_number is not None and file.attendee_id]
    if not copies:
        return current
    consent_ok = _consent_items_pass(copies)
    wanted = {str(pk) for file in copies for pk in file.support_body_ids}
    bodies = {str(body.pk): body for body in MeetingBody.objects.filter(pk__in=wanted)}
    own = [file for file in copies if _own_copy(user, file)]
    own_pledges = attendees_pledges(
        attendees=[file.attendee for file in own], bodies=bodies.values()
    )
    manages = can_manage_meetings(user)
    user_pledges = (
        list(user_pledges_for_bodies(user=user, body_ids=bodies.keys()))
        if manages and len(own) < len(copies)
        else []
    )
    for file in copies:
        if not consent_ok[file.pk]:
            continue
        attendee = file.attendee
        day = attendee.meeting.date
        held = [bodies[str(pk)] for pk in file.support_body_ids if str(pk) in bodies]
        if _own_copy(user, file):
            ok = attendee_is_current(attendee) and all(
                any(p.valid_on(day) for p in own_pledges[(attendee.pk, body.pk)]) for body in held
            )
        else:
            ok = manages and all(
                any(p.valid_on(day) for p in user_pledges if p.member.body_id == body.pk)
                for body in held
            )
        if ok:
            current.add(file.pk)
    return current


def _own_copy(user: User, file: ReportFile) -> bool:
    return file.attendee.user_id is not None and file.attendee.user_id == user.pk


def _consent_items_pass(copies: list[ReportFile]) -> dict:
    """Gate 1, now, for each 重層的支援会議 item each copy holds (on the meeting date, for
    the attending agencies); an item taken off the agenda since fails too. By file pk."""
    wanted = {str(pk) for file in copies for pk in file.consent_item_ids}
    items = {}
    if wanted:
        items = {
            str(item.pk): item
            for item in AgendaItem.objects.filter(pk__in=wanted)
            .select_related("body", "meeting", "case", "household")
            .prefetch_related(*GATE_ONE_PREFETCH)
        }
    agencies = meetings_attending_agencies(item.meeting_id for item in items.values())
    refused = {
        pk: item.gate_blocked
        or bool(item_consent_problems(item, agencies.get(item.meeting_id, [])))
        for pk, item in items.items()
    }
    result = {}
    for file in copies:
        held = {str(pk) for pk in file.consent_item_ids}
        result[file.pk] = held <= items.keys() and not any(refused[pk] for pk in held)
    return result


def passes_gate_two_for_all(*, user: User, items: list[AgendaItem]) -> bool:
    """A secretariat user may hold a copy only if they could see every item in it."""
    return can_manage_meetings(user) and all(
        item_visible_to(user=user, item=item) for item in items
    )


def may_handle_copy(*, user: User, file: ReportFile) -> bool:
    """回収済 and 再発行 are the secretariat's, on a copy it may itself hold."""
    return file.pk in copies_handled_by(user=user, files=[file])


def copies_handled_by(*, user: User, files: Iterable[ReportFile]) -> set:
    """The pks of ``files`` for which ``may_handle_copy`` holds, for a page of copies:
    the object permissions in one query, gate 2 once per meeting and body."""
    files = [file for file in files if file.copy_number is not None]
    if not files or not can_manage_meetings(user):
        return set()
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(files)
    granted = [file for file in files if checker.has_perm(DOWNLOAD, file)]
    return copies_holder_current(user=user, files=granted)


def may_see_job(*, user: User, job: ReportJob, file_ids: set) -> bool:
    """The requester follows a job; others only through a file they may download."""
    if not _active(user):
        return False
    return job.requested_by_id == user.pk or bool(file_ids)
