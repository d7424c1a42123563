"""Lockout after 5 failed logins for 30 minutes, counted per user name — never per IP,
since a city hall's staff share one address — shown in Japanese and logged."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from agencies.accounts import LOCKOUT_MESSAGE
from agencies.models import AccessEvent

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
LOGIN = "/accounts/login/"


def attempt(client, username, password, ip="10.0.0.1", agent="Firefox"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent
    )


def fail_five_times(client, username, ips=("10.0.0.1", "10.0.0.2")):
    for i in range(5):
        # Another IP and another browser each time: neither resets the count.
        response = attempt(
            client, username, "wrong-password-0", ip=ips[i % len(ips)], agent=f"UA{i}"
        )
    return response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_from_two_ips_lock_the_user_name(client, coordinator, password):
    fifth = fail_five_times(client, "coordinator")
    assert fifth.status_code == 429
    response = attempt(client, "coordinator", password, ip="10.0.0.3")
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_is_a_japanese_login_page_not_a_bare_403(client, coordinator, password):
    fail_five_times(client, "coordinator")
    response = attempt(client, "coordinator", password)
    html = response.content.decode()
    assert LOCKOUT_MESSAGE in html
    assert "30分間" in html
    assert 'role="alert"' in html
    assert '<form method="post" action="/accounts/login/"' in html
    assert 'value="coordinator"' in html
    assert response.templates[0].name == "registration/login.html"


def test_four_failures_do_not_lock(client, coordinator, password):
    for _ in range(4):
        assert attempt(client, "coordinator", "wrong-password-0").status_code == 200
    response = attempt(client, "coordinator", password)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_success_resets_the_count(client, coordinator, password):
    for _ in range(4):
        attempt(client, "coordinator", "wrong-password-0")
    attempt(client, "coordinator", password)
    client.logout()
    for _ in range(4):
        attempt(client, "coordinator", "wrong-password-0")
    assert attempt(client, "coordinator", password).status_code == 302


def test_another_user_on_the_same_ip_is_not_locked(client, coordinator, staff_assigned, password):
    fail_five_times(client, "coordinator", ips=("10.0.0.1",))
    response = attempt(client, "staff_assigned", password, ip="10.0.0.1")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_lock_ends_after_30_minutes(client, coordinator, password):
    fail_five_times(client, "coordinator")
    assert attempt(client, "coordinator", password).status_code == 429
    # Move the failures back in time, as if 31 minutes had passed.
    for row in AccessAttempt.objects.filter(username="coordinator"):
        row.attempt_time -= dt.timedelta(minutes=31)
        row.save(update_fields=["attempt_time"])
    assert attempt(client, "coordinator", password).status_code == 302


def test_the_lock_still_holds_after_29_minutes(client, coordinator, password):
    fail_five_times(client, "coordinator")
    for row in AccessAttempt.objects.filter(username="coordinator"):
        row.attempt_time -= dt.timedelta(minutes=29)
        row.save(update_fields=["attempt_time"])
    assert attempt(client, "coordinator", password).status_code == 429


def test_an_unknown_user_name_locks_the_same_way(client):
    # No difference between existing and unknown names: nothing to enumerate.
    assert fail_five_times(client, "nobody-here").status_code == 429


def test_the_lockout_is_logged(client, coordinator, password):
    fail_five_times(client, "coordinator")
    attempt(client, "coordinator", password, ip="10.0.0.9")
    failed = AccessEvent.objects.filter(action=Action.LOGIN_FAILED, username="coordinator")
    assert failed.count() == 6
    locked = AccessEvent.objects.filter(action=Action.LOCKED_OUT).order_by("at", "id")
    assert [e.username for e in locked] == ["coordinator", "coordinator"]
    assert locked[0].user == coordinator
    assert locked[0].ip_address == "10.0.0.1"  # the fifth failure
    assert locked[1].ip_address == "10.0.0.9"
    assert not AccessEvent.objects.filter(action=Action.LOGIN).exists()


def test_login_failed_login_and_logout_are_logged(client, coordinator, password):
    attempt(client, "coordinator", "wrong-password-0", ip="192.0.2.10")
    attempt(client, "coordinator", password, ip="192.0.2.11")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.12")
    events = list(AccessEvent.objects.order_by("at", "id"))
    assert [(e.action, e.username, e.ip_address) for e in events] == [
        (Action.LOGIN_FAILED, "coordinator", "192.0.2.10"),
        (Action.LOGIN, "coordinator", "192.0.2.11"),
        (Action.LOGOUT, "coordinator", "192.0.2.12"),
    ]
    assert events[1].user == coordinator
    assert events[2].detail == {"reason": "user"}
    # The password never reaches the log.
    assert "wrong-password-0" not in str([e.detail for e in events])
