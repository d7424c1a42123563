"""The first real day at the window, walked in the browser: an anonymous neighbour's
report about a household whose ages nobody knows is saved; the intake's 同意あり leads
to the consent form, prefilled, and back."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Consultation
from consent.models import Consent
from core.japanese import era_year
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.browser.test_accessibility import assert_no_violations
from tests.browser.test_coordinator_journey import (
    fill_consultation,
    group,
    start_new_household_intake,
)

pytestmark = BROWSER_MARKS


def test_an_anonymous_neighbours_report_with_unknown_birth_dates_is_saved(
    page, live_server, login_as, staff_assigned
):
    from axe_playwright_python.sync_playwright import Axe

    login_as(staff_assigned)
    start_new_household_intake(page)
    page.get_by_role("textbox", name=re.compile(r"^住所")).first.fill("架空市若葉町5丁目あたり")
    # Only a family name and a guess at the age; the 元号 select stays at 令和.
    page.locator('[name="m-0-family_name"]').fill("田中")
    page.locator('[name="m-0-family_name_kana"]').fill("たなか")
    page.locator('[name="m-0-estimated_age"]').fill("80")
    group(page, "本人同意").get_by_label("未確認", exact=True).check()
    group(page, "相談経路").get_by_label("電話", exact=True).check()
    group(page, "相談者").get_by_label("地域住民", exact=True).check()
    issues = group(page, "相談内容（あてはまるものすべて）")
    issues.get_by_label("高齢", exact=True).check()
    page.get_by_role("combobox", name=re.compile(r"^主な相談内容")).select_option(label="高齢")
    page.get_by_role("textbox", name=re.compile(r"^主訴")).fill(
        "近所の方から。高齢の女性が数日姿を見せない。名乗らずに電話を切った。"
    )
    page.get_by_role("combobox", name=re.compile(r"^対応結果")).select_option(
        label="多機関協働へ（ケースとして支援）"
    )
    page.get_by_role("button", name="相談受付を登録する").click()

    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    consultation = Consultation.objects.get()
    assert consultation.consulter_name == ""
    assert (consultation.person.birth_date, consultation.person.estimated_age) == (None, 80)
    page.goto(f"{live_server.url}/households/{consultation.household_id}/")
    expect(page.get_by_role("table").first).to_contain_text("80歳くらい")
    assert_no_violations(Axe(), page)


def test_the_intakes_consent_reaches_the_consent_form_prefilled(
    page, live_server, login_as, coordinator, assigned_agency
):
    login_as(coordinator)
    start_new_household_intake(page)
    page.locator('[name="m-0-family_name"]').fill("佐藤")
    page.locator('[name="m-0-given_name"]').fill("一郎")
    page.locator('[name="m-0-family_name_kana"]').fill("さとう")
    page.locator('[name="m-0-given_name_kana"]').fill("いちろう")
    fill_date(page, "m-0-birth_date", timezone.localdate().replace(year=1970))
    fill_consultation(page, summary="母の介護と息子の就労")
    page.get_by_role("button", name="相談受付を登録する").click()
    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    consultation_url = page.url

    page.get_by_role("link", name="この同意を記録する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("佐藤 一郎さんの同意を記録")
    expect(page.get_by_role("note")).to_contain_text("本人同意ありとして受け付けた")
    today = timezone.localdate()
    era, year = era_year(today)
    expect(page.locator('[name="obtained_on_0"]')).to_have_value(era.name)
    expect(page.locator('[name="obtained_on_1"]')).to_have_value(str(year))
    expect(page.locator('[name="obtained_on_3"]')).to_have_value(str(today.day))
    expect(group(page, "同意した人").get_by_label("本人", exact=True)).to_be_checked()
    # Purposes and scope are the person's to choose: nothing is ticked for them.
    expect(page.locator('[name="purposes"]:checked')).to_have_count(0)
    group(page, "同意の目的").get_by_label("関係機関との情報共有").check()
    group(page, "共有してよい機関（同意の範囲）").get_by_label(assigned_agency.name).check()
    group(page, "同意の方法").get_by_label("書面", exact=True).check()
    page.get_by_role("button", name="同意を記録する").click()

    expect(page.get_by_text("佐藤 一郎さんの同意を記録しました。")).to_be_visible()
    assert page.url == consultation_url
    assert Consent.objects.get().given_by == Consent.GivenBy.SELF
