"""manage.py dispose_records: list → approve → execute, and every refusal in Japanese
with its denied access event."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from agencies.models import AccessEvent
from agencies.roles import Role
from cases.models import Case, OutreachEngagement
from retention.models import DisposalItem, DisposalPlan
from tests.factories import user_with_role

from .helpers import closed_case, ended_outreach, tokyo

pytestmark = pytest.mark.django_db

DENIED = AccessEvent.Action.DENIED


@pytest.fixture
def manager2(hub):
    return user_with_role(Role.MANAGER, agency=hub, username="manager2")


@pytest.fixture
def old_case(staff_assigned, coordinator):
    return closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2019, 3, 31, 12))


def run(*args) -> str:
    out = io.StringIO()
    call_command("dispose_records", *args, stdout=out)
    return out.getvalue()


def denied(user) -> list[tuple[str, str]]:
    return [
        (event.object_id, event.detail.get("command"))
        for event in AccessEvent.objects.filter(action=DENIED, user=user).order_by("at", "id")
    ]


def test_it_lists_then_a_second_manager_approves_then_it_executes(old_case, manager, manager2):
    listed = run("list", "--actor", "manager")
    assert f"ケース {old_case.number}　終結 平成31年3月31日（平成30年度）" in listed
    assert "保存期間満了 令和6年3月31日" in listed
    assert "まだ何も削除していません" in listed
    assert Case.objects.filter(pk=old_case.pk).exists()
    plan = DisposalPlan.objects.get()

    approved = run("approve", plan.short_id, "--actor", "manager2")
    assert f"廃棄記録 {plan.short_id} を承認しました" in approved
    executed = run("execute", str(plan.pk), "--actor", "manager")
    assert "廃棄 1 件、廃棄せず 0 件" in executed
    assert "ケース 1" in executed
    assert not Case.objects.filter(pk=old_case.pk).exists()

    again = run("execute", plan.short_id, "--actor", "manager2")
    assert "すでに実行済みです" in again
    shown = run("show", plan.short_id, "--actor", "manager2")
    assert "一覧作成：manager" in shown and "承認：manager2" in shown and "実行：manager" in shown
    assert f"廃棄済み　ケース {old_case.number}" in shown
    assert run("plans", "--actor", "manager").startswith(f"{plan.pk}　廃棄済み")
    assert denied(manager) == [] and denied(manager2) == []


def test_with_nothing_past_its_retention_it_makes_no_plan(manager):
    assert "廃棄の対象はありません" in run("list", "--actor", "manager")
    assert not DisposalPlan.objects.exists()


def test_the_lister_approving_is_refused_and_logged(old_case, manager):
    run("list", "--actor", "manager")
    plan = DisposalPlan.objects.get()
    with pytest.raises(CommandError, match="一覧を作成した本人は承認できません"):
        run("approve", plan.short_id, "--actor", "manager")
    assert denied(manager) == [(str(plan.pk), "approve")]
    plan.refresh_from_db()
    assert plan.status == DisposalPlan.Status.LISTED


def test_a_coordinator_is_refused_every_step_and_each_refusal_is_logged(
    old_case, manager, coordinator
):
    with pytest.raises(CommandError, match="管理職だけが行えます"):
        run("list", "--actor", "coordinator")
    run("list", "--actor", "manager")
    plan = DisposalPlan.objects.get()
    # A non-manager learns nothing of which plans exist.
    with pytest.raises(CommandError, match="見つかりません"):
        run("approve", plan.short_id, "--actor", "coordinator")
    assert denied(coordinator) == [("", "list"), (plan.short_id, "approve")]
    assert plan.items.get().status == DisposalItem.Status.LISTED


def test_executing_before_approval_is_refused_in_japanese(old_case, manager):
    run("list", "--actor", "manager")
    plan = DisposalPlan.objects.get()
    with pytest.raises(CommandError, match="承認を受けてから実行してください"):
        run("execute", plan.short_id, "--actor", "manager")
    assert Case.objects.filter(pk=old_case.pk).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--actor", "nobody"], "職員「nobody」が見つかりません"),
        (["list", "--actor", "manager", "--limit", "十"], "1から10,000までの整数"),
        (["list", "--actor", "manager", "--limit", "0"], "1から10,000までの整数"),
        (["list", "--actor", "manager", "--limit", "10001"], "1から10,000までの整数"),
        (["show", "zz'; drop", "--actor", "manager"], "見つかりません"),
        (["show", "0000", "--actor", "manager"], "見つかりません"),
        (["cancel", "00000000", "--actor", "manager", "--reason", "x"], "見つかりません"),
    ],
)
def test_bad_input_is_answered_in_japanese(manager, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_cancel_reason_is_bounded(old_case, manager2):
    run("list", "--actor", "manager2")
    plan = DisposalPlan.objects.get()
    with pytest.raises(CommandError, match="200文字以内"):
        run("cancel", plan.short_id, "--actor", "manager2", "--reason", "長" * 201)
    assert "取りやめました" in run(
        "cancel", plan.short_id, "--actor", "manager2", "--reason", "監査の前"
    )
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == (DisposalPlan.Status.CANCELLED, "監査の前")


def test_a_limit_lists_the_oldest_first_and_the_next_list_takes_the_rest(
    staff_assigned, coordinator, manager
):
    newer = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2019, 2, 1))
    older = closed_case(
        window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 5, 1), family_name="佐藤"
    )
    run("list", "--actor", "manager", "--limit", "1")
    run("list", "--actor", "manager", "--limit", "1")
    assert [
        list(plan.items.values_list("number", flat=True))
        for plan in DisposalPlan.objects.order_by("listed_at")
    ] == [[older.number], [newer.number]]


def test_an_ended_outreach_is_listed_and_executed_in_japanese(staff_assigned, manager, manager2):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2019, 3, 31))
    listed = run("list", "--actor", "manager")
    assert "アウトリーチ（相談につながらなかったもの） 5年" in listed
    assert "相談につながらなかったアウトリーチは終了した年度" in listed
    assert (
        f"廃棄予定　アウトリーチ（ID {str(engagement.pk)[:8]}）　終了 平成31年3月31日（平成30年度）"
        "　保存期間満了 令和6年3月31日"
    ) in listed
    plan = DisposalPlan.objects.get()
    run("approve", plan.short_id, "--actor", "manager2")

    executed = run("execute", plan.short_id, "--actor", "manager")

    assert "廃棄 1 件、廃棄せず 0 件" in executed
    assert f"廃棄済み　アウトリーチ（ID {str(engagement.pk)[:8]}）" in executed
    assert "アウトリーチ 1、アウトリーチの接触記録 1、世帯 1、世帯員 1、変更履歴" in executed
    assert "小林" not in listed + executed
    assert not OutreachEngagement.objects.filter(pk=engagement.pk).exists()
