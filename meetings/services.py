"""Every write of meetings: keyword-only, one transaction, permission checked, history
user set — and gates 1 and 2 enforced here, never in templates.

Gate 1 (重層的支援会議): a case goes on the agenda only with every subject person's
consent valid on the meeting date for 会議での協議, covering every attending agency.
Re-checked whenever the date or the attendees change; a failing item is flagged, kept
out of the papers and the secretariat is told why.

Gate 2 (支援会議): items, papers and minutes only for attendees (the secretariat
included) with a valid pledge for that body on the meeting date.

Gate 3, basis 支援会議: while a case is under a 支援会議 body's handling, each attendee
of a meeting that discusses it, who has a login and a valid pledge for that body, may
read the case (a user-level grant; the policy gives such a grant VIEW only). The grant
rests on the pledge (``source_type``/``source_id``) and ends with it: at its end date by
itself, and at once when it is revoked, when the handling ends, or when the attendee is
removed. ``_support_access_sync`` makes the grants equal to that rule after every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.documents import scanned_document_type
from agencies.models import Agency, User
from cases import events
from cases.models import Case, CaseAccess, Household
from cases.permissions import Need, case_needs, may_propose, works_cases
from cases.services import versioned_update
from cases.services.plans import plan_discussed_record, plan_task_from_decision
from core.japanese import end_of_day_tokyo, format_wareki
from core.saving import model_save

from .models import (
    AgendaItem,
    AgendaProposal,
    Attendee,
    BodyCaseHandling,
    BodyMember,
    ConfidentialityPledge,
    Decision,
    Meeting,
    MeetingBody,
    RegionalIssue,
)
from .permissions import (
    attending_agencies,
    can_manage_meetings,
    consent_problems,
    item_consent_problems,
    may_decide_proposal,
    may_report_decision,
    subject_problems,
    user_pledge_problem,
    user_pledge_valid,
)

PLEDGE_SOURCE = CaseAccess.Source.PLEDGE


def _require_secretariat(actor: User) -> None:
    if not can_manage_meetings(actor):
        raise PermissionDenied


def _lock_scheduled(meeting_pk) -> Meeting:
    """The meeting, fresh and locked for this transaction (writes to one meeting and
    its gate checks happen one at a time) — refused once it has been held."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting_pk)
    if meeting.is_closed:
        raise ValidationError(
            f"{format_wareki(meeting.date)}の会議は開催済みです。議題・出席者は変更できません。"
        )
    return meeting


def _lock_item(item: AgendaItem) -> AgendaItem:
    meeting = _lock_scheduled(item.meeting_id)
    item = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("body", "case", "household")
        .get(pk=item.pk)
    )
    item.meeting = meeting
    return item


def _delete(instance, *, actor: User, reason: str) -> None:
    # simple-history writes a "-" row; it must carry who removed it and why.
    instance._history_user = actor
    instance._change_reason = reason
    instance.delete()


# ---------------------------------------------------------------------------
# Bodies, members and pledges


@transaction.atomic
def body_create(*, actor: User, data: dict[str, Any]) -> MeetingBody:
    _require_secretariat(actor)
    body = MeetingBody(**data)
    model_save(body, actor=actor, reason="会議体を作成")
    return body


@transaction.atomic
def body_update(*, actor: User, body: MeetingBody, data: dict[str, Any]) -> list[str]:
    _require_secretariat(actor)
    body = MeetingBody.objects.select_for_update().get(pk=body.pk)
    if "kind" in data and data["kind"] != body.kind and body.items.exists():
        raise ValidationError(
            {"kind": "議題のある会議体の種類は変更できません（同意と守秘義務の扱いが変わるため）。"}
        )
    changed = [name for name, value in data.items() if getattr(body, name) != value]
    for name in changed:
        setattr(body, name, data[name])
    if changed:
        model_save(body, actor=actor, reason="会議体の情報を変更", fields=changed)
    return [str(MeetingBody._meta.get_field(name).verbose_name) for name in changed]


