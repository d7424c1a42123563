"""What each kind of job produces, and who may download it.

A renderer takes the job and a progress callback and returns ``Output``s; the service
writes them, records them and grants the download permission. Content comes from the
selectors the pages use (``meeting_papers`` with its gates, the annual figures), never
from a second copy of their rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from agencies.models import User
from agencies.roles import Role
from core.japanese import fiscal_year_label

from .models import ReportFile, ReportJob
from .permissions import passes_gate_two_for_all

Progress = Callable[[int, int], None]

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Output:
    label: str
    filename: str
    content_type: str
    data: bytes
    users: list[User] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    meeting_id: object = None
    attendee_id: int | None = None
    copy_number: int | None = None
    recipient_name: str = ""
    recipient_agency: str = ""
    replaces_id: object = None
    support_body_ids: list[str] = field(default_factory=list)
    consent_item_ids: list[str] = field(default_factory=list)


def _issued_at(job: ReportJob) -> dt.datetime:
    return timezone.localtime(job.started_at or timezone.now())


def _secretariat() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.SECRETARIAT).distinct())


def render_meeting_packet(job: ReportJob, progress: Progress) -> list[Output]:
    """One numbered, watermarked copy per attendee who may receive at least one item
    (gate 2 for 支援会議 items, gate 1 on the meeting date for 重層 items); each copy
    holds only that attendee's items."""
    from meetings.selectors import packet_recipients

    from .packets import PacketCopy, render_packets
    from .services import ReportError, copy_numbers_reserve

    meeting = job.meeting
    recipients = packet_recipients(meeting=meeting)
    replaces = None
    if job.kind == ReportJob.Kind.PACKET_REISSUE:
        replaces = ReportFile.objects.get(pk=job.params["replaces"])
        recipients = [(a, p) for a, p in recipients if a.pk == replaces.attendee_id]
        if not recipients:
            raise ReportError(
                "この受領者は現在、会議資料を受け取れません（誓約書の期限切れ、"
                "または議題の同意が確認できません）。再発行できませんでした。"
            )
    if not recipients:
        raise ReportError(
            "会議資料を受け取れる出席者がいません。出席者と誓約書、議題の同意を確認してください。"
        )
    numbers = copy_numbers_reserve(job=job, attendee_ids=[a.pk for a, _ in recipients])
    recipients = [(a, p) for a, p in recipients if str(a.pk) in numbers]
    copies = [
        PacketCopy(
            attendee_id=attendee.pk,
            name=attendee.name,
            agency=str(attendee.agency),
            copy_number=numbers[str(attendee.pk)],
        )
        for attendee, _ in recipients
    ]
    pdfs = render_packets(
        meeting=meeting, copies=copies, issued_at=_issued_at(job), progress=progress
    )
    secretariat = _secretariat()
    day = meeting.date.strftime("%Y%m%d")
    outputs = []
    for (attendee, papers), copy, pdf in zip(recipients, copies, pdfs, strict=True):
        items = [entry.item for entry in papers.items]
        support_bodies = sorted(
            {str(item.body_id) for item in items if item.body.confidentiality_duty}
        )
        users = [u for u in secretariat if passes_gate_two_for_all(user=u, items=items)]
        if attendee.user_id and attendee.user not in users:
            users.append(attendee.user)
        outputs.append(
            Output(
                label=f"会議資料 No.{copy.copy_number}（{copy.agency} {copy.name}）",
                filename=f"kaigi-shiryo-{day}-No{copy.copy_number}.pdf",
                content_type=PDF,
                data=pdf,
                users=users,
                meeting_id=meeting.pk,
                attendee_id=attendee.pk,
                copy_number=copy.copy_number,
                recipient_name=copy.name,
                recipient_agency=copy.agency,
                replaces_id=replaces.pk if replaces else None,
                support_body_ids=support_bodies,
                consent_item_ids=[str(i.pk) for i in items if i.body.consent_required],
            )
        )
    return outputs


def render_annual(job: ReportJob, progress: Progress) -> list[Output]:
    """年次評価: counts only, for every manager (the group, so a manager who joins later
    finds it too)."""
    from .annual import annual_csv, annual_figures, annual_pdf, annual_xlsx

    year = job.fiscal_year
    label = fiscal_year_label(year)
    figures = annual_figures(fiscal_year=year)
    progress(1, 4)
    pdf = annual_pdf(figures, issued_at=_issued_at(job))
    progress(2, 4)
    csv = annual_csv(figures)
    progress(3, 4)
    xlsx = annual_xlsx(figures)
    managers = [Role.MANAGER.value]
    return [
        Output(f"{label} 年次評価（PDF）", f"nenji-hyoka-{year}.pdf", PDF, pdf, groups=managers),
        Output(f"{label} 年次評価（CSV）", f"nenji-hyoka-{year}.csv", CSV, csv, groups=managers),
        Output(
            f"{label} 年次評価（Excel）", f"nenji-hyoka-{year}.xlsx", XLSX, xlsx, groups=managers
        ),
    ]


def render_national(job: ReportJob, progress: Progress) -> list[Output]:
    """The national survey's per-case CSV, keyed by case number: coordinators only."""
    from .national import national_report_csv

    year = job.fiscal_year
    data = national_report_csv(fiscal_year=year)
    return [
        Output(
            f"{fiscal_year_label(year)} 実績報告用CSV",
            f"jisseki-hokoku-{year}.csv",
            CSV,
            data,
            groups=[Role.COORDINATOR.value],
        )
    ]


def render_disclosure_draft(job: ReportJob, progress: Progress) -> list[Output]:
    """開示請求: one PDF for the coordinator who asked, and for no one else (not their
    group: the draft holds every agency's records of the person)."""
    from .disclosure import disclosure_sections, flag_count
    from .pdf import render_pdf
    from .permissions import may_handle_disclosure
    from .services import ReportError

    disclosure = job.disclosure
    person = disclosure.person
    requester = job.requested_by
    # Asked again when the job runs: the requester may have been moved or handed over.
    if not may_handle_disclosure(user=requester, person=person):
        raise ReportError("この方の記録を管理する立場にないため、下書きを作成できませんでした。")
    sections = disclosure_sections(person=person, requester=requester)
    progress(1, 2)
    issued_at = _issued_at(job)
    pdf = render_pdf(
        "reports/disclosure_draft.html",
        {
            "disclosure": disclosure,
            "person": person,
            "requester": requester,
            "issued_at": issued_at,
            "sections": sections,
            "item_count": sum(len(s.items) for s in sections),
            "flagged": flag_count(sections),
        },
    )
    return [
        Output(
            f"開示決定用の下書き（{disclosure.received_on:%Y-%m-%d}受付の請求）",
            f"kaiji-shitagaki-{issued_at:%Y%m%d-%H%M}.pdf",
            PDF,
            pdf,
            users=[requester],
        )
    ]


RENDERERS: dict[str, Callable[[ReportJob, Progress], list[Output]]] = {
    ReportJob.Kind.MEETING_PACKET: render_meeting_packet,
    ReportJob.Kind.PACKET_REISSUE: render_meeting_packet,
    ReportJob.Kind.ANNUAL: render_annual,
    ReportJob.Kind.NATIONAL: render_national,
    ReportJob.Kind.DISCLOSURE_DRAFT: render_disclosure_draft,
}
