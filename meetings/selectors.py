"""Every read of meetings that depends on who asks. Meetings and their papers are 非公開:
an object the user may not see answers 404, the same as one that does not exist."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import User
from cases.masking import (
    CONSULTER_MASK_TEXT,
    MASK_TEXT,
    Masking,
    consulter_printable,
    masking_for_print,
)
from cases.models import (
    CaseAccess,
    Consultation,
    Person,
    PlanTask,
    SupportPlan,
    SupportRecord,
)
from cases.permissions import access_rows_for
from cases.selectors import current_plan, in_member_order, printable_records
from consent.models import Consent
from consent.selectors import covered_agency_names, person_consent_state

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
    GATE_ONE_PREFETCH,
    MeetingNeed,
    attendee_is_current,
    attendee_may_receive_support_item,
    attendees_pledges,
    attending_agencies,
    can_manage_meetings,
    can_use_meetings,
    consent_problems,
    decisions_reportable,
    item_consent_problems,
    item_visible_to,
    may_report_decision,
    may_see_support_item,
    meetings_q,
    pledge_problem,
    proposals_decidable,
    support_items_visible,
    user_pledge_valid,
    user_pledged_bodies_q,
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


def meeting_attendees(*, meeting: Meeting) -> QuerySet[Attendee]:
    """The attendees as the meeting's pages list them, with the body each member
    attendee belongs to."""
    return meeting.attendees.select_related("agency", "member__body", "user")


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
    support_visible = support_items_visible(user=user, meeting=meeting)
    items = meeting.items.select_related(
        "body", "case", "case__household", "household", "meeting", "minutes_recorded_by"
    ).prefetch_related("decisions__assignee_agency", *GATE_ONE_PREFETCH)
    for item in items:
        problems = item_consent_problems(item, agencies) if item.body.consent_required else []
        if item.gate_blocked and not problems:
            problems = list(item.gate_reasons)
        if problems:
            agenda.blocked += 1
        if not item_visible_to(
            user=user, item=item, live_problems=problems, support_visible=support_visible
        ):
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
    return meetings_pledge_gaps(meetings=[meeting])[meeting.pk]


def meetings_pledge_gaps(*, meetings: list[Meeting]) -> dict:
    """``pledge_gaps`` of several meetings, by meeting pk: their attendees in one query
    and the attendees' pledges in another, whatever the number of attendees."""
    attendees: dict = defaultdict(list)
    for attendee in Attendee.objects.filter(meeting__in=meetings).select_related(
        "agency", "member", "user"
    ):
        attendees[attendee.meeting_id].append(attendee)
    duty_bodies = {
        meeting.pk: [body for body in meeting.bodies.all() if body.confidentiality_duty]
        for meeting in meetings
    }
    pledges = attendees_pledges(
        attendees=[a for m in meetings if duty_bodies[m.pk] for a in attendees[m.pk]],
        bodies={body for bodies in duty_bodies.values() for body in bodies},
    )
    gaps: dict = {}
    for meeting in meetings:
        gaps[meeting.pk] = []
        for body in duty_bodies[meeting.pk]:
            for attendee in attendees[meeting.pk]:
                reason = pledge_problem(
                    name=attendee.name,
                    pledges=pledges[(attendee.pk, body.pk)],
                    body=body,
                    on=meeting.date,
                )
                if reason:
                    gaps[meeting.pk].append(PledgeGap(body=body, attendee=attendee, reason=reason))
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
    pledged = MeetingBody.objects.filter(
        user_pledged_bodies_q(user=user, on=timezone.localdate()), kind__in=DUTY_KINDS
    )
    return ~Q(body__kind__in=DUTY_KINDS) | Q(body_id__in=pledged.values("pk"))


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
    return proposals_decidable(
        actor=user,
        proposals=proposals_visible_to(user)
        .filter(status__in=AgendaProposal.OPEN_STATUSES)
        .exclude(proposed_by_id=user.pk)
        .order_by("proposed_at"),
    )