@transaction.atomic
def member_add(
    *,
    actor: User,
    body: MeetingBody,
    user: User | None = None,
    name: str = "",
    agency: Agency | None = None,
    title: str = "",
) -> BodyMember:
    """A member with a login (``user``) or without one (民生委員, 事業者: name and agency)."""
    _require_secretariat(actor)
    if user is not None:
        if body.members.filter(user=user).exists():
            raise ValidationError({"user": f"{user.display_name}さんはすでに構成員です。"})
        name = name.strip() or user.display_name
        agency = agency or user.agency
    errors = {}
    if not name.strip():
        errors["name"] = "氏名を入力してください。"
    if agency is None:
        errors["agency"] = "所属機関・団体を選んでください。"
    if errors:
        raise ValidationError(errors)
    member = BodyMember(body=body, user=user, name=name.strip(), agency=agency, title=title)
    model_save(member, actor=actor, reason="構成員を登録")
    return member


@transaction.atomic
def pledge_record(
    *,
    actor: User,
    member: BodyMember,
    signed_on: dt.date,
    valid_until: dt.date | None = None,
    document: UploadedFile | None = None,
) -> ConfidentialityPledge:
    _require_secretariat(actor)
    body = member.body
    if not body.confidentiality_duty:
        raise ValidationError(
            f"「{body.name}」は重層的支援会議（要綱）で、法律上の守秘義務の誓約書は要りません。"
        )
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "署名日に未来の日付は入力できません。"})
    if valid_until is not None and valid_until < signed_on:
        raise ValidationError({"valid_until": "有効期限は署名日以降にしてください。"})
    pledge = ConfidentialityPledge(
        member=member, signed_on=signed_on, valid_until=valid_until, recorded_by=actor
    )
    if document is not None:
        pledge.document_content_type = scanned_document_type(document, what="誓約書")
        pledge.document = document
    model_save(pledge, actor=actor, reason="守秘義務の誓約書を記録")
    _support_access_sync_for_body(actor=actor, body=body)
    return pledge


@transaction.atomic
def pledge_revoke(
    *, actor: User, pledge: ConfidentialityPledge, reason: str
) -> ConfidentialityPledge:
    """A revoked pledge ends at once what rested on it: the member's 支援会議 items and
    the case access granted through it."""
    _require_secretariat(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "取消の理由を入力してください。"})
    pledge = ConfidentialityPledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.revoked_at is not None:
        raise ValidationError("この誓約書はすでに取り消されています。")
    pledge.revoked_at = timezone.now()
    pledge.revoke_reason = reason
    pledge.revoked_by = actor
    model_save(
        pledge,
        actor=actor,
        reason=f"誓約書の取消: {reason}",
        fields=["revoked_at", "revoke_reason", "revoked_by"],
    )
    _support_access_sync_for_body(
        actor=actor, body=pledge.member.body, reason=f"守秘義務の誓約書の取消（{reason}）"
    )
    return pledge


# ---------------------------------------------------------------------------
# Meetings and attendees


def _check_bodies(bodies: Sequence[MeetingBody]) -> None:
    if not bodies:
        raise ValidationError({"bodies": "会議体を1つ以上選んでください。"})
    inactive = [b.name for b in bodies if not b.is_active]
    if inactive:
        raise ValidationError({"bodies": f"使用していない会議体です: {'、'.join(inactive)}"})


@transaction.atomic
def meeting_create(*, actor: User, bodies: Sequence[MeetingBody], data: dict[str, Any]) -> Meeting:
    """Schedule a meeting of one body, or a joint meeting of several."""
    _require_secretariat(actor)
    _check_bodies(bodies)
    meeting = Meeting(created_by=actor, **data)
    model_save(meeting, actor=actor, reason="会議を予定")
    meeting.bodies.set(bodies)
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: User, meeting: Meeting, bodies: Sequence[MeetingBody], data: dict[str, Any]
) -> list[AgendaItem]:
    """Change date, time, place, kind or bodies. A new date re-runs gate 1 (consent must
    be valid on the meeting date); returns the items newly flagged."""
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    _check_bodies(bodies)
    removed = set(meeting.bodies.values_list("pk", flat=True)) - {b.pk for b in bodies}
    if removed and meeting.items.filter(body_id__in=removed).exists():
        raise ValidationError(
            {"bodies": "議題のある会議体は外せません。先に議題を外してください。"}
        )
    changed = [name for name, value in data.items() if getattr(meeting, name) != value]
    for name in changed:
        setattr(meeting, name, data[name])
    if changed:
        model_save(meeting, actor=actor, reason="会議の予定を変更", fields=changed)
    if set(meeting.bodies.values_list("pk", flat=True)) != {b.pk for b in bodies}:
        meeting._history_user = actor
        meeting.bodies.set(bodies)
    flagged = _agenda_recheck(actor=actor, meeting=meeting)
    if "date" in changed:
        _support_access_sync_for_meeting(actor=actor, meeting=meeting)
    return flagged


