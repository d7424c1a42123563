"""Idle timeout 30 minutes, absolute 12 hours; polling is not activity; 延長 is."""

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.accounts import LAST_ACTIVITY_SESSION_KEY, LOGIN_AT_SESSION_KEY
from agencies.models import AccessEvent

pytestmark = pytest.mark.django_db

STATUS = "/accounts/session/status/"
KEEPALIVE = "/accounts/session/keepalive/"
MINUTE = 60


def shift(client, **seconds_ago) -> None:
    """Pretend the login or the last activity happened that many seconds ago."""
    session = client.session
    now = timezone.now().timestamp()
    for key, ago in seconds_ago.items():
        session[{"login": LOGIN_AT_SESSION_KEY, "last": LAST_ACTIVITY_SESSION_KEY}[key]] = now - ago
    session.save()


def last_activity_age(client) -> float:
    return timezone.now().timestamp() - client.session[LAST_ACTIVITY_SESSION_KEY]


def test_login_starts_both_clocks(login, coordinator):
    session = login(coordinator).session
    assert abs(session[LOGIN_AT_SESSION_KEY] - timezone.now().timestamp()) < 5
    assert session[LAST_ACTIVITY_SESSION_KEY] == session[LOGIN_AT_SESSION_KEY]


def test_29_idle_minutes_are_fine_and_restart_the_timer(login, coordinator):
    client = login(coordinator)
    shift(client, last=29 * MINUTE)
    assert client.get("/").status_code == 200
    assert last_activity_age(client) < 5


def test_30_idle_minutes_log_out_with_a_message(login, coordinator):
    client = login(coordinator)
    shift(client, last=30 * MINUTE + 1)
    response = client.get("/cases/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcases%2F%3Fpage%3D2"
    assert "no-store" in response["Cache-Control"]
    page = client.get(response["Location"]).content.decode()
    assert "一定時間操作がなかったため、ログアウトしました" in page
    assert client.get("/").status_code == 302
    event = AccessEvent.objects.get(action=AccessEvent.Action.LOGOUT)
    assert (event.user, event.detail) == (coordinator, {"reason": "timeout_idle"})


def test_12_hours_after_login_the_session_ends_despite_activity(login, coordinator):
    client = login(coordinator)
    shift(client, login=12 * 60 * MINUTE + 1, last=10)
    response = client.get("/", follow=True)
    assert "ログインから12時間が経過したため" in response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert AccessEvent.objects.get(action=AccessEvent.Action.LOGOUT).detail == {
        "reason": "timeout_absolute"
    }


def test_11_hours_59_minutes_after_login_the_session_lives(login, coordinator):
    client = login(coordinator)
    shift(client, login=12 * 60 * MINUTE - 60, last=10)
    assert client.get("/").status_code == 200


def test_polling_does_not_count_as_activity(login, coordinator):
    client = login(coordinator)
    shift(client, last=20 * MINUTE)
    response = client.get(STATUS, HTTP_X_KASANE_POLL="1")
    assert response.status_code == 200
    assert 20 * MINUTE - 5 < last_activity_age(client) < 20 * MINUTE + 5
    data = response.json()
    assert 10 * MINUTE - 5 < data["idle_expires_at"] - data["now"] <= 10 * MINUTE
    assert data["expires_at"] == data["idle_expires_at"]


def test_the_same_request_without_the_poll_header_is_activity(login, coordinator):
    client = login(coordinator)
    shift(client, last=20 * MINUTE)
    client.get(STATUS)
    assert last_activity_age(client) < 5


def test_a_poll_after_the_timeout_answers_401_json(login, coordinator):
    client = login(coordinator)
    shift(client, last=31 * MINUTE)
    response = client.get(STATUS, HTTP_X_KASANE_POLL="1", HTTP_REFERER="http://testserver/cases/")
    assert response.status_code == 401
    assert response.json()["reason"] == "idle"
    # Back to the page that polled, not to the JSON endpoint.
    assert response.json()["login_url"] == "/accounts/login/?next=%2Fcases%2F"
    assert "_auth_user_id" not in client.session


def test_keepalive_extends_the_session(login, coordinator):
    client = login(coordinator)
    shift(client, last=28 * MINUTE)
    response = client.post(KEEPALIVE)
    assert response.status_code == 200
    assert last_activity_age(client) < 5
    data = response.json()
    assert 30 * MINUTE - 5 < data["idle_expires_at"] - data["now"] <= 30 * MINUTE
    assert data["warning_seconds"] == 120


def test_keepalive_cannot_extend_past_12_hours(login, coordinator):
    client = login(coordinator)
    shift(client, login=12 * 60 * MINUTE - 5 * MINUTE, last=10)
    data = client.post(KEEPALIVE).json()
    assert data["expires_at"] == data["absolute_expires_at"]
    assert data["expires_at"] - data["now"] <= 5 * MINUTE


def test_keepalive_is_post_only_and_needs_a_login(login, client, coordinator):
    assert client.post(KEEPALIVE)["Location"].startswith("/accounts/login/")
    assert login(coordinator).get(KEEPALIVE).status_code == 405


def test_keepalive_too_late_does_not_revive_the_session(login, coordinator):
    client = login(coordinator)
    shift(client, last=31 * MINUTE)
    assert client.post(KEEPALIVE, HTTP_ACCEPT="application/json").status_code == 401


def test_a_form_posted_after_the_timeout_returns_to_its_page_after_login(login, coordinator):
    client = login(coordinator)
    shift(client, last=31 * MINUTE)
    response = client.post(
        reverse("cases:intake_start"), HTTP_REFERER="http://testserver/cases/intake/?q=x"
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcases%2Fintake%2F%3Fq%3Dx"


def test_an_htmx_request_after_the_timeout_reloads_the_whole_page(login, coordinator):
    client = login(coordinator)
    shift(client, last=31 * MINUTE)
    response = client.get("/cases/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_pages_tell_session_js_when_the_session_ends(login, coordinator):
    html = login(coordinator).get("/").content.decode()
    assert "js/session.js" in html
    assert 'data-session-expires-at="' in html
    assert 'data-session-keepalive-url="/accounts/session/keepalive/"' in html
    assert 'data-session-status-url="/accounts/session/status/"' in html
    assert 'data-session-warning-seconds="120"' in html


def test_the_login_page_has_no_session_script(client):
    html = client.get("/accounts/login/").content.decode()
    assert "js/session.js" not in html
    assert "data-session-expires-at" not in html
