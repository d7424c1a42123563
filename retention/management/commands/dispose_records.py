"""保存年限を過ぎた記録の廃棄: list → approve (another manager) → execute.

    manage.py dispose_records list    --actor 管理職A
    manage.py dispose_records approve <廃棄記録ID> --actor 管理職B
    manage.py dispose_records execute <廃棄記録ID> --actor 管理職A
    manage.py dispose_records cancel  <廃棄記録ID> --actor 管理職A --reason 理由
    manage.py dispose_records show    <廃棄記録ID> --actor 管理職A
    manage.py dispose_records plans   --actor 管理職A

A refusal (not a manager, the lister approving) is written to the access log as a
denied attempt, as the middleware does for a refused request.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.audit import Action, access_event_record
from agencies.models import User
from core.japanese import fiscal_year_label, format_wareki
from retention import services
from retention.disposal import counts_in_order
from retention.models import DisposalItem, DisposalPlan, RecordKind
from retention.rules import retention_years_all
from retention.selectors import disposal_plans_for

_PLAN_ID = re.compile(r"^[0-9a-fA-F-]{8,36}$")
OBJECT_TYPE = "retention.disposalplan"


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "保存年限を過ぎたケース・相談受付・アウトリーチを廃棄します。一覧の作成（list）、別の管理職による"
        "承認（approve）、実行（execute）の順に進み、廃棄記録が残ります。"
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("list", "保存年限を過ぎた記録を一覧にし、廃棄記録を作ります（削除はしません）。"),
            ("approve", "廃棄記録を承認します（一覧を作成した本人以外の管理職）。"),
            ("execute", "承認された廃棄記録のとおりに廃棄します。"),
            ("cancel", "承認待ち・実行待ちの廃棄記録を取りやめます。"),
            ("show", "廃棄記録の内容を表示します。"),
            ("plans", "廃棄記録の一覧を表示します。"),
        ):
            sub = actions.add_parser(name, help=text)
            if name not in {"list", "plans"}:
                sub.add_argument("plan", help="廃棄記録のID（先頭8桁以上）")
            sub.add_argument("--actor", required=True, help="操作する管理職のユーザー名")
            if name == "list":
                sub.add_argument(
                    "--limit",
                    default=None,
                    help="一つの廃棄記録に載せる件数の上限（古いものから。1〜10000）",
                )
            if name == "cancel":
                sub.add_argument("--reason", required=True, help="取りやめの理由")

    def handle(self, *args, action: str, actor: str, **options):
        user = User.objects.filter(username=actor, is_active=True).first()
        if user is None:
            access_event_record(
                action=Action.DENIED, username=actor[:150], object_type=OBJECT_TYPE, command=action
            )
            raise CommandError(f"職員「{actor}」が見つかりません。")
        plan = None
        if "plan" in options:
            plan = self._plan(user, options.pop("plan"), action)
        try:
            getattr(self, f"_{action}")(user, plan, **options)
        except PermissionDenied as exc:
            access_event_record(
                action=Action.DENIED,
                user=user,
                object_type=OBJECT_TYPE,
                object_id=str(plan.pk) if plan else "",
                command=action,
            )
            raise CommandError(str(exc) or "この操作は許可されていません。") from exc
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc

    def _plan(self, user: User, given: str, action: str) -> DisposalPlan:
        """The plan named by its id or the id's head. A non-manager learns nothing of
        which plans exist: the same answer as for an id that does not exist."""
        given = given.strip().lower()
        plans = disposal_plans_for(user=user)
        found = list(plans.filter(id__startswith=given)[:2]) if _PLAN_ID.match(given) else []
        if len(found) != 1:
            access_event_record(
                action=Action.DENIED,
                user=user,
                object_type=OBJECT_TYPE,
                object_id=given[:64],
                command=action,
            )
            raise CommandError(f"廃棄記録「{given[:40]}」が見つかりません。")
        return found[0]

    # -- actions ---------------------------------------------------------------

    def _list(self, user: User, plan, *, limit: str | None = None, **options) -> None:
        if limit is not None and not (limit.isascii() and limit.isdigit() and len(limit) <= 6):
            raise CommandError("件数の上限（--limit）は1から10,000までの整数で指定してください。")
        years = retention_years_all()
        self.stdout.write(
            "保存年限："
            + "、".join(f"{RecordKind(kind).label} {n}年" for kind, n in years.items())
            + "（終結した年度、ケースにならなかった相談受付は受付の年度、"
            "相談につながらなかったアウトリーチは終了した年度の末日から数えます）"
        )
        listing = services.disposal_plan_list(
            actor=user, limit=int(limit) if limit is not None else None
        )
        for candidate, reasons in listing.held_back:
            self.stdout.write(f"  対象外　{self._label(candidate)}：{'、'.join(reasons)}")
        if listing.plan is None:
            self.stdout.write("廃棄の対象はありません（廃棄記録は作成していません）。")
            return
        self._items(listing.plan)
        self.stdout.write(
            f"廃棄記録 {listing.plan.pk} を作成しました（{listing.plan.items.count()} 件、"
            "まだ何も削除していません）。\n"
            f"承認：manage.py dispose_records approve {listing.plan.short_id} "
            "--actor （一覧を作成した人以外の管理職）"
        )

    def _approve(self, user: User, plan: DisposalPlan, **options) -> None:
        plan = services.disposal_plan_approve(actor=user, plan=plan)
        self.stdout.write(
            f"廃棄記録 {plan.short_id} を承認しました。\n"
            f"実行：manage.py dispose_records execute {plan.short_id} --actor （管理職）"
        )

    def _execute(self, user: User, plan: DisposalPlan, **options) -> None:
        plan, done = services.disposal_plan_execute(actor=user, plan=plan)
        if not done:
            self.stdout.write(
                f"廃棄記録 {plan.short_id} はすでに実行済みです（何も削除していません）。"
            )
            return
        self._items(plan)
        items = plan.items.all()
        disposed = sum(1 for item in items if item.status == DisposalItem.Status.DISPOSED)
        self.stdout.write(
            f"廃棄記録 {plan.short_id} を実行しました：廃棄 {disposed} 件、"
            f"廃棄せず {len(items) - disposed} 件。"
        )

    def _cancel(self, user: User, plan: DisposalPlan, *, reason: str, **options) -> None:
        plan = services.disposal_plan_cancel(actor=user, plan=plan, reason=reason)
        self.stdout.write(f"廃棄記録 {plan.short_id} を取りやめました。")

    def _show(self, user: User, plan: DisposalPlan, **options) -> None:
        self.stdout.write(self._plan_line(plan))
        for label, who, when in (
            ("一覧作成", plan.listed_by, plan.listed_at),
            ("承認", plan.approved_by, plan.approved_at),
            ("実行", plan.executed_by, plan.executed_at),
            ("取りやめ", plan.cancelled_by, plan.cancelled_at),
        ):
            if who is not None:
                self.stdout.write(f"  {label}：{who.get_username()}（{format_wareki(when)}）")
        if plan.cancel_reason:
            self.stdout.write(f"  取りやめの理由：{plan.cancel_reason}")
        self._items(plan)

    def _plans(self, user: User, plan, **options) -> None:
        plans = list(disposal_plans_for(user=user))
        if not plans:
            self.stdout.write("廃棄記録はありません。")
        for each in plans:
            self.stdout.write(self._plan_line(each))

    # -- output ----------------------------------------------------------------

    @staticmethod
    def _label(record) -> str:
        ended = format_wareki(record.ended_on)
        if record.kind == RecordKind.CASE:
            what = f"ケース {record.number}　終結 {ended}"
        elif record.kind == RecordKind.OUTREACH:
            what = f"アウトリーチ（ID {record.record_id[:8]}）　終了 {ended}"
        else:
            what = f"相談受付（ID {record.record_id[:8]}）　受付 {ended}"
        return (
            f"{what}（{fiscal_year_label(record.fiscal_year)}）"
            f"　保存期間満了 {format_wareki(record.retained_until)}"
        )

    def _plan_line(self, plan: DisposalPlan) -> str:
        return (
            f"{plan.pk}　{plan.get_status_display()}　一覧作成 {format_wareki(plan.listed_at)}"
            f"　{plan.items.count()} 件"
        )

    def _items(self, plan: DisposalPlan) -> None:
        for item in plan.items.all():
            line = f"  {item.get_status_display()}　{self._label(item)}"
            if item.skip_reason:
                line += f"　理由：{item.skip_reason}"
            if item.counts:
                line += "　" + "、".join(f"{name} {n}" for name, n in counts_in_order(item.counts))
            self.stdout.write(line)