@transaction.atomic
def attendees_add_members(
    *, actor: User, meeting: Meeting, members: Sequence[BodyMember]
) -> list[AgendaItem]:
    """Members of the meeting's bodies attend. Returns the items gate 1 now flags (a new
    agency may be outside a consent's scope)."""
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    body_ids = set(meeting.bodies.values_list("pk", flat=True))
    for member in members:
        if member.body_id not in body_ids:
            raise ValidationError(
                {"members": f"{member.name}さんはこの会議の会議体の構成員ではありません。"}
            )
        if meeting.attendees.filter(
            Q(member=member) | Q(user_id=member.user_id, user__isnull=False)
        ).exists():
            continue
        attendee = Attendee(
            meeting=meeting,
            member=member,
            user=member.user,
            name=member.name,
            agency=member.agency,
            title=member.title,
        )
        model_save(attendee, actor=actor, reason="出席者を追加")
    flagged = _agenda_recheck(actor=actor, meeting=meeting)
    _support_access_sync_for_meeting(actor=actor, meeting=meeting)
    return flagged


@transaction.atomic
def attendee_add(
    *,
    actor: User,
    meeting: Meeting,
    name: str,
    agency: Agency,
    title: str = "",
    user: User | None = None,
) -> list[AgendaItem]:
    """Someone invited for this meeting only (no member of its bodies). Without a pledge
    they receive no 支援会議 item; make them a member and record one if they should."""
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    if user is not None:
        if meeting.attendees.filter(user=user).exists():
            raise ValidationError({"user": f"{user.display_name}さんはすでに出席者です。"})
        name = name.strip() or user.display_name
        if user.agency_id != agency.pk:
            raise ValidationError(
                {
                    "agency": f"{user.display_name}さんの所属は{user.agency}です。"
                    "所属機関を合わせてください。"
                }
            )
    if not name.strip():
        raise ValidationError({"name": "氏名を入力してください。"})
    attendee = Attendee(meeting=meeting, user=user, name=name.strip(), agency=agency, title=title)
    model_save(attendee, actor=actor, reason="出席者を追加（構成員以外）")
    flagged = _agenda_recheck(actor=actor, meeting=meeting)
    _support_access_sync_for_meeting(actor=actor, meeting=meeting)
    return flagged


@transaction.atomic
def attendee_remove(*, actor: User, attendee: Attendee) -> list[AgendaItem]:
    _require_secretariat(actor)
    meeting = _lock_scheduled(attendee.meeting_id)
    _delete(attendee, actor=actor, reason="出席者から外す")
    flagged = _agenda_recheck(actor=actor, meeting=meeting)
    _support_access_sync_for_meeting(
        actor=actor, meeting=meeting, reason=f"{attendee.name}さんを会議の出席者から外した"
    )
    return flagged


# ---------------------------------------------------------------------------
# Agenda


def _agenda_recheck(*, actor: User | None, meeting: Meeting) -> list[AgendaItem]:
    """Gate 1 for every consent-requiring item, stored on the item. Returns the items
    that are flagged now but were not before."""
    agencies = attending_agencies(meeting)
    now = timezone.now()
    newly: list[AgendaItem] = []
    # The caller holds the meeting's lock; its items change only under it.
    items = meeting.items.select_related("body", "case", "household", "meeting")
    for item in items:
        if not item.body.consent_required:
            continue
        problems = item_consent_problems(item, agencies)
        if bool(problems) == item.gate_blocked and problems == item.gate_reasons:
            continue
        if problems and not item.gate_blocked:
            newly.append(item)
        item.gate_blocked = bool(problems)
        item.gate_reasons = problems
        item.gate_checked_at = now
        reason = "同意の再確認: " + ("資料から除外" if problems else "確認できた")
        model_save(
            item,
            actor=actor,
            reason=reason,
            fields=["gate_blocked", "gate_reasons", "gate_checked_at"],
        )
    return newly