def proposals_of(*, user: User, limit: int = 50) -> QuerySet[AgendaProposal]:
    return proposals_visible_to(user).filter(proposed_by=user).order_by("-proposed_at")[:limit]


def proposals_for_agenda(*, user: User, meeting: Meeting, body: MeetingBody) -> list[ProposalRow]:
    """The proposals the secretariat may put on this meeting's agenda under ``body``,
    each with what stops it now (gate 1 on the meeting date for the attending
    agencies), those that may go on first."""
    proposals = proposals_visible_to(user).filter(body=body, status=AgendaProposal.Status.PROPOSED)
    agencies = attending_agencies(meeting)
    rows = []
    for proposal in proposals.prefetch_related(*GATE_ONE_PREFETCH).order_by("proposed_at"):
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
# 会議資料: the printable page and the PDF packet read the same selector, so gates 1
# and 2 and what paper may carry are decided once.

# What the meeting is asked to decide, by purpose; the proposer's own words follow.
QUESTIONS = {
    AgendaItem.Purpose.SHARING: "世帯の状況を共有し、見守りと今後の関わり方を確認してください。",
    AgendaItem.Purpose.PLAN: "支援プラン（目標と役割分担）が適切か協議してください。",
    AgendaItem.Purpose.EVALUATION: "支援の経過と成果を評価し、プランを見直すか判断してください。",
    AgendaItem.Purpose.CLOSURE: "終結または中断としてよいか判断してください。",
    AgendaItem.Purpose.ROLES: "どの機関が何を担うか、役割分担を決めてください。",
    AgendaItem.Purpose.RESOURCES: (
        "不足している社会資源を確かめ、地域課題として取り上げるか判断してください。"
    ),
}

# How many 支援経過 a paper copy carries: the latest, enough to see where things stand.
RECENT_RECORDS = 5


@dataclass(frozen=True)
class MemberLine:
    name: str
    kana: str
    relation: str
    age: str
    subject: bool
    issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultationLine:
    received_at: dt.datetime
    agency: str
    channel: str
    consulter: str
    main_issue: str
    summary: str


@dataclass(frozen=True)
class ConsentLine:
    name: str
    states: tuple[tuple[str, str], ...]  # (目的, 状態) on the meeting date
    sharing_agencies: tuple[str, ...]  # whom a valid 情報共有 consent covers


@dataclass
class CaseContent:
    """What a paper copy says about an item's household. Built for paper whoever
    reads it: DV-masked contacts stay masked, no 通報者・相談者 of a 虐待 consultation, no
    閲覧制限 or cancelled record (DESIGN.md)."""

    address: str
    phone: str
    members: list[MemberLine]
    issues: list[str]
    consultations: list[ConsultationLine]
    situation: str = ""
    risks: str = ""
    consents: list[ConsentLine] = field(default_factory=list)
    plan: SupportPlan | None = None
    tasks: list[PlanTask] = field(default_factory=list)
    records: list[SupportRecord] = field(default_factory=list)


@dataclass
class PaperItem:
    number: int
    item: AgendaItem
    wording: str
    content: CaseContent | None = None
    question: str = ""
    request: str = ""  # 協議したいこと, as the proposer wrote it


@dataclass(frozen=True)
class AttendeeLine:
    """An attendee on the cover, with the 支援会議 bodies whose material they may
    receive (a valid pledge on the meeting date) and those they may not."""

    attendee: Attendee
    current: bool
    pledged: tuple[MeetingBody, ...] = ()
    unpledged: tuple[MeetingBody, ...] = ()

    @property
    def receives_support_material(self) -> bool | None:
        """None when the meeting has no 支援会議 body."""
        if not (self.pledged or self.unpledged):
            return None
        return self.current and not self.unpledged


