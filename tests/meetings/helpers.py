"""Meeting test data, made through the services as in production (so history rows and
timeline events exist), plus consent records for gate 1."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consent import services as consent_services
from consent.models import Consent
from meetings import services
from meetings.models import AgendaItem, Meeting, MeetingBody

Kind = MeetingBody.Kind


def make_body(actor, *, kind=Kind.SOCIAL_WELFARE_ACT, name=None) -> MeetingBody:
    default = "支援会議" if kind != Kind.GUIDELINE else "重層的支援会議"
    return services.body_create(actor=actor, data={"name": name or default, "kind": kind})


def make_member(actor, body, *, user=None, name="", agency=None, title=""):
    return services.member_add(
        actor=actor, body=body, user=user, name=name, agency=agency, title=title
    )


def pledge(actor, body, user=None, *, member=None, signed_on=None, valid_until=None):
    """A member (created for ``user`` if needed) with a pledge for ``body``."""
    if member is None:
        member = body.members.filter(user=user).first() or make_member(actor, body, user=user)
    return services.pledge_record(
        actor=actor,
        member=member,
        signed_on=signed_on or timezone.localdate() - dt.timedelta(days=30),
        valid_until=valid_until,
    )


def make_meeting(actor, bodies, *, date=None, kind=Meeting.Kind.REGULAR) -> Meeting:
    return services.meeting_create(
        actor=actor,
        bodies=bodies,
        data={"date": date or timezone.localdate(), "kind": kind, "place": "市役所 第1会議室"},
    )


def attend(actor, meeting, *users):
    """Each user attends as a member of one of the meeting's bodies (made a member of
    the first body if they are none yet)."""
    members = []
    for user in users:
        member = None
        for body in meeting.bodies.all():
            member = body.members.filter(user=user).first()
            if member:
                break
        members.append(member or make_member(actor, meeting.bodies.first(), user=user))
    return services.attendees_add_members(actor=actor, meeting=meeting, members=members)


def propose(body, *, case=None, household=None, purpose="sharing", proposer=None):
    """A proposal as it reaches the secretariat: a case by its lead coordinator, a
    household by the window that took its consultation."""
    household = case.household if case is not None else household
    if proposer is None:
        proposer = (
            case.lead_coordinator
            if case is not None
            else household.consultations.order_by("received_at").first().received_by
        )
    return services.proposal_submit(
        actor=proposer, household=household, body=body, purpose=purpose, reason="協議したい"
    )


def add_item(actor, meeting, body, *, case=None, household=None, purpose="sharing") -> AgendaItem:
    """Agendas are built from proposals: propose, then the secretariat accepts."""
    proposal = propose(body, case=case, household=household, purpose=purpose)
    return services.proposal_accept(actor=actor, proposal=proposal, meeting=meeting)


def consent_data(**overrides) -> dict:
    data = {
        "purpose_sharing": False,
        "purpose_meeting": True,
        "purpose_plan": False,
        "method": Consent.Method.WRITTEN,
        "witness": "",
        "obtained_on": timezone.localdate() - dt.timedelta(days=10),
        "valid_until": None,
        "given_by": Consent.GivenBy.SELF,
        "proxy_name": "",
    }
    data.update(overrides)
    return data


def consent(actor, person, agencies, **overrides) -> Consent:
    return consent_services.consent_record(
        actor=actor, person=person, data=consent_data(**overrides), agencies=list(agencies)
    )


def matrix_objects(*, secretariat, coordinator, staff_assigned, case) -> dict[str, dict]:
    """Sample kwargs for the URL × role matrix: a 支援会議 held today, attended by the
    coordinator (pledged) and the assigned agency's staff (no pledge), with the case on
    its agenda, a decision, and the coordinator's scanned pledge."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = make_body(secretariat, name="支援会議（権限表）")
    pledge(secretariat, body, secretariat)
    member = make_member(secretariat, body, user=coordinator)
    given = services.pledge_record(
        actor=secretariat,
        member=member,
        signed_on=timezone.localdate(),
        document=SimpleUploadedFile("seiyaku.pdf", b"%PDF-1.7 test"),
    )
    make_member(secretariat, body, user=staff_assigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator, staff_assigned)
    item = add_item(secretariat, meeting, body, case=case)
    decision = services.decision_add(
        actor=secretariat, item=item, content="訪問する", assignee_name="担当者"
    )
    # A decision the coordinator's agency is assigned: its pledged members report on it.
    assigned = services.decision_add(
        actor=secretariat, item=item, content="見守りを分担", assignee_agency=coordinator.agency
    )
    routed = propose(body, household=case.household, proposer=staff_assigned)
    pending = propose(body, case=case)
    m, b = {"pk": meeting.pk}, {"pk": body.pk}
    pledge_kwargs = {**b, "member_pk": member.pk, "pledge_pk": given.pk}
    return {
        "meetings:meeting_detail": m,
        "meetings:meeting_edit": m,
        "meetings:meeting_attendees": m,
        "meetings:attendee_remove": {**m, "attendee_pk": meeting.attendees.first().pk},
        "meetings:agenda_build": m,
        "meetings:item_detail": {**m, "item_pk": item.pk},
        "meetings:item_remove": {**m, "item_pk": item.pk},
        "meetings:decision_remove": {**m, "item_pk": item.pk, "decision_pk": decision.pk},
        "meetings:decision_report": {"pk": assigned.pk},
        "meetings:issue_add": m,
        "meetings:meeting_recheck": m,
        "meetings:meeting_close": m,
        "meetings:meeting_papers": m,
        "meetings:body_detail": b,
        "meetings:body_edit": b,
        "meetings:member_add": b,
        "meetings:pledge_new": {**b, "member_pk": member.pk},
        "meetings:pledge_revoke": pledge_kwargs,
        "meetings:pledge_document": pledge_kwargs,
        "meetings:handling_end": {**b, "handling_pk": body.handlings.get().pk},
        "meetings:proposal_new": {"household_pk": case.household_id},
        "meetings:proposal_forward": {"pk": routed.pk},
        "meetings:proposal_decline": {"pk": pending.pk},
        "meetings:proposal_withdraw": {"pk": pending.pk},
    }
