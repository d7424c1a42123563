"""Reads of the reports app that depend on the user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from agencies.models import User
from cases.models import Person
from cases.selectors import household_get_for_user
from meetings.models import Meeting

from .models import DisclosureRequest, ReportFile, ReportJob
from .permissions import (
    DOWNLOAD,
    copies_holder_current,
    disclosure_holders_current,
    may_handle_disclosure,
    may_see_job,
)


def files_downloadable_by(user: User) -> QuerySet[ReportFile]:
    """Files the user holds the download permission on (their own or their role's),
    still on disk."""
    if not user.is_authenticated or not user.is_active:
        return ReportFile.objects.none()
    # A packet copy is downloadable only while it is the valid copy of a current
    # attendee: not after 回収済, not once reissued (void), not for a removed attendee.
    current_copy = Q(copy_number__isnull=True) | Q(
        copy_status=ReportFile.CopyStatus.ISSUED, attendee__isnull=False
    )
    granted = get_objects_for_user(user, DOWNLOAD, klass=ReportFile, accept_global_perms=False)
    granted = granted.filter(current_copy, purged_at=None)
    # …and only while its holder still passes gate 2 (the grant was made with the copy).
    copies = granted.filter(copy_number__isnull=False).select_related(
        "attendee__meeting", "attendee__user", "attendee__agency"
    )
    copies = list(copies)
    held = copies_holder_current(user=user, files=copies)
    stale = [file.pk for file in copies if file.pk not in held]
    # …and a 開示請求 draft only while its holder still manages the person.
    drafts = granted.filter(job__disclosure__isnull=False).select_related(
        "job__disclosure__person__household"
    )
    drafts = list(drafts)
    held = disclosure_holders_current(user=user, files=drafts)
    stale += [file.pk for file in drafts if file.pk not in held]
    return granted.exclude(pk__in=stale) if stale else granted


def jobs_for_user(*, user: User, limit: int = 30) -> QuerySet[ReportJob]:
    """The jobs the user asked for, and those with a file they may download; newest
    first."""
    if not user.is_authenticated or not user.is_active:
        return ReportJob.objects.none()
    reachable = files_downloadable_by(user).values("job_id")
    return (
        ReportJob.objects.filter(Q(requested_by=user) | Q(pk__in=reachable))
        .select_related("meeting", "requested_by")
        .prefetch_related("meeting__bodies")
        .order_by("-created_at")[:limit]
    )


def job_get_for_user(*, user: User, pk) -> tuple[ReportJob, list[ReportFile]]:
    """A job and the files of it the user may download; 404 for a job they neither
    asked for nor may download anything of."""
    job = ReportJob.objects.select_related("meeting", "requested_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    files = list(files_downloadable_by(user).filter(job=job).order_by("copy_number", "label"))
    if not may_see_job(user=user, job=job, file_ids={f.pk for f in files}):
        raise Http404
    return job, files


def file_get_for_user(*, user: User, pk) -> ReportFile:
    """A file the user may download, or 404 (the same as one that does not exist)."""
    file = files_downloadable_by(user).filter(pk=pk).select_related("job").first()
    if file is None:
        raise Http404
    return file


def copies_issued_to(*, user: User, limit: int = 20) -> QuerySet[ReportFile]:
    """The packet copies issued to the user as an attendee that they may still download."""
    return (
        files_downloadable_by(user)
        .filter(attendee__user=user, copy_number__isnull=False)
        .select_related("meeting")
        .prefetch_related("meeting__bodies")
        .order_by("-created_at")[:limit]
    )


def downloadable_copy_ids(*, user: User, meeting: Meeting) -> set:
    return set(files_downloadable_by(user).filter(meeting=meeting).values_list("pk", flat=True))


def packet_copies(*, meeting: Meeting) -> list[ReportFile]:
    """Every numbered copy of a meeting's papers — who received which number, and its
    state — for the secretariat's record (downloads stay per copy)."""
    return list(
        ReportFile.objects.filter(meeting=meeting, copy_number__isnull=False)
        .select_related("job__requested_by", "attendee__meeting", "attendee__user")
        .order_by("copy_number")
    )


def packet_jobs(*, meeting: Meeting, limit: int = 10) -> QuerySet[ReportJob]:
    return ReportJob.objects.filter(meeting=meeting).order_by("-created_at")[:limit]


def disclosure_get_for_user(*, user: User, pk) -> DisclosureRequest:
    """A 開示請求 through its person's household: 404 if the user does not see the
    household (as for one that does not exist), 403 if they see it but do not manage
    the person."""
    disclosure = DisclosureRequest.objects.select_related("person__household").filter(pk=pk).first()
    if disclosure is None:
        raise Http404
    household_get_for_user(user=user, pk=disclosure.person.household_id)
    if not may_handle_disclosure(user=user, person=disclosure.person):
        raise PermissionDenied
    return disclosure


def disclosures_of(*, person: Person) -> list[DisclosureRequest]:
    """The person's requests with their drafts' jobs (newest first); the caller has
    checked ``may_handle_disclosure``."""
    return list(
        DisclosureRequest.objects.filter(person=person)
        .select_related("recorded_by")
        .prefetch_related("draft_jobs__requested_by")
    )


def disclosure_draft_jobs(*, disclosure: DisclosureRequest) -> list[ReportJob]:
    """The drafts asked for on one request, newest first; the caller has checked
    ``may_handle_disclosure`` (each job's page and file answer only their requester)."""
    return list(
        ReportJob.objects.filter(disclosure=disclosure)
        .select_related("requested_by")
        .order_by("-created_at")
    )