@transaction.atomic
def agenda_recheck(*, actor: User | None, meeting: Meeting) -> list[AgendaItem]:
    """Re-run gate 1 now (consent may have been withdrawn or have expired since the
    agenda was built). ``actor`` is None for the periodic task."""
    if actor is not None:
        _require_secretariat(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_closed:
        return []
    return _agenda_recheck(actor=actor, meeting=meeting)


def upcoming_meetings_recheck() -> int:
    """Periodic: gate 1 for every scheduled meeting from today on; returns how many
    items were newly flagged."""
    count = 0
    meetings = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, date__gte=timezone.localdate()
    )
    for meeting in meetings:
        count += len(agenda_recheck(actor=None, meeting=meeting))
    return count


def _agenda_item_add(
    *,
    actor: User,
    meeting: Meeting,
    body: MeetingBody,
    purpose: str,
    case: Case | None = None,
    household: Household | None = None,
) -> AgendaItem:
    """Put a case (or, under a 支援会議, a household of concern) on the agenda; only
    ``proposal_accept`` calls this (agendas are built from proposals).

    Gate 1 refuses a 重層 item whose consent does not hold on the meeting date for every
    attending agency; gate 2 refuses a 支援会議 item to a secretariat user who holds no
    valid pledge for the body (they would be handling its papers)."""
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    problems = subject_problems(meeting=meeting, body=body, case=case, household=household)
    if not problems and body.confidentiality_duty:
        problem = user_pledge_problem(user=actor, body=body, on=meeting.date)
        problems = [problem] if problem else []
    if not problems:
        problems = consent_problems(meeting=meeting, body=body, case=case, household=household)
    if problems:
        raise ValidationError(problems)
    handles = case is not None and body.confidentiality_duty
    if (
        handles
        and not BodyCaseHandling.objects.filter(body=body, case=case, ended_at=None).exists()
    ):
        # Opened before the item is saved, so that the items of a handling are exactly
        # those created since it started.
        handling = BodyCaseHandling(
            body=body, case=case, started_at=timezone.now(), started_by=actor
        )
        model_save(handling, actor=actor, reason=f"{format_wareki(meeting.date)}の会議の議題")
    item = AgendaItem(
        meeting=meeting,
        body=body,
        case=case,
        household=household,
        purpose=purpose,
        order=(meeting.items.count() + 1),
        created_by=actor,
        gate_checked_at=timezone.now() if body.consent_required else None,
    )
    model_save(item, actor=actor, reason="議題に追加")
    if case is not None:
        # The case's timeline keeps when, under which body and before whom it was shared.
        attendees = "、".join(sorted({a.agency.name for a in meeting.attendees.all() if a.agency}))
        events.meeting_agenda_event(
            case=case,
            actor=actor,
            meeting_date=meeting.date,
            body_name=body.name,
            purpose=item.get_purpose_display(),
            attendees=attendees,
            meeting_id=str(meeting.pk),
            item_id=str(item.pk),
            body_id=str(body.pk),
        )
    if handles:
        _support_access_sync(actor=actor, body=body, case=case)
    return item


# ---------------------------------------------------------------------------
# 議題の申出 (proposals): the only way onto an agenda


@transaction.atomic
def proposal_submit(
    *,
    actor: User,
    household: Household,
    body: MeetingBody,
    purpose: str,
    reason: str,
) -> AgendaProposal:
    """Propose a household to a body. If it has an open case, the proposal is about the
    case: straight to the secretariat when the actor manages that case, otherwise to
    the case's coordinators first (the proposer is not told why)."""
    if not may_propose(actor, household):
        raise PermissionDenied
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "会議で協議したいことを入力してください。"
    if not body.is_active:
        errors["body"] = "この会議体は現在使われていません。"
    if purpose not in AgendaItem.Purpose.values:
        errors["purpose"] = "協議の目的を選んでください。"
    if errors:
        raise ValidationError(errors)
    case = household.cases.filter(status__in=Case.OPEN_STATUSES).order_by("opened_at").first()
    if case is None and body.consent_required:
        raise ValidationError(
            {
                "body": f"「{body.name}」（重層的支援会議）で協議できるのは支援決定したケースだけ"
                "です。ケースになる前の世帯は支援会議の会議体に申し出てください。"
            }
        )
    routed = case is not None and Need.MANAGE not in case_needs(actor, case)
    proposal = AgendaProposal(
        body=body,
        household=household,
        case=case,
        purpose=purpose,
        reason=reason,
        status=AgendaProposal.Status.WITH_COORDINATORS
        if routed
        else AgendaProposal.Status.PROPOSED,
        proposed_by=actor,
        proposed_agency=actor.agency,
        proposed_at=timezone.now(),
    )
    model_save(proposal, actor=actor, reason="議題の申出")
    if case is not None:
        events.agenda_proposed_event(
            case=case,
            actor=actor,
            body_name=body.name,
            purpose=proposal.get_purpose_display(),
            routed=routed,
        )
    return proposal


