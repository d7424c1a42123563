"""The case's whole life in the browser (issue: support lifecycle).

Window staff send a つなぐシート → a coordinator accepts it, opens the case, writes the
assessment and a plan with two agencies' tasks → the window's staff see their task,
write a 支援経過 and report → the coordinator closes the case as a hand-over (and is told
which consent is missing) and reopens it. axe on every new page.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency
from cases.models import Case, Consultation, PlanTask, SupportPlan, SupportRecord
from tests.browser.conftest import BROWSER_MARKS, fill_date
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import AgencyFactory, make_consent, make_consultation

pytestmark = BROWSER_MARKS


def test_a_case_from_referral_to_reopening(
    page, live_server, login_as, staff_assigned, coordinator, hub, assigned_agency
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    consultation = make_consultation(actor=staff_assigned, outcome=Consultation.Outcome.CONTINUING)
    person = consultation.person
    # A second agency the person agreed to share with: it may take a task.
    shakyo = AgencyFactory(
        name="社会福祉協議会（旅程）", kind=Agency.Kind.COUNCIL_OF_SOCIAL_WELFARE
    )
    make_consent(actor=staff_assigned, person=person, agencies=[shakyo, hub])

    # 1. The window sends the sheet to 多機関協働.
    login_as(staff_assigned)
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
    page.get_by_role("link", name="つなぐシートを作成").click()
    page.get_by_role("combobox", name=re.compile(r"^紹介先")).select_option(value=str(hub.pk))
    page.get_by_role("textbox", name=re.compile(r"^紹介する理由")).fill(
        "介護と困窮が重なっている。"
    )
    page.get_by_role("button", name="送付する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("つなぐシート")
    page.get_by_role("button", name="ログアウト").click()

    # 2. The coordinator accepts it and opens the case.
    login_as(coordinator)
    page.goto(f"{live_server.url}/referrals/")
    page.get_by_role("link", name=re.compile("令和")).first.click()
    page.get_by_role("button", name="受理する").click()
    page.get_by_role("link", name="相談受付を開く").click()
    page.get_by_role("link", name="この相談からケースを開始する").click()
    page.get_by_role("group", name=re.compile("対象者")).get_by_label(
        re.compile(person.family_name)
    ).check()
    page.get_by_role("combobox", name=re.compile(r"^主担当機関")).select_option(
        label=assigned_agency.name
    )
    page.get_by_role("button", name="ケースを開始する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ケース R")
    case = Case.objects.get()
    case_url = page.url

    # 3. The assessment, for the household as a whole.
    page.get_by_role("link", name="アセスメントを書く").click()
    assert_no_violations(axe, page)
    fill_date(page, "assessed_on", timezone.localdate())
    page.get_by_role("textbox", name=re.compile(r"^世帯の状況")).fill(
        "80代の母と50代の長男。長男は10年ひきこもっている。"
    )
    page.locator('[name="m0-work"]').select_option("unemployed")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status").first).to_contain_text("アセスメントを保存しました")
    assert_no_violations(axe, page)

    # 4. A plan with two agencies' tasks, approved as 緊急.
    page.goto(case_url)
    page.get_by_role("link", name="支援プランを作る").click()
    page.get_by_role("textbox", name=re.compile(r"^長期目標")).fill("母子が地域で暮らし続ける")
    page.get_by_role("textbox", name=re.compile(r"^短期目標")).fill("長男の通院再開")
    page.get_by_label(re.compile(r"^緊急")).check()
    fill_date(page, "monitoring_on", timezone.localdate() + dt.timedelta(days=60))
    page.get_by_role("button", name="保存する").click()
    assert_no_violations(axe, page)
    for agency, what in ((assigned_agency, "月2回の見守り訪問"), (shakyo, "家計相談")):
        page.get_by_role("link", name="役割分担を加える").click()
        page.get_by_role("combobox", name=re.compile(r"^担当機関")).select_option(label=agency.name)
        page.get_by_role("textbox", name=re.compile(r"^支援内容")).fill(what)
        page.get_by_role("button", name="加える").click()
        expect(page.get_by_role("status").first).to_contain_text("役割分担を加えました")
    page.get_by_role("button", name="承認する").click()
    expect(page.get_by_role("status").first).to_contain_text("承認しました")
    assert SupportPlan.objects.get().status == SupportPlan.Status.APPROVED
    page.get_by_role("button", name="ログアウト").click()

    # 5. The window's staff see their task, write a record and report.
    login_as(staff_assigned)
    page.goto(f"{live_server.url}/tasks/")
    expect(page.get_by_role("table")).to_contain_text("月2回の見守り訪問")
    expect(page.get_by_role("table")).not_to_contain_text("家計相談")
    assert_no_violations(axe, page)
    page.goto(case_url)
    page.get_by_role("link", name="支援経過を記録").first.click()
    fill_date(page, "occurred_on", timezone.localdate())
    page.get_by_label("訪問").check()
    page.get_by_role("textbox", name=re.compile(r"^内容")).fill("自宅を訪問。母と面談した。")
    assert_no_violations(axe, page)
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status").first).to_contain_text("支援経過を記録しました")
    assert SupportRecord.objects.get().agency == assigned_agency
    page.goto(f"{live_server.url}/tasks/")
    page.get_by_role("link", name=re.compile("報告")).click()
    task = PlanTask.objects.get(agency=assigned_agency)
    form = page.locator(f"#task-{task.pk}")
    form.get_by_role("textbox").fill("初回訪問を終えた。")
    form.get_by_role("button", name="報告する").click()
    expect(page.get_by_role("status").first).to_contain_text("報告しました")
    page.get_by_role("button", name="ログアウト").click()

    # 6. The coordinator closes it as a hand-over and reopens it.
    carrier = Agency.objects.create(
        name="障害福祉課（旅程）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT
    )
    login_as(coordinator)
    page.goto(case_url)
    page.get_by_role("link", name="終結", exact=True).click()
    assert_no_violations(axe, page)
    page.get_by_label("既存の窓口で支援可能").check()
    page.get_by_role("combobox", name=re.compile(r"^引き継ぐ主担当機関")).select_option(
        label=carrier.name
    )
    page.get_by_label("改善が見られた", exact=True).check()
    page.get_by_role("textbox", name=re.compile(r"^最終評価")).fill(
        "通院が再開し、見守り体制ができた。"
    )
    page.get_by_role("button", name="終結する").click()
    expect(page.get_by_role("status").first).to_contain_text("ケースを終結しました")
    expect(page.get_by_text(re.compile("同意を得て記録してください"))).to_be_visible()
    page.get_by_role("link", name="終結したケースを再開").click()
    page.get_by_role("textbox", name=re.compile(r"^再開の理由")).fill("長男が再び閉じこもった。")
    page.get_by_role("button", name="再開する").click()
    expect(page.get_by_role("status").first).to_contain_text("再開しました")
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT
