#!/usr/bin/env python3
"""Container health checks of docker-compose.yml: ``python deploy/healthcheck.py web|worker|beat``.

Exit status 0 = healthy, 1 = unhealthy (what Docker's HEALTHCHECK expects); one line
on stdout says why (``docker inspect`` keeps it).

web     GET http://127.0.0.1:8000/healthz/ must answer 200, i.e. the database answers
        (Redis or a worker being down is "degraded" but still healthy: pages work and
        reports wait in their outbox). The request carries the first of
        DJANGO_ALLOWED_HOSTS as its Host and ``X-Forwarded-Proto: https`` — what the
        TLS proxy sends — so the production settings neither refuse the host nor
        redirect to HTTPS.
worker  this container's worker (``celery@$HOSTNAME``) answers a Celery ping — the
        equivalent of ``celery -A config inspect ping -d celery@$HOSTNAME``.
beat    the schedule file (``--schedule``, default /tmp/celerybeat-schedule) was
        written in the last --max-age seconds (default 600). Beat saves it at start and
        then at most every 3 minutes while it sends tasks (the outbox sweep is sent
        every minute), so a stale file means beat hangs or is gone.
"""

from __future__ import annotations

import argparse
import glob
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def check_web(args: argparse.Namespace) -> tuple[bool, str]:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts and hosts[0] != "*" else "localhost"
    request = urllib.request.Request(
        args.url,
        headers={"Host": host, "X-Forwarded-Proto": "https", "User-Agent": "kasane-healthcheck"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=args.timeout) as response:
            return response.status == 200, f"{response.status} {response.read(200).decode()}"
    except urllib.error.HTTPError as exc:
        return False, f"{exc.code} {exc.read(200).decode(errors='replace')}"
    except OSError as exc:
        return False, f"no answer ({type(exc).__name__})"


def check_worker(args: argparse.Namespace) -> tuple[bool, str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from config.celery import app

    name = args.name or f"celery@{socket.gethostname()}"
    try:
        replies = app.control.ping(destination=[name], timeout=args.timeout)
    except Exception as exc:
        return False, f"{name}: broker error ({type(exc).__name__})"
    answered = any(name in reply for reply in replies or [])
    return answered, f"{name}: {'pong' if answered else 'no answer'}"


def check_beat(args: argparse.Namespace) -> tuple[bool, str]:
    # The shelve may be one file or several (.db, .dat/.dir/.bak), by dbm module.
    files = glob.glob(glob.escape(args.schedule) + "*")
    if not files:
        return False, f"{args.schedule}: missing"
    age = time.time() - max(os.path.getmtime(f) for f in files)
    return age <= args.max_age, f"{args.schedule}: written {age:.0f}s ago (limit {args.max_age}s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("service", choices=["web", "worker", "beat"])
    parser.add_argument("--url", default="http://127.0.0.1:8000/healthz/")
    parser.add_argument("--name", help="worker node name (default celery@$HOSTNAME)")
    parser.add_argument("--schedule", default="/tmp/celerybeat-schedule")
    parser.add_argument("--max-age", type=int, default=600)
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    check = {"web": check_web, "worker": check_worker, "beat": check_beat}[args.service]
    healthy, detail = check(args)
    print(f"{args.service}: {'healthy' if healthy else 'UNHEALTHY'}: {detail}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
