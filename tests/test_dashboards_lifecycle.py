"""Each role's home is a list to act on: exactly which rows it shows, searchable lists
behind it, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.models import Case
from cases.services import plans, support
from tests.factories import make_consultation, member_data, open_case

pytestmark = pytest.mark.django_db


def approved_plan(case, coordinator, agency, *, monitoring_on):
    plan = plans.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "安心",
            "short_term_goal": "通院",
            "urgent": True,
            "monitoring_on": monitoring_on,
        },
    )
    plans.plan_task_add(actor=coordinator, plan=plan, agency=agency, content="見守り")
    plans.plan_approve(actor=coordinator, plan=plan)
    return plan


def new_case(staff, coordinator, family_name, kana):
    return open_case(
        make_consultation(
            actor=staff, members=[member_data(family_name=family_name, family_name_kana=kana)]
        ),
        actor=coordinator,
    )


def test_monitoring_due_lists_exactly_the_coordinators_overdue_plans(
    coordinator, staff_assigned, assigned_agency
):
    due = new_case(staff_assigned, coordinator, "青木", "あおき")
    later = new_case(staff_assigned, coordinator, "石田", "いしだ")
    closed = new_case(staff_assigned, coordinator, "上田", "うえだ")
    today = timezone.localdate()
    due_plan = approved_plan(due, coordinator, assigned_agency, monitoring_on=today)
    approved_plan(later, coordinator, assigned_agency, monitoring_on=today + dt.timedelta(days=5))
    approved_plan(closed, coordinator, assigned_agency, monitoring_on=today)
    # The monitoring day passes for the first one; the closed case is not worked.
    support.case_close(
        actor=coordinator, case=closed, reason="resolved", improvement="improved", evaluation="解決"
    )
    assert list(selectors.monitoring_due(user=coordinator)) == [due_plan]
    assert list(selectors.monitoring_due(user=coordinator, query="アオキ")) == [due_plan]
    assert list(selectors.monitoring_due(user=coordinator, query="いしだ")) == []


def test_the_case_list_searches_by_kana_and_counts_each_status(login, coordinator, staff_assigned):
    aoki = new_case(staff_assigned, coordinator, "青木", "あおき")
    new_case(staff_assigned, coordinator, "石田", "いしだ")
    support.case_suspend(actor=coordinator, case=aoki, reason="refusal", note="拒否")
    client = login(coordinator)
    page = client.get(reverse("cases:case_list"), {"q": "ｱｵｷ"}).content.decode()
    assert aoki.number in page and "石田" not in page
    page = client.get(reverse("cases:case_list"), {"status": "suspended"}).content.decode()
    assert "中断（1件）" in page and "受付（1件）" in page
    assert aoki.number in page


def test_the_homes_show_tasks_and_monitoring_and_keep_their_query_count(
    login, coordinator, staff_assigned, assigned_agency
):
    today = timezone.localdate()

    def grow(n, start):
        for i in range(start, start + n):
            case = new_case(staff_assigned, coordinator, f"試験{i}", f"しけん{i}")
            approved_plan(case, coordinator, assigned_agency, monitoring_on=today)

    def count(user):
        client = login(user)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("home")).content.decode()
        return len(ctx.captured_queries), body

    grow(1, 0)
    few_coord, coord_body = count(coordinator)
    few_staff, staff_body = count(staff_assigned)
    assert "モニタリング期限を過ぎたプラン" in coord_body and "試験0" in coord_body
    assert "見守り" in staff_body
    grow(12, 1)
    assert count(coordinator)[0] == few_coord
    assert count(staff_assigned)[0] == few_staff


def test_the_managers_home_counts_plans_closures_and_meetings_without_names(
    login, manager, coordinator, staff_assigned, assigned_agency
):
    case = new_case(staff_assigned, coordinator, "名前出ない", "なまえでない")
    approved_plan(case, coordinator, assigned_agency, monitoring_on=timezone.localdate())
    support.case_close(
        actor=coordinator, case=case, reason="moved_out", improvement="unknown", evaluation="転出"
    )
    body = login(manager).get(reverse("home")).content.decode()
    assert "支援プランの承認</th><td>1件" in body
    assert "終結：転出</th><td>1件" in body
    assert "開催回数" in body
    assert "名前出ない" not in body and case.number not in body
    assert Case.objects.filter(status="closed").count() == 1


def test_the_managers_home_counts_outreach_and_says_how(login, manager, staff_assigned):
    from cases.services import outreach

    household = make_consultation(actor=staff_assigned).household
    outreach.outreach_start(
        actor=staff_assigned,
        household=household,
        started_on=timezone.localdate(),
        concern="閉じこもりが続いている",
    )
    body = login(manager).get(reverse("home")).content.decode()
    assert "アウトリーチ：伴走している支援件数</th><td>1件" in body
    assert "アウトリーチの数え方" in body and "閉じこもり" not in body


def test_the_managers_home_counts_participation_and_community_resources(
    login, manager, coordinator, staff_assigned
):
    from agencies.services import resource_figures_save, resource_save
    from cases.services import participation

    case = new_case(staff_assigned, coordinator, "参加者", "さんかしゃ")
    shop = resource_save(actor=coordinator, data={"name": "丸山商店（集計）", "kind": "business"})
    participation.participation_add(
        actor=staff_assigned,
        case=case,
        person=case.subjects.get(),
        resource=shop,
        started_on=timezone.localdate(),
    )
    from core.japanese import fiscal_year

    resource_figures_save(
        actor=coordinator,
        resource=shop,
        fiscal_year=fiscal_year(timezone.now()),
        data={
            "is_hub": True,
            "participants": 40,
            "citizens_running": 5,
            "agencies_count": 3,
        },
    )
    body = login(manager).get(reverse("home")).content.decode()
    assert "参加支援：支援対象者数</th><td>1人" in body
    assert "参加支援：協力事業者数</th><td>1事業者" in body
    assert "地域づくり：参加者数（延べ）</th><td>40人" in body
    assert "さんかしゃ" not in body


def test_the_referral_and_expiring_consent_lists_search_by_kana(login, coordinator, staff_assigned):
    from consent.services import consent_record  # noqa: F401
    from tests.factories import make_consent
    from tests.referrals.helpers import send

    aoki = new_case(staff_assigned, coordinator, "青木", "あおき")
    ishida = new_case(staff_assigned, coordinator, "石田", "いしだ")
    for case in (aoki, ishida):
        send(actor=staff_assigned, to=coordinator.agency, case=case)
        make_consent(
            actor=coordinator,
            person=case.subjects.get(),
            agencies=[coordinator.agency],
            valid_until=timezone.localdate() + dt.timedelta(days=10),
        )
    client = login(coordinator)
    sheets = client.get(reverse("referrals:referral_list"), {"q": "ｱｵｷ"}).content.decode()
    assert "青木" in sheets and "石田" not in sheets
    consents = client.get(reverse("consent:consents_expiring"), {"q": "いしだ"}).content.decode()
    assert "石田" in consents and "青木" not in consents


@pytest.mark.parametrize(
    "name",
    [
        "cases:case_list",
        "cases:monitoring_due",
        "cases:my_tasks",
        "referrals:referral_list",
        "consent:consents_expiring",
        "cases:outreach_list",
    ],
)
def test_a_nul_byte_in_the_search_box_is_no_server_error(login, coordinator, name):
    response = login(coordinator).get(reverse(name), {"q": "もり\x00"})
    assert response.status_code == 200


def test_the_merge_search_and_a_superscript_year_are_no_server_error(login, coordinator, case):
    from agencies.services import resource_save

    client = login(coordinator)
    merge = reverse("cases:household_merge", args=[case.household_id])
    assert client.get(merge, {"q": "\x00"}).status_code == 200
    shop = resource_save(actor=coordinator, data={"name": "上付き商店", "kind": "business"})
    figures = reverse("resources:resource_figures", args=[shop.pk])
    assert client.get(figures, {"year": "²⁰²⁴"}).status_code == 200
