"""社会資源 and 参加支援 in the browser: a coordinator registers a 協力事業者 and its
年度 figures; the window's staff find it in the registry and match the person on the
case page, then record that the person takes part. axe on every new page."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import CommunityResource
from cases.models import ParticipationSupport
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.browser.test_accessibility import assert_no_violations

pytestmark = BROWSER_MARKS


def test_a_resource_is_registered_and_a_person_is_matched_to_it(
    page, live_server, login_as, coordinator, staff_assigned, case
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    # 1. The coordinator registers a 協力事業者 and enters its figures.
    login_as(coordinator)
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="社会資源"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社会資源")
    page.get_by_role("link", name="社会資源を登録する").click()
    assert_no_violations(axe, page)
    page.get_by_role("textbox", name=re.compile("^名称 ")).fill("丸山商店")
    page.get_by_role("combobox", name=re.compile("^種別")).select_option(label="協力事業者")
    page.get_by_role("textbox", name=re.compile("^提供していること")).fill("品出しの就労体験")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("丸山商店")
    page.get_by_role("link", name="年度実績を入力").click()
    page.get_by_role("spinbutton", name=re.compile("^参加者数")).fill("-1")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("0以上")
    assert_no_violations(axe, page)
    page.get_by_role("spinbutton", name=re.compile("^参加者数")).fill("81")
    page.get_by_role("checkbox", name="地域づくりの拠点").check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("table")).to_contain_text("81人")
    assert_no_violations(axe, page)
    page.get_by_role("button", name="ログアウト").click()

    # 2. The window's staff search the registry and match the person on the case page.
    login_as(staff_assigned)
    page.goto(f"{live_server.url}/resources/?q=マルヤマ")
    expect(page.get_by_role("table")).not_to_be_visible()
    page.goto(f"{live_server.url}/resources/?q=丸山")
    expect(page.get_by_role("table")).to_contain_text("丸山商店")
    assert_no_violations(axe, page)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="参加支援を登録").click()
    person = case.subjects.get()
    page.get_by_role("combobox", name=re.compile("^参加する人")).select_option(
        label=f"{person.full_name}（{person.get_relation_display()}）"
    )
    page.get_by_role("combobox", name=re.compile("^つなぐ社会資源")).select_option(
        label="丸山商店（協力事業者）"
    )
    assert_no_violations(axe, page)
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("#participation-heading + .table-scroll")).to_contain_text("調整中")
    assert_no_violations(axe, page)

    # 3. The person takes part; later it ends with its outcome.
    page.get_by_role("link", name=re.compile("^更新")).click()
    page.get_by_role("radio", name="終了").check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("終了日を入力")
    assert_no_violations(axe, page)
    fill_date(page, "ended_on", timezone.localdate())
    page.get_by_role("textbox", name=re.compile("^参加の様子")).fill("就労につながった")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator("#participation-heading + .table-scroll")).to_contain_text("終了")
    row = ParticipationSupport.objects.get()
    assert (row.status, row.outcome, row.resource) == (
        "ended",
        "就労につながった",
        CommunityResource.objects.get(),
    )
