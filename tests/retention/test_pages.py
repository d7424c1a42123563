"""The managers' read-only pages of the 廃棄記録."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from agencies.roles import Role
from cases.services import support
from retention.services import disposal_plan_approve, disposal_plan_execute, disposal_plan_list
from tests.factories import user_with_role

from .helpers import closed_case, ended_outreach, tokyo

pytestmark = pytest.mark.django_db

NOW = tokyo(2024, 4, 1, 9, 0)


@pytest.fixture
def manager2(hub):
    return user_with_role(Role.MANAGER, agency=hub, username="manager2")


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in body.split("</tr>")
        if row.strip()
    ]


def test_the_manager_sees_every_plan_and_what_each_disposed_of(
    staff_assigned, coordinator, manager, manager2, login, django_assert_max_num_queries
):
    kept = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    gone = closed_case(
        window=staff_assigned, coordinator=coordinator, at=tokyo(2019, 1, 10), family_name="佐藤"
    )
    executed = disposal_plan_list(actor=manager, now=NOW).plan
    disposal_plan_approve(actor=manager2, plan=executed, now=NOW)
    support.case_reopen(actor=coordinator, case=kept, reason="再び相談があった")
    disposal_plan_execute(actor=manager, plan=executed, now=NOW)
    client = login(manager)

    with django_assert_max_num_queries(12):
        listing = client.get(reverse("retention:plans"))
    assert listing.status_code == 200
    assert rows(listing.content.decode()) == [
        f"{executed.short_id} 廃棄済み 令和6年4月1日 試験 {manager.first_name} "
        f"令和6年4月1日 試験 {manager2.first_name} 令和6年4月1日 試験 {manager.first_name} "
        "2件（廃棄 1件）"
    ]

    detail = client.get(reverse("retention:plan_detail", args=[executed.pk])).content.decode()
    assert rows(detail) == [
        f"ケース（多機関協働） {kept.number} 平成30年度 平成30年6月1日 令和6年3月31日 廃棄せず "
        "ケースが再開されている（終結していない）",
        f"ケース（多機関協働） {gone.number} 平成30年度 平成31年1月10日 令和6年3月31日 廃棄済み "
        "ケース 1、相談受付 1、ケースの経過（タイムライン） 5、ケースへのアクセス 2、"
        "ケースの終結 1、世帯 1、世帯員 1、変更履歴 23",
    ]
    assert "佐藤" not in detail and "山田" not in detail


def test_a_plan_is_invisible_to_anyone_but_a_manager(staff_assigned, coordinator, manager, login):
    closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan = disposal_plan_list(actor=manager, now=NOW).plan
    client = login(coordinator)
    assert client.get(reverse("retention:plans")).status_code == 403
    assert client.get(reverse("retention:plan_detail", args=[plan.pk])).status_code == 404


def test_an_outreach_disposed_of_is_shown_in_japanese_without_personal_data(
    staff_assigned, manager, manager2, login
):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1))
    plan = disposal_plan_list(actor=manager, now=NOW).plan
    disposal_plan_approve(actor=manager2, plan=plan, now=NOW)
    disposal_plan_execute(actor=manager, plan=plan, now=NOW)
    client = login(manager)

    listing = client.get(reverse("retention:plans")).content.decode()
    assert "相談につながらなかったアウトリーチは終了した年度" in listing
    assert "アウトリーチ5年" in listing
    detail = client.get(reverse("retention:plan_detail", args=[plan.pk])).content.decode()
    assert "アウトリーチ 5年（一覧作成時の設定）" in detail
    [row] = rows(detail)
    assert row.startswith(
        f"アウトリーチ（相談につながらなかったもの） 平成30年度（ID {str(engagement.pk)[:8]}） "
        "平成30年度 平成30年6月1日 令和6年3月31日 廃棄済み "
        "アウトリーチ 1、アウトリーチの接触記録 1、世帯 1、世帯員 1、変更履歴 "
    )
    for personal in ("小林", "こばやし", "若葉町", "ごみが積まれて"):
        assert personal not in listing + detail
