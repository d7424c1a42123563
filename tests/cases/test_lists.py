"""Lists show exactly the rows each persona may see — a list that forgot its selector
shows more and fails here — and every write service refuses an actor without the need,
called directly (views are not the only door)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Consultation
from consent import services as consent_services
from meetings import services as meeting_services
from meetings.models import AgendaProposal
from tests.factories import make_consent, make_consultation, member_data, open_case
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(coordinator, staff_assigned, staff_unassigned):
    """Three households: a case from the assigned window, an uncased one handed to
    多機関協働 by the other window, and one closed at the assigned window."""
    case = open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    handed = make_consultation(
        actor=staff_unassigned, members=[member_data(family_name="佐藤", family_name_kana="さとう")]
    )
    closed_here = make_consultation(
        actor=staff_assigned,
        outcome=Consultation.Outcome.INFO_ONLY,
        members=[member_data(family_name="鈴木", family_name_kana="すずき")],
    )
    return {"case": case, "handed": handed, "closed_here": closed_here}


def shown(client, url_name: str, pattern: str) -> set[str]:
    """The object ids a list page links to (the page's own rows)."""
    content = client.get(reverse(url_name)).content.decode()
    return set(re.findall(pattern, content))


UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


def test_case_list_rows(login, city, coordinator, staff_assigned, staff_unassigned):
    case = city["case"]
    pattern = rf'href="/cases/{UUID}/"'
    assert shown(login(coordinator), "cases:case_list", pattern) == {str(case.pk)}
    assert shown(login(staff_assigned), "cases:case_list", pattern) == {str(case.pk)}
    assert shown(login(staff_unassigned), "cases:case_list", pattern) == set()


def test_consultation_list_rows(login, city, coordinator, staff_assigned, staff_unassigned):
    case_consultation = city["case"].consultations.get()
    handed, closed_here = city["handed"], city["closed_here"]
    pattern = rf'href="/consultations/{UUID}/"'
    ids = {c: str(c.pk) for c in (case_consultation, handed, closed_here)}
    assert shown(login(coordinator), "cases:consultation_list", pattern) == {
        ids[case_consultation],
        ids[handed],
    }
    assert shown(login(staff_assigned), "cases:consultation_list", pattern) == {
        ids[case_consultation],
        ids[closed_here],
    }
    assert shown(login(staff_unassigned), "cases:consultation_list", pattern) == {ids[handed]}


def test_household_list_rows(login, city, coordinator, staff_assigned, staff_unassigned):
    case, handed, closed_here = city["case"], city["handed"], city["closed_here"]
    pattern = rf'href="/households/{UUID}/"'
    assert shown(login(coordinator), "cases:household_list", pattern) == {
        str(case.household_id),
        str(handed.household_id),
    }
    assert shown(login(staff_assigned), "cases:household_list", pattern) == {
        str(case.household_id),
        str(closed_here.household_id),
    }
    assert shown(login(staff_unassigned), "cases:household_list", pattern) == {
        str(handed.household_id)
    }


def test_home_recent_consultations_rows(login, city, staff_unassigned, coordinator):
    pattern = rf'href="/consultations/{UUID}/"'
    assert shown(login(staff_unassigned), "home", pattern) == {str(city["handed"].pk)}
    assert str(city["closed_here"].pk) not in shown(login(coordinator), "home", pattern)


def test_proposal_list_rows(
    login, case, coordinator, staff_assigned, staff_unassigned, secretariat
):
    body = make_body(secretariat)
    own = meeting_services.proposal_submit(
        actor=staff_assigned, household=case.household, body=body, purpose="sharing", reason="心配"
    )
    pattern = r'action="/meetings/proposals/([0-9a-f-]{36})/'
    # The window's proposal waits for the case's coordinators: they and the proposer
    # see it; the secretariat not yet; another agency never.
    assert shown(login(coordinator), "meetings:proposal_list", pattern) == {str(own.pk)}
    assert shown(login(staff_assigned), "meetings:proposal_list", pattern) == {str(own.pk)}
    assert shown(login(secretariat), "meetings:proposal_list", pattern) == set()
    assert shown(login(staff_unassigned), "meetings:proposal_list", pattern) == set()
    assert AgendaProposal.objects.count() == 1


# -- every write service, called directly by a read-only actor ------------------------


@pytest.fixture
def read_only(case, secretariat, staff_unassigned):
    """staff_unassigned reaches the case by 支援会議 alone: view, nothing more."""
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, staff_unassigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, body, case=case)
    return staff_unassigned


