"""The 廃棄記録 in Chromium: a manager reaches it from the home page and reads a plan
executed on the server; axe-core finds no violation on either page."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from agencies.roles import Role
from retention.services import disposal_plan_approve, disposal_plan_execute, disposal_plan_list
from tests.browser.conftest import BROWSER_MARKS
from tests.browser.test_accessibility import assert_no_violations
from tests.factories import user_with_role
from tests.retention.helpers import closed_case, tokyo

pytestmark = BROWSER_MARKS

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def test_a_manager_reads_the_disposal_record_from_the_home_page(
    page, live_server, login_as, manager, coordinator, staff_assigned, hub
):
    case = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    now = tokyo(2024, 4, 1, 9)
    plan = disposal_plan_list(actor=manager, now=now).plan
    second = user_with_role(Role.MANAGER, agency=hub, username="manager2")
    disposal_plan_approve(actor=second, plan=plan, now=now)
    disposal_plan_execute(actor=manager, plan=plan, now=now)

    login_as(manager)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="廃棄記録（保存年限を過ぎた記録の廃棄）").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("廃棄記録（保存年限を過ぎた記録の廃棄）")
    expect(page.get_by_role("table")).to_contain_text("1件（廃棄 1件）")
    assert_no_violations(Axe(), page)
    page.get_by_role("link", name=plan.short_id).click()
    expect(heading).to_have_text(f"廃棄記録 {plan.short_id}（廃棄済み）")
    expect(page.get_by_role("table")).to_contain_text(f"{case.number}")
    expect(page.get_by_role("table")).to_contain_text("変更履歴")
    assert_no_violations(Axe(), page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "retention-plan.png"), full_page=True)
