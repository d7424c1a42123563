"""Layout on the screens staff use: a phone held upright (390 px) scrolls only down,
tables stack into label/value pairs, and at a desk (1366 px) short words such as the
badge 「有効」 never break in the middle. axe runs on every page measured."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import make_consent
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = BROWSER_MARKS

NARROW = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}


@pytest.fixture
def pages(case, coordinator, secretariat, assigned_agency):
    """The intake, case, household and meeting pages of one full world."""
    person = case.subjects.get()
    make_consent(actor=coordinator, person=person, agencies=[assigned_agency])
    body = make_body(secretariat)
    meeting = make_meeting(secretariat, [body])
    pledge(secretariat, body, coordinator)
    pledge(secretariat, body, secretariat)
    attend(secretariat, meeting, coordinator)
    add_item(secretariat, meeting, body, case=case)
    return {
        "intake": "/consultations/new/form/",
        "case": f"/cases/{case.pk}/",
        "household": f"/households/{case.household_id}/",
        "meeting": f"/meetings/{meeting.pk}/",
        "cases": "/cases/",
        "consent": f"/households/{case.household_id}/members/{person.pk}/consents/new/",
    }


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _too_wide(page) -> list[str]:
    """The innermost elements that reach past the right edge, to name in a failure."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter(el => ![...el.children].some(
                c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
            .slice(0, 5)
            .map(el => el.tagName + '.' + el.className + ' ' + (el.name || '') + ' ' +
                 Math.round(el.getBoundingClientRect().right))"""
    )


def test_nothing_scrolls_sideways_at_390_px(page, live_server, login_as, coordinator, pages):
    page.set_viewport_size(NARROW)
    login_as(coordinator)
    axe = Axe()
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        overflow = _overflow(page)
        assert overflow <= 0, f"{name}: {overflow} px too wide: {_too_wide(page)}"
        assert_no_violations(axe, page)


def test_tables_stack_with_their_labels_on_a_phone(page, live_server, login_as, coordinator, pages):
    page.set_viewport_size(NARROW)
    login_as(coordinator)
    page.goto(f"{live_server.url}{pages['household']}")
    cell = page.locator("table tbody td").first
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label not in ("none", "normal", '""'), label


def test_short_words_never_break_at_a_desk(page, live_server, login_as, coordinator, pages):
    page.set_viewport_size(DESK)
    login_as(coordinator)
    for path in (pages["case"], pages["meeting"], pages["cases"]):
        page.goto(f"{live_server.url}{path}")
        broken = page.evaluate(
            """() => [...document.querySelectorAll('.badge, th')]
                .filter(el => el.textContent.trim().length <= 6)
                .filter(el => el.getClientRects().length > 1 ||
                              el.getBoundingClientRect().height >
                              1.9 * parseFloat(getComputedStyle(el).lineHeight || 24))
                .map(el => el.textContent.trim())"""
        )
        assert broken == [], f"{path}: {broken}"
