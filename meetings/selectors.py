"""Every read of meetings that depends on who asks. Meetings and their papers are 非公開:
an object the user may not see answers 404, the same as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import User
from cases.models import CaseAccess
from cases.permissions import access_rows_for

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
)
from .permissions import (
    MeetingNeed,
    attendee_pledges,
    attending_agencies,
    can_manage_meetings,
    can_use_meetings,
    consent_problems,
    item_consent_problems,
    item_visible_to,
    may_decide_proposal,
    may_report_decision,
    meetings_q,
    pledge_problem,
    user_pledge_valid,
)

# ---------------------------------------------------------------------------
# Bodies, members, pledges: the secretariat's


def bodies_visible_to(user: User) -> QuerySet[MeetingBody]:
    if not can_manage_meetings(user):
        return MeetingBody.objects.none()
    return MeetingBody.objects.all()


def body_get_for_user(*, user: User, pk, need: MeetingNeed = MeetingNeed.VIEW) -> MeetingBody:
    try:
        return bodies_visible_to(user).select_related("chair").get(pk=pk)
    except (MeetingBody.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def member_get_for_user(*, user: User, body: MeetingBody, pk) -> BodyMember:
    """A member, reached through a body the user already passed the check for."""
    try:
        return body.members.select_related("user", "agency").get(pk=pk)
    except (BodyMember.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def pledge_get_for_user(*, user: User, member: BodyMember, pk) -> ConfidentialityPledge:
    try:
        return member.pledges.get(pk=pk)
    except (ConfidentialityPledge.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def handling_get_for_user(*, user: User, body: MeetingBody, pk) -> BodyCaseHandling:
    """Which cases a 支援会議 handles is itself confidential: pledged secretariat only."""
    if user_pledge_valid(user=user, body=body, on=timezone.localdate()) is None:
        raise Http404
    try:
        return body.handlings.select_related("case").get(pk=pk)
    except (BodyCaseHandling.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def body_members_with_pledges(*, body: MeetingBody) -> list[BodyMember]:
    return list(
        body.members.select_related("user", "agency").prefetch_related(
            Prefetch(
                "pledges",
                queryset=ConfidentialityPledge.objects.select_related("recorded_by", "revoked_by"),
            )
        )
    )


def open_handlings(*, user: User, body: MeetingBody) -> QuerySet[BodyCaseHandling]:
    if user_pledge_valid(user=user, body=body, on=timezone.localdate()) is None:
        return BodyCaseHandling.objects.none()
    return body.handlings.filter(ended_at__isnull=True).select_related(
        "case", "case__household", "started_by"
    )


# ---------------------------------------------------------------------------
# Meetings


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    if not can_use_meetings(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(meetings_q(user))


def meeting_get_for_user(*, user: User, pk, need: MeetingNeed = MeetingNeed.VIEW) -> Meeting:
    """The meeting, or 404 when the user may not see it (the same as nonexistent),
    403 when they see it but may not manage it."""
    try:
        meeting = meetings_visible_to(user).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if need == MeetingNeed.MANAGE and not can_manage_meetings(user):
        raise PermissionDenied
    return meeting


def attendee_get_for_user(*, user: User, meeting: Meeting, pk) -> Attendee:
    try:
        return meeting.attendees.select_related("user", "agency", "member").get(pk=pk)
    except (Attendee.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def agenda_item_get_for_user(
    *, user: User, meeting: Meeting, pk, need: MeetingNeed = MeetingNeed.VIEW
) -> AgendaItem:
    """An item of a meeting the user already sees: 404 when gate 1 or 2 hides it from
    them, 403 when they see it but may not manage it."""
    try:
        item = meeting.items.select_related(
            "body", "case", "case__household", "household", "meeting"
        ).get(pk=pk)
    except (AgendaItem.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not item_visible_to(user=user, item=item):
        raise Http404
    if need == MeetingNeed.MANAGE and not can_manage_meetings(user):
        raise PermissionDenied
    return item


def decision_get_for_user(*, user: User, item: AgendaItem, pk) -> Decision:
    try:
        return item.decisions.get(pk=pk)
    except (Decision.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@dataclass
class ItemRow:
    item: AgendaItem
    problems: list[str]

    @property
    def blocked(self) -> bool:
        return bool(self.problems)


@dataclass
class Agenda:
    rows: list[ItemRow] = field(default_factory=list)
    hidden: int = 0  # items this user may not see (gate 2, or gate 1 for attendees)
    blocked: int = 0  # 重層 items refused by gate 1 (left out of papers)


def meeting_agenda(*, user: User, meeting: Meeting) -> Agenda:
    """The items the user may see, each with its gate-1 problems checked now (the stored
    flag may be older than a withdrawal)."""
    agenda = Agenda()
    agencies = attending_agencies(meeting)
    items = meeting.items.select_related(
        "body", "case", "case__household", "household", "meeting", "minutes_recorded_by"
    ).prefetch_related("decisions__assignee_agency")
    for item in items:
        problems = item_consent_problems(item, agencies) if item.body.consent_required else []
        if item.gate_blocked and not problems:
            problems = list(item.gate_reasons)
        if problems:
            agenda.blocked += 1
        if not item_visible_to(user=user, item=item, live_problems=problems):
            agenda.hidden += 1
            continue
        agenda.rows.append(ItemRow(item=item, problems=problems))
    return agenda


@dataclass
class PledgeGap:
    body: MeetingBody
    attendee: Attendee
    reason: str


def pledge_gaps(*, meeting: Meeting) -> list[PledgeGap]:
    """Before the meeting the secretariat sees who lacks a valid pledge for each 支援会議
    body of the meeting (they may not receive its items)."""
    gaps = []
    attendees = list(meeting.attendees.select_related("agency", "member", "user"))
    for body in meeting.bodies.all():
        if not body.confidentiality_duty:
            continue
        for attendee in attendees:
            reason = pledge_problem(
                name=attendee.name,
                pledges=attendee_pledges(attendee=attendee, body=body),
                body=body,
                on=meeting.date,
            )
            if reason:
                gaps.append(PledgeGap(body=body, attendee=attendee, reason=reason))
    return gaps


@dataclass
class ProposalRow:
    """A proposal as the agenda page shows it: whether it may go on now, and why not."""

    proposal: AgendaProposal
    problems: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.problems


DUTY_KINDS = tuple(MeetingBody.LEGAL_PROVISIONS)


def _secretariat_bodies_q(user: User) -> Q:
    """The bodies whose proposals a secretariat user may see: every 重層 body, and a
    支援会議 body only with a valid pledge today (gate 2)."""
    if not can_manage_meetings(user):
        return Q(pk__in=[])
    today = timezone.localdate()
    pledged = [
        body.pk
        for body in MeetingBody.objects.filter(kind__in=DUTY_KINDS)
        if user_pledge_valid(user=user, body=body, on=today) is not None
    ]
    return ~Q(body__kind__in=DUTY_KINDS) | Q(body_id__in=pledged)


def proposals_visible_to(user: User) -> QuerySet[AgendaProposal]:
    """The proposer's own; those about a case the user manages; and, for the
    secretariat, those that reached it under a body it may handle."""
    if not user.is_authenticated or not user.is_active:
        return AgendaProposal.objects.none()
    managed = access_rows_for(user).filter(basis=CaseAccess.Basis.COLLABORATION)
    who = Q(proposed_by_id=user.pk) | Q(case_id__in=managed.values("case_id"))
    if can_manage_meetings(user):
        who |= _secretariat_bodies_q(user) & ~Q(status=AgendaProposal.Status.WITH_COORDINATORS)
    return AgendaProposal.objects.filter(who).select_related(
        "body", "household", "case", "proposed_by", "proposed_agency", "item__meeting"
    )


def proposal_get_for_user(*, user: User, pk) -> AgendaProposal:
    try:
        return proposals_visible_to(user).get(pk=pk)
    except (AgendaProposal.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def proposals_to_decide(*, user: User) -> list[AgendaProposal]:
    """Open proposals of others that this user decides: the case's coordinators for
    those waiting for them, the (pledged) secretariat for those that reached it."""
    return [
        proposal
        for proposal in proposals_visible_to(user)
        .filter(status__in=AgendaProposal.OPEN_STATUSES)
        .exclude(proposed_by_id=user.pk)
        .order_by("proposed_at")
        if may_decide_proposal(actor=user, proposal=proposal)
    ]


def proposals_of(*, user: User, limit: int = 50) -> QuerySet[AgendaProposal]:
    return proposals_visible_to(user).filter(proposed_by=user).order_by("-proposed_at")[:limit]


def proposals_for_agenda(*, user: User, meeting: Meeting, body: MeetingBody) -> list[ProposalRow]:
    """The proposals the secretariat may put on this meeting's agenda under ``body``,
    each with what stops it now (gate 1 on the meeting date for the attending
    agencies), those that may go on first."""
    proposals = proposals_visible_to(user).filter(body=body, status=AgendaProposal.Status.PROPOSED)
    agencies = attending_agencies(meeting)
    rows = []
    for proposal in proposals.order_by("proposed_at"):
        problems = consent_problems(
            meeting=meeting,
            body=body,
            case=proposal.case,
            household=proposal.household,
            agencies=agencies,
        )
        rows.append(ProposalRow(proposal=proposal, problems=problems))
    rows.sort(key=lambda row: not row.allowed)
    return rows


def item_problems(*, item: AgendaItem) -> list[str]:
    """Gate 1 for one item, checked now; the stored reasons if the flag is set."""
    if not item.body.consent_required:
        return []
    return item_consent_problems(item) or (list(item.gate_reasons) if item.gate_blocked else [])


# ---------------------------------------------------------------------------
# 会議資料 (printable papers)


@dataclass
class PaperItem:
    number: int
    item: AgendaItem
    wording: str


@dataclass
class Papers:
    meeting: Meeting
    items: list[PaperItem]
    excluded_consent: int
    excluded_pledge: int
    wordings: list[str]

    @property
    def excluded(self) -> int:
        return self.excluded_consent + self.excluded_pledge


def meeting_papers(*, user: User, meeting: Meeting) -> Papers:
    """The papers as this user may receive them: gate-1 failures and 支援会議 items they
    hold no valid pledge for are left out, and only counted."""
    agencies = attending_agencies(meeting)
    items = meeting.items.select_related(
        "body", "case", "case__household", "household", "meeting"
    ).prefetch_related("decisions__assignee_agency", "case__subjects")
    shown: list[PaperItem] = []
    excluded_consent = excluded_pledge = 0
    wordings: list[str] = []
    for item in items:
        if item.body.consent_required:
            if item.gate_blocked or item_consent_problems(item, agencies):
                excluded_consent += 1
                continue
        elif not item_visible_to(user=user, item=item):
            excluded_pledge += 1
            continue
        wording = item.body.confidentiality_wording if item.body.confidentiality_duty else ""
        if wording and wording not in wordings:
            wordings.append(wording)
        shown.append(PaperItem(number=len(shown) + 1, item=item, wording=wording))
    if not wordings:
        wordings = [body.confidentiality_wording for body in meeting.bodies.all()][:1]
    return Papers(
        meeting=meeting,
        items=shown,
        excluded_consent=excluded_consent,
        excluded_pledge=excluded_pledge,
        wordings=wordings,
    )


def decisions_for_reporter(*, user: User) -> QuerySet[Decision]:
    """The 支援会議 decisions assigned to the user's agency under bodies for which the
    user holds a valid pledge today (gate 2), open ones first."""
    if not user.is_authenticated or not user.is_active or user.agency_id is None:
        return Decision.objects.none()
    today = timezone.localdate()
    pledged = [
        body.pk
        for body in MeetingBody.objects.filter(kind__in=DUTY_KINDS)
        if user_pledge_valid(user=user, body=body, on=today) is not None
    ]
    attending = (
        Q(item__meeting__attendees__user_id=user.pk) if not can_manage_meetings(user) else Q()
    )
    handled = Q(item__case__isnull=True) | Exists(
        BodyCaseHandling.objects.filter(
            body_id=OuterRef("item__body_id"), case_id=OuterRef("item__case_id"), ended_at=None
        )
    )
    return (
        Decision.objects.filter(
            attending, handled, assignee_agency_id=user.agency_id, item__body_id__in=pledged
        )
        .distinct()
        .select_related(
            "item__meeting", "item__body", "item__case__household", "item__household", "reported_by"
        )
        .order_by("done", F("due_on").asc(nulls_last=True), "created_at")
    )


def decisions_to_report(*, user: User) -> list[Decision]:
    """``decisions_for_reporter`` with gate 2 checked row by row on each meeting's date
    (a pledge signed after the meeting does not open what was said there)."""
    return [
        d for d in decisions_for_reporter(user=user) if may_report_decision(user=user, decision=d)
    ]


def decision_get_for_reporter(*, user: User, pk) -> Decision:
    """A decision the user may report on, or 404 (the same as one that does not exist)."""
    decision = decisions_for_reporter(user=user).filter(pk=pk).first()
    if decision is None or not may_report_decision(user=user, decision=decision):
        raise Http404
    return decision
