"""The case pages ask the database the same number of times whatever the size of the
case: its timeline, subjects, consents, records, consultations, grants and 参加支援.

Each test builds the page small, then three times (or ten times) bigger, and pins the
count of the bigger one too: a change that adds a query to these pages must say so here.
(The benchmark's case of 181 events cost 119 queries, 102 of them one agency per event.)
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from agencies.services import resource_save
from cases import services
from cases.models import CaseEvent
from cases.services import outreach, participation, plans, support
from tests.factories import (
    AgencyFactory,
    close_case,
    make_consent,
    make_consultation,
    member_data,
)

pytestmark = pytest.mark.django_db

_numbers = itertools.count()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def grow(case, *, coordinator, staff, agency, records: int) -> None:
    """One more of everything the case page lists, and ``records`` 支援経過 (each one a
    timeline event by an actor whose agency the timeline names)."""
    n = next(_numbers)
    person = services.person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name=f"子{n}", given_name_kana="こ"), "relation": "child"},
    )
    case.subjects.add(person)
    department = AgencyFactory(name=f"生活福祉課{n}", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    for subject in case.subjects.filter(consents__isnull=True):
        make_consent(actor=coordinator, person=subject, agencies=[agency, department])
    services.case_access_grant(actor=coordinator, case=case, agency=department, reason="生活保護")
    make_consultation(actor=staff, household=case.household)
    resource = resource_save(actor=coordinator, data={"name": f"商店{n}", "kind": "business"})
    participation.participation_add(
        actor=staff,
        case=case,
        person=person,
        resource=resource,
        started_on=timezone.localdate(),
    )
    plan = plans.plan_in_progress(case) or plans.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "安心",
            "short_term_goal": "通院",
            "urgent": True,
            "monitoring_on": timezone.localdate() + dt.timedelta(days=30),
        },
    )
    plans.plan_task_add(actor=coordinator, plan=plan, agency=agency, content=f"見守り{n}")
    for i in range(records):
        support.support_record_add(
            actor=staff if i % 2 else coordinator,
            case=case,
            occurred_on=timezone.localdate(),
            kind="visit",
            content=f"訪問{n}-{i}",
            restricted=i % 3 == 0,
        )


# The counts of the bigger case, per page and persona (test settings: second factor on).
CASE_DETAIL = {"coordinator": 33, "staff_assigned": 30}


def test_the_case_page_is_constant_in_its_timeline_and_rows(
    case, coordinator, staff_assigned, assigned_agency, login
):
    """Under 20 events against over 60, 2 subjects against 4, one
    against three of every other row."""
    url = reverse("cases:case_detail", args=[case.pk])
    people = {"coordinator": coordinator, "staff_assigned": staff_assigned}
    kwargs = {"coordinator": coordinator, "staff": staff_assigned, "agency": assigned_agency}
    grow(case, **kwargs, records=1)
    assert case.events.count() < 20
    few = {name: queries(login(user), url) for name, user in people.items()}
    grow(case, **kwargs, records=20)
    grow(case, **kwargs, records=20)
    assert case.events.count() > 60 and case.subjects.count() == 4
    assert case.events.exclude(actor__agency=assigned_agency).exists()
    many = {name: queries(login(user), url) for name, user in people.items()}
    assert many == few
    assert many == CASE_DETAIL


def test_the_case_page_shows_what_it_showed(
    case, coordinator, staff_assigned, assigned_agency, login
):
    """The rows the counts above are about are on the page, and 「同意を記録」 is offered to
    whoever manages every open case of the person, and to nobody else."""
    grow(case, coordinator=coordinator, staff=staff_assigned, agency=assigned_agency, records=2)
    url = reverse("cases:case_detail", args=[case.pk])
    page = login(coordinator).get(url).content.decode()
    subjects = list(case.subjects.all())
    for person in subjects:
        assert reverse("consent:consent_new", args=[case.household_id, person.pk]) in page
    event = case.events.filter(kind=CaseEvent.Kind.RECORD_ADDED).first()
    assert f"{event.actor.display_name}（{event.actor.agency}）" in page
    assert "生活保護" not in page  # the grant's reason is in its history, not the list
    assert "生活福祉課" in page and "商店" in page
    page = login(staff_assigned).get(url).content.decode()
    assert reverse("consent:consent_new", args=[case.household_id, subjects[0].pk]) not in page


CASE_HISTORY = {"coordinator": 20, "staff_assigned": 20}


def test_the_history_page_is_constant_in_changes(
    case, coordinator, staff_assigned, assigned_agency, other_agency, login
):
    """変更履歴 of 1 change against 3 of each kind: the case's 主担当機関 (a foreign key
    the diff names), a member's contact, access grants (a line per agency)."""
    url = reverse("cases:case_history", args=[case.pk])
    people = {"coordinator": coordinator, "staff_assigned": staff_assigned}
    agencies = itertools.cycle([other_agency, assigned_agency])

    def change():
        fresh = type(case).objects.get(pk=case.pk)
        services.case_update(
            actor=coordinator,
            case=fresh,
            data={"main_agency": next(agencies)},
            expected_version=fresh.version,
        )
        person = case.subjects.get(relation="self")
        services.person_update(
            actor=coordinator,
            person=person,
            data={"notes": f"メモ{next(_numbers)}"},
            expected_version=person.version,
        )
        department = AgencyFactory(
            name=f"福祉課{next(_numbers)}", kind=Agency.Kind.MUNICIPAL_DEPARTMENT
        )
        services.case_access_grant(actor=coordinator, case=case, agency=department, reason="照会")

    change()
    few = {name: queries(login(user), url) for name, user in people.items()}
    change()
    change()
    page = login(coordinator).get(url).content.decode()
    assert page.count("閲覧権限（福祉課") >= 3 and "主担当機関" in page
    many = {name: queries(login(user), url) for name, user in people.items()}
    assert many == few
    assert many == CASE_HISTORY


