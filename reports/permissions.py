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
from meetings.models import AgendaItem, Meeting
from meetings.permissions import can_manage_meetings, item_visible_to

from .models import ReportFile, ReportJob

DOWNLOAD = "reports.download_reportfile"


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def may_request_packet(*, user: User, meeting: Meeting) -> bool:
    """The secretariat prepares the packets of any meeting it runs."""
    return can_manage_meetings(user)


def may_request_annual(*, user: User) -> bool:
    return _active(user) and user.has_role(Role.MANAGER)


def may_request_national(*, user: User) -> bool:
    """The national survey is per case (keyed by case number): coordinators only."""
    return _active(user) and user.has_role(Role.COORDINATOR)


def may_download(*, user: User, file: ReportFile) -> bool:
    return _active(user) and file.available and user.has_perm(DOWNLOAD, file)


def passes_gate_two_for_all(*, user: User, items: list[AgendaItem]) -> bool:
    """A secretariat user may hold a copy only if they could see every item in it."""
    return can_manage_meetings(user) and all(
        item_visible_to(user=user, item=item) for item in items
    )


def may_handle_copy(*, user: User, file: ReportFile) -> bool:
    """回収済 and 再発行 are the secretariat's, on a copy it may itself hold."""
    return (
        file.copy_number is not None and can_manage_meetings(user) and user.has_perm(DOWNLOAD, file)
    )


def may_see_job(*, user: User, job: ReportJob, file_ids: set) -> bool:
    """The requester follows a job; others only through a file they may download."""
    if not _active(user):
        return False
    return job.requested_by_id == user.pk or bool(file_ids)
