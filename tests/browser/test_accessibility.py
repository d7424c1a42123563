"""axe-core (axe-playwright-python) finds no violation on the login, intake and case pages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def assert_no_violations(axe: Axe, page: Page) -> None:
    page.wait_for_load_state("load")
    results = axe.run(page)
    if results.violations_count:
        print(results.generate_report())
    assert results.violations_count == 0, (
        f"{page.url}: {results.violations_count} axe violation(s)\n" + results.generate_snapshot()
    )


def test_login_page(axe, page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    assert_no_violations(axe, page)


def test_login_page_with_error(axe, page, live_server, coordinator):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(coordinator.username)
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_violations(axe, page)


def test_intake_start_page(axe, page, live_server, login_as, coordinator):
    login_as(coordinator)
    page.goto(f"{live_server.url}/consultations/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("相談受付")
    assert_no_violations(axe, page)


def test_intake_start_page_with_results(
    axe, page, live_server, login_as, coordinator, consultation
):
    login_as(coordinator)
    page.goto(f"{live_server.url}/consultations/new/?q=やまだ")
    expect(page.get_by_role("table")).to_contain_text("山田")
    assert_no_violations(axe, page)


def test_intake_form_new_household(axe, page, live_server, login_as, coordinator):
    login_as(coordinator)
    page.goto(f"{live_server.url}/consultations/new/form/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("相談受付票")
    assert_no_violations(axe, page)


def test_intake_form_after_failed_submit(axe, page, live_server, login_as, coordinator):
    login_as(coordinator)
    page.goto(f"{live_server.url}/consultations/new/form/")
    page.get_by_role("button", name="相談受付を登録する").click()
    expect(page.get_by_role("alert").first).to_contain_text("入力内容を確認してください")
    expect(page.locator(".field--error").first).to_be_visible()
    assert_no_violations(axe, page)


def test_case_page(axe, page, live_server, login_as, coordinator, case):
    login_as(coordinator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)
    assert_no_violations(axe, page)


def test_case_timeline_page(axe, page, live_server, login_as, coordinator, case):
    """From the case page to the whole タイムライン and its older page, as a user clicks."""
    from cases.models import CaseEvent

    for i in range(30):
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.RECORD_ADDED,
            actor=coordinator,
            message=f"経過メモ{i}番を記録しました。",
        )
    login_as(coordinator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="タイムラインをすべて見る（古い記録を含む）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("タイムライン")
    expect(page.locator(".timeline li").first).to_contain_text("経過メモ29番")
    assert_no_violations(axe, page)
    page.get_by_role("link", name="次の25件").click()
    expect(page.locator(".timeline")).to_contain_text("経過メモ0番")
    expect(page.locator(".timeline")).not_to_contain_text("経過メモ29番")
    page.get_by_role("link", name="前の25件").click()
    expect(page.locator(".timeline li").first).to_contain_text("経過メモ29番")
