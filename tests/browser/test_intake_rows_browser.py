"""The first day at the window: a member row is added in place (nothing is sent, no
error appears on the half-filled form), and Enter in a one-line field does what the
main button does — never 「世帯員の入力欄を追加」."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cases.models import Consultation, Person
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.test_coordinator_journey import fill_consultation, fill_member

pytestmark = BROWSER_MARKS


def test_a_member_row_is_added_without_a_submit(page, live_server, login_as, staff_assigned):
    from axe_playwright_python.sync_playwright import Axe

    login_as(staff_assigned)
    page.goto(f"{live_server.url}/consultations/new/form/")
    page.locator('[name="m-0-family_name"]').fill("佐藤")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.get_by_role("button", name="世帯員の入力欄を追加").click()
    expect(page.get_by_role("heading", name="世帯員 2")).to_be_visible()
    assert posts == [], "adding a row sent the form"
    expect(page.get_by_role("alert")).to_have_count(0)
    # Nothing typed was lost, and the new row starts at 選んでください / 不明・未回答.
    expect(page.locator('[name="m-0-family_name"]')).to_have_value("佐藤")
    expect(page.locator('[name="m-1-relation"]')).to_have_value("")
    expect(page.locator('[name="m-1-sex"]')).to_have_value("unknown")
    expect(page.locator('[name="m-TOTAL_FORMS"]')).to_have_value("2")
    assert_no_violations(Axe(), page)

    fill_member(
        page,
        family="佐藤",
        given="一郎",
        family_kana="さとう",
        given_kana="いちろう",
        era="昭和",
        year=45,
        month=5,
        day=5,
    )
    page.locator('[name="m-1-family_name"]').fill("佐藤")
    page.locator('[name="m-1-given_name"]').fill("ハル")
    page.locator('[name="m-1-family_name_kana"]').fill("さとう")
    page.locator('[name="m-1-given_name_kana"]').fill("はる")
    page.locator('[name="m-1-relation"]').select_option("parent")
    fill_consultation(page, summary="母の介護と息子の就労")
    # Enter in a one-line field registers the intake (the main action).
    page.locator('[name="m-1-given_name_kana"]').press("Enter")
    page.wait_for_url(re.compile(r"/consultations/[0-9a-f-]{36}/$"))
    consultation = Consultation.objects.get()
    assert set(
        Person.objects.filter(household=consultation.household).values_list("given_name", flat=True)
    ) == {"一郎", "ハル"}