def _lock_open_proposal(proposal: AgendaProposal) -> AgendaProposal:
    proposal = AgendaProposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_open:
        raise ValidationError(f"この申出はすでに「{proposal.get_status_display()}」です。")
    return proposal


@transaction.atomic
def proposal_forward(*, actor: User, proposal: AgendaProposal) -> AgendaProposal:
    """The case's coordinators pass a proposal about their case on to the secretariat."""
    proposal = _lock_open_proposal(proposal)
    if proposal.status != AgendaProposal.Status.WITH_COORDINATORS or not may_decide_proposal(
        actor=actor, proposal=proposal
    ):
        raise PermissionDenied
    proposal.status = AgendaProposal.Status.PROPOSED
    model_save(proposal, actor=actor, reason="ケースの調整役が事務局に回した", fields=["status"])
    return proposal


@transaction.atomic
def proposal_decline(*, actor: User, proposal: AgendaProposal, reason: str) -> AgendaProposal:
    proposal = _lock_open_proposal(proposal)
    if not may_decide_proposal(actor=actor, proposal=proposal):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "不採択の理由を入力してください。"})
    proposal.status = AgendaProposal.Status.DECLINED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    if len(reason) > 200:
        raise ValidationError({"reason": "不採択の理由は200文字以内で入力してください。"})
    proposal.decision_reason = reason
    model_save(
        proposal,
        actor=actor,
        reason=f"不採択: {reason}",
        fields=["status", "decided_by", "decided_at", "decision_reason"],
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: AgendaProposal) -> AgendaProposal:
    """The proposer takes it back while nobody has decided it."""
    proposal = _lock_open_proposal(proposal)
    if proposal.proposed_by_id != actor.pk:
        raise PermissionDenied
    proposal.status = AgendaProposal.Status.WITHDRAWN
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    model_save(
        proposal, actor=actor, reason="取下げ", fields=["status", "decided_by", "decided_at"]
    )
    return proposal


