"""参加支援: a member of the household matched to a 社会資源, by anyone who works the
case; the managers' counts of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import CommunityResource
from agencies.services import resource_save
from cases import selectors
from cases.models import CaseEvent, ParticipationSupport, Person
from cases.services import EditConflict, participation, support
from tests.factories import date_post, make_consultation, member_data, once, open_case

pytestmark = pytest.mark.django_db

Status = ParticipationSupport.Status


@pytest.fixture
def resource(coordinator):
    return resource_save(
        actor=coordinator,
        data={"name": "丸山商店", "kind": CommunityResource.Kind.COOPERATING_BUSINESS},
    )


def add(actor, case, resource, *, person=None, started_on=None, **kwargs):
    return participation.participation_add(
        actor=actor,
        case=case,
        person=person or case.subjects.get(),
        resource=resource,
        started_on=started_on or timezone.localdate(),
        **kwargs,
    )


def test_an_agency_that_works_the_case_matches_a_person(case, staff_assigned, resource):
    row = add(staff_assigned, case, resource, outcome="  週1回の品出し  ")
    assert (row.status, row.outcome, row.agency, row.created_by) == (
        Status.ARRANGING,
        "週1回の品出し",
        staff_assigned.agency,
        staff_assigned,
    )
    created = row.history.get()
    assert (created.history_user, created.history_change_reason) == (
        staff_assigned,
        "参加支援の登録",
    )
    event = case.events.get(kind=CaseEvent.Kind.PARTICIPATION_ADDED)
    assert event.actor == staff_assigned
    assert event.parameters["participation_id"] == str(row.pk)
    # The timeline names the resource's kind, never its name (a whereabouts).
    assert "協力事業者" in event.message and "丸山商店" not in event.message


def test_a_household_member_who_is_not_a_subject_may_be_matched(
    case, coordinator, staff_assigned, resource
):
    from cases import services

    son = services.person_add(
        actor=coordinator,
        household=case.household,
        data=member_data(
            given_name="一郎",
            given_name_kana="いちろう",
            relation=Person.Relation.CHILD,
            birth_date=dt.date(1998, 1, 1),
        ),
    )
    row = add(staff_assigned, case, resource, person=son)
    assert row.person == son and son not in case.subjects.all()


def test_who_may_not_match_and_what_is_refused(
    case, coordinator, staff_unassigned, manager, resource
):
    for outsider in (staff_unassigned, manager):
        with pytest.raises(PermissionDenied):
            add(outsider, case, resource)
    stranger = make_consultation(
        actor=staff_unassigned, members=[member_data(family_name="佐藤")]
    ).person
    with pytest.raises(ValidationError) as other_household:
        add(coordinator, case, resource, person=stranger)
    assert "世帯員" in other_household.value.message_dict["person"][0]
    resource_save(actor=coordinator, resource=resource, data={"is_active": False})
    resource.refresh_from_db()
    with pytest.raises(ValidationError) as inactive:
        add(coordinator, case, resource)
    assert "無効" in inactive.value.message_dict["resource"][0]
    assert not ParticipationSupport.objects.exists()
    assert not case.events.filter(kind=CaseEvent.Kind.PARTICIPATION_ADDED).exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"status": "ended"}, "ended_on", "終了日を入力"),
        ({"ended_on": "today"}, "ended_on", "「終了」のときだけ"),
        ({"status": "ended", "ended_on": "tomorrow"}, "ended_on", "未来"),
        ({"status": "ended", "ended_on": "before"}, "ended_on", "開始日以降"),
        ({"started_on": dt.date(1999, 12, 31)}, "started_on", "以降の日付"),
        ({"started_on": "far"}, "started_on", "1年以内"),
        ({"status": "dancing"}, "status", "状況を選んで"),
    ],
)
def test_dates_and_status_are_checked_in_japanese(
    case, coordinator, resource, kwargs, field, message
):
    today = timezone.localdate()
    days = {
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "before": today - dt.timedelta(days=11),
        "far": today + dt.timedelta(days=400),
    }
    kwargs = {k: days.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    kwargs.setdefault("started_on", today - dt.timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        add(coordinator, case, resource, **kwargs)
    assert message in refused.value.message_dict[field][0]


def test_a_closed_case_takes_no_match_and_no_change(case, coordinator, staff_assigned, resource):
    row = add(staff_assigned, case, resource)
    support.case_close(
        actor=coordinator, case=case, reason="resolved", improvement="improved", evaluation="済"
    )
    with pytest.raises(ValidationError) as closed:
        add(coordinator, case, resource)
    assert "終結" in closed.value.messages[0]
    with pytest.raises(ValidationError):
        participation.participation_update(
            actor=coordinator,
            participation=row,
            data={"status": Status.PARTICIPATING},
            expected_version=row.version,
        )
    assert ParticipationSupport.objects.get().status == Status.ARRANGING


def test_status_and_outcome_are_updated_with_history_and_a_timeline_line(
    case, coordinator, staff_assigned, resource
):
    start = timezone.localdate() - dt.timedelta(days=30)
    row = add(staff_assigned, case, resource, started_on=start)
    changed = participation.participation_update(
        actor=coordinator,
        participation=row,
        data={"status": Status.PARTICIPATING, "outcome": "毎週通っている"},
        expected_version=1,
    )
    assert changed == ["状況", "参加の様子・成果"]
    with pytest.raises(EditConflict):
        participation.participation_update(
            actor=staff_assigned,
            participation=ParticipationSupport.objects.get(pk=row.pk),
            data={"status": Status.PAUSED},
            expected_version=1,
        )
    participation.participation_update(
        actor=staff_assigned,
        participation=row,
        data={"status": Status.ENDED, "ended_on": start + dt.timedelta(days=20)},
        expected_version=2,
    )
    row.refresh_from_db()
    assert (row.status, row.version) == (Status.ENDED, 3)
    assert [h.history_user for h in row.history.order_by("history_date")] == [
        staff_assigned,
        coordinator,
        staff_assigned,
    ]
    updates = case.events.filter(kind=CaseEvent.Kind.PARTICIPATION_UPDATED).order_by("id")
    assert [e.parameters["status"] for e in updates] == ["participating", "ended"]
    # Nothing changed: nothing written.
    assert (
        participation.participation_update(
            actor=coordinator, participation=row, data={"status": Status.ENDED}, expected_version=3
        )
        == []
    )
    assert row.history.count() == 3


def test_an_agency_without_work_may_not_update(case, staff_assigned, staff_unassigned, resource):
    row = add(staff_assigned, case, resource)
    with pytest.raises(PermissionDenied):
        participation.participation_update(
            actor=staff_unassigned,
            participation=row,
            data={"status": Status.PARTICIPATING},
            expected_version=1,
        )


def test_participation_counts_are_exact(coordinator, staff_assigned, resource):
    salon = resource_save(actor=coordinator, data={"name": "サロン", "kind": "salon"})
    closed_business = resource_save(
        actor=coordinator, data={"name": "閉店した店", "kind": "business"}
    )
    other_business = resource_save(actor=coordinator, data={"name": "農園", "kind": "business"})

    def new_case(name):
        return open_case(
            make_consultation(actor=staff_assigned, members=[member_data(family_name=name)]),
            actor=coordinator,
        )

    a, b, c = new_case("青木"), new_case("馬場"), new_case("千葉")
    fy = 2025
    add(coordinator, a, resource, started_on=dt.date(fy, 4, 1))  # first day of the 年度
    add(coordinator, a, salon, started_on=dt.date(fy, 6, 1))  # same person again
    add(coordinator, b, resource, started_on=dt.date(fy + 1, 3, 31))  # last day
    add(coordinator, b, closed_business, started_on=dt.date(fy, 7, 1))
    add(coordinator, c, other_business, started_on=dt.date(fy, 3, 31))  # the year before
    add(coordinator, c, salon, started_on=dt.date(fy + 1, 4, 1))  # the year after
    resource_save(actor=coordinator, resource=closed_business, data={"is_active": False})
    counts = selectors.participation_counts(fiscal_year=fy)
    # Persons: the subjects of a and b. Businesses: 丸山商店 only
    # (閉店した店 is inactive now, 農園 was matched the year before).
    assert (counts.persons, counts.cooperating_businesses) == (2, 1)
    before = selectors.participation_counts(fiscal_year=fy - 1)
    assert (before.persons, before.cooperating_businesses) == (1, 1)
    assert selectors.participation_counts(fiscal_year=2030).persons == 0


def test_the_case_page_shows_exactly_the_cases_rows(
    case, coordinator, staff_assigned, staff_unassigned, resource, login
):
    add(staff_assigned, case, resource, outcome="品出しの体験")
    other = open_case(make_consultation(actor=staff_unassigned), actor=coordinator)
    salon = resource_save(actor=coordinator, data={"name": "ひだまりサロン", "kind": "salon"})
    add(coordinator, other, salon)
    response = login(staff_assigned).get(reverse("cases:case_detail", args=[case.pk]))
    rows = list(response.context["participations"])
    assert [r.resource.name for r in rows] == ["丸山商店"]
    page = response.content.decode()
    assert "品出しの体験" in page and "ひだまりサロン" not in page
    assert reverse("cases:participation_new", args=[case.pk]) in page


def test_the_pages_add_once_and_update(case, staff_assigned, resource, login):
    client = login(staff_assigned)
    today = timezone.localdate()
    data = {
        **once(),
        "person": case.subjects.get().pk,
        "resource": resource.pk,
        **date_post("started_on", today),
        "status": "arranging",
        "outcome": "",
        **date_post("ended_on", None),
        "note": "",
    }
    url = reverse("cases:participation_new", args=[case.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same page sent twice
    row = ParticipationSupport.objects.get()
    edit = reverse("cases:participation_edit", args=[case.pk, row.pk])
    refused = client.post(
        edit,
        {
            "version": 1,
            **date_post("started_on", today),
            "status": "ended",
            **date_post("ended_on", None),
        },
    )
    assert "終了日を入力" in refused.content.decode()
    done = client.post(
        edit,
        {
            "version": 1,
            **date_post("started_on", today),
            "status": "ended",
            **date_post("ended_on", today),
            "outcome": "就労につながった",
        },
    )
    assert done.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.ended_on, row.outcome) == (Status.ENDED, today, "就労につながった")


def test_a_participation_of_another_case_answers_404(
    case, coordinator, staff_unassigned, resource, login
):
    foreign = add(coordinator, case, resource)
    own = open_case(make_consultation(actor=staff_unassigned), actor=coordinator)
    url = reverse("cases:participation_edit", args=[own.pk, foreign.pk])
    assert login(staff_unassigned).get(url).status_code == 404


def test_the_case_page_asks_the_same_number_of_queries_for_1_and_30(
    case, coordinator, staff_assigned, resource, login
):
    client = login(staff_assigned)
    url = reverse("cases:case_detail", args=[case.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(staff_assigned, case, resource)
    few = count()
    for i in range(29):
        other = resource_save(
            actor=coordinator, data={"name": f"居場所{i}", "kind": "salon" if i % 2 else "ibasho"}
        )
        add(coordinator if i % 2 else staff_assigned, case, other)
    assert count() == few


def test_a_read_only_basis_may_not_match_or_update(
    case, coordinator, staff_assigned, staff_unassigned, resource
):
    """緊急時の提供 lets the agency read the case, not work it: the service refuses
    (not only the page)."""
    from cases import services

    services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=staff_unassigned.agency,
        legal_basis="27_1_1",
        reason="安否確認",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    assert selectors.case_get_for_user(user=staff_unassigned, pk=case.pk) == case
    row = add(staff_assigned, case, resource)
    with pytest.raises(PermissionDenied):
        add(staff_unassigned, case, resource)
    with pytest.raises(PermissionDenied):
        participation.participation_update(
            actor=staff_unassigned,
            participation=row,
            data={"status": Status.PARTICIPATING},
            expected_version=1,
        )
    assert ParticipationSupport.objects.get().history.count() == 1
