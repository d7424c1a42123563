"""開示請求 in the browser: the managing coordinator records a person's request, asks for
the draft, watches it being made, downloads the PDF and records the 開示決定; agency
staff reach neither the request nor the draft. Reports run in a background thread here,
as on a machine without Redis, so the progress page really polls."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from reports.models import DisclosureRequest, ReportFile
from tests.browser.conftest import BROWSER_MARKS, fill_date, login_page
from tests.browser.test_accessibility import assert_no_violations

pytestmark = BROWSER_MARKS

WITHHELD = "通報者の氏名と連絡先（児童虐待防止法7条）"


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


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "").replace("\u3000", "")


def test_the_coordinator_records_drafts_downloads_and_decides(
    page: Page,
    live_server,
    login_as,
    coordinator,
    staff_assigned,
    staff_unassigned,
    case,
    browser,
    password,
):
    person = case.subjects.get()
    today = timezone.localdate()
    login_as(coordinator)
    page.goto(live_server.url + reverse("cases:household_detail", args=[case.household_id]))
    # The person's name is read out after the link text (visually hidden).
    page.get_by_role("link", name=re.compile(rf"^開示請求\s*（{person.full_name}）$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{person.full_name}さんの開示請求")
    assert_no_violations(Axe(), page)

    # 受付: a bad date first (answered beside its field), then the real one.
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_text("受付日を入力してください。").first).to_be_visible()
    fill_date(page, "received_on", today)
    page.get_by_label("備考（請求の方法・範囲など）").fill("窓口で本人が請求（郵送を希望）")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status")).to_contain_text("開示請求を記録しました")
    disclosure = DisclosureRequest.objects.get(person=person)
    row = page.get_by_role("row").filter(has_text="窓口で本人が請求")
    expect(row).to_contain_text("受付")

    # The request's page: ask for the draft and watch it being made.
    row.get_by_role("link", name="受付").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("開示請求")
    assert_no_violations(Axe(), page)
    page.get_by_role("button", name="下書きの作成を依頼").click()
    expect(page.get_by_role("status").first).to_contain_text("作成を依頼しました")
    expect(page.get_by_text("完了しました")).to_be_visible(timeout=60_000)
    draft = ReportFile.objects.get(job__disclosure=disclosure)
    with page.expect_download() as download:
        page.get_by_role("link", name=draft.label).click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = _flat("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))
    assert _flat(person.full_name) in text
    assert "開示決定用の下書き" in text and "出典：" in text
    assert_no_violations(Axe(), page)

    # Back to the request (the breadcrumb) and record the 開示決定: a missing reason for
    # 一部開示 is refused in Japanese, then the decision is recorded.
    page.get_by_role("navigation", name="現在位置").get_by_role("link", name="受付").click()
    page.get_by_label("一部開示").check()
    fill_date(page, "decided_on", today)
    page.get_by_role("button", name="開示決定を記録する").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "開示しなかった部分とその理由を入力してください"
    )
    assert_no_violations(Axe(), page)
    page.get_by_label("開示しなかった部分とその理由").fill(WITHHELD)
    page.get_by_role("button", name="開示決定を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("開示決定を記録しました")
    expect(page.locator("dl.summary")).to_contain_text("一部開示")
    expect(page.locator("dl.summary")).to_contain_text(WITHHELD)
    expect(page.get_by_role("button", name="開示決定を記録する")).to_have_count(0)
    assert_no_violations(Axe(), page)
    disclosure.refresh_from_db()
    assert disclosure.decision == DisclosureRequest.Decision.PARTIAL
    assert not DisclosureRequest.objects.pending().exists()

    # Agency staff: another agency's reaches nothing (404, as if it did not exist); the
    # window that took the consultation sees the household, so its request page answers
    # 403 (seen, not allowed), and the draft 404 like any file not theirs.
    detail = reverse("reports:disclosure_detail", args=[disclosure.pk])
    download_url = reverse("reports:file_download", args=[draft.pk])
    assert _status_as(browser, live_server, staff_unassigned, password, download_url, detail) == [
        404,
        404,
    ]
    assert _status_as(browser, live_server, staff_assigned, password, download_url, detail) == [
        404,
        403,
    ]