@transaction.atomic
def proposal_accept(*, actor: User, proposal: AgendaProposal, meeting: Meeting) -> AgendaItem:
    """議題化: the secretariat puts a proposal on a meeting's agenda, under the gates."""
    _require_secretariat(actor)
    proposal = _lock_open_proposal(proposal)
    if proposal.status != AgendaProposal.Status.PROPOSED:
        raise PermissionDenied
    # Gate 2 for the secretariat itself is checked on the meeting date below.
    case = proposal.case
    if case is None:
        # The household became a case after the proposal: its coordinators decide.
        case = proposal.household.cases.filter(status__in=Case.OPEN_STATUSES).first()
        if case is not None:
            raise ValidationError(
                "この世帯の状況が申出の後に変わりました。申出者に、改めて申し出るよう"
                "伝えてください。"
            )
    item = _agenda_item_add(
        actor=actor,
        meeting=meeting,
        body=proposal.body,
        purpose=proposal.purpose,
        case=case,
        household=None if case is not None else proposal.household,
    )
    proposal.status = AgendaProposal.Status.ACCEPTED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.item = item
    model_save(
        proposal,
        actor=actor,
        reason="議題化",
        fields=["status", "decided_by", "decided_at", "item"],
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    """Take an item off the agenda before the meeting. A handling that only this item
    opened ends with it (and with it the members' case access)."""
    _require_secretariat(actor)
    item = _lock_item(item)
    if item.minutes.strip() or item.decisions.exists():
        raise ValidationError("議事録や決定事項のある議題は外せません。")
    body, case = item.body, item.case
    proposal = AgendaProposal.objects.filter(item=item).first()
    if proposal is not None:
        # The proposal goes back to the secretariat, to be put on another meeting.
        proposal.status = AgendaProposal.Status.PROPOSED
        proposal.item = None
        proposal.decided_by = proposal.decided_at = None
        model_save(
            proposal,
            actor=actor,
            reason="議題から外したため申出に戻す",
            fields=["status", "item", "decided_by", "decided_at"],
        )
    _delete(item, actor=actor, reason="議題から外す")
    if case is None or not body.confidentiality_duty:
        return
    handling = BodyCaseHandling.objects.filter(body=body, case=case, ended_at=None).first()
    others = AgendaItem.objects.filter(body=body, case=case)
    if handling is not None and not others.filter(created_at__gte=handling.started_at).exists():
        _handling_end(actor=actor, handling=handling, reason="議題から外したため")
    else:
        _support_access_sync(actor=actor, body=body, case=case)


def _require_item_handling(*, actor: User, item: AgendaItem) -> None:
    """Minutes and decisions of an item: gate 2 (支援会議) and gate 1 (重層) again."""
    meeting = item.meeting
    if item.body.confidentiality_duty:
        problem = user_pledge_problem(user=actor, body=item.body, on=meeting.date)
        if problem:
            raise PermissionDenied(problem)
    elif item.body.consent_required:
        problems = item_consent_problems(item)
        if problems or item.gate_blocked:
            raise ValidationError(
                ["同意の確認ができない議題は協議できません（重層的支援会議）。", *problems]
            )


@transaction.atomic
def item_minutes_record(
    *,
    actor: User,
    item: AgendaItem,
    minutes: str,
    expected_version: int,
    ends_handling: bool = False,
) -> AgendaItem:
    """議事録: saved only over the version the secretary started from — two secretaries
    typing the same minutes never overwrite each other silently (EditConflict)."""
    _require_secretariat(actor)
    item = _lock_item(item)
    _require_item_handling(actor=actor, item=item)
    if ends_handling and not (item.body.confidentiality_duty and item.case_id):
        raise ValidationError(
            {"ends_handling": "支援会議でケースを扱う議題だけが、取扱いを終えられます。"}
        )
    versioned_update(
        instance=item,
        data={
            "minutes": minutes.strip(),
            "ends_handling": ends_handling,
            "minutes_recorded_by": actor,
        },
        expected_version=expected_version,
        actor=actor,
        reason="議事録を記録",
    )
    return item


@transaction.atomic
def decision_add(
    *,
    actor: User,
    item: AgendaItem,
    content: str,
    assignee_agency: Agency | None = None,
    assignee_name: str = "",
    due_on: dt.date | None = None,
) -> Decision:
    """決定事項: who does what by when."""
    _require_secretariat(actor)
    item = _lock_item(item)
    _require_item_handling(actor=actor, item=item)
    errors = {}
    if not content.strip():
        errors["content"] = "決定した内容を入力してください。"
    if assignee_agency is None and not assignee_name.strip():
        errors["assignee_agency"] = "担当する機関か担当者を入力してください。"
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        item=item,
        content=content.strip(),
        assignee_agency=assignee_agency,
        assignee_name=assignee_name.strip(),
        due_on=due_on,
        created_by=actor,
    )
    model_save(decision, actor=actor, reason="決定事項を記録")
    decision.plan_note = ""
    if item.case_id and item.body.consent_required:
        # A 重層的支援会議 decision becomes a task of the case's plan. A 支援会議
        # decision stays under gate 2, on the meeting only.
        task, why_not = plan_task_from_decision(
            actor=actor,
            case=item.case,
            decision_id=decision.pk,
            content=decision.content,
            agency=assignee_agency,
            stakeholder_name=decision.assignee_name,
            due_on=due_on,
        )
        decision.plan_note = (
            f"支援プラン第{task.plan.number}版の役割分担に加えました。" if task else why_not
        )
    return decision


@transaction.atomic
def decision_report(*, actor: User, decision: Decision, done: bool, report: str) -> Decision:
    """The assigned agency's pledged members mark a 支援会議 decision done or add a
    short report (gate 2); nothing else of the meeting is theirs to change."""
    if not may_report_decision(user=actor, decision=decision):
        raise PermissionDenied
    report = report.strip()
    if not done and not report:
        raise ValidationError({"report": "報告の内容を入力するか、完了にしてください。"})
    if len(report) > 500:
        raise ValidationError({"report": "報告は500文字までで入力してください。"})
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    decision.done = done
    decision.report = report or decision.report
    decision.reported_at = timezone.now()
    decision.reported_by = actor
    model_save(
        decision,
        actor=actor,
        reason="決定事項の報告",
        fields=["done", "report", "reported_at", "reported_by"],
    )
    return decision


