"""Playwright (Python, sync API) in headless Debian Chromium against the live server.

Playwright's sync API runs an event loop in the test thread, so Django's
async-safety check must be relaxed for the ORM calls the tests make there.
Browser tests use ``live_server``, so a transactional database that is emptied
after each test. The rows that data migrations seed (the role groups, the issue
categories) are put back before each browser test by re-running those migration
functions, and again after each module so that later transactional tests find them.
"""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

from conftest import chromium_path, require
from core.japanese import era_year

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every browser test module uses these marks.
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _leave_seed_data_behind(django_db_setup, django_db_blocker):
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        # Opened while Playwright's event loop runs, so not the connection that the
        # database teardown closes: close it here, or DROP DATABASE finds it open.
        connections.close_all()


@pytest.fixture(scope="session")
def browser():
    """One Chromium (Debian's, headless) for the whole session."""
    require(chromium_path() is not None, "Debian chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def login_page(page, live_server, user, password) -> None:
    """Log in through the real login form and wait for the home page.

    When the second factor is required (as in CI), the user is enrolled like a real
    one (a confirmed TOTP device) and types the authenticator code on the
    確認コード page, as staff do after the password.
    """
    from django.conf import settings

    device = None
    if getattr(settings, "KASANE_REQUIRE_MFA", False):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=True)
    home = f"{live_server.url}/"
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    if device is not None:
        from tests.accounts.otp import next_totp_code

        # Wait for the answer to the password (not just any load state): the 確認コード
        # page, or home for a role the second factor is not forced on.
        page.wait_for_url(lambda url: "/accounts/mfa/verify/" in url or url == home)
        if "/accounts/mfa/verify/" in page.url:
            # Computed from the device key; never a step django-otp has already accepted.
            page.get_by_label("確認コード").fill(next_totp_code(device))
            page.get_by_role("button", name="確認する").click()
    page.wait_for_url(home)


@pytest.fixture
def login_as(page, live_server, password):
    """login_as(user) → the page, logged in as that user."""

    def _login(user):
        login_page(page, live_server, user, password)
        return page

    return _login


def fill_date(page, name: str, day: dt.date) -> None:
    """Type a date as window staff do: the 元号 from the select, the 和暦 year."""
    era, year = era_year(day)
    page.locator(f'[name="{name}_0"]').select_option(era.name)
    page.locator(f'[name="{name}_1"]').fill(str(year))
    page.locator(f'[name="{name}_2"]').fill(str(day.month))
    page.locator(f'[name="{name}_3"]').fill(str(day.day))
