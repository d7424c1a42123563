"""会議資料の PDF packet: one watermarked copy per recipient of a meeting.

The content comes from ``meetings.selectors.meeting_papers`` — the selector the printable
page reads — so gates 1 and 2 and what paper may carry (no 閲覧制限 record, no DV-masked
contact, no 通報者) are decided in one place, never copied here.

Speed: WeasyPrint is the cost (a 20-case packet takes seconds). The base document is
rendered once per distinct item set (at a 支援会議 every pledged recipient gets the same
items), the watermarks of all copies in one more WeasyPrint pass (one transparent page
per copy), and pypdf lays each copy's watermark over every page of its base. 15 copies
cost little more than one render instead of fifteen (bench/packet_bench.py).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from pypdf import PageObject, PdfReader, PdfWriter

from core.japanese import format_wareki, to_tokyo
from meetings.models import Attendee, Meeting
from meetings.selectors import Papers, meeting_papers, packet_recipients

from .pdf import html_to_pdf


@dataclass(frozen=True)
class PacketCopy:
    attendee_id: int
    name: str  # recipient name for the watermark
    agency: str  # recipient agency name
    copy_number: int  # 「No. 3」


class NotARecipient(ValueError):
    """A copy was asked for an attendee who may receive no item of the meeting (no
    valid pledge for its 支援会議, or not an attendee at all): nothing is rendered."""


def issued_text(issued_at: dt.datetime) -> str:
    """「令和7年5月1日 14:30」 in Asia/Tokyo, whatever zone the job ran in."""
    local = to_tokyo(issued_at)
    return f"{format_wareki(local.date())} {local:%H:%M}"


def papers_html(papers: Papers) -> str:
    """The packet's HTML for papers already selected (no watermark)."""
    meeting = papers.meeting
    return render_to_string(
        "reports/packet.html",
        {"meeting": meeting, "papers": papers, "bodies": list(meeting.bodies.all())},
    )


def packet_html(*, meeting: Meeting, attendee: Attendee) -> str:
    """One recipient's packet as HTML, without the watermark: what the benchmark times
    as one plain WeasyPrint render."""
    papers = meeting_papers(meeting=meeting, attendee=attendee)
    if not papers.items:
        raise NotARecipient(f"{attendee.name}さんが受け取れる議題はありません。")
    return papers_html(papers)


def _watermarks(copies: list[PacketCopy], lines: list[str], issued: str) -> PdfReader:
    """All copies' watermarks in one WeasyPrint pass: page i is copy i's."""
    marks = [
        {
            "name": copy.name,
            "agency": copy.agency,
            "copy_number": copy.copy_number,
            "issued": issued,
            "line": line,
        }
        for copy, line in zip(copies, lines, strict=True)
    ]
    pdf = html_to_pdf(render_to_string("reports/packet_watermark.html", {"marks": marks}))
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != len(copies):
        # A watermark that spilled onto a second page would shift every later copy's.
        raise RuntimeError("透かしのページ数が部数と一致しません。")
    return reader


def _stamp(base: bytes, mark: PageObject) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(base))
    for page in writer.pages:
        page.merge_page(mark, over=True)
        # merge_page leaves the merged content uncompressed: a copy would be about three
        # times its base (1.4 MB for 42 pages); compressed, about 1.4 times.
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_packets(
    *,
    meeting: Meeting,
    copies: list[PacketCopy],
    issued_at: dt.datetime,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """One PDF per copy, in order. Each holds the items ``meeting_papers`` gives its
    attendee; every page carries the recipient's name, agency, copy number and the issue
    time, and the confidentiality line of the bodies whose items it holds.

    Refuses (``NotARecipient``) before rendering anything if any copy is for an attendee
    who may receive no item."""
    if not copies:
        return []
    papers_of = {attendee.pk: papers for attendee, papers in packet_recipients(meeting=meeting)}
    refused = [copy for copy in copies if copy.attendee_id not in papers_of]
    if refused:
        names = "、".join(f"{copy.name}さん" for copy in refused)
        raise NotARecipient(f"{names}はこの会議の資料を受け取れません（同意または誓約書）。")
    bases: dict[tuple, bytes] = {}
    for copy in copies:
        papers = papers_of[copy.attendee_id]
        if papers.item_ids not in bases:
            bases[papers.item_ids] = html_to_pdf(papers_html(papers))
    marks = _watermarks(
        copies, [papers_of[copy.attendee_id].line for copy in copies], issued_text(issued_at)
    )
    pdfs = []
    for index, copy in enumerate(copies):
        base = bases[papers_of[copy.attendee_id].item_ids]
        pdfs.append(_stamp(base, marks.pages[index]))
        if progress is not None:
            progress(index + 1, len(copies))
    return pdfs