@dataclass
class Papers:
    meeting: Meeting
    items: list[PaperItem]
    excluded_consent: int
    excluded_pledge: int
    wordings: list[str]
    lines: list[str] = field(default_factory=list)
    attendees: list[AttendeeLine] = field(default_factory=list)
    excluded_recipient: int = 0  # an attendee whose login moved or ended

    @property
    def excluded(self) -> int:
        return self.excluded_consent + self.excluded_pledge + self.excluded_recipient

    @property
    def marks_support(self) -> bool:
        """Whether the cover marks who may receive 支援会議 material."""
        return any(line.receives_support_material is not None for line in self.attendees)

    @property
    def item_ids(self) -> tuple:
        return tuple(entry.item.pk for entry in self.items)

    @property
    def line(self) -> str:
        """Every page's line: that of each body whose items these papers hold."""
        return "　／　".join(self.lines)


@dataclass
class _Candidate:
    item: AgendaItem
    refused_by_consent: bool
    content: CaseContent | None


def _papers_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """Every item with all a paper copy shows, in a fixed number of queries whatever
    the number of items (the packet of a 20-case meeting goes to 15 people)."""
    members = in_member_order(Person.objects.all())
    consultations = (
        Consultation.objects.select_related("main_issue", "receiving_agency")
        .prefetch_related("issues")
        .order_by("received_at")
    )
    recent = printable_records(SupportRecord.objects.select_related("agency")).order_by(
        "-occurred_on", "-created_at"
    )[:RECENT_RECORDS]
    plans = SupportPlan.objects.prefetch_related(
        Prefetch("tasks", queryset=PlanTask.objects.select_related("agency"))
    )
    return meeting.items.select_related(
        "body", "case__household", "household", "meeting", "proposal", "case__assessment"
    ).prefetch_related(
        "decisions__assignee_agency",
        Prefetch("case__subjects", queryset=Person.objects.order_by("created_at")),
        "case__subjects__consents__agencies",
        Prefetch("case__household__members", queryset=members),
        Prefetch("household__members", queryset=members),
        Prefetch("case__consultations", queryset=consultations),
        Prefetch("household__consultations", queryset=consultations),
        "case__assessment__members__issues",
        Prefetch("case__plans", queryset=plans),
        Prefetch("case__records", queryset=recent, to_attr="recent_printable_records"),
    )


def _related_or_none(obj, name: str):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _consulter_text(consultation: Consultation) -> str:
    if not consulter_printable(consultation):
        return CONSULTER_MASK_TEXT
    parts = [consultation.get_consulter_display(), consultation.consulter_name]
    text = "　".join(part for part in parts if part)
    if consultation.consulter_relation:
        text += f"（{consultation.consulter_relation}）"
    return text


def _issue_order(issue) -> tuple:
    return (issue.sort_order, issue.name)


