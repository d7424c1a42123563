"""The coordinator's journey of issue 3 in the browser: log in, 相談受付 for a new
household, open a case from it, and read the case page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import Consultation, Household, Person
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.factories import make_consultation, member_data

pytestmark = BROWSER_MARKS

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def group(page: Page, legend: str):
    """A fieldset by the start of its legend (legends end with the 必須/任意 badge)."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))


def start_new_household_intake(page: Page) -> None:
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="相談受付"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("相談受付")
    page.get_by_label("氏名またはふりがな").fill("存在しない名前")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_text("該当する世帯は見つかりませんでした")).to_be_visible()
    page.get_by_role("link", name="新しい世帯として受け付ける").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("相談受付票")


def fill_member(page: Page, *, family, given, family_kana, given_kana, era, year, month, day):
    page.locator('[name="m-0-family_name"]').fill(family)
    page.locator('[name="m-0-given_name"]').fill(given)
    page.locator('[name="m-0-family_name_kana"]').fill(family_kana)
    page.locator('[name="m-0-given_name_kana"]').fill(given_kana)
    page.locator('[name="m-0-birth_date_0"]').select_option(era)
    page.locator('[name="m-0-birth_date_1"]').fill(str(year))
    page.locator('[name="m-0-birth_date_2"]').fill(str(month))
    page.locator('[name="m-0-birth_date_3"]').fill(str(day))


def fill_consultation(page: Page, *, summary: str) -> None:
    """受付票 同意あり with everything the coordinator types for a consultation."""
    today = timezone.localdate()
    group(page, "本人同意").get_by_label("同意あり", exact=True).check()
    explained = group(page, "個人情報の取扱いを説明し同意を得た日")
    expect(explained).to_be_visible()
    fill_date(page, "c-consent_explained_on", today)
    page.get_by_label("説明した職員").fill("調整 花子")
    group(page, "相談経路").get_by_label("電話", exact=True).check()
    group(page, "相談者").get_by_label("本人", exact=True).check()
    issues = group(page, "相談内容（あてはまるものすべて）")
    issues.get_by_label("8050", exact=True).check()
    issues.get_by_label("ひきこもり", exact=True).check()
    page.get_by_role("combobox", name=re.compile(r"^主な相談内容")).select_option(label="8050")
    page.get_by_role("textbox", name=re.compile(r"^主訴")).fill(summary)
    page.get_by_role("combobox", name=re.compile(r"^対応結果")).select_option(
        label="多機関協働へ（ケースとして支援）"
    )


