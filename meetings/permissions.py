"""The rules of the two meetings (DESIGN.md gates 1 and 2), decided in one place.

Services enforce them on every write; selectors use them for every read. Each refusal
is a Japanese sentence naming the person, the date and the rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import CASE_ROLES, Role
from cases.models import Case, Household
from cases.permissions import Need, access_rows_for, case_needs_met
from consent.selectors import meeting_consent_problems
from core.japanese import format_wareki

from .models import (
    AgendaItem,
    AgendaProposal,
    Attendee,
    BodyCaseHandling,
    ConfidentialityPledge,
    Meeting,
    MeetingBody,
    pledge_valid_q,
)


class MeetingNeed(StrEnum):
    VIEW = "view"
    MANAGE = "manage"


def can_manage_meetings(user: User) -> bool:
    """The secretariat runs the bodies, pledges, meetings and agendas."""
    return user.is_authenticated and user.is_active and user.has_role(Role.SECRETARIAT)


def can_use_meetings(user: User) -> bool:
    """Roles that may ever see a meeting: the secretariat and those who work cases (as
    attendees). Managers and administrators see none (only counts, later)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_manage_meetings(user) or bool(user.role_names & CASE_ROLES)


def meetings_q(user: User) -> Q:
    """Meetings the user sees: all of them for the secretariat; otherwise those the user
    attends, for the agency they still belong to (人事異動 ends it)."""
    if can_manage_meetings(user):
        return Q()
    return Q(
        pk__in=Attendee.objects.filter(user_id=user.pk, agency_id=user.agency_id).values(
            "meeting_id"
        )
    )


def attending_agencies(meeting: Meeting) -> list[Agency]:
    ids = set(meeting.attendees.values_list("agency_id", flat=True))
    return list(Agency.objects.filter(pk__in=ids).order_by("name_kana", "name"))


def meetings_attending_agencies(meeting_ids: Iterable) -> dict:
    """``attending_agencies`` of several meetings in one query, by meeting pk."""
    agencies: dict = defaultdict(dict)
    attendees = Attendee.objects.filter(meeting_id__in=set(meeting_ids), agency__isnull=False)
    for attendee in attendees.select_related("agency"):
        agencies[attendee.meeting_id][attendee.agency_id] = attendee.agency
    return {
        meeting_id: sorted(found.values(), key=lambda a: (a.name_kana, a.name))
        for meeting_id, found in agencies.items()
    }


# ---------------------------------------------------------------------------
# Gate 2: confidentiality pledges


def valid_pledges(pledges: QuerySet[ConfidentialityPledge], on: dt.date):
    """Pledges valid on ``on`` (``pledge_valid_q``), the longest-lasting first."""
    return pledges.filter(pledge_valid_q(on)).order_by("-valid_until")


def user_pledges(*, user: User, body: MeetingBody) -> QuerySet[ConfidentialityPledge]:
    return ConfidentialityPledge.objects.filter(member__body=body, member__user_id=user.pk)


def attendee_pledges(*, attendee: Attendee, body: MeetingBody) -> QuerySet[ConfidentialityPledge]:
    """An attendee's pledges for a body: through the member they attend as, or through
    their login's membership of that body (a joint meeting)."""
    who = Q(member_id=attendee.member_id) if attendee.member_id else Q(pk__in=[])
    if attendee.user_id:
        who |= Q(member__user_id=attendee.user_id)
    return ConfidentialityPledge.objects.filter(who, member__body=body)


def attendees_pledges(
    *, attendees: Iterable[Attendee], bodies: Iterable[MeetingBody]
) -> dict[tuple, list[ConfidentialityPledge]]:
    """``attendee_pledges`` for many attendees and bodies in one query, keyed by
    (attendee pk, body pk): the pledges of the member an attendee attends as, or of
    their login's membership of that body."""
    attendees, body_ids = list(attendees), {body.pk for body in bodies}
    member_ids = {a.member_id for a in attendees if a.member_id}
    user_ids = {a.user_id for a in attendees if a.user_id}
    pledges = list(
        ConfidentialityPledge.objects.filter(
            Q(member_id__in=member_ids) | Q(member__user_id__in=user_ids),
            member__body_id__in=body_ids,
        ).select_related("member")
    )
    # Indexed once, so that the cost is the pledges plus the attendees × bodies, not
    # their product with the pledges (a secretariat's home: seconds at a city's scale).
    order = {pledge.pk: index for index, pledge in enumerate(pledges)}
    by_member: dict = defaultdict(list)
    by_user_body: dict = defaultdict(list)
    for pledge in pledges:
        by_member[(pledge.member_id, pledge.member.body_id)].append(pledge)
        if pledge.member.user_id:
            by_user_body[(pledge.member.user_id, pledge.member.body_id)].append(pledge)
    found: dict[tuple, list[ConfidentialityPledge]] = {}
    for attendee in attendees:
        for body_id in body_ids:
            mine = by_member[(attendee.member_id, body_id)] if attendee.member_id else []
            theirs = by_user_body[(attendee.user_id, body_id)] if attendee.user_id else []
            # A pledge of the member they attend as may also be their login's: once,
            # in the order the query gave.
            unique = {p.pk: p for p in mine + theirs}
            found[(attendee.pk, body_id)] = sorted(unique.values(), key=lambda p: order[p.pk])
    return found


