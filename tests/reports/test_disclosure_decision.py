"""開示決定: a managing coordinator records the decision on a pending 開示請求 once; the
request is then no longer pending. Every refusal (another user, a decided request, a bad
date, a missing reason) changes nothing and leaves a denied line in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent, Area
from agencies.roles import Role
from reports import services
from reports.models import DisclosureRequest
from tests.factories import AgencyFactory, date_post, once, user_with_role

pytestmark = pytest.mark.django_db

Decision = DisclosureRequest.Decision
WITHHELD = "通報者の氏名（児童虐待防止法7条）、配偶者の健康状態"


@pytest.fixture
def person(case):
    return case.subjects.get()


@pytest.fixture
def received_on():
    return timezone.localdate() - dt.timedelta(days=10)


@pytest.fixture
def disclosure(person, coordinator, received_on) -> DisclosureRequest:
    return services.disclosure_request_record(
        actor=coordinator, person=person, received_on=received_on, note="窓口で請求"
    )


@pytest.fixture
def other_hub_coordinator(db):
    hub = AgencyFactory(
        name="南の多機関協働", is_collaboration_hub=True, area=Area.objects.create(name="南")
    )
    return user_with_role(Role.COORDINATOR, agency=hub, username="other_hub")


def _decide(actor, disclosure, **overrides):
    values = {
        "decision": Decision.PARTIAL,
        "decided_on": timezone.localdate(),
        "withheld_note": WITHHELD,
        **overrides,
    }
    return services.disclosure_decide(actor=actor, disclosure=disclosure, **values)


def _unchanged(disclosure: DisclosureRequest) -> None:
    disclosure.refresh_from_db()
    assert disclosure.status == DisclosureRequest.Status.RECEIVED
    assert (disclosure.decision, disclosure.decided_on, disclosure.withheld_note) == ("", None, "")
    assert disclosure.decided_by is None
    assert disclosure.history.count() == 1


# -- the service ---------------------------------------------------------------------


def test_it_records_the_decision_with_history(disclosure, coordinator):
    decided = _decide(coordinator, disclosure)
    decided.refresh_from_db()
    assert decided.status == DisclosureRequest.Status.DECIDED
    assert decided.decision == Decision.PARTIAL
    assert decided.decided_on == timezone.localdate()
    assert decided.withheld_note == WITHHELD
    assert decided.decided_by == coordinator
    assert decided.decided_at is not None
    latest = decided.history.order_by("-history_date").first()
    assert decided.history.count() == 2
    assert latest.history_user == coordinator
    assert latest.history_change_reason == "開示決定（一部開示）を記録"
    assert latest.status == DisclosureRequest.Status.DECIDED


def test_pending_lists_exactly_the_requests_without_a_decision(
    disclosure, coordinator, person, received_on
):
    second = services.disclosure_request_record(
        actor=coordinator, person=person, received_on=received_on
    )
    assert set(DisclosureRequest.objects.pending()) == {disclosure, second}
    assert disclosure.is_pending
    _decide(coordinator, disclosure, decision=Decision.FULL, withheld_note="")
    disclosure.refresh_from_db()
    assert list(DisclosureRequest.objects.pending()) == [second]
    assert list(DisclosureRequest.objects.decided()) == [disclosure]
    assert not disclosure.is_pending and second.is_pending


def test_a_colleague_who_manages_the_person_may_decide(disclosure, hub):
    """Not only the coordinator who recorded it: after a hand-over the successor decides."""
    colleague = user_with_role(Role.COORDINATOR, agency=hub, username="colleague")
    decided = _decide(colleague, disclosure, decision=Decision.NONE)
    assert decided.decided_by == colleague
    assert decided.recorded_by != colleague


@pytest.mark.parametrize(
    "persona",
    ["staff_assigned", "staff_unassigned", "other_hub_coordinator", "secretariat", "manager"],
)
def test_others_may_not_decide(disclosure, request, persona):
    with pytest.raises(PermissionDenied):
        _decide(request.getfixturevalue(persona), disclosure)
    _unchanged(disclosure)


def test_a_decided_request_is_not_decided_again(disclosure, coordinator):
    _decide(coordinator, disclosure, decision=Decision.FULL, withheld_note="")
    with pytest.raises(ValidationError, match="すでに決定済み"):
        _decide(coordinator, disclosure, decision=Decision.NONE)
    disclosure.refresh_from_db()
    assert disclosure.decision == Decision.FULL
    assert disclosure.history.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"decided_on": "future"}, "decided_on", "未来の日付"),
        ({"decided_on": "before_receipt"}, "decided_on", "受付日以降"),
        ({"withheld_note": "  "}, "withheld_note", "理由を入力"),
        ({"decision": Decision.NONE, "withheld_note": ""}, "withheld_note", "理由を入力"),
        ({"decision": "maybe"}, "decision", "から選んで"),
    ],
)
def test_a_bad_decision_is_refused_and_changes_nothing(
    disclosure, coordinator, received_on, overrides, field, message
):
    days = {
        "future": timezone.localdate() + dt.timedelta(days=1),
        "before_receipt": received_on - dt.timedelta(days=1),
    }
    if "decided_on" in overrides:
        overrides = {**overrides, "decided_on": days[overrides["decided_on"]]}
    with pytest.raises(ValidationError) as refused:
        _decide(coordinator, disclosure, **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    _unchanged(disclosure)


def test_a_decision_on_the_day_of_receipt_is_accepted(disclosure, coordinator, received_on):
    decided = _decide(coordinator, disclosure, decided_on=received_on)
    assert decided.decided_on == received_on


def test_the_database_refuses_a_half_decided_row(disclosure):
    disclosure.status = DisclosureRequest.Status.DECIDED
    with pytest.raises(ValidationError, match="そろっていません"):
        disclosure.full_clean()


# -- the pages -----------------------------------------------------------------------


def _detail(disclosure):
    return reverse("reports:disclosure_detail", args=[disclosure.pk])


def _decide_url(disclosure):
    return reverse("reports:disclosure_decide", args=[disclosure.pk])


def _post_data(day=None, decision=Decision.PARTIAL, note=WITHHELD):
    return {
        "decision": decision,
        **date_post("decided_on", timezone.localdate() if day is None else day),
        "withheld_note": note,
        **once(),
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("staff_assigned", 403),  # sees the household, does not manage the person
        ("staff_unassigned", 404),
        ("other_hub_coordinator", 404),
        ("secretariat", 404),
        ("manager", 404),
    ],
)
def test_the_request_page_answers_each_role(disclosure, login, request, persona, status):
    response = login(request.getfixturevalue(persona)).get(_detail(disclosure))
    assert response.status_code == status
    if status == 200:
        assert "開示決定を記録する" in response.content.decode()


def test_the_form_records_the_decision_and_logs_it(disclosure, login, coordinator):
    client = login(coordinator)
    response = client.post(_decide_url(disclosure), _post_data())
    assert response.status_code == 302
    assert response.url == _detail(disclosure)
    disclosure.refresh_from_db()
    assert disclosure.decision == Decision.PARTIAL
    event = AccessEvent.objects.get(action=AccessEvent.Action.DISCLOSURE_DECISION)
    assert event.user == coordinator
    assert event.object_id == str(disclosure.pk)
    assert event.detail["decision"] == "partial"
    assert event.detail["person"] == str(disclosure.person_id)
    # The page now shows the decision and no longer offers the form.
    page = client.get(_detail(disclosure)).content.decode()
    assert "一部開示" in page and WITHHELD in page
    assert "開示決定を記録する</button>" not in page
    listing = reverse(
        "reports:disclosure_list", args=[disclosure.person.household_id, disclosure.person_id]
    )
    assert "決定済（一部開示" in client.get(listing).content.decode()


def _denied(user):
    return AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, user=user)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff_assigned", 403),
        ("staff_unassigned", 404),
        ("other_hub_coordinator", 404),
        ("secretariat", 404),
        ("manager", 404),
    ],
)
def test_others_posting_the_form_are_refused_and_logged(
    disclosure, login, request, persona, status
):
    user = request.getfixturevalue(persona)
    response = login(user).post(_decide_url(disclosure), _post_data())
    assert response.status_code == status
    _unchanged(disclosure)
    assert _denied(user).count() == 1
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSURE_DECISION).exists()


def test_bad_inputs_are_refused_in_japanese_and_logged(disclosure, login, coordinator, received_on):
    client = login(coordinator)
    bad = [
        (_post_data(day=timezone.localdate() + dt.timedelta(days=2)), "未来の日付は入力できません"),
        (_post_data(day=received_on - dt.timedelta(days=1)), "受付日以降の日付にしてください"),
        (_post_data(day=dt.date(2021, 4, 1)), "以降の日付"),
        (_post_data(note=""), "開示しなかった部分とその理由を入力してください"),
        (_post_data(decision=Decision.NONE, note="   "), "理由を入力してください"),
        (_post_data(decision="all"), "から選んでください"),
        (_post_data(note="あ" * 2001), "2000文字以内"),
        ({**_post_data(), "decided_on_1": "x" * 500, "withheld_note": "\x00"}, "決定日"),
        ({"form_token": "nope"}, "開示決定を選んでください"),
    ]
    for data, message in bad:
        response = client.post(_decide_url(disclosure), data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    _unchanged(disclosure)
    assert _denied(coordinator).count() == len(bad)
    assert _denied(coordinator).first().detail["page"] == "開示決定"


def test_deciding_twice_is_refused_and_logged(disclosure, login, coordinator):
    client = login(coordinator)
    assert client.post(_decide_url(disclosure), _post_data()).status_code == 302
    again = client.post(_decide_url(disclosure), _post_data(decision=Decision.FULL, note=""))
    assert again.status_code == 400
    assert "すでに決定済みです" in again.content.decode()
    disclosure.refresh_from_db()
    assert disclosure.decision == Decision.PARTIAL
    assert _denied(coordinator).count() == 1
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSURE_DECISION).count() == 1


def test_the_same_form_sent_twice_decides_once(disclosure, login, coordinator):
    client = login(coordinator)
    data = _post_data()
    assert client.post(_decide_url(disclosure), data).status_code == 302
    # A double click: the same token is sent to the first press's result, not refused.
    second = client.post(_decide_url(disclosure), data)
    assert second.status_code == 302
    assert second.url == _detail(disclosure)
    assert not _denied(coordinator).exists()
    assert disclosure.history.count() == 2
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSURE_DECISION).count() == 1