def _writes(case, actor, coordinator):
    person = case.subjects.get()
    household = case.household
    consent = make_consent(actor=coordinator, person=person, agencies=[coordinator.agency])
    access = case.accesses.first()
    today = timezone.localdate()
    body = make_body(coordinator_body_actor(case), name="支援会議（申出）")
    return {
        "case_update": lambda: services.case_update(
            actor=actor, case=case, data={"status": "assessment"}, expected_version=case.version
        ),
        "case_access_grant": lambda: services.case_access_grant(
            actor=actor, case=case, agency=actor.agency, reason="自分に"
        ),
        "case_access_revoke": lambda: services.case_access_revoke(
            actor=actor, access=access, reason="取消"
        ),
        "household_update": lambda: services.household_update(
            actor=actor, household=household, data={"phone": "0"}, expected_version=1
        ),
        "person_add": lambda: services.person_add(
            actor=actor, household=household, data=member_data(relation="child")
        ),
        "person_update": lambda: services.person_update(
            actor=actor, person=person, data={"phone": "0"}, expected_version=person.version
        ),
        "consent_record": lambda: make_consent(actor=actor, person=person, agencies=[actor.agency]),
        "consent_withdraw": lambda: consent_services.consent_withdraw(
            actor=actor, consent=consent, withdrawn_on=today, reason="本人から"
        ),
        "emergency_access_request": lambda: services.emergency_access_request(
            actor=actor,
            case=case,
            agency=actor.agency,
            legal_basis="27_1_2",
            reason="安否",
            consent_obstacle="不在",
            days=1,
        ),
        "dv_measure_set": lambda: services.dv_measure_set(
            actor=actor, person=person, valid_from=today
        ),
        "proposal_submit": lambda: meeting_services.proposal_submit(
            actor=actor, household=household, body=body, purpose="sharing", reason="x"
        ),
    }


def coordinator_body_actor(case):
    """A secretariat user to create the body the proposal is made to."""
    from agencies.roles import Role
    from tests.factories import user_with_role

    return user_with_role(Role.SECRETARIAT, agency=case.main_agency)


WRITES = [
    "case_update",
    "case_access_grant",
    "case_access_revoke",
    "household_update",
    "person_add",
    "person_update",
    "consent_record",
    "consent_withdraw",
    "emergency_access_request",
    "dv_measure_set",
    "proposal_submit",
]


@pytest.mark.parametrize("write", WRITES)
def test_every_write_service_refuses_a_read_only_actor(case, coordinator, read_only, write):
    from django.apps import apps

    call = _writes(case, read_only, coordinator)[write]

    def history_rows() -> int:
        return sum(
            m.objects.count() for m in apps.get_models() if m.__name__.startswith("Historical")
        )

    before = history_rows()
    with pytest.raises(PermissionDenied):
        call()
    assert history_rows() == before


def test_case_list_pages_count_what_the_tab_shows(login, coordinator, settings):
    """The total under the list is the tab's count (the paginator is not asked to count
    again): 3 open cases on pages of 2, the closed tab's 2, all 5 for a tab that is
    not one, and a search's own rows."""
    settings.KASANE_PAGE_SIZE = 2
    kana = ["あおき", "いとう", "うえだ", "えんどう", "おおた"]
    cases = [
        open_case(
            make_consultation(
                actor=coordinator, members=[member_data(family_name="某", family_name_kana=k)]
            ),
            actor=coordinator,
        )
        for k in kana
    ]
    Case.objects.filter(pk__in=[c.pk for c in cases[3:]]).update(status=Case.Status.CLOSED)
    client = login(coordinator)
    url = reverse("cases:case_list")
    pattern = rf'href="/cases/{UUID}/"'

    def page(query: str) -> tuple[set[str], str]:
        content = client.get(url + query).content.decode()
        total = re.search(r"全(\d+)件", content)
        return set(re.findall(pattern, content)), total[1] if total else ""

    ids = [str(c.pk) for c in cases]
    first, total = page("")
    second, _ = page("?page=2")
    assert total == "3" and len(first) == 2 and first | second == set(ids[:3])
    assert page("?status=closed") == (set(ids[3:]), "2")
    assert page("?status=nonsense")[1] == "5"
    assert page("?q=いとう") == ({ids[1]}, "1")
    assert page("?status=closed&q=おおた") == ({ids[4]}, "1")