HOUSEHOLD_DETAIL = {"coordinator": 28, "staff_assigned": 21}


def test_the_household_page_is_constant_in_members_consultations_and_outreach(
    case, coordinator, staff_assigned, login
):
    """世帯の詳細 with 2 members, consultations and engagements against 6 of each."""
    household = case.household
    url = reverse("cases:household_detail", args=[household.pk])
    people = {"coordinator": coordinator, "staff_assigned": staff_assigned}

    def grow(n):
        for _ in range(n):
            number = next(_numbers)
            services.person_add(
                actor=coordinator,
                household=household,
                data={
                    **member_data(given_name=f"孫{number}", given_name_kana="まご"),
                    "relation": "other",
                },
            )
            make_consultation(actor=staff_assigned, household=household)
            outreach.outreach_start(
                actor=staff_assigned,
                household=household,
                started_on=timezone.localdate(),
                concern=f"訪問{number}",
            )

    grow(1)
    few = {name: queries(login(user), url) for name, user in people.items()}
    grow(4)
    assert household.members.count() == 6 and household.outreach_engagements.count() == 5
    many = {name: queries(login(user), url) for name, user in people.items()}
    assert many == few
    assert many == HOUSEHOLD_DETAIL


def test_a_closed_case_page_asks_the_households_needs_once(case, coordinator, login):
    """With no open case, 議題の申出 and 同意の記録 both rest on the household's needs:
    the page asks them once, and still offers both to the managing coordinator."""
    from unittest import mock

    from cases import permissions

    close_case(case, actor=coordinator)
    url = reverse("cases:case_detail", args=[case.pk])
    client = login(coordinator)
    with mock.patch.object(
        permissions, "household_needs", wraps=permissions.household_needs
    ) as asked:
        page = client.get(url).content.decode()
    assert asked.call_count == 1
    person = case.subjects.get()
    assert reverse("consent:consent_new", args=[case.household_id, person.pk]) in page
    assert reverse("meetings:proposal_new", args=[case.household_id]) in page
