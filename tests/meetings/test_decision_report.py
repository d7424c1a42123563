"""A 支援会議 decision: the pledged members of the agency it is assigned to mark it done
or add a short report — gate 2, and their only write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from meetings import selectors, services
from meetings.models import Decision, MeetingBody
from tests.factories import user_with_role
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(secretariat, case, assigned_agency, other_agency):
    body = make_body(secretariat, name="支援会議（報告）")
    pledge(secretariat, body, secretariat)
    reporter = user_with_role(Role.AGENCY_STAFF, agency=assigned_agency, username="reporter")
    pledge(secretariat, body, reporter)
    unpledged = user_with_role(Role.AGENCY_STAFF, agency=assigned_agency, username="unpledged")
    outsider = user_with_role(Role.AGENCY_STAFF, agency=other_agency, username="outsider")
    pledge(secretariat, body, outsider)
    # Pledged, of the assigned agency — but not at the meeting (gate 2).
    absent = user_with_role(Role.AGENCY_STAFF, agency=assigned_agency, username="absent")
    pledge(secretariat, body, absent)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, reporter, unpledged, outsider)
    item = add_item(secretariat, meeting, body, case=case)
    decision = services.decision_add(
        actor=secretariat, item=item, content="週1回の見守り", assignee_agency=assigned_agency
    )
    return {
        "body": body,
        "reporter": reporter,
        "unpledged": unpledged,
        "outsider": outsider,
        "absent": absent,
        "decision": decision,
    }


def test_the_pledged_member_of_the_assigned_agency_reports(world):
    decision = services.decision_report(
        actor=world["reporter"], decision=world["decision"], done=True, report="初回訪問済み"
    )
    assert (decision.done, decision.report, decision.reported_by) == (
        True,
        "初回訪問済み",
        world["reporter"],
    )
    assert decision.history.first().history_user == world["reporter"]


@pytest.mark.parametrize("who", ["unpledged", "outsider", "absent"])
def test_anyone_else_is_refused_and_nothing_changes(world, who):
    with pytest.raises(PermissionDenied):
        services.decision_report(
            actor=world[who], decision=world["decision"], done=True, report="x"
        )
    assert Decision.objects.get(pk=world["decision"].pk).reported_at is None


def test_an_expired_pledge_ends_the_right_to_report(world, secretariat):
    reporter = world["reporter"]
    p = world["body"].members.get(user=reporter).pledges.get()
    p.signed_on = timezone.localdate() - dt.timedelta(days=40)
    p.valid_until = timezone.localdate() - dt.timedelta(days=1)
    p.save(update_fields=["signed_on", "valid_until"])
    with pytest.raises(PermissionDenied):
        services.decision_report(actor=reporter, decision=world["decision"], done=True, report="")
    assert list(selectors.decisions_for_reporter(user=reporter)) == []


def test_an_empty_report_that_is_not_done_is_refused(world):
    with pytest.raises(ValidationError):
        services.decision_report(
            actor=world["reporter"], decision=world["decision"], done=False, report="  "
        )


def test_a_juso_decision_is_reported_on_the_plan_not_here(
    secretariat, case, coordinator, assigned_agency
):
    from tests.factories import make_consent
    from tests.meetings.helpers import attend

    body = make_body(secretariat, kind=MeetingBody.Kind.GUIDELINE, name="重層的支援会議（報告）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[coordinator.agency])
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, coordinator)
    item = add_item(secretariat, meeting, body, case=case, purpose="plan")
    decision = services.decision_add(
        actor=secretariat, item=item, content="家計相談", assignee_agency=assigned_agency
    )
    staff = user_with_role(Role.AGENCY_STAFF, agency=assigned_agency, username="juso_staff")
    with pytest.raises(PermissionDenied):
        services.decision_report(actor=staff, decision=decision, done=True, report="")


def test_the_list_shows_exactly_the_reporters_decisions(world, login):
    assert list(selectors.decisions_for_reporter(user=world["reporter"])) == [world["decision"]]
    assert list(selectors.decisions_for_reporter(user=world["unpledged"])) == []
    assert list(selectors.decisions_for_reporter(user=world["outsider"])) == []
    client = login(world["reporter"])
    page = client.get(reverse("meetings:my_decisions")).content.decode()
    assert "週1回の見守り" in page
    response = client.post(
        reverse("meetings:decision_report", args=[world["decision"].pk]),
        {"done": "on", "report": "見守り開始"},
    )
    assert response.status_code == 302
    assert Decision.objects.get(pk=world["decision"].pk).done
    other = login(world["unpledged"])
    listed = other.get(reverse("meetings:my_decisions")).content.decode()
    assert f'id="decision-{world["decision"].pk}"' not in listed
    assert (
        other.post(reverse("meetings:decision_report", args=[world["decision"].pk])).status_code
        == 404
    )


def test_closing_the_case_ends_the_right_to_report(world, coordinator, case):
    from cases.services import support

    support.case_close(
        actor=coordinator, case=case, reason="resolved", improvement="improved", evaluation="解決"
    )
    assert selectors.decisions_to_report(user=world["reporter"]) == []
    with pytest.raises(PermissionDenied):
        services.decision_report(
            actor=world["reporter"], decision=world["decision"], done=True, report=""
        )
