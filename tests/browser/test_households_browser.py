"""世帯の統合 and 世帯の分離 in the browser: a merge keeps both records' history; a DV
flight masks the new household at once, for the window that took the consultation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cases.models import Consultation, Household
from cases.services import person_add
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import make_consultation, member_data, open_case

pytestmark = BROWSER_MARKS


def test_a_merge_keeps_both_histories(page, live_server, login_as, staff_assigned, coordinator):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    first = make_consultation(
        actor=staff_assigned, members=[member_data(family_name="森", family_name_kana="もり")]
    )
    case = open_case(first, actor=coordinator)
    second = make_consultation(
        actor=staff_assigned,
        members=[member_data(family_name="森", given_name="花子", family_name_kana="もり")],
        outcome=Consultation.Outcome.COLLABORATION,
    )
    login_as(coordinator)
    page.goto(f"{live_server.url}/households/{second.household_id}/")
    page.get_by_role("link", name="同じ世帯の別の記録と統合").click()
    page.get_by_role("searchbox", name=re.compile("氏名・ふりがな")).fill("もり")
    page.get_by_role("button", name="探す").click()
    assert_no_violations(axe, page)
    page.get_by_role("radio", name=re.compile("森 太郎さん世帯")).check()
    page.get_by_role("textbox", name=re.compile(r"^統合の理由")).fill("同じ住所の同じ家族だった")
    page.get_by_role("checkbox", name=re.compile("同じ世帯であることを確かめました")).check()
    page.get_by_role("button", name="統合する").click()
    expect(page.get_by_role("status").first).to_contain_text("統合しました")
    expect(page.get_by_role("table", name="世帯員")).to_contain_text("森 花子")
    # The case's history holds both: the case's household and the record merged in.
    page.goto(f"{live_server.url}/cases/{case.pk}/history/")
    expect(page.get_by_role("main")).to_contain_text("世帯の統合（同じ住所の同じ家族だった）")
    assert Household.objects.get(pk=second.household_id).merged_into_id == case.household_id
    assert_no_violations(axe, page)


def test_a_dv_flight_masks_at_once(page, live_server, login_as, staff_assigned, coordinator):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    case = open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name="一男", given_name_kana="かずお"), "relation": "spouse"},
    )
    subject = case.subjects.get()
    login_as(coordinator)
    page.goto(f"{live_server.url}/households/{case.household_id}/")
    page.get_by_role("link", name="世帯を分ける").click()
    assert_no_violations(axe, page)
    page.get_by_role("checkbox", name=re.compile(subject.full_name)).check()
    page.get_by_role("radio", name="DV等からの避難").check()
    page.get_by_role("textbox", name="新しい世帯の住所").fill("避難先市秘密町1-1")
    page.get_by_role("button", name="世帯を分ける").click()
    expect(page.get_by_role("status").first).to_contain_text("世帯を分けました")
    page.get_by_role("button", name="ログアウト").click()

    login_as(staff_assigned)
    new = Household.objects.get(split_from=case.household_id)
    page.goto(f"{live_server.url}/households/{new.pk}/")
    expect(page.get_by_role("main")).to_contain_text("非表示：DV等支援措置")
    expect(page.get_by_role("main")).not_to_contain_text("避難先市秘密町")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("main")).not_to_contain_text("避難先市秘密町")
