"""The access log: reads and refusals of case data are recorded; rows cannot change."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.audit import access_event_record, access_events_purge
from agencies.models import AccessEvent

pytestmark = pytest.mark.django_db


def test_reading_a_case_page_is_logged(login, case, coordinator):
    login(coordinator).get(reverse("cases:case_detail", args=[case.pk]), REMOTE_ADDR="10.0.0.7")
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert (event.user, event.object_id, event.object_label) == (
        coordinator,
        str(case.pk),
        f"ケース {case.number}",
    )
    assert event.ip_address == "10.0.0.7"
    assert event.agency_name == str(coordinator.agency)


def test_a_refused_case_page_is_logged_as_denied(login, case, staff_unassigned):
    url = reverse("cases:case_detail", args=[case.pk])
    assert login(staff_unassigned).get(url).status_code == 404
    event = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
    assert (event.user, event.status_code, event.path) == (staff_unassigned, 404, url)
    assert event.object_id == str(case.pk)
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()


def test_a_forbidden_change_is_logged_with_403(login, case, staff_assigned):
    assert login(staff_assigned).get(reverse("cases:case_edit", args=[case.pk])).status_code == 403
    assert AccessEvent.objects.get(action=AccessEvent.Action.DENIED).status_code == 403


def test_the_retention_purge_deletes_old_rows_and_records_itself(coordinator):
    old = access_event_record(action=AccessEvent.Action.VIEW, user=coordinator)
    access_event_record(action=AccessEvent.Action.VIEW, user=coordinator)
    cutoff = timezone.now() + dt.timedelta(seconds=1)
    deleted = access_events_purge(before=cutoff, actor_name="admin")
    assert deleted == 2
    purge = AccessEvent.objects.get()
    assert purge.action == AccessEvent.Action.PURGE
    assert purge.detail["deleted"] == 2
    assert old.pk != purge.pk


def test_the_log_names_no_person_and_the_admin_cannot_find_one(
    login, case, coordinator, admin_user
):
    """Labels are kind, id and case number; a search's words never reach the path; the
    administrator's search of the log by a person's name finds nothing."""
    person = case.subjects.get()
    client = login(coordinator)
    client.get(reverse("cases:household_detail", args=[case.household_id]))
    client.get(reverse("cases:case_detail", args=[case.pk]))
    client.get(reverse("cases:intake_start") + f"?q={person.family_name}")
    for event in AccessEvent.objects.all():
        text = f"{event.object_label} {event.path} {event.detail}"
        assert person.family_name not in text and person.given_name not in text, text
    labels = set(AccessEvent.objects.values_list("object_label", flat=True))
    assert f"ケース {case.number}" in labels
    assert any(label.startswith("世帯（ID ") for label in labels)
    found = login(admin_user).get("/admin/agencies/accessevent/", {"q": person.family_name})
    assert found.status_code == 200
    assert found.context_data["cl"].result_count == 0


def test_a_refused_post_under_the_staff_pages_is_logged(login, coordinator):
    response = login(coordinator).post(reverse("staff:transfer", args=[coordinator.pk]))
    assert response.status_code in (403, 404, 405)
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.DENIED, user=coordinator, method="POST"
    ).exists()


def test_a_method_a_page_does_not_take_is_logged_as_denied(login, case, coordinator):
    url = reverse("cases:case_detail", args=[case.pk])
    assert login(coordinator).post(url).status_code == 405
    event = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
    assert (event.method, event.status_code, event.object_id) == ("POST", 405, str(case.pk))


def test_a_masked_duplicate_match_is_logged(login, case, coordinator, staff_unassigned):
    """The window learns only that a record exists; who learned it, and which record,
    is in the log (by id, without a name)."""
    from tests.cases.test_views import intake_post
    from tests.factories import date_post

    person = case.subjects.get()
    data = intake_post(
        **{
            "m-0-family_name": person.family_name,
            "m-0-given_name": person.given_name,
            "m-0-family_name_kana": person.family_name_kana,
            "m-0-given_name_kana": person.given_name_kana,
            **date_post("m-0-birth_date", person.birth_date),
        }
    )
    page = login(staff_unassigned).post(reverse("cases:intake_form"), data).content.decode()
    assert "既存の記録があります。調整役に確認してください" in page
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXISTENCE_NOTICE)
    assert (event.user, event.object_id) == (staff_unassigned, str(person.pk))
    assert person.family_name not in event.object_label


def test_an_allowed_request_writes_no_denial(login, case, coordinator):
    client = login(coordinator)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
    assert client.post(reverse("accounts:session_keepalive")).status_code == 200
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DENIED).exists()
