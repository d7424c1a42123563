"""The targets page and the manager's home in Chromium: a manager sets a target and sees
it in the trend; axe-core finds no violation on either page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from reports.models import OutcomeTarget
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations

pytestmark = BROWSER_MARKS


def test_a_manager_sets_a_target_from_the_home_page(page, live_server, login_as, manager):
    login_as(manager)
    page.goto(f"{live_server.url}/")
    assert_no_violations(Axe(), page)
    page.get_by_role("link", name="成果指標の目標値を設定する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("成果指標の目標値")
    page.locator("#id_fiscal_year").select_option("2026")
    page.get_by_label("目標値（支援のために連携した関係者の数）").fill("100001")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".error-text").first).to_contain_text("100,000以下")
    assert_no_violations(Axe(), page)
    page.get_by_label("目標値（支援のために連携した関係者の数）").fill("102")
    page.get_by_label("備考（目標の根拠など）").fill("実施計画の最終年度")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("table").last).to_contain_text("102者")
    assert OutcomeTarget.objects.get(fiscal_year=2026).target == 102
    assert_no_violations(Axe(), page)