@transaction.atomic
def decision_remove(*, actor: User, decision: Decision) -> None:
    _require_secretariat(actor)
    item = _lock_item(decision.item)
    _require_item_handling(actor=actor, item=item)
    _delete(decision, actor=actor, reason="決定事項を削除")


@transaction.atomic
def regional_issue_add(*, actor: User, meeting: Meeting, content: str) -> RegionalIssue:
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    if not content.strip():
        raise ValidationError({"content": "地域課題の内容を入力してください。"})
    issue = RegionalIssue(meeting=meeting, content=content.strip(), created_by=actor)
    model_save(issue, actor=actor, reason="地域課題を記録")
    return issue


@transaction.atomic
def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """The meeting was held: gate 1 is checked a last time, the agenda is frozen, and
    the 支援会議 handlings its 終結の判断 items ended are closed (members' access ends)."""
    _require_secretariat(actor)
    meeting = _lock_scheduled(meeting.pk)
    if meeting.date > timezone.localdate():
        raise ValidationError(
            f"開催日（{format_wareki(meeting.date)}）より前には開催済みにできません。"
        )
    if not meeting.attendees.exists():
        raise ValidationError("出席者を登録してから開催済みにしてください。")
    _agenda_recheck(actor=actor, meeting=meeting)
    meeting.status = Meeting.Status.HELD
    meeting.closed_at = timezone.now()
    meeting.closed_by = actor
    model_save(meeting, actor=actor, reason="開催済み", fields=["status", "closed_at", "closed_by"])
    # A 重層的支援会議 item on the appropriateness of a plan, that passed gate 1: the
    # case's plan was discussed there (案 → 協議済, or an urgent plan's discussion).
    plan_items = meeting.items.filter(
        purpose=AgendaItem.Purpose.PLAN,
        case__isnull=False,
        gate_blocked=False,
        body__kind=MeetingBody.Kind.GUIDELINE,
    ).select_related("body", "case")
    for item in plan_items:
        plan_discussed_record(
            actor=actor,
            case=item.case,
            item_id=item.pk,
            held_on=meeting.date,
            body_name=item.body.name,
        )
    for item in meeting.items.filter(ends_handling=True, case__isnull=False).select_related(
        "body", "case"
    ):
        handling = BodyCaseHandling.objects.filter(
            body=item.body, case=item.case, ended_at=None
        ).first()
        if handling is not None:
            _handling_end(
                actor=actor,
                handling=handling,
                reason=f"{format_wareki(meeting.date)}の会議で終結の判断",
            )
    return meeting


# ---------------------------------------------------------------------------
# 支援会議 handling and case access (gate 3, basis 支援会議)


@transaction.atomic
def handling_end(*, actor: User, handling: BodyCaseHandling, reason: str) -> BodyCaseHandling:
    """The secretariat ends a body's handling of a case explicitly."""
    _require_secretariat(actor)
    if user_pledge_valid(user=actor, body=handling.body, on=timezone.localdate()) is None:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": "終了の理由を入力してください。"})
    handling = BodyCaseHandling.objects.select_for_update().get(pk=handling.pk)
    if handling.ended_at is not None:
        raise ValidationError("この取扱いはすでに終了しています。")
    return _handling_end(actor=actor, handling=handling, reason=reason.strip())


def handlings_end_for_closed_case(*, actor: User, case: Case) -> int:
    """Called inside ``case_close`` (which checked *manage*): every handling of the
    case ends, and with it the user-level 支援会議 grants."""
    handlings = BodyCaseHandling.objects.select_for_update().filter(case=case, ended_at=None)
    count = 0
    for handling in handlings.select_related("body", "case"):
        _handling_end(actor=actor, handling=handling, reason="ケースの終結")
        count += 1
    return count


