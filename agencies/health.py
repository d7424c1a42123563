"""What /healthz/ reports: the database, Redis and the Celery workers.

No personal data and no exception text or host names leave this module: each part
is one word ("ok", "error", …). The load balancer needs only the status code — 200
while the database answers (pages work; without Redis or a worker, reports wait in
their outbox), 503 when it does not.
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
NOT_CONFIGURED = "not_configured"
NONE = "none"  # the broker answered, but no worker did

# Seconds a worker ping waits for replies, and how long its answer is kept, so that a
# probe every few seconds (several web nodes, the orchestrator) asks the broker at most
# once per WORKER_CACHE_SECONDS.
WORKER_PING_TIMEOUT = 0.8
WORKER_CACHE_SECONDS = 30
WORKER_CACHE_KEY = "kasane:healthz:worker"
REDIS_TIMEOUT = 1.0


def _failed(part: str, exc: BaseException) -> str:
    # The class name only: an exception's text can carry a host name or a DSN.
    logger.warning("healthz: %s check failed (%s)", part, type(exc).__name__)
    return ERROR


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", exc)
    return OK


def redis_state() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return _failed("redis", exc)
    return OK


def _ping_workers() -> str:
    from config.celery import app as celery_app

    replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT)
    return OK if replies else NONE


def worker_state(redis: str) -> str:
    """ "ok" when at least one worker answered a ping, "none" when none did, "error"
    when the broker could not be asked; the answer is cached for a short while."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED  # reports run in a thread of the web process
    if redis != OK:
        return ERROR  # the broker is Redis: no way to ask, and nothing is dispatched
    try:
        cached = cache.get(WORKER_CACHE_KEY)
    except Exception:
        cached = None
    if cached in (OK, NONE):
        return cached
    try:
        state = _ping_workers()
    except Exception as exc:
        return _failed("worker", exc)
    with contextlib.suppress(Exception):  # no cache: the next probe asks again
        cache.set(WORKER_CACHE_KEY, state, WORKER_CACHE_SECONDS)
    return state


def health() -> tuple[dict[str, str], int]:
    """The JSON body and the HTTP status of /healthz/."""
    database = database_state()
    redis = redis_state()
    worker = worker_state(redis)
    if database != OK:
        status = ERROR
    elif redis in (OK, NOT_CONFIGURED) and worker in (OK, NOT_CONFIGURED):
        status = OK
    else:
        status = "degraded"
    body = {"status": status, "database": database, "redis": redis, "worker": worker}
    return body, 200 if database == OK else 503