def user_pledges_for_bodies(*, user: User, body_ids: Iterable) -> QuerySet[ConfidentialityPledge]:
    """``user_pledges`` for several bodies at once (their ``member`` read with them)."""
    return ConfidentialityPledge.objects.filter(
        member__body_id__in=list(body_ids), member__user_id=user.pk
    ).select_related("member")


def user_pledged_bodies_q(*, user: User, on: dt.date) -> Q:
    """The bodies for which ``user_pledge_valid`` finds a pledge on ``on``, as one
    subquery (for lists of proposals or items across bodies)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(
        pk__in=ConfidentialityPledge.objects.filter(
            pledge_valid_q(on), member__user_id=user.pk
        ).values("member__body_id")
    )


def user_pledge_valid(*, user: User, body: MeetingBody, on: dt.date):
    """The user's best pledge for ``body`` valid on ``on``, or None."""
    if not user.is_authenticated:
        return None
    return valid_pledges(user_pledges(user=user, body=body), on).first()


def pledge_problem(
    *, name: str, pledges: Iterable[ConfidentialityPledge], body: MeetingBody, on: dt.date
) -> str:
    """Why ``name`` may not receive a 支援会議 item of ``body`` on ``on`` ("" when they may)."""
    pledges = list(pledges)
    if any(p.valid_on(on) for p in pledges):
        return ""
    date_text = format_wareki(on)
    if not pledges:
        why = "守秘義務の誓約書が記録されていません"
    elif all(p.revoked_at is not None for p in pledges):
        latest = max(pledges, key=lambda p: p.revoked_at)
        why = f"誓約書が取り消されています（理由: {latest.revoke_reason}）"
    elif any(p.valid_until is not None and p.valid_until < on for p in pledges):
        expired = max(
            (p for p in pledges if p.valid_until is not None and p.valid_until < on),
            key=lambda p: p.valid_until,
        )
        why = f"誓約書の有効期限（{format_wareki(expired.valid_until)}まで）が切れています"
    else:
        why = "誓約書の署名日が会議の日より後です"
    return (
        f"{name}さん：{date_text}の時点で「{body.name}」の{why}。支援会議の議題・資料・議事録は、"
        f"その会議体の有効な誓約書のある出席者だけに示せます（{body.legal_provision}の守秘義務）。"
    )


def user_pledge_problem(*, user: User, body: MeetingBody, on: dt.date) -> str:
    return pledge_problem(
        name=user.display_name,
        pledges=user_pledges(user=user, body=body).select_related("member"),
        body=body,
        on=on,
    )


def is_attendee(*, user: User, meeting: Meeting) -> bool:
    return meeting.attendees.filter(user_id=user.pk, agency_id=user.agency_id).exists()


def may_see_support_item(*, user: User, meeting: Meeting, body: MeetingBody) -> bool:
    """Gate 2: an attendee — or the secretariat — with a valid pledge for the body on the
    meeting date."""
    if not (can_manage_meetings(user) or is_attendee(user=user, meeting=meeting)):
        return False
    return user_pledge_valid(user=user, body=body, on=meeting.date) is not None


def support_items_seen_by(*, user: User, items: Iterable[AgendaItem]) -> set:
    """``may_see_support_item`` for many items at once, in at most two queries whatever
    their number (the 開示請求 draft lists every item of a person): the ids of the
    支援会議 items among ``items`` that gate 2 lets ``user`` see. Each item's meeting and
    body must be loaded. The pledges are judged by ``valid_on``, the Python form of
    ``pledge_valid_q``."""
    items = [item for item in items if item.body.confidentiality_duty]
    if not items or not user.is_authenticated:
        return set()
    meeting_ids = {item.meeting_id for item in items}
    if can_manage_meetings(user):
        attended = meeting_ids
    else:
        attended = set(
            Attendee.objects.filter(
                user_id=user.pk, agency_id=user.agency_id, meeting_id__in=meeting_ids
            ).values_list("meeting_id", flat=True)
        )
    pledges = list(
        ConfidentialityPledge.objects.filter(
            member__user_id=user.pk, member__body_id__in={item.body_id for item in items}
        ).select_related("member")
    )
    return {
        item.pk
        for item in items
        if item.meeting_id in attended
        and any(p.member.body_id == item.body_id and p.valid_on(item.meeting.date) for p in pledges)
    }


