"""Writes of 支援プラン and the インテーク・アセスメントシート.

Drafting, approving and revising a plan, and writing the assessment, are the managing
coordinators' (*manage*); an agency reports on its own tasks (*work*). A task goes
only to an agency with a working basis on the case — a plan never creates access.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import Role
from core.japanese import format_wareki, normalize_text
from core.saving import model_save

from .. import events
from ..models import Case, IssueCategory, Person
from ..models.plans import Assessment, AssessmentMember, PlanStakeholder, PlanTask, SupportPlan
from ..permissions import Need, case_needs
from ..selectors import working_agencies
from . import require_case_need, versioned_update

PLAN_FIELDS = (
    "long_term_goal",
    "short_term_goal",
    "urgent",
    "monitoring_on",
    "person_wishes",
    "agreed_on",
)


def _require_open(case: Case) -> None:
    # Asked of the database: the caller's copy may predate a closing.
    if Case.objects.filter(pk=case.pk, status=Case.Status.CLOSED).exists():
        raise ValidationError("終結したケースのプランは変更できません。必要なら再開してください。")


def _plan_errors(data: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name, label in (("long_term_goal", "長期目標"), ("short_term_goal", "短期目標")):
        if name in data and not str(data[name]).strip():
            errors[name] = f"{label}を入力してください。"
    if "monitoring_on" in data and data["monitoring_on"] is None:
        errors["monitoring_on"] = "モニタリング予定日を入力してください。"
    return errors


def _advance(*, actor: User, case: Case, to: str, reason: str) -> None:
    """The work moves the case forward (受付 → アセスメント → プラン作成 → 支援中), never
    back, and never out of 中断 or 終結."""
    order = list(Case.ACTIVE_STATUSES)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status in order and order.index(case.status) < order.index(to):
        old = case.status
        case.status = to
        case.version += 1
        model_save(case, actor=actor, reason=reason, fields=["status", "version", "updated_at"])
        events.case_status_changed_event(case=case, actor=actor, old=old, reason=reason)


def _require_secretariat(actor: User) -> None:
    """What a meeting decides reaches a plan only through the meeting's secretariat
    (the meetings app has checked its gates); nobody else writes it so."""
    if not actor.has_role(Role.SECRETARIAT):
        raise PermissionDenied


def plan_in_progress(case: Case) -> SupportPlan | None:
    return case.plans.filter(
        status__in=[SupportPlan.Status.DRAFT, SupportPlan.Status.DISCUSSED]
    ).first()


def _next_number(case: Case) -> int:
    return (case.plans.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def plan_create(*, actor: User, case: Case, data: dict[str, Any]) -> SupportPlan:
    require_case_need(actor, case, Need.MANAGE)
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    if plan_in_progress(case) is not None:
        raise ValidationError(
            "作成中のプラン（案・協議済）があります。そのプランを編集してください。"
        )
    errors = _plan_errors({name: data.get(name) for name in PLAN_FIELDS if name in data})
    if errors:
        raise ValidationError(errors)
    plan = SupportPlan(case=case, number=_next_number(case), created_by=actor, **data)
    model_save(plan, actor=actor, reason="支援プランの作成")
    events.plan_event(case=case, actor=actor, plan=plan, what="を作成しました")
    _advance(actor=actor, case=case, to=Case.Status.PLANNING, reason="支援プランの作成")
    return plan


@transaction.atomic
def plan_revise(*, actor: User, plan: SupportPlan) -> SupportPlan:
    """A new version (案) from an approved plan, with its goals, tasks still open and
    関係者; the approved one stays as it was until the new one is approved."""
    case = plan.case
    require_case_need(actor, case, Need.MANAGE)
    Case.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    plan = SupportPlan.objects.get(pk=plan.pk)
    if plan.status != SupportPlan.Status.APPROVED:
        raise ValidationError("承認済みのプランから新しい版を作ります。")
    if plan_in_progress(case) is not None:
        raise ValidationError("作成中のプラン（案・協議済）がすでにあります。")
    new = SupportPlan(
        case=case,
        number=_next_number(case),
        created_by=actor,
        **{name: getattr(plan, name) for name in PLAN_FIELDS if name != "agreed_on"},
    )
    new.urgent = False
    model_save(new, actor=actor, reason=f"第{plan.number}版からの改訂")
    for task in plan.tasks.filter(status=PlanTask.Status.OPEN):
        model_save(
            PlanTask(
                plan=new,
                agency=task.agency,
                stakeholder_name=task.stakeholder_name,
                content=task.content,
                due_on=task.due_on,
            ),
            actor=actor,
            reason="改訂で引き継いだ役割分担",
        )
    for person in plan.stakeholders.all():
        model_save(
            PlanStakeholder(
                plan=new,
                kind=person.kind,
                agency=person.agency,
                name=person.name,
                role=person.role,
                dedup_key=person.dedup_key,
            ),
            actor=actor,
            reason="改訂で引き継いだ関係者",
        )
    events.plan_event(case=case, actor=actor, plan=new, what=f"を第{plan.number}版から作成しました")
    return new


def _require_draft(plan: SupportPlan) -> None:
    plan.refresh_from_db(fields=["status"])
    if not plan.is_editable:
        raise ValidationError(
            f"「{plan.get_status_display()}」のプランは変更できません。新しい版を作ってください。"
        )


@transaction.atomic
def plan_update(
    *, actor: User, plan: SupportPlan, data: dict[str, Any], expected_version: int
) -> list[str]:
    require_case_need(actor, plan.case, Need.MANAGE)
    _require_open(plan.case)
    _require_draft(plan)
    errors = _plan_errors(data)
    if errors:
        raise ValidationError(errors)
    changed = versioned_update(
        instance=plan, data=data, expected_version=expected_version, actor=actor, reason="編集"
    )
    if changed:
        events.plan_event(case=plan.case, actor=actor, plan=plan, what="を編集しました")
    return changed


def agency_working_basis(*, case: Case, agency: Agency) -> bool:
    """Whether ``agency`` holds a basis on the case that lets it work (受付機関, 同意,
    参加機関, 多機関協働) — the only agencies a task may go to."""
    return working_agencies(case=case).filter(pk=agency.pk).exists()


def _task_errors(*, case: Case, agency: Agency | None, stakeholder_name: str, content: str, due_on):
    errors = {}
    if agency is None and not stakeholder_name.strip():
        errors["agency"] = "担当機関を選ぶか、機関以外の担当を入力してください。"
    if agency is not None and not agency_working_basis(case=case, agency=agency):
        errors["agency"] = (
            f"{agency}はこのケースに対応する根拠（受付機関・同意・参加機関）を持っていません。"
            "先に本人の同意の範囲に加えるか、参加機関として閲覧権限を付与してください。"
        )
    if not content.strip():
        errors["content"] = "支援内容を入力してください。"
    if due_on is not None and due_on < case.opened_at.date() - dt.timedelta(days=365):
        errors["due_on"] = "期限が古すぎます。日付を確かめてください。"
    return errors


@transaction.atomic
def plan_task_add(
    *,
    actor: User,
    plan: SupportPlan,
    content: str,
    agency: Agency | None = None,
    stakeholder_name: str = "",
    due_on: dt.date | None = None,
) -> PlanTask:
    require_case_need(actor, plan.case, Need.MANAGE)
    _require_open(plan.case)
    _require_draft(plan)
    errors = _task_errors(
        case=plan.case,
        agency=agency,
        stakeholder_name=stakeholder_name,
        content=content,
        due_on=due_on,
    )
    if errors:
        raise ValidationError(errors)
    task = PlanTask(
        plan=plan,
        agency=agency,
        stakeholder_name=stakeholder_name.strip(),
        content=content.strip(),
        due_on=due_on,
    )
    model_save(task, actor=actor, reason="役割分担の追加")
    return task


@transaction.atomic
def plan_task_remove(*, actor: User, task: PlanTask) -> None:
    require_case_need(actor, task.plan.case, Need.MANAGE)
    _require_open(task.plan.case)
    _require_draft(task.plan)
    task._history_user = actor
    task._change_reason = "役割分担の削除（案のうち）"
    task.delete()


def stakeholder_key(*, kind: str, agency: Agency | None, name: str) -> str:
    """One stakeholder, however many plans name them: a registered agency by its id,
    anyone else by their kind and name with 全角/半角 and spaces ignored."""
    if agency is not None:
        return f"agency:{agency.pk}"
    return f"{kind}:{normalize_text(name)}"


@transaction.atomic
def plan_stakeholder_add(
    *, actor: User, plan: SupportPlan, kind: str, agency: Agency | None, name: str, role: str = ""
) -> PlanStakeholder:
    require_case_need(actor, plan.case, Need.MANAGE)
    _require_open(plan.case)
    _require_draft(plan)
    if kind not in PlanStakeholder.Kind.values:
        raise ValidationError({"kind": "種別を選んでください。"})
    if agency is None and not name.strip():
        raise ValidationError({"name": "機関を選ぶか、名称・氏名を入力してください。"})
    key = stakeholder_key(kind=kind, agency=agency, name=name)
    if plan.stakeholders.filter(dedup_key=key).exists():
        raise ValidationError({"name": "この関係者はすでにこのプランにあります。"})
    stakeholder = PlanStakeholder(
        plan=plan, kind=kind, agency=agency, name=name.strip(), role=role.strip(), dedup_key=key
    )
    model_save(stakeholder, actor=actor, reason="関係者の追加")
    return stakeholder


@transaction.atomic
def plan_stakeholder_remove(*, actor: User, stakeholder: PlanStakeholder) -> None:
    require_case_need(actor, stakeholder.plan.case, Need.MANAGE)
    _require_open(stakeholder.plan.case)
    _require_draft(stakeholder.plan)
    stakeholder._history_user = actor
    stakeholder._change_reason = "関係者の削除（案のうち）"
    stakeholder.delete()


@transaction.atomic
def plan_approve(*, actor: User, plan: SupportPlan) -> SupportPlan:
    """承認: after the 重層的支援会議 discussed it — or at once when marked 緊急, to be
    discussed at the next meeting. The version it replaces becomes 改訂済."""
    require_case_need(actor, plan.case, Need.MANAGE)
    _require_open(plan.case)
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == SupportPlan.Status.DRAFT and not plan.urgent:
        raise ValidationError(
            "このプランはまだ重層的支援会議で協議されていません。会議での協議の後に承認するか、"
            "急ぐ場合は「緊急」にしてください（次の会議で協議します）。"
        )
    if plan.status not in (SupportPlan.Status.DRAFT, SupportPlan.Status.DISCUSSED):
        raise ValidationError(f"「{plan.get_status_display()}」のプランは承認できません。")
    if not plan.tasks.exists():
        raise ValidationError("役割分担を1件以上入れてから承認してください。")
    for old in plan.case.plans.select_for_update().filter(status=SupportPlan.Status.APPROVED):
        old.status = SupportPlan.Status.SUPERSEDED
        old.version += 1
        model_save(
            old,
            actor=actor,
            reason=f"第{plan.number}版の承認",
            fields=["status", "version", "updated_at"],
        )
    plan.status = SupportPlan.Status.APPROVED
    plan.approved_at = timezone.now()
    plan.approved_by = actor
    plan.version += 1
    model_save(
        plan,
        actor=actor,
        reason="承認",
        fields=["status", "approved_at", "approved_by", "version", "updated_at"],
    )
    note = "（緊急: 次の重層的支援会議で協議）" if plan.discussed_item_id is None else ""
    events.plan_event(
        case=plan.case, actor=actor, plan=plan, what=f"を承認しました{note}", status=True
    )
    _advance(actor=actor, case=plan.case, to=Case.Status.SUPPORT, reason="支援プランの承認")
    return plan


@transaction.atomic
def plan_discussed_record(
    *, actor: User, case: Case, item_id, held_on: dt.date, body_name: str
) -> SupportPlan | None:
    """Called by the meetings app when a held 重層的支援会議 discussed the case's plan
    (an item of purpose プランの適切性, which the secretariat closed under gate 1): the
    plan in progress becomes 協議済, or an urgent plan approved before is marked as
    discussed. Returns the plan, or None when the case had none to discuss."""
    _require_secretariat(actor)
    plan = plan_in_progress(case)
    if plan is None:
        plan = case.plans.filter(
            status=SupportPlan.Status.APPROVED, discussed_item_id__isnull=True
        ).first()
    if plan is None:
        return None
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    plan.discussed_item_id = item_id
    plan.discussed_on = held_on
    plan.discussed_body = body_name[:100]
    fields = ["discussed_item_id", "discussed_on", "discussed_body", "version", "updated_at"]
    if plan.status == SupportPlan.Status.DRAFT:
        plan.status = SupportPlan.Status.DISCUSSED
        fields.append("status")
    plan.version += 1
    model_save(
        plan, actor=actor, reason=f"{format_wareki(held_on)}の{body_name}で協議", fields=fields
    )
    events.plan_event(
        case=case,
        actor=actor,
        plan=plan,
        what=f"を{format_wareki(held_on)}の{body_name}で協議しました",
        status=True,
    )
    return plan


@transaction.atomic
def plan_task_from_decision(
    *,
    actor: User,
    case: Case,
    decision_id: int,
    content: str,
    agency: Agency | None,
    stakeholder_name: str,
    due_on: dt.date | None,
) -> tuple[PlanTask | None, str]:
    """A 重層的支援会議 decision becomes a task of the case's current plan (called by
    the meetings app inside the decision's transaction). Returns (task, "") or
    (None, why not) — no plan yet, or an agency without a working basis."""
    _require_secretariat(actor)
    plan = plan_in_progress(case) or case.plans.filter(status=SupportPlan.Status.APPROVED).first()
    if plan is None:
        return None, "このケースにはまだ支援プランがないため、役割分担に加えていません。"
    errors = _task_errors(
        case=case, agency=agency, stakeholder_name=stakeholder_name, content=content, due_on=due_on
    )
    if errors:
        return None, " ".join(errors.values())
    task = PlanTask(
        plan=plan,
        agency=agency,
        stakeholder_name=stakeholder_name.strip(),
        content=content.strip()[:300],
        due_on=due_on,
        decision_id=decision_id,
    )
    model_save(task, actor=actor, reason="会議の決定事項から")
    events.plan_event(
        case=case, actor=actor, plan=plan, what="に会議の決定事項を役割分担として加えました"
    )
    return task, ""


@transaction.atomic
def plan_task_report(*, actor: User, task: PlanTask, done: bool, report: str) -> PlanTask:
    """An agency reports on its own task (*work*); the managing coordinators on any."""
    case = task.plan.case
    needs = case_needs(actor, case)
    if Need.MANAGE not in needs and not (Need.WORK in needs and task.agency_id == actor.agency_id):
        raise PermissionDenied
    _require_open(case)
    task = PlanTask.objects.select_for_update().get(pk=task.pk)
    if task.plan.status not in (SupportPlan.Status.APPROVED,):
        raise ValidationError("承認されたプランの役割分担だけ報告できます。")
    if not report.strip() and not done:
        raise ValidationError({"report": "報告の内容を入力するか、完了にしてください。"})
    task.report = report.strip()[:500] or task.report
    task.status = PlanTask.Status.DONE if done else PlanTask.Status.OPEN
    task.reported_at = timezone.now()
    task.reported_by = actor
    model_save(
        task,
        actor=actor,
        reason="役割分担の報告",
        fields=["report", "status", "reported_at", "reported_by"],
    )
    events.task_reported_event(case=case, actor=actor, task=task)
    return task


# ---------------------------------------------------------------------------
# インテーク・アセスメントシート

ASSESSMENT_FIELDS = ("household_situation", "strengths", "risks", "assessed_on")
MEMBER_FIELDS = (
    "work",
    "housing",
    "insurance",
    "pension",
    "health",
    "daily_life",
    "relations",
    "strengths",
    "risks",
    "wishes",
)


@transaction.atomic
def assessment_save(
    *,
    actor: User,
    case: Case,
    data: dict[str, Any],
    members: dict[Person, dict[str, Any]],
    expected_version: int | None,
) -> Assessment:
    """Write the household's assessment and its rows per member (the household's own
    members only). The first save creates it; later saves need the version they
    started from (a stale page is refused, never overwrites)."""
    require_case_need(actor, case, Need.MANAGE)
    _require_open(case)
    if not str(data.get("household_situation", "")).strip():
        raise ValidationError({"household_situation": "世帯の状況を入力してください。"})
    if any(person.household_id != case.household_id for person in members):
        raise PermissionDenied
    assessment = Assessment.objects.select_for_update().filter(case=case).first()
    if assessment is None:
        assessment = Assessment(case=case, assessed_by=actor, **data)
        model_save(assessment, actor=actor, reason="アセスメントの作成")
        what = "を作成しました"
    else:
        versioned_update(
            instance=assessment,
            data=data,
            expected_version=expected_version or 0,
            actor=actor,
            reason="アセスメントの更新",
        )
        what = "を更新しました"
    for person, values in members.items():
        issues: list[IssueCategory] = list(values.get("issues", []))
        row = assessment.members.filter(person=person).first() or AssessmentMember(
            assessment=assessment, person=person
        )
        for name in MEMBER_FIELDS:
            if name in values:
                setattr(row, name, values[name])
        model_save(row, actor=actor, reason="アセスメント（世帯員）")
        row._history_user = actor
        row.issues.set(issues)
    events.assessment_event(case=case, actor=actor, what=what)
    _advance(actor=actor, case=case, to=Case.Status.ASSESSMENT, reason="アセスメントの記入")
    return assessment
