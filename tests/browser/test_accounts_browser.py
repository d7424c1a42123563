"""In Chromium: second-factor setup by QR page, the timeout warning with 延長, drafts
that survive a timeout, and axe on the account pages."""

from __future__ import annotations

import base64
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from agencies.accounts import LAST_ACTIVITY_SESSION_KEY
from tests.accounts.otp import next_totp_code
from tests.browser.conftest import BROWSER_MARKS, login_page

pytestmark = BROWSER_MARKS

DRAFT_FORM = (
    '<form method="get" action="/" id="draft-form">'
    '<label for="note">支援経過</label>'
    '<textarea id="note" name="note" data-draft="test-note"></textarea>'
    '<button type="submit">保存する</button></form>'
)


def assert_no_axe_violations(page: Page) -> None:
    page.wait_for_load_state("load")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_snapshot()


def with_draft_form(page: Page, live_server) -> None:
    """Serve the real home page with a textarea[data-draft] in it, as the case pages
    will have (session.js picks it up on load)."""

    def handle(route):
        response = route.fetch(max_redirects=0)
        if response.status != 200:
            route.fulfill(response=response)
            return
        html = response.text().replace("</main>", DRAFT_FORM + "</main>", 1)
        route.fulfill(response=response, body=html)

    page.route(re.compile(re.escape(live_server.url) + r"/(\?.*)?$"), handle)


def expire_idle(page: Page) -> None:
    """Move the server-side idle clock of this browser's session 31 minutes back."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session[LAST_ACTIVITY_SESSION_KEY] = timezone.now().timestamp() - 31 * 60
    session.save()


def test_setup_with_the_qr_page_then_recovery_codes(page, live_server, coordinator, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(coordinator.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/setup/"))
    expect(page.get_by_role("img", name="二要素認証の設定用QRコード")).to_be_visible()
    assert_no_axe_violations(page)
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    code = totp(base64.b32decode(secret))
    page.get_by_label("確認コード").fill(f"{code:06d}")
    page.get_by_role("button", name="設定を完了する").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/recovery-codes/"))
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="控えたので続ける").click()
    page.wait_for_url(f"{live_server.url}/")


def test_verify_page_and_password_page_pass_axe(page, live_server, coordinator, password):
    device = TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(coordinator.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/verify/"))
    assert_no_axe_violations(page)
    page.get_by_label("確認コード").fill("000000")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)
    page.wait_for_timeout(1100)  # django-otp's pause after a wrong code
    page.get_by_label("確認コード").fill(next_totp_code(device))
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/password/")
    assert_no_axe_violations(page)


def test_the_warning_dialog_offers_to_extend(page, live_server, coordinator, password, settings):
    # Idle timeout 2 min 5 s: the two-minute warning comes five seconds after a load.
    settings.KASANE_SESSION_IDLE_SECONDS = 125
    login_page(page, live_server, coordinator, password)
    dialog = page.get_by_role("alertdialog", name="まもなく自動的にログアウトします")
    expect(dialog).to_be_visible(timeout=15_000)
    extend = dialog.get_by_role("button", name="延長する")
    expect(extend).to_be_focused()
    assert_no_axe_violations(page)
    with page.expect_response(re.compile(r"/accounts/session/keepalive/$")) as keepalive:
        page.keyboard.press("Enter")
    assert keepalive.value.ok
    expect(dialog).to_be_hidden()


def test_polling_alone_lets_the_session_end(page, live_server, coordinator, password):
    login_page(page, live_server, coordinator, password)
    expire_idle(page)
    # The page's next status poll (on becoming visible) learns the session is over.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2F"))
    expect(page.get_by_text("一定時間操作がなかったため、ログアウトしました")).to_be_visible()


def test_a_draft_survives_a_timeout_and_is_cleared_after_a_submit(
    page, live_server, coordinator, password
):
    login_page(page, live_server, coordinator, password)
    with_draft_form(page, live_server)
    page.goto(f"{live_server.url}/")
    note = page.get_by_label("支援経過")
    note.fill("本人と面談。次回は来週火曜日。")
    page.wait_for_timeout(600)
    # The session ends while typing; the submit lands on the login page.
    expire_idle(page)
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text("一定時間操作がなかったため")).to_be_visible()
    # Logging in again brings the text back.
    page.get_by_label("ユーザー名").fill(coordinator.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/verify/"))
    device = TOTPDevice.objects.get(user=coordinator, confirmed=True)
    page.get_by_label("確認コード").fill(next_totp_code(device))
    page.get_by_role("button", name="確認する").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/\?note="))
    # The form's page again (Playwright routes no redirect target, so load it anew):
    # the text is back.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_label("支援経過")).to_have_value("本人と面談。次回は来週火曜日。")
    expect(page.get_by_role("status").filter(has_text="下書き")).to_be_visible()
    # A submit that goes through clears the draft.
    with page.expect_navigation():
        page.get_by_role("button", name="保存する").click()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_label("支援経過")).to_have_value("")
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('kasane-draft:'))")
    assert stored == []


@pytest.mark.parametrize("url", ["/accounts/login/"])
def test_no_csp_violation_on_the_login_page(page, live_server, url):
    errors = []
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(f"{live_server.url}{url}")
    page.wait_for_load_state("load")
    assert errors == []