def _case_content(item: AgendaItem, masking: Masking) -> CaseContent:
    meeting_date = item.meeting.date
    case = item.case
    household = case.household if case is not None else item.household
    consultations = list((case or household).consultations.all())
    assessment = _related_or_none(case, "assessment") if case is not None else None
    member_issues = (
        {row.person_id: tuple(i.name for i in row.issues.all()) for row in assessment.members.all()}
        if assessment is not None
        else {}
    )
    subjects = list(case.subjects.all()) if case is not None else []
    subject_ids = {person.pk for person in subjects}
    members = [
        MemberLine(
            name=person.full_name,
            kana=person.full_name_kana,
            relation=person.get_relation_display(),
            age=person.age_text(meeting_date) or "不明",
            subject=person.pk in subject_ids,
            issues=member_issues.get(person.pk, ()),
        )
        for person in household.members.all()
    ]
    # The main issues first, then the rest as the master list orders them.
    mains = {c.main_issue for c in consultations}
    others = {issue for c in consultations for issue in c.issues.all()} - mains
    issues = [f"{i.name}（主）" for i in sorted(mains, key=_issue_order)]
    issues += [i.name for i in sorted(others, key=_issue_order)]
    if masking.household_masked(household.pk):
        address = MASK_TEXT
    else:
        postal = f"〒{household.postal_code} " if household.postal_code else ""
        address = f"{postal}{household.address}".strip()
    content = CaseContent(
        address=address or "—",
        phone=masking.value(household, "phone") or "—",
        members=members,
        issues=issues,
        consultations=[
            ConsultationLine(
                received_at=c.received_at,
                agency=str(c.receiving_agency),
                channel=c.get_channel_display(),
                consulter=_consulter_text(c),
                main_issue=str(c.main_issue),
                summary=c.summary,
            )
            for c in consultations
        ],
    )
    if case is None:
        return content
    if assessment is not None:
        content.situation = assessment.household_situation
        content.risks = assessment.risks
    labels = dict(Consent.Purpose.choices)
    states = dict(Consent.State.choices)
    content.consents = [
        ConsentLine(
            name=person.full_name,
            states=tuple(
                (labels[purpose], states[state])
                for purpose, state in person_consent_state(person=person, on=meeting_date).items()
            ),
            sharing_agencies=tuple(covered_agency_names(person=person, on=meeting_date)),
        )
        for person in subjects
    ]
    content.plan = current_plan(case=case)
    if content.plan is not None:
        content.tasks = list(content.plan.tasks.all())
    # The latest few, told oldest first like the 経過一覧.
    content.records = list(reversed(case.recent_printable_records))
    return content


def _candidates(meeting: Meeting) -> list[_Candidate]:
    """Every item with gate 1 checked now on the meeting date for the attending
    agencies (the stored flag may be older than a withdrawal), and its content."""
    agencies = attending_agencies(meeting)
    items = list(_papers_items(meeting))
    masking = masking_for_print(
        households=[item.case.household if item.case_id else item.household for item in items]
    )
    candidates = []
    for item in items:
        refused = item.body.consent_required and (
            item.gate_blocked or bool(item_consent_problems(item, agencies))
        )
        content = None if refused else _case_content(item, masking)
        candidates.append(_Candidate(item=item, refused_by_consent=refused, content=content))
    return candidates


def _attendee_lines(meeting: Meeting, attendees: list[Attendee]) -> list[AttendeeLine]:
    duty_bodies = [body for body in meeting.bodies.all() if body.confidentiality_duty]
    lines = []
    for attendee in attendees:
        current = attendee_is_current(attendee)
        pledged = tuple(
            body
            for body in duty_bodies
            if current and attendee_may_receive_support_item(attendee=attendee, body=body)
        )
        unpledged = tuple(body for body in duty_bodies if body not in pledged)
        lines.append(
            AttendeeLine(attendee=attendee, current=current, pledged=pledged, unpledged=unpledged)
        )
    return lines


def _assemble(
    meeting: Meeting,
    candidates: list[_Candidate],
    attendees: list[AttendeeLine],
    *,
    receives: Callable[[AgendaItem], bool],
    current: bool = True,
) -> Papers:
    shown: list[PaperItem] = []
    excluded_consent = excluded_pledge = excluded_recipient = 0
    wordings: list[str] = []
    lines: list[str] = []
    for candidate in candidates:
        item = candidate.item
        if candidate.refused_by_consent:
            excluded_consent += 1
            continue
        if not current:
            excluded_recipient += 1
            continue
        if not receives(item):
            excluded_pledge += 1
            continue
        body = item.body
        wording = body.confidentiality_wording if body.confidentiality_duty else ""
        if wording and wording not in wordings:
            wordings.append(wording)
        if body.confidentiality_line not in lines:
            lines.append(body.confidentiality_line)
        proposal = _related_or_none(item, "proposal")
        shown.append(
            PaperItem(
                number=len(shown) + 1,
                item=item,
                wording=wording,
                content=candidate.content,
                question=QUESTIONS.get(item.purpose, ""),
                request=proposal.reason if proposal is not None else "",
            )
        )
    bodies = list(meeting.bodies.all())
    if not wordings:
        wordings = [body.confidentiality_wording for body in bodies][:1]
    if not lines:
        lines = list(dict.fromkeys(body.confidentiality_line for body in bodies))
    return Papers(
        meeting=meeting,
        items=shown,
        excluded_consent=excluded_consent,
        excluded_pledge=excluded_pledge,
        excluded_recipient=excluded_recipient,
        wordings=wordings,
        lines=lines,
        attendees=attendees,
    )