def attendee_is_current(attendee: Attendee) -> bool:
    """An attendee with a login receives papers only while that login is active and
    still belongs to the agency they attend for — 人事異動 ends it, as ``meetings_q``
    does for the pages. Someone without a login is named by the secretariat."""
    if attendee.user_id is None:
        return True
    user = attendee.user
    return user.is_active and user.agency_id == attendee.agency_id


def attendee_may_receive_support_item(*, attendee: Attendee, body: MeetingBody) -> bool:
    """Gate 2 for a paper copy: the attendee (login or not) holds a pledge for the body
    valid on the meeting date — through the member they attend as, or their login's
    membership (``attendee_pledges``); the same ``valid_pledges`` rule as for a user."""
    if not attendee_is_current(attendee):
        return False
    pledges = attendee_pledges(attendee=attendee, body=body)
    return valid_pledges(pledges, attendee.meeting.date).exists()


# ---------------------------------------------------------------------------
# Gate 1: consent for 重層的支援会議 items

# What gate 1 reads of an item's or a proposal's case (``meeting_consent_problems``
# reads nothing more when these are prefetched): one query per level for a whole list.
GATE_ONE_PREFETCH = ("case__subjects__consents__agencies",)


def consent_problems(
    *,
    meeting: Meeting,
    body: MeetingBody,
    case: Case | None,
    household: Household | None,
    agencies: list[Agency] | None = None,
) -> list[str]:
    """Why a subject may not be discussed under a consent-requiring body at ``meeting``."""
    if not body.consent_required:
        return []
    if case is None:
        name = household.display_name if household else ""
        return [
            f"{name}さん世帯：{body.name}（重層的支援会議）の議題は、支援決定したケースだけです。"
            "ケースになる前の世帯は支援会議で扱ってください。"
        ]
    if agencies is None:
        agencies = attending_agencies(meeting)
    return meeting_consent_problems(
        case=case, meeting_date=meeting.date, attending_agencies=agencies
    )


def item_consent_problems(item: AgendaItem, agencies: list[Agency] | None = None) -> list[str]:
    """Gate 1 for an item, checked now (consent may have been withdrawn since the
    stored check)."""
    return consent_problems(
        meeting=item.meeting,
        body=item.body,
        case=item.case,
        household=item.household,
        agencies=agencies,
    )


def subject_problems(
    *, meeting: Meeting, body: MeetingBody, case: Case | None, household: Household | None
) -> list[str]:
    """Whether a subject may go on the agenda at all (gate 1 aside)."""
    if body.pk not in {b.pk for b in meeting.bodies.all()}:
        return [f"「{body.name}」はこの会議の会議体ではありません。"]
    if (case is None) == (household is None):
        return ["議題にするケースまたは世帯を1つ選んでください。"]
    on_agenda = meeting.items.filter(body=body)
    if case is not None:
        if case.status == Case.Status.CLOSED:
            return [f"ケース {case.number} は終結しています。"]
        if on_agenda.filter(case=case).exists():
            return [f"ケース {case.number} はすでに「{body.name}」の議題です。"]
        return []
    open_case = household.cases.filter(status__in=Case.OPEN_STATUSES).first()
    if open_case is not None and body.confidentiality_duty:
        return [
            # Never names the case: whoever reads this may not see it.
            f"{household.display_name}さん世帯の状況が申出の後に変わりました。"
            "申出者に、改めて申し出るよう伝えてください。"
        ]
    if on_agenda.filter(household=household).exists():
        return [f"{household.display_name}さん世帯はすでに「{body.name}」の議題です。"]
    return []


def support_items_visible(*, user: User, meeting: Meeting) -> dict:
    """Gate 2 (``may_see_support_item``) for each 支援会議 body of the meeting, asked
    once per body for a page that lists many items."""
    return {
        body.pk: may_see_support_item(user=user, meeting=meeting, body=body)
        for body in meeting.bodies.all()
        if body.confidentiality_duty
    }


