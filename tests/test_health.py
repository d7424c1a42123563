"""/healthz/: the database, Redis and the workers, one word each, no login, nothing
personal; 200 while the database answers, 503 when it does not."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection

from agencies import health

pytestmark = pytest.mark.django_db

REDIS = "redis://kasane-redis.internal.example:6379/5"
KEYS = {"status", "database", "redis", "worker"}


@pytest.fixture(autouse=True)
def _no_cached_worker_state():
    cache.delete(health.WORKER_CACHE_KEY)
    yield
    cache.delete(health.WORKER_CACHE_KEY)


def _redis_answers(ok: bool = True):
    client = mock.Mock()
    if not ok:
        client.ping.side_effect = ConnectionError("Error 111 connecting to kasane-redis.internal")
    return mock.patch("redis.Redis.from_url", return_value=client)


def _get(client):
    response = client.get("/healthz/")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == KEYS
    # Nothing but the words: no exception text, no host name, no DSN.
    assert "internal" not in response.content.decode()
    return response.status_code, body


def test_without_redis_reports_run_in_a_thread_and_all_is_ok(client, settings):
    settings.REDIS_URL = ""
    assert _get(client) == (
        200,
        {"status": "ok", "database": "ok", "redis": "not_configured", "worker": "not_configured"},
    )


def test_redis_and_a_worker_answer(client, settings):
    settings.REDIS_URL = REDIS
    with _redis_answers(), mock.patch.object(health, "_ping_workers", return_value="ok"):
        assert _get(client) == (
            200,
            {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"},
        )


def test_no_worker_answers_is_degraded_but_pages_work(client, settings):
    settings.REDIS_URL = REDIS
    with _redis_answers(), mock.patch("config.celery.app.control.ping", return_value=[]):
        assert _get(client) == (
            200,
            {"status": "degraded", "database": "ok", "redis": "ok", "worker": "none"},
        )


def test_the_worker_ping_is_short_and_cached(client, settings):
    settings.REDIS_URL = REDIS
    replies = [{"celery@worker-1": {"ok": "pong"}}]
    with (
        _redis_answers(),
        mock.patch("config.celery.app.control.ping", return_value=replies) as ping,
    ):
        for _ in range(3):
            assert _get(client)[1]["worker"] == "ok"
    ping.assert_called_once()
    assert ping.call_args.kwargs["timeout"] <= 1
    assert health.WORKER_CACHE_SECONDS <= 60


def test_a_failed_worker_ping_is_an_error_and_not_cached(client, settings):
    settings.REDIS_URL = REDIS
    boom = OSError("kasane-redis.internal: connection refused")
    with _redis_answers(), mock.patch("config.celery.app.control.ping", side_effect=boom) as ping:
        assert _get(client) == (
            200,
            {"status": "degraded", "database": "ok", "redis": "ok", "worker": "error"},
        )
        _get(client)
    assert ping.call_count == 2


def test_redis_down_is_degraded_and_the_worker_is_not_asked(client, settings):
    settings.REDIS_URL = REDIS
    with _redis_answers(ok=False), mock.patch.object(health, "_ping_workers") as ping:
        assert _get(client) == (
            200,
            {"status": "degraded", "database": "ok", "redis": "error", "worker": "error"},
        )
    ping.assert_not_called()


def test_database_down_is_503(client, settings):
    settings.REDIS_URL = ""
    broken = mock.Mock(side_effect=Exception('could not connect to server "db.internal"'))
    with mock.patch.object(connection, "cursor", broken):
        assert _get(client) == (
            503,
            {
                "status": "error",
                "database": "error",
                "redis": "not_configured",
                "worker": "not_configured",
            },
        )


def test_an_unreachable_redis_fails_fast_without_mocks(client, settings):
    # A closed port on the loopback: a real client, a real refusal, no hang.
    settings.REDIS_URL = "redis://127.0.0.1:1/5"
    status, body = _get(client)
    assert (status, body["redis"], body["worker"], body["status"]) == (
        200,
        "error",
        "error",
        "degraded",
    )


def test_only_get_and_head(client):
    assert client.post("/healthz/").status_code == 405
    assert client.head("/healthz/").status_code in (200, 503)
