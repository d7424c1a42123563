"""The writes of a disposal (廃棄): list → approve (a second manager) → execute, or cancel.

Listing deletes nothing. Execution asks everything again, inside one transaction, row
locks held: a case reopened since the list, a consultation added to a case or an
アウトリーチ linked to a consultation or going again (伴走中) since, content an open case
or a pending 開示請求 refers to, a record no longer past its 保存年限 — each is skipped
with its reason on the 廃棄記録, and the rest is deleted with its history. The 廃棄記録
itself is never deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from agencies.audit import Action, access_event_record
from agencies.models import User
from cases.models import Case, Consultation, Household, OutreachEngagement
from core.japanese import fiscal_year
from core.saving import model_save

from .disposal import (
    blockers,
    content_delete,
    content_of,
    files_holding,
    household_delete,
    household_unreferenced,
    report_file_path,
)
from .models import DisposalItem, DisposalPlan, RecordKind
from .permissions import may_approve_disposal, may_manage_disposal
from .rules import is_past_retention, retention_years, retention_years_all
from .selectors import Candidate, disposal_candidates

Status = DisposalPlan.Status
ItemStatus = DisposalItem.Status

CANCEL_REASON_MAX = 200
# Records on one plan at most: its execution is one transaction (about a third of a
# second per case here, ~130 queries), so a city's first disposal takes several plans.
LIST_LIMIT_MAX = 10_000


@dataclass
class Listing:
    plan: DisposalPlan | None
    # Past their 保存年限 but not listed now, with why (an open 開示請求 …).
    held_back: list[tuple[Candidate, list[str]]] = field(default_factory=list)


def _require_manager(actor: User) -> None:
    if not may_manage_disposal(user=actor):
        raise PermissionDenied("廃棄の一覧作成・承認・実行は管理職だけが行えます。")


def _locked(plan: DisposalPlan) -> DisposalPlan:
    return DisposalPlan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def disposal_plan_list(
    *, actor: User, now: dt.datetime | None = None, limit: int | None = None
) -> Listing:
    """List the records past their 保存年限 on a new plan (nothing is deleted), the
    oldest first and at most ``limit`` of them. Records that something still holds are
    reported, not listed; with nothing to list no plan is made."""
    _require_manager(actor)
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= LIST_LIMIT_MAX
    ):
        raise ValidationError(
            {"limit": f"件数の上限は1から{LIST_LIMIT_MAX:,}までの整数で指定してください。"}
        )
    now = now or timezone.now()
    listing = Listing(plan=None)
    listed: list[Candidate] = []
    for candidate in disposal_candidates(now=now):
        if limit is not None and len(listed) >= limit:
            break
        reasons = blockers(
            content=content_of(
                case_ids=candidate.case_ids,
                consultation_ids=candidate.consultation_ids,
                engagement_ids=candidate.engagement_ids,
            ),
            case_ids=candidate.case_ids,
        )
        if reasons:
            listing.held_back.append((candidate, reasons))
        else:
            listed.append(candidate)
    if not listed:
        return listing
    plan = DisposalPlan(listed_by=actor, listed_at=now, retention_years=retention_years_all())
    model_save(plan, actor=actor, reason="廃棄の一覧を作成")
    for candidate in listed:
        item = DisposalItem(
            plan=plan,
            kind=candidate.kind,
            record_id=candidate.record_id,
            number=candidate.number,
            fiscal_year=candidate.fiscal_year,
            ended_on=candidate.ended_on,
            retained_until=candidate.retained_until,
            closure_id=candidate.closure_id,
        )
        model_save(item, actor=actor, reason="廃棄の一覧に記載")
    listing.plan = plan
    return listing


@transaction.atomic
def disposal_plan_approve(
    *, actor: User, plan: DisposalPlan, now: dt.datetime | None = None
) -> DisposalPlan:
    """The second person: a manager other than the one who listed."""
    _require_manager(actor)
    plan = _locked(plan)
    if not may_approve_disposal(user=actor, plan=plan):
        raise PermissionDenied("一覧を作成した本人は承認できません。別の管理職が承認してください。")
    if plan.status != Status.LISTED:
        raise ValidationError(f"「{plan.get_status_display()}」の廃棄記録は承認できません。")
    plan.status = Status.APPROVED
    plan.approved_by = actor
    plan.approved_at = now or timezone.now()
    model_save(
        plan, actor=actor, reason="廃棄を承認", fields=["status", "approved_by", "approved_at"]
    )
    return plan


@transaction.atomic
def disposal_plan_cancel(
    *, actor: User, plan: DisposalPlan, reason: str, now: dt.datetime | None = None
) -> DisposalPlan:
    _require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": "取りやめの理由を入力してください。"})
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationError(
            {"cancel_reason": f"取りやめの理由は{CANCEL_REASON_MAX}文字以内で入力してください。"}
        )
    plan = _locked(plan)
    if not plan.is_open:
        raise ValidationError(f"「{plan.get_status_display()}」の廃棄記録は取りやめられません。")
    plan.status = Status.CANCELLED
    plan.cancelled_by = actor
    plan.cancelled_at = now or timezone.now()
    plan.cancel_reason = reason
    model_save(
        plan,
        actor=actor,
        reason="廃棄を取りやめ",
        fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"],
    )
    return plan


@transaction.atomic
def disposal_plan_execute(
    *, actor: User, plan: DisposalPlan, now: dt.datetime | None = None
) -> tuple[DisposalPlan, bool]:
    """Dispose of an approved plan's records. Returns the plan and whether this call
    executed it: a plan already executed is returned as it is (running twice deletes
    nothing more)."""
    _require_manager(actor)
    now = now or timezone.now()
    plan = _locked(plan)
    if plan.status == Status.EXECUTED:
        return plan, False
    if plan.status != Status.APPROVED:
        raise ValidationError(
            f"「{plan.get_status_display()}」の廃棄記録は実行できません。"
            "別の管理職の承認を受けてから実行してください。"
        )
    files: list[Path] = []
    disposed = skipped = 0
    for item in plan.items.select_for_update().order_by("pk"):
        counts: Counter = Counter()
        # This record's files are deleted after the commit only if its savepoint held.
        item_files: list[Path] = []
        try:
            with transaction.atomic():  # a savepoint: one record that fails leaves the rest
                reason = _item_dispose(item, actor=actor, now=now, counts=counts, files=item_files)
        except (ProtectedError, RestrictedError) as exc:
            held = getattr(exc, "protected_objects", None) or exc.restricted_objects
            names = sorted({str(obj._meta.verbose_name) for obj in held})
            reason = f"削除できない参照がある（{'、'.join(names)}）"
        if reason:
            item.status, item.skip_reason, item.counts = ItemStatus.SKIPPED, reason[:200], {}
            skipped += 1
        else:
            item.status, item.counts, item.disposed_at = ItemStatus.DISPOSED, dict(counts), now
            files += item_files
            disposed += 1
        model_save(
            item,
            actor=actor,
            reason="廃棄を実行",
            fields=["status", "skip_reason", "counts", "disposed_at"],
        )
    plan.status = Status.EXECUTED
    plan.executed_by = actor
    plan.executed_at = now
    model_save(
        plan, actor=actor, reason="廃棄を実行", fields=["status", "executed_by", "executed_at"]
    )
    # The access log says that records were deleted, and by whom (counts only).
    access_event_record(
        action=Action.PURGE,
        user=actor,
        obj=plan,
        object_label=str(plan),
        disposed=disposed,
        skipped=skipped,
    )
    transaction.on_commit(lambda: _unlink(files))
    return plan, True


def _unlink(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def _item_dispose(
    item: DisposalItem, *, actor: User, now: dt.datetime, counts: Counter, files: list[Path]
) -> str:
    """Dispose of one record; returns why it was skipped, or "" when it went."""
    if item.kind == RecordKind.CASE:
        case = Case.objects.select_for_update().filter(pk=item.record_id).first()
        if case is None:
            return "すでに削除されている"
        closure = case.closures.filter(reopened_at__isnull=True).first()
        if case.status != Case.Status.CLOSED or closure is None:
            return "ケースが再開されている（終結していない）"
        if closure.pk != item.closure_id:
            return "一覧の作成後に再開され、終結し直している"
        start_year = fiscal_year(closure.closed_at)
        case_ids, consultation_ids, engagement_ids = [case.pk], [], []
    elif item.kind == RecordKind.CONSULTATION:
        consultation = Consultation.objects.select_for_update().filter(pk=item.record_id).first()
        if consultation is None:
            return "すでに削除されている"
        if consultation.case_id is not None:
            return "一覧の作成後にケースに追加された"
        start_year = consultation.fiscal_year
        case_ids, consultation_ids, engagement_ids = [], [consultation.pk], []
    else:
        engagement = (
            OutreachEngagement.objects.select_for_update().filter(pk=item.record_id).first()
        )
        if engagement is None:
            return "すでに削除されている"
        if engagement.consultation_id is not None:
            return "一覧の作成後に相談受付につながった"
        if engagement.status != OutreachEngagement.Status.ENDED or engagement.ended_on is None:
            return "アウトリーチが再開されている（終了していない）"
        if engagement.ended_on != item.ended_on:
            return "一覧の作成後に再開され、終了し直している"
        start_year = fiscal_year(engagement.ended_on)
        case_ids, consultation_ids, engagement_ids = [], [], [engagement.pk]
    if not is_past_retention(start_year=start_year, years=retention_years(item.kind), now=now):
        return "保存期間が満了していない"
    content = content_of(
        case_ids=case_ids, consultation_ids=consultation_ids, engagement_ids=engagement_ids
    )
    reasons = blockers(content=content, case_ids=case_ids)
    if reasons:
        return "、".join(reasons)
    for file in files_holding(content):
        files.append(report_file_path(file))
        file.purged_at = now
        model_save(file, actor=actor, reason="保存年限を過ぎた記録の廃棄", fields=["purged_at"])
    content_delete(content, counts)
    for household in Household.objects.filter(pk__in=content.household_ids).order_by("pk"):
        rest = household_unreferenced(household)
        if rest is not None:
            household_delete(rest, counts, files)
    return ""