def item_visible_to(
    *,
    user: User,
    item: AgendaItem,
    live_problems: list[str] | None = None,
    support_visible: dict | None = None,
):
    """Whether the user may see an item of a meeting they already see.

    支援会議 items: gate 2 (``support_visible``, from ``support_items_visible``, answers
    it for the meeting's bodies when given). 重層 items the gate-1 check refuses are for
    the secretariat only (they must be told why); attendees never see them."""
    meeting = item.meeting
    if item.body.confidentiality_duty:
        if support_visible is not None and item.body_id in support_visible:
            return support_visible[item.body_id]
        return may_see_support_item(user=user, meeting=meeting, body=item.body)
    if can_manage_meetings(user):
        return True
    if live_problems is None:
        live_problems = item_consent_problems(item)
    return not (item.gate_blocked or live_problems)


def may_decide_proposal(*, actor: User, proposal: AgendaProposal) -> bool:
    """The case's coordinators decide a proposal waiting for them; the secretariat (with
    a valid pledge, for a 支援会議 body) decides one that reached it."""
    return bool(proposals_decidable(actor=actor, proposals=[proposal]))


def proposals_decidable(
    *, actor: User, proposals: Iterable[AgendaProposal]
) -> list[AgendaProposal]:
    """Those of ``proposals`` the actor decides (``may_decide_proposal``), in their
    order: the actor's bases on the waiting proposals' cases are read in one query, and
    the pledge once per 支援会議 body."""
    proposals = list(proposals)
    waiting = {p.case_id for p in proposals if p.status == AgendaProposal.Status.WITH_COORDINATORS}
    bases: dict = defaultdict(set)
    if waiting:
        rows = access_rows_for(actor).filter(case_id__in=waiting)
        for case_id, basis in rows.values_list("case_id", "basis"):
            bases[case_id].add(basis)
    pledged: dict = {}

    def decides(proposal: AgendaProposal) -> bool:
        if proposal.status == AgendaProposal.Status.WITH_COORDINATORS:
            return Need.MANAGE in case_needs_met(bases[proposal.case_id])
        if proposal.status == AgendaProposal.Status.PROPOSED:
            if not can_manage_meetings(actor):
                return False
            if proposal.body.confidentiality_duty:
                if proposal.body_id not in pledged:
                    pledged[proposal.body_id] = (
                        user_pledge_valid(user=actor, body=proposal.body, on=timezone.localdate())
                        is not None
                    )
                return pledged[proposal.body_id]
            return True
        return False

    return [proposal for proposal in proposals if decides(proposal)]


def may_report_decision(*, user: User, decision) -> bool:
    """A 支援会議 decision is reported on by the pledged members of the agency it is
    assigned to — gate 2 today, and their only write on the meeting."""
    return bool(decisions_reportable(user=user, decisions=[decision]))


def decisions_reportable(*, user: User, decisions: Iterable) -> list:
    """Those of ``decisions`` the user may report on (``may_report_decision``), in their
    order, for a list: the user's pledges, the meetings they attend and the open
    handlings are each read in one query, whatever the number of decisions."""
    if not user.is_authenticated:
        return []
    decisions = [
        d
        for d in decisions
        if d.item.body.confidentiality_duty
        and d.assignee_agency_id is not None
        and user.agency_id == d.assignee_agency_id
    ]
    # Gate 2 as for the item itself: an attendee (or the secretariat) of that meeting
    # with a pledge valid on its date (``may_see_support_item``; ``valid_on`` is
    # ``pledge_valid_q`` in Python)…
    pledges = list(user_pledges_for_bodies(user=user, body_ids={d.item.body_id for d in decisions}))

    def pledged(body_id, day) -> bool:
        return any(p.member.body_id == body_id and p.valid_on(day) for p in pledges)

    attended = set()
    if decisions and not can_manage_meetings(user):
        attended = set(
            Attendee.objects.filter(
                meeting_id__in={d.item.meeting_id for d in decisions},
                user_id=user.pk,
                agency_id=user.agency_id,
            ).values_list("meeting_id", flat=True)
        )
    seen = {
        (d.item.meeting_id, d.item.body_id): (
            can_manage_meetings(user) or d.item.meeting_id in attended
        )
        and pledged(d.item.body_id, d.item.meeting.date)
        for d in decisions
    }
    # …while the case is still under the body's handling (closing a case ends it)…
    cases = {d.item.case_id for d in decisions if d.item.case_id is not None}
    handled = set()
    if cases:
        handled = set(
            BodyCaseHandling.objects.filter(
                case_id__in=cases,
                body_id__in={d.item.body_id for d in decisions},
                ended_at=None,
            ).values_list("body_id", "case_id")
        )
    # …and with a pledge valid today, since the report is written today.
    today = timezone.localdate()
    return [
        d
        for d in decisions
        if seen[(d.item.meeting_id, d.item.body_id)]
        and (d.item.case_id is None or (d.item.body_id, d.item.case_id) in handled)
        and pledged(d.item.body_id, today)
    ]
