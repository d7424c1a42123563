"""Issue 4 in the browser: another agency's staff cannot open a case by URL; once a
coordinator grants that agency access (with a reason), they can."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def test_a_grant_opens_the_case_to_another_agency(
    login_as, live_server, case, coordinator, staff_unassigned, other_agency
):
    # A department of the city may be brought in on a recorded legal reason.
    other_agency.kind = other_agency.Kind.MUNICIPAL_DEPARTMENT
    other_agency.save(update_fields=["kind"])
    case_url = f"{live_server.url}/cases/{case.pk}/"

    page = login_as(staff_unassigned)
    response = page.goto(case_url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません。")
    expect(page.get_by_text(case.number)).to_have_count(0)
    _logout(page)

    page = login_as(coordinator)
    page.goto(case_url)
    page.get_by_role("link", name="閲覧権限の管理").click()
    page.get_by_label("閲覧を認める機関").select_option(label=other_agency.name)
    page.get_by_label("付与の理由").fill("障がい福祉サービスの利用調整のため")
    page.get_by_role("button", name="閲覧権限を付与する").click()
    expect(page.get_by_role("status")).to_contain_text("閲覧権限を付与しました")
    expect(page.get_by_role("cell", name="障がい福祉サービスの利用調整のため")).to_be_visible()
    _logout(page)

    page = login_as(staff_unassigned)
    response = page.goto(case_url)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)
