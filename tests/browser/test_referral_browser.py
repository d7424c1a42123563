"""つなぐシート in the browser: a window sends an uncased consultation to 多機関協働 from the
consultation page in a few steps; the hub's coordinator reads the sheet and accepts it.
Every page passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cases.models import Consultation
from referrals.models import Referral
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import make_consultation

pytestmark = BROWSER_MARKS


def test_a_window_sends_a_sheet_and_the_hub_accepts_it(
    page, live_server, login_as, staff_assigned, coordinator, hub
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    hub.liaisons.add(coordinator)
    consultation = make_consultation(actor=staff_assigned, outcome=Consultation.Outcome.CONTINUING)
    login_as(staff_assigned)
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
    page.get_by_role("link", name="つなぐシートを作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("つなぐシートを作成")
    # Prefilled: the 主訴 as 状況, the issues, the household's members.
    expect(page.get_by_role("textbox", name=re.compile(r"^状況"))).to_have_value(
        consultation.summary
    )
    expect(page.get_by_role("table")).to_contain_text("山田 太郎")
    assert_no_violations(axe, page)
    page.get_by_role("combobox", name=re.compile(r"^紹介先")).select_option(
        label=f"{hub.name}（多機関協働）　連携担当者: {coordinator.display_name}"
    )
    page.get_by_role("textbox", name=re.compile(r"^紹介する理由")).fill("複数の課題がある。")
    page.get_by_role("button", name="送付する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("つなぐシート（本人同意なし）")
    assert_no_violations(axe, page)
    referral = Referral.objects.get()
    assert (referral.status, referral.to_agency) == (Referral.Status.SENT, hub)

    page.get_by_role("button", name="ログアウト").click()
    login_as(coordinator)
    page.goto(f"{live_server.url}/referrals/")
    expect(page.get_by_role("table")).to_contain_text("山田 太郎")
    assert_no_violations(axe, page)
    page.get_by_role("link", name=re.compile("令和")).first.click()
    assert_no_violations(axe, page)
    page.get_by_role("button", name="受理する").click()
    expect(page.get_by_role("status")).to_contain_text("受理しました")
    page.get_by_role("link", name="相談受付を開く").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("相談受付票")
    page.goto(f"{live_server.url}/referrals/monthly/")
    expect(page.get_by_role("table")).to_contain_text(staff_assigned.agency.name)
    assert_no_violations(axe, page)
