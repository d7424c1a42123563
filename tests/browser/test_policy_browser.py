"""The access-policy issue in the browser: a window proposes a household it cannot see
the case of (the coordinators forward it), a coordinator records a DV等支援措置 that
masks the household for the window, and a break-glass provision on an uncased
household is confirmed by a second coordinator of another hub. axe on every new page."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from agencies.roles import Role
from meetings.models import AgendaProposal
from tests.browser.conftest import BROWSER_MARKS, login_page
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import AgencyFactory, make_consultation, user_with_role
from tests.meetings.helpers import make_body

pytestmark = BROWSER_MARKS


def logout(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_a_window_proposes_and_the_coordinator_forwards(
    page, live_server, password, case, staff_assigned, coordinator, secretariat
):
    axe = Axe()
    make_body(secretariat, name="支援会議")
    login_page(page, live_server, staff_assigned, password)
    page.goto(f"{live_server.url}/households/{case.household_id}/")
    page.get_by_role("link", name="会議に議題を申し出る").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("会議で協議したい")
    assert_no_violations(axe, page)
    page.get_by_role("combobox", name=re.compile("^申し出る会議体")).select_option(label="支援会議")
    page.get_by_role("combobox", name=re.compile("^協議の目的")).select_option(label="役割分担")
    page.get_by_role("textbox", name=re.compile("^協議したいこと")).fill("見守りの分担を決めたい")
    page.get_by_role("button", name="申し出る").click()
    expect(page.get_by_role("status")).to_contain_text("議題の申出をしました")
    # The window is told 申出, not that a case's coordinators have it.
    expect(page.get_by_role("cell", name="申出", exact=True)).to_be_visible()
    assert_no_violations(axe, page)
    logout(page)

    login_page(page, live_server, coordinator, password)
    page.goto(f"{live_server.url}/meetings/proposals/")
    expect(page.get_by_role("cell", name=re.compile(case.number))).to_be_visible()
    assert_no_violations(axe, page)
    page.get_by_role("button", name="事務局に回す").click()
    expect(page.get_by_role("status")).to_contain_text("事務局に回しました")
    assert AgendaProposal.objects.get().status == AgendaProposal.Status.PROPOSED


def test_a_dv_measure_masks_the_household_for_the_window(
    page, live_server, password, case, staff_assigned, coordinator
):
    axe = Axe()
    login_page(page, live_server, coordinator, password)
    page.goto(f"{live_server.url}/households/{case.household_id}/")
    page.get_by_role("link", name="DV等支援措置を記録する").click()
    assert_no_violations(axe, page)
    page.get_by_role("combobox", name=re.compile("^対象の世帯員")).select_option(index=1)
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status")).to_contain_text("DV等支援措置を記録しました")
    expect(page.get_by_text("架空市若葉町1-2-3")).to_be_visible()
    logout(page)

    login_page(page, live_server, staff_assigned, password)
    page.goto(f"{live_server.url}/households/{case.household_id}/")
    expect(page.get_by_role("note")).to_contain_text("住所・連絡先は表示されません")
    expect(page.get_by_text("架空市若葉町1-2-3")).to_have_count(0)
    expect(page.get_by_role("link", name="世帯の情報を編集")).to_have_count(0)
    assert_no_violations(axe, page)


def test_break_glass_on_an_uncased_household_confirmed_by_another_hub(
    page, live_server, password, staff_assigned, coordinator, other_agency
):
    axe = Axe()
    consultation = make_consultation(actor=staff_assigned)
    other_hub = AgencyFactory(name="北部多機関協働", is_collaboration_hub=True)
    second = user_with_role(Role.COORDINATOR, agency=other_hub, username="coordinator_north")
    login_page(page, live_server, coordinator, password)
    page.goto(f"{live_server.url}/households/{consultation.household_id}/")
    page.get_by_role("link", name="緊急時の提供を記録する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ケース化前の世帯")
    assert_no_violations(axe, page)
    page.get_by_role("combobox", name=re.compile("^提供先の機関")).select_option(
        label=other_agency.name
    )
    page.get_by_label(re.compile("27条1項2号")).check()
    page.get_by_role("textbox", name=re.compile("^提供する理由")).fill("夜間に安否確認が必要")
    page.get_by_role("textbox", name=re.compile("^本人の同意を得られない理由")).fill(
        "本人と連絡が取れない"
    )
    page.get_by_role("button", name="緊急時の提供を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("72時間以内")
    assert_no_violations(axe, page)
    logout(page)

    login_page(page, live_server, second, password)
    expect(page.get_by_role("status")).to_contain_text("承認待ちの緊急時の提供が1件")
    page.get_by_role("link", name="緊急時の提供の一覧へ").click()
    page.get_by_role("button", name=re.compile(f"^承認する.*{other_agency.name}")).click()
    expect(page.get_by_role("status")).to_contain_text("承認しました")
