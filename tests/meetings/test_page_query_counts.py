"""The meeting pages ask the database the same number of times for one agenda item,
proposal and attendee as for three of each (the benchmark's meeting page grew to 74
queries with its items, and the 重層 agenda's candidates cost 320 queries for 50).

Each test pins the count of the bigger meeting too: a change that adds a query to these
pages must say so here (test settings: second factor on)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.roles import Role
from meetings import selectors
from meetings import services as meeting_services
from tests.factories import make_consultation, member_data, open_case, user_with_role
from tests.meetings.helpers import add_item, attend, consent, make_meeting, pledge, propose

pytestmark = pytest.mark.django_db

_numbers = itertools.count()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def consented_case(coordinator, staff, agencies):
    """A case of two subjects, each with a consent to 重層的支援会議 covering ``agencies``
    (none when ``agencies`` is empty)."""
    n = next(_numbers)
    consultation = make_consultation(
        actor=staff,
        members=[
            member_data(family_name=f"会議{n}"),
            member_data(family_name=f"会議{n}", given_name="花子", relation="spouse"),
        ],
    )
    case = open_case(consultation, actor=coordinator)
    for person in consultation.household.members.all():
        case.subjects.add(person)
        if agencies:
            consent(coordinator, person, agencies)
    return case


@pytest.fixture
def world(
    secretariat, coordinator, staff_assigned, hub, assigned_agency, consent_body, support_body
):
    pledge(secretariat, support_body, coordinator)
    meeting = make_meeting(secretariat, [consent_body, support_body])
    attend(secretariat, meeting, coordinator, staff_assigned)

    def grow():
        """One more of everything the pages list: a 重層 item and a 支援会議 item on a
        consented case, each with a decision; a 支援会議 item on a household not yet a
        case; a proposal waiting under each body; an attendee (pledged or not), and a
        proposal waiting for the coordinators."""
        agencies = [hub, assigned_agency]
        on_agenda = consented_case(coordinator, staff_assigned, agencies)
        for body in (consent_body, support_body):
            item = add_item(secretariat, meeting, body, case=on_agenda)
            meeting_services.decision_add(
                actor=secretariat, item=item, content="見守り", assignee_agency=assigned_agency
            )
        household = make_consultation(
            actor=staff_assigned, members=[member_data(family_name=f"世帯{next(_numbers)}")]
        ).household
        add_item(secretariat, meeting, support_body, household=household)
        waiting = consented_case(coordinator, staff_assigned, agencies)
        propose(consent_body, case=waiting)
        propose(support_body, case=waiting)
        propose(consent_body, household=waiting.household, proposer=staff_assigned)
        propose(consent_body, case=consented_case(coordinator, staff_assigned, []))
        colleague = user_with_role(
            Role.AGENCY_STAFF, agency=assigned_agency, username=f"colleague{next(_numbers)}"
        )
        attend(secretariat, meeting, colleague)
        if next(_numbers) % 2:
            pledge(secretariat, support_body, colleague)

    return {"meeting": meeting, "grow": grow}


# url name → persona → the count of the bigger meeting.
PINNED = {
    "detail": {"secretariat": 27, "coordinator": 25, "staff_assigned": 25},
    "agenda_consent": {"secretariat": 28},
    "agenda_support": {"secretariat": 29},
    "proposals": {"secretariat": 11, "coordinator": 11},
    # The coordinator's newest and waiting consultations are read from each way in
    # (own window, handed by outcome, by sheet, on a case), each index-driven: a few
    # fixed queries more than one OR that filtered the whole city.
    "home": {"secretariat": 15, "coordinator": 30},
}


def test_the_meeting_pages_are_constant_in_items_proposals_and_attendees(
    world, login, secretariat, coordinator, staff_assigned, consent_body, support_body
):
    meeting = world["meeting"]
    agenda = reverse("meetings:agenda_build", args=[meeting.pk])
    urls = {
        "detail": reverse("meetings:meeting_detail", args=[meeting.pk]),
        "agenda_consent": f"{agenda}?body={consent_body.pk}",
        "agenda_support": f"{agenda}?body={support_body.pk}",
        "proposals": reverse("meetings:proposal_list"),
        "home": reverse("home"),
    }
    users = {
        "secretariat": secretariat,
        "coordinator": coordinator,
        "staff_assigned": staff_assigned,
    }

    def counts():
        return {
            page: {name: queries(login(users[name]), urls[page]) for name in personas}
            for page, personas in PINNED.items()
        }

    world["grow"]()
    few = counts()
    world["grow"]()
    world["grow"]()
    assert meeting.items.count() == 9 and meeting.attendees.count() == 5
    many = counts()
    assert many == few
    assert many == PINNED


def test_the_agenda_and_the_candidates_show_what_they_showed(
    world, secretariat, coordinator, staff_assigned, consent_body, support_body
):
    """Gate 1 on each candidate and gates 1 and 2 on each item, asked for the whole list
    at once, answer as they did one by one."""
    world["grow"]()
    world["grow"]()
    meeting = world["meeting"]
    rows = selectors.proposals_for_agenda(user=secretariat, meeting=meeting, body=consent_body)
    assert [row.allowed for row in rows] == [True, True, False, False]
    assert all("同意が記録されていません" in row.problems[0] for row in rows[2:])
    for user, shown, hidden in ((secretariat, 6, 0), (coordinator, 6, 0), (staff_assigned, 2, 4)):
        agenda = selectors.meeting_agenda(user=user, meeting=meeting)
        assert (len(agenda.rows), agenda.hidden, agenda.blocked) == (shown, hidden, 0)
    assert {
        row.item.body_id
        for row in selectors.meeting_agenda(user=staff_assigned, meeting=meeting).rows
    } == {consent_body.pk}
    gaps = selectors.pledge_gaps(meeting=meeting)
    assert sorted(gap.attendee.name for gap in gaps) == sorted(
        a.name for a in meeting.attendees.all() if a.user_id not in _pledged(support_body)
    )
    assert staff_assigned.display_name in {gap.attendee.name for gap in gaps}


def _pledged(body) -> set:
    return {member.user_id for member in body.members.filter(pledges__isnull=False)}


MY_DECISIONS = {"staff_assigned": 13, "coordinator": 10}


def test_my_decisions_is_constant_in_decisions_and_meetings(
    secretariat, coordinator, staff_assigned, assigned_agency, support_body, case, login
):
    """支援会議の決定事項 for 1 meeting's decisions against 3 meetings' (gate 2 is asked on
    each meeting's date): the pledged staff of the assigned agency see exactly the
    decisions assigned to it, at meetings they attended, while the case is handled."""
    import datetime as dt

    from django.utils import timezone

    pledge(
        secretariat,
        support_body,
        staff_assigned,
        signed_on=timezone.localdate() - dt.timedelta(days=90),
    )
    shown = []

    def hold_meeting(days_ago):
        meeting = make_meeting(
            secretariat, [support_body], date=timezone.localdate() - dt.timedelta(days=days_ago)
        )
        attend(secretariat, meeting, coordinator, staff_assigned)
        item = add_item(secretariat, meeting, support_body, case=case)
        for content in ("見守り", "訪問"):
            shown.append(
                meeting_services.decision_add(
                    actor=secretariat, item=item, content=content, assignee_agency=assigned_agency
                )
            )
        meeting_services.decision_add(
            actor=secretariat, item=item, content="調整役が連絡", assignee_name="調整役"
        )

    url = reverse("meetings:my_decisions")
    users = {"staff_assigned": staff_assigned, "coordinator": coordinator}
    hold_meeting(30)
    few = {name: queries(login(user), url) for name, user in users.items()}
    hold_meeting(20)
    hold_meeting(10)
    unattended = make_meeting(secretariat, [support_body])
    other = add_item(secretariat, unattended, support_body, case=case)
    meeting_services.decision_add(
        actor=secretariat, item=other, content="出席していない会議", assignee_agency=assigned_agency
    )
    many = {name: queries(login(user), url) for name, user in users.items()}
    assert many == few
    assert many == MY_DECISIONS
    assert sorted(d.pk for d in selectors.decisions_to_report(user=staff_assigned)) == sorted(
        d.pk for d in shown
    )
    assert selectors.decisions_to_report(user=coordinator) == []


MEETING_LIST = {"secretariat": 11, "coordinator": 11}


def test_the_meeting_list_is_constant_in_meetings(
    secretariat, coordinator, consent_body, support_body, login
):
    """会議一覧 with 2 meetings (one held jointly) against 6."""
    url = reverse("meetings:meeting_list")
    users = {"secretariat": secretariat, "coordinator": coordinator}
    attended, others = [], []

    def hold(n):
        for _ in range(n):
            meeting = make_meeting(secretariat, [consent_body, support_body])
            attend(secretariat, meeting, coordinator)
            attended.append(meeting)
            others.append(make_meeting(secretariat, [support_body]))

    hold(1)
    few = {name: queries(login(user), url) for name, user in users.items()}
    hold(2)
    many = {name: queries(login(user), url) for name, user in users.items()}
    page = login(coordinator).get(url).content.decode()
    detail = "meetings:meeting_detail"
    assert all(reverse(detail, args=[m.pk]) in page for m in attended)
    assert not any(reverse(detail, args=[m.pk]) in page for m in others)
    assert many == few
    assert many == MEETING_LIST