def _attendees(meeting: Meeting) -> list[Attendee]:
    return list(meeting.attendees.select_related("agency", "member", "user"))


def meeting_papers(
    *, meeting: Meeting, user: User | None = None, attendee: Attendee | None = None
) -> Papers:
    """The papers as one recipient may receive them — a user reading the page, or an
    attendee (login or not) receiving a paper copy. Gate 1 failures and 支援会議 items
    the recipient holds no valid pledge for are left out, and only counted.

    Gate 2 for a user is ``may_see_support_item``; for an attendee it is
    ``attendee_may_receive_support_item``: both the one ``valid_pledges`` rule."""
    if (user is None) == (attendee is None):
        raise TypeError("meeting_papers: a user or an attendee, exactly one")
    candidates = _candidates(meeting)
    lines = _attendee_lines(meeting, _attendees(meeting))
    if attendee is not None:
        line = next((line for line in lines if line.attendee.pk == attendee.pk), None)
        if line is None:
            raise ValueError("meeting_papers: the attendee is not one of this meeting")
        return _papers_for_attendee(meeting, candidates, lines, line)
    allowed: dict = {}

    def receives(item: AgendaItem) -> bool:
        if not item.body.confidentiality_duty:
            return True
        if item.body_id not in allowed:
            allowed[item.body_id] = may_see_support_item(user=user, meeting=meeting, body=item.body)
        return allowed[item.body_id]

    return _assemble(meeting, candidates, lines, receives=receives)


def _papers_for_attendee(
    meeting: Meeting, candidates: list[_Candidate], lines: list[AttendeeLine], line: AttendeeLine
) -> Papers:
    pledged = {body.pk for body in line.pledged}

    def receives(item: AgendaItem) -> bool:
        return not item.body.confidentiality_duty or item.body_id in pledged

    return _assemble(meeting, candidates, lines, receives=receives, current=line.current)


def packet_recipients(*, meeting: Meeting) -> list[tuple[Attendee, Papers]]:
    """The attendees who may receive at least one item, each with their papers — a
    支援会議's only to attendees with a valid pledge; at a joint meeting each copy holds
    only the items its recipient may receive. The items are read once for all."""
    candidates = _candidates(meeting)
    lines = _attendee_lines(meeting, _attendees(meeting))
    recipients = []
    for line in lines:
        papers = _papers_for_attendee(meeting, candidates, lines, line)
        if papers.items:
            recipients.append((line.attendee, papers))
    return recipients


def decisions_for_reporter(*, user: User) -> QuerySet[Decision]:
    """The 支援会議 decisions assigned to the user's agency under bodies for which the
    user holds a valid pledge today (gate 2), open ones first."""
    if not user.is_authenticated or not user.is_active or user.agency_id is None:
        return Decision.objects.none()
    today = timezone.localdate()
    pledged = MeetingBody.objects.filter(
        user_pledged_bodies_q(user=user, on=today), kind__in=DUTY_KINDS
    ).values("pk")
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
    return decisions_reportable(user=user, decisions=decisions_for_reporter(user=user))


def decision_get_for_reporter(*, user: User, pk) -> Decision:
    """A decision the user may report on, or 404 (the same as one that does not exist)."""
    decision = decisions_for_reporter(user=user).filter(pk=pk).first()
    if decision is None or not may_report_decision(user=user, decision=decision):
        raise Http404
    return decision
