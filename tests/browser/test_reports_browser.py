"""Reports in the browser: the secretariat asks for a 支援会議's packet, watches it being
made and downloads the numbered copy; the manager downloads the annual PDF; agency staff
reach neither download (404). Reports run in a background thread here, as on a machine
without Redis, so the progress page really polls."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from reports.models import ReportFile, ReportJob
from tests.browser.conftest import BROWSER_MARKS, login_page
from tests.browser.test_accessibility import assert_no_violations
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def in_a_thread(settings, tmp_path):
    settings.KASANE_REPORT_RUNNER = "thread"
    settings.KASANE_PRIVATE_ROOT = tmp_path / "private"


def _status_as(browser, live_server, user, password, *urls) -> list[int]:
    """What another user's browser gets for these URLs."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    try:
        other = context.new_page()
        login_page(other, live_server, user, password)
        return [other.goto(live_server.url + url).status for url in urls]
    finally:
        context.close()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_secretariat_makes_and_downloads_a_packet(
    page: Page,
    live_server,
    login_as,
    secretariat,
    coordinator,
    staff_assigned,
    case,
    browser,
    password,
):
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, coordinator)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator)
    add_item(secretariat, meeting, body, case=case)

    login_as(secretariat)
    page.goto(live_server.url + reverse("meetings:meeting_detail", args=[meeting.pk]))
    page.get_by_role("link", name="会議資料（PDF・配付の記録）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("会議資料（PDF）")
    assert_no_violations(Axe(), page)
    page.get_by_role("button", name="会議資料の作成を依頼").click()

    # The job page: progress first, then the copy to download, without reloading.
    expect(page.get_by_role("status").first).to_contain_text("作成を依頼しました")
    expect(page.get_by_text("完了しました")).to_be_visible(timeout=60_000)
    job = ReportJob.objects.get(meeting=meeting)
    copy = ReportFile.objects.get(job=job)
    link = page.get_by_role(
        "link",
        name=f"会議資料 No.{copy.copy_number}（{copy.recipient_agency} {copy.recipient_name}）",
    )
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    text = _pdf_text(data)
    assert copy.recipient_name in text and f"No. {copy.copy_number}" in text
    assert "社会福祉法第106条の6第5項" in text
    assert_no_violations(Axe(), page)

    # The record of who received which copy; marked 回収済 after the meeting.
    page.get_by_role("link", name="会議資料", exact=True).click()
    row = page.get_by_role("row").filter(has_text=f"No.{copy.copy_number}")
    expect(row).to_contain_text("配付中")
    row.get_by_role("button", name="回収済にする").click()
    expect(page.get_by_role("status")).to_contain_text("回収済にしました")
    expect(page.get_by_role("row").filter(has_text=f"No.{copy.copy_number}")).to_contain_text(
        "回収済"
    )
    # The window's staff (no pledge, not an attendee) reach neither the copy nor the job.
    assert _status_as(
        browser,
        live_server,
        staff_assigned,
        password,
        reverse("reports:file_download", args=[copy.pk]),
        reverse("reports:job_detail", args=[job.pk]),
    ) == [404, 404]


def test_the_manager_downloads_the_annual_pdf_and_staff_cannot(
    page: Page, live_server, login_as, manager, staff_assigned, case, browser, password
):
    login_as(manager)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="帳票").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("帳票")
    assert_no_violations(Axe(), page)
    page.get_by_role("button", name="年次評価の作成を依頼").click()
    expect(page.get_by_text("完了しました")).to_be_visible(timeout=60_000)
    pdf_link = page.get_by_role("link", name="年次評価（PDF）")
    with page.expect_download() as download:
        pdf_link.click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert "年次評価" in _pdf_text(data)
    annual_file = ReportFile.objects.get(filename__endswith=".pdf", job__kind="annual")
    assert _status_as(
        browser,
        live_server,
        staff_assigned,
        password,
        reverse("reports:file_download", args=[annual_file.pk]),
        reverse("reports:job_detail", args=[annual_file.job_id]),
    ) == [404, 404]
