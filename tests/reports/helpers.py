"""Report jobs and files for the matrices, written as the job framework would leave
them (the renderers have tests of their own)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from reports.models import ReportFile, ReportJob

DOWNLOAD = "reports.download_reportfile"


def done_job(*, kind: str, requested_by, **fields) -> ReportJob:
    return ReportJob.objects.create(
        kind=kind, requested_by=requested_by, status=ReportJob.Status.DONE, **fields
    )


def stored_file(
    job: ReportJob, *, data: bytes = b"%PDF-1.7 test", users=(), groups=(), **fields
) -> ReportFile:
    """A file on disk under KASANE_PRIVATE_ROOT with its row and download grants."""
    relative = Path("reports") / str(job.pk) / "test" / f"{ReportFile.objects.count():03d}.pdf"
    path = Path(settings.KASANE_PRIVATE_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    fields.setdefault("label", "帳票")
    fields.setdefault("filename", "report.pdf")
    file = ReportFile.objects.create(
        job=job,
        content_type="application/pdf",
        path=str(relative),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        **fields,
    )
    for user in users:
        assign_perm(DOWNLOAD, user, file)
    for name in groups:
        assign_perm(DOWNLOAD, Group.objects.get_or_create(name=name)[0], file)
    return file


def report_objects(*, manager, secretariat, recipient, meeting) -> dict[str, dict]:
    """Sample kwargs for the URL matrix: the manager's annual file, and a numbered copy
    of the meeting's papers issued to ``recipient`` (held by the secretariat too)."""
    annual = done_job(kind=ReportJob.Kind.ANNUAL, requested_by=manager, fiscal_year=2025)
    annual_file = stored_file(annual, groups=["manager"], label="年次評価（PDF）")
    packet = done_job(kind=ReportJob.Kind.MEETING_PACKET, requested_by=secretariat, meeting=meeting)
    copy = stored_file(
        packet,
        users=[secretariat, recipient],
        label="会議資料 No.1",
        meeting=meeting,
        attendee=meeting.attendees.get(user=recipient),
        copy_number=1,
        recipient_name=recipient.display_name,
        copy_status=ReportFile.CopyStatus.ISSUED,
    )
    m = {"pk": meeting.pk}
    return {
        "reports:meeting_packets": m,
        "reports:packet_request": m,
        "reports:copy_return": {"pk": copy.pk},
        "reports:copy_reissue": {"pk": copy.pk},
        "reports:job_detail": {"pk": annual.pk},
        "reports:job_status": {"pk": annual.pk},
        "reports:file_download": {"pk": annual_file.pk},
    }