def _handling_end(*, actor: User, handling: BodyCaseHandling, reason: str) -> BodyCaseHandling:
    handling.ended_at = timezone.now()
    handling.ended_by = actor
    handling.end_reason = reason[:200]
    model_save(handling, actor=actor, reason=reason, fields=["ended_at", "ended_by", "end_reason"])
    _support_access_sync(
        actor=actor,
        body=handling.body,
        case=handling.case,
        reason=f"「{handling.body.name}」での取扱いの終了（{reason}）",
    )
    return handling


def _support_access_sync_for_body(*, actor: User, body: MeetingBody, reason: str = "") -> None:
    for handling in body.handlings.filter(ended_at=None).select_related("case"):
        _support_access_sync(actor=actor, body=body, case=handling.case, reason=reason)


def _support_access_sync_for_meeting(*, actor: User, meeting: Meeting, reason: str = "") -> None:
    items = meeting.items.filter(case__isnull=False).select_related("body", "case")
    for body, case in {(i.body, i.case) for i in items if i.body.confidentiality_duty}:
        _support_access_sync(actor=actor, body=body, case=case, reason=reason)


def _wanted_support_access(*, body: MeetingBody, case: Case) -> dict[int, ConfidentialityPledge]:
    """user id → the pledge their access rests on, per the rule in the module docstring."""
    if not BodyCaseHandling.objects.filter(body=body, case=case, ended_at=None).exists():
        return {}
    today = timezone.localdate()
    attendees = Attendee.objects.filter(
        meeting__items__body=body,
        meeting__items__case=case,
        user__isnull=False,
        user__is_active=True,
    ).select_related("user")
    wanted: dict[int, ConfidentialityPledge] = {}
    for attendee in attendees:
        user = attendee.user
        if user.pk in wanted or user.agency_id != attendee.agency_id:
            continue
        if not works_cases(user):
            # The secretariat reads 支援会議 items through gate 2, never through a case
            # grant: a row it could not use would only be noise in the access list.
            continue
        pledge = user_pledge_valid(user=user, body=body, on=today)
        if pledge is not None:
            wanted[user.pk] = pledge
    return wanted


def _support_access_sync(*, actor: User, body: MeetingBody, case: Case, reason: str = "") -> None:
    """Make the 支援会議 grants of (body, case) what the rule gives now: grant the
    missing ones, revoke the ones that no longer rest on a valid pledge, an open
    handling and an attendance."""
    if not body.confidentiality_duty:
        return
    now = timezone.now()
    wanted = _wanted_support_access(body=body, case=case)
    pledge_ids = [
        str(pk)
        for pk in ConfidentialityPledge.objects.filter(member__body=body).values_list(
            "pk", flat=True
        )
    ]
    current = (
        CaseAccess.objects.select_for_update(of=("self",))
        .filter(
            case=case,
            basis=CaseAccess.Basis.SUPPORT_MEETING,
            source_type=PLEDGE_SOURCE,
            source_id__in=pledge_ids,
            revoked_at__isnull=True,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("user")
    )
    for access in current:
        pledge = wanted.get(access.user_id)
        if pledge is not None and str(pledge.pk) == access.source_id:
            del wanted[access.user_id]
            continue
        access.revoked_at = now
        access.revoke_reason = (reason or f"「{body.name}」の支援会議の根拠がなくなった")[:200]
        model_save(
            access,
            actor=actor,
            reason=access.revoke_reason,
            fields=["revoked_at", "revoke_reason"],
        )
        events.access_revoked_event(case=case, actor=actor, access=access)
    for user_id, pledge in wanted.items():
        user = User.objects.select_related("agency").get(pk=user_id)
        until = f"{format_wareki(pledge.valid_until)}まで" if pledge.valid_until else "期限なし"
        access = CaseAccess(
            case=case,
            user=user,
            basis=CaseAccess.Basis.SUPPORT_MEETING,
            reason=f"支援会議「{body.name}」の議題（守秘義務の誓約書 {until}、閲覧のみ）"[:200],
            granted_by=actor,
            valid_from=now,
            valid_until=end_of_day_tokyo(pledge.valid_until),
            source_type=PLEDGE_SOURCE,
            source_id=str(pledge.pk),
        )
        model_save(access, actor=actor, reason=access.reason)
        events.support_access_granted_event(
            case=case,
            actor=actor,
            user=user,
            body_name=body.name,
            pledge_until=until,
            body_id=str(body.pk),
            pledge_id=pledge.pk,
        )
