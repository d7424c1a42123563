"""アウトリーチ in the browser: a window registers a household of concern, logs two
contacts, turns the engagement into a consultation without retyping (主訴 and 訪問 are
prefilled), and the coordinator opens a case from it; the engagement page then shows
the case. axe on every new page."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, Consultation, OutreachEngagement
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.browser.test_accessibility import assert_no_violations

pytestmark = BROWSER_MARKS

CONCERN = "民生委員から、一人暮らしの高齢男性の家に新聞が溜まっていると連絡があった。"


def group(page, legend: str):
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))


def test_an_outreach_log_becomes_a_consultation_and_then_a_case(
    page, live_server, login_as, staff_assigned, coordinator, assigned_agency
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    today = timezone.localdate()

    # 1. The window registers the household of concern and starts going out.
    login_as(staff_assigned)
    page.get_by_role("link", name="アウトリーチ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("アウトリーチ（伴走中）")
    assert_no_violations(axe, page)
    page.get_by_role("link", name="アウトリーチを始める").click()
    assert_no_violations(axe, page)
    fill_date(page, "started_on", today)
    page.get_by_role("textbox", name=re.compile(r"^気になっていること")).fill(CONCERN)
    page.locator('[name="p-family_name"]').fill("佐々木")
    page.locator('[name="p-family_name_kana"]').fill("ささき")
    page.locator('[name="p-estimated_age"]').fill("80")
    page.locator('[name="h-address"]').fill("架空市若葉町2-3")
    page.get_by_role("button", name="アウトリーチを始める").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("アウトリーチ：佐々木さん世帯")
    assert_no_violations(axe, page)
    engagement = OutreachEngagement.objects.get()

    # 2. Two contacts in the log.
    for method, whom, what in (
        ("訪問", "", "不在。手紙を投函した。"),
        ("電話", "本人", "電話がつながり、来週の訪問を受け入れてくれた。"),
    ):
        page.get_by_role("link", name="接触を記録する").click()
        group(page, "方法").get_by_label(method, exact=True).check()
        page.get_by_role("textbox", name=re.compile(r"^会えた人")).fill(whom)
        page.get_by_role("textbox", name=re.compile(r"^様子・やりとり")).fill(what)
        assert_no_violations(axe, page)
        page.get_by_role("button", name="記録する").click()
        expect(page.get_by_text("接触の記録を保存しました。")).to_be_visible()
        expect(page.get_by_role("cell", name=what)).to_be_visible()
    assert engagement.contacts.count() == 2

    # 3. It becomes a consultation: the household, 主訴 and 訪問 are already there.
    page.get_by_role("link", name="相談受付につなぐ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("相談受付票")
    expect(page.get_by_role("textbox", name=re.compile(r"^主訴"))).to_have_value(CONCERN)
    expect(group(page, "相談経路").get_by_label("訪問", exact=True)).to_be_checked()
    assert_no_violations(axe, page)
    group(page, "本人同意").get_by_label("同意なし", exact=True).check()
    group(page, "相談者").get_by_label("本人", exact=True).check()
    group(page, "相談の対象者").get_by_label(re.compile("佐々木")).check()
    group(page, "相談内容（あてはまるものすべて）").get_by_label("8050", exact=True).check()
    page.get_by_role("combobox", name=re.compile(r"^主な相談内容")).select_option(label="8050")
    page.get_by_role("combobox", name=re.compile(r"^対応結果")).select_option(
        label="多機関協働へ（ケースとして支援）"
    )
    page.get_by_role("button", name="相談受付を登録する").click()
    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    consultation = Consultation.objects.get()
    assert consultation.summary == CONCERN and consultation.channel == "visit"
    engagement.refresh_from_db()
    assert engagement.consultation == consultation
    page.get_by_role("button", name="ログアウト").click()

    # 4. The coordinator it was handed to sees the engagement and opens the case.
    login_as(coordinator)
    page.goto(f"{live_server.url}/outreach/")
    page.get_by_role("link", name="佐々木さん世帯").click()
    page.get_by_role("link", name=re.compile("の相談受付$")).click()
    page.get_by_role("link", name="この相談からケースを開始する").click()
    page.get_by_role("group", name=re.compile("対象者")).get_by_label(re.compile("佐々木")).check()
    page.get_by_role("combobox", name=re.compile(r"^主担当機関")).select_option(
        label=assigned_agency.name
    )
    page.get_by_role("button", name="ケースを開始する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ケース R")
    case = Case.objects.get()

    # 5. The engagement page shows the consultation and the case.
    page.goto(f"{live_server.url}/outreach/{engagement.pk}/")
    expect(page.get_by_role("link", name=f"ケース {case.number}")).to_be_visible()
    expect(page.get_by_role("link", name="相談受付につなぐ")).to_have_count(0)
    assert_no_violations(axe, page)