def test_coordinator_journey(page, live_server, login_as, coordinator, assigned_agency):
    login_as(coordinator)
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")

    start_new_household_intake(page)
    page.get_by_role("textbox", name=re.compile(r"^住所")).first.fill("架空市若葉町3-4-5")
    # The first member row starts as 本人.
    expect(page.locator('[name="m-0-relation"]')).to_have_value(Person.Relation.SELF)
    fill_member(
        page,
        family="佐藤",
        given="一郎",
        family_kana="さとう",
        given_kana="いちろう",
        era="昭和",
        year=50,
        month=6,
        day=15,
    )
    fill_consultation(
        page, summary="父の介護と、同居する息子の長年のひきこもりについて相談したい。"
    )
    page.get_by_role("button", name="相談受付を登録する").click()

    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("相談受付票（本人同意あり）")
    expect(page.get_by_text("佐藤 一郎（さとう いちろう）")).to_be_visible()

    page.get_by_role("link", name="この相談からケースを開始する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("多機関協働のケースを開始")
    group(page, "対象者").get_by_label(re.compile("佐藤")).check()
    page.get_by_role("combobox", name=re.compile(r"^主担当機関")).select_option(
        label=assigned_agency.name
    )
    page.get_by_role("button", name="ケースを開始する").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^ケース R\d+-0001\s+佐藤 一郎さん世帯$"))
    number = re.search(r"R\d+-0001", heading.inner_text()).group(0)
    expect(page.get_by_role("status")).to_contain_text(f"ケース {number} を開始しました。")
    members = page.get_by_role("table", name="世帯員")
    expect(members).to_contain_text("佐藤 一郎")
    expect(members).to_contain_text("昭和50年6月15日")
    expect(page.get_by_text(assigned_agency.name).first).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("ケースを開始")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case-page.png"), full_page=True)


def test_missing_required_field_shows_error_and_keeps_input(
    page, live_server, login_as, coordinator
):
    login_as(coordinator)
    start_new_household_intake(page)
    page.get_by_role("textbox", name=re.compile(r"^住所")).first.fill("架空市若葉町3-4-5")
    fill_member(
        page,
        family="",  # 姓 is required
        given="一郎",
        family_kana="さとう",
        given_kana="いちろう",
        era="昭和",
        year=50,
        month=6,
        day=15,
    )
    summary = "入力した主訴が消えないこと。"
    fill_consultation(page, summary=summary)
    page.get_by_role("button", name="相談受付を登録する").click()

    # Still the form, with the error at the 姓 field and tied to it.
    expect(page.get_by_role("heading", level=1)).to_contain_text("相談受付票")
    family = page.locator('[name="m-0-family_name"]')
    field = page.locator(".field", has=family)
    expect(field.locator(".error-text")).to_have_text("このフィールドは必須です。")
    expect(family).to_have_attribute("aria-invalid", "true")
    expect(family).to_have_attribute("aria-describedby", re.compile(r"m-0-family_name_error"))
    # Nothing typed is lost.
    expect(page.get_by_role("textbox", name=re.compile(r"^主訴"))).to_have_value(summary)
    expect(page.locator('[name="h-address"]')).to_have_value("架空市若葉町3-4-5")
    expect(page.locator('[name="m-0-given_name"]')).to_have_value("一郎")
    expect(page.locator('[name="m-0-birth_date_0"]')).to_have_value("昭和")
    expect(page.locator('[name="m-0-birth_date_1"]')).to_have_value("50")
    expect(page.locator('[name="c-consent_explained_by"]')).to_have_value("調整 花子")
    expect(group(page, "本人同意").get_by_label("同意あり", exact=True)).to_be_checked()
    issues = group(page, "相談内容（あてはまるものすべて）")
    expect(issues.get_by_label("8050", exact=True)).to_be_checked()
    expect(issues.get_by_label("ひきこもり", exact=True)).to_be_checked()
    assert not Consultation.objects.exists()

    # Fixing the one field is enough to register.
    family.fill("佐藤")
    page.get_by_role("button", name="相談受付を登録する").click()
    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    assert Consultation.objects.get().summary == summary


def test_duplicate_warning_then_register_as_new_person(page, live_server, login_as, coordinator):
    birth = dt.date(1970, 5, 5)  # 昭和45年5月5日
    make_consultation(
        actor=coordinator,
        members=[
            member_data(family_name_kana="やまだ", given_name_kana="たろう", birth_date=birth)
        ],
    )
    login_as(coordinator)
    start_new_household_intake(page)
    page.get_by_role("textbox", name=re.compile(r"^住所")).first.fill("架空市青葉町9-9")
    fill_member(
        page,
        family="山田",
        given="太郎",
        family_kana="ﾔﾏﾀﾞ",
        given_kana="ﾀﾛｳ",
        era="昭和",
        year=45,
        month=5,
        day=5,
    )
    fill_consultation(page, summary="双子の兄とは別の相談です。")
    page.get_by_role("button", name="相談受付を登録する").click()

    duplicates = page.locator("section.duplicates")
    expect(duplicates.get_by_role("heading", name="重複の確認")).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("似た記録が見つかりました")
    link = duplicates.get_by_label(re.compile(r"同じ方として紐付ける：山田 太郎"))
    expect(link).to_have_count(1)
    expect(duplicates).to_contain_text("やまだ たろう")
    expect(duplicates).to_contain_text("昭和45年5月5日生")
    assert Household.objects.count() == 1

    duplicates.get_by_label("別の方として新しく登録する").check()
    page.get_by_role("button", name="相談受付を登録する").click()

    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    assert Household.objects.count() == 2
    assert Person.objects.filter(birth_date=birth).count() == 2


def test_a_link_keeps_the_address_the_user_chose(page, live_server, login_as, coordinator):
    """名寄せ as a decision: the page says the intake joins the existing household and
    asks which address to keep; the one chosen (the new one, typed) is the one saved."""
    birth = dt.date(1970, 5, 5)
    existing = make_consultation(
        actor=coordinator,
        members=[
            member_data(family_name_kana="やまだ", given_name_kana="たろう", birth_date=birth)
        ],
    )
    login_as(coordinator)
    start_new_household_intake(page)
    page.get_by_role("textbox", name=re.compile(r"^住所")).first.fill("架空市青葉町9-9")
    fill_member(
        page,
        family="山田",
        given="太郎",
        family_kana="やまだ",
        given_kana="たろう",
        era="昭和",
        year=45,
        month=5,
        day=5,
    )
    fill_consultation(page, summary="転居して住所が変わった。")
    page.get_by_role("button", name="相談受付を登録する").click()
    page.locator("section.duplicates").get_by_label(
        re.compile(r"同じ方として紐付ける：山田 太郎")
    ).check()
    page.get_by_role("button", name="相談受付を登録する").click()

    plan = page.locator("section.link-plan")
    expect(plan.get_by_role("heading", name="紐付けの確認")).to_be_visible()
    expect(plan).to_contain_text("新しい世帯は作りません")
    address = plan.get_by_role("group", name="世帯の住所")
    expect(address).to_contain_text("架空市若葉町1-2-3")
    address.get_by_label(re.compile(r"入力した値にする")).check()
    plan.get_by_label("上の内容で、既存の記録に紐付けて受け付けます").check()
    page.get_by_role("button", name="相談受付を登録する").click()

    expect(page.get_by_text("相談受付を登録しました。")).to_be_visible()
    assert Household.objects.count() == 1
    existing.household.refresh_from_db()
    assert existing.household.address == "架空市青葉町9-9"
    assert Consultation.objects.latest("created_at").household == existing.household
