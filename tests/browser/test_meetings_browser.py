"""Issue 5 in the browser: the secretariat sets up a 重層的支援会議 and a 支援会議, records
a pledge, schedules a joint meeting and builds its agenda. A case without consent is
refused under the 重層的支援会議 with the reason shown; the same case goes on the agenda
under the 支援会議 of the same sitting."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from meetings.models import AgendaItem, Meeting, MeetingBody
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.browser.test_accessibility import assert_no_violations
from tests.meetings.helpers import propose

pytestmark = BROWSER_MARKS


def group(page: Page, legend: str):
    """A fieldset by the start of its legend (legends end with the 必須/任意 badge)."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))


def create_body(page: Page, *, name: str, kind: str) -> None:
    page.get_by_role("link", name="会議体を作成する").click()
    page.get_by_role("textbox", name=re.compile(r"^会議体の名称")).fill(name)
    group(page, "種類（根拠）").get_by_label(kind, exact=True).check()
    page.get_by_role("button", name="作成する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def add_member(page: Page, user) -> None:
    page.get_by_role("link", name="構成員を登録").click()
    page.get_by_role("combobox", name=re.compile(r"^職員")).select_option(
        label=f"{user.display_name}（{user.agency}）"
    )
    page.get_by_role("button", name="構成員を登録する").click()
    expect(page.get_by_role("status")).to_contain_text("構成員に登録しました")


def test_the_secretariat_builds_a_joint_agenda(
    page, live_server, login_as, secretariat, coordinator, case
):
    today = timezone.localdate()
    login_as(secretariat)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="会議").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("会議")

    # Two bodies: the 要綱 meeting, and the statutory 支援会議 with the secretariat pledged.
    page.get_by_role("link", name="会議体・構成員・誓約書").click()
    create_body(page, name="重層的支援会議", kind="重層的支援会議（実施要綱）")
    add_member(page, coordinator)
    page.get_by_role("link", name="会議体", exact=True).click()
    create_body(page, name="支援会議", kind="支援会議（社会福祉法第106条の6）")
    add_member(page, secretariat)
    expect(page.get_by_role("cell", name="なし")).to_be_visible()
    # Visually hidden text names the member for screen readers.
    page.get_by_role("link", name=re.compile(rf"^誓約書を記録.*{secretariat.display_name}")).click()
    expect(page.get_by_text("社会福祉法第106条の6第5項")).to_be_visible()
    page.get_by_role("button", name="誓約書を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("誓約書を記録しました")

    # A joint meeting today, the coordinator attending.
    page.get_by_role("link", name="会議", exact=True).first.click()
    page.get_by_role("link", name="会議を予定する").click()
    bodies = group(page, "会議体")
    bodies.get_by_label("重層的支援会議", exact=True).check()
    bodies.get_by_label("支援会議", exact=True).check()
    fill_date(page, "date", today)
    group(page, "開催の区分").get_by_label("定例", exact=True).check()
    page.get_by_role("textbox", name=re.compile(r"^場所")).fill("市役所 第1会議室")
    page.get_by_role("button", name="予定する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出席者")
    group(page, "出席する構成員").get_by_label(re.compile(coordinator.display_name)).check()
    page.get_by_role("button", name="出席者に追加する", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("出席者を登録しました")
    # The case's coordinator proposed it to both bodies (議題の申出).
    for body in MeetingBody.objects.all():
        purpose = "plan" if body.consent_required else "roles"
        propose(body, case=case, purpose=purpose)
    page.get_by_role("link", name="会議に戻る").click()
    page.get_by_role("link", name="議題を作成").click()

    # Under the 重層的支援会議 the case without consent cannot go on, and says why.
    page.get_by_role("link", name="重層的支援会議で扱う議題").click()
    row = page.get_by_role("row", name=re.compile(case.number))
    expect(row).to_contain_text("不可")
    expect(row).to_contain_text(case.subjects.get().full_name)
    expect(row).to_contain_text("「重層的支援会議での協議」への同意が記録されていません")
    expect(row.get_by_role("button", name=re.compile("^議題にする"))).to_have_count(0)
    assert not AgendaItem.objects.exists()
    assert_no_violations(Axe(), page)

    # The same case under the 支援会議 of the same sitting: no consent needed.
    page.get_by_role("link", name="支援会議で扱う議題", exact=True).click()
    row = page.get_by_role("row", name=re.compile(case.number))
    expect(row.locator(".badge--ok")).to_have_text("可")
    expect(row.locator(".badge--ng")).to_have_count(0)
    row.get_by_role("button", name=re.compile(rf"^議題にする.*{case.number}")).click()
    expect(page.get_by_role("status")).to_contain_text("支援会議の議題にしました")
    agenda = page.get_by_role("table", name="議題")
    expect(agenda).to_contain_text(case.number)
    expect(agenda).to_contain_text("役割分担")
    expect(agenda).to_contain_text("不要（支援会議）")

    item = AgendaItem.objects.get()
    assert item.body.name == "支援会議" and item.case == case
    meeting = Meeting.objects.get()
    assert meeting.bodies.count() == 2

    # The papers carry the 支援会議's confidentiality wording.
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/papers/")
    expect(page.get_by_role("heading", name=re.compile(case.number))).to_be_visible()
    expect(page.get_by_text("漏らしてはなりません").first).to_be_visible()
    assert_no_violations(Axe(), page)

    # The meeting page and the item's minutes page are accessible too.
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("重層的支援会議")
    assert_no_violations(Axe(), page)
    page.get_by_role("link", name=re.compile(case.number)).click()
    page.get_by_role("textbox", name=re.compile(r"^議事録")).fill(
        "長男の就労について役割分担した。"
    )
    page.get_by_role("button", name="議事録を保存する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を保存しました")
    assert_no_violations(Axe(), page)
