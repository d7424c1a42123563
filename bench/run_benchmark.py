#!/usr/bin/env python
"""Time Kasane's pages over HTTP against the generated city (bench/generate_city.py).

    .venv/bin/python bench/run_benchmark.py --rounds 20 [--label before]

Starts gunicorn (2 workers) on a free loopback port against the bench database, logs
each persona in through the real login form, then requests each page one at a time for
--rounds rounds (after one warm-up round) and prints p50/p95/max per page and persona.
Beside the timings: the number of SQL queries and their total time for the same page,
measured in-process with Django's test client and CaptureQueriesContext. The floor is
the session-status poll, a logged-in request that reads no case data.

Results go to stdout and to bench/results/<timestamp>[-<label>].txt. Loopback only; the
rounds and the total time are bounded; gunicorn is stopped at the end, on error too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PASSWORD = "bench-pw-12345"
PERSONAS = ["bench_coordinator", "bench_staff", "bench_staff_big", "bench_secretariat"]
HOST = "127.0.0.1"


@dataclass
class Page:
    key: str
    label: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    # In-process measurement.
    status: int | None = None
    queries: int | None = None
    sql_ms: float | None = None
    slowest: list[tuple[float, str]] = field(default_factory=list)
    repeated: tuple[int, str] | None = None  # the most repeated query shape (N+1?)
    plan: str = ""
    note: str = ""
    # HTTP timings (ms) and failures.
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    size: int = 0


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        KASANE_REQUIRE_MFA="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    )
    # Without REDIS_URL: the local-memory cache and in-process tasks, as in `make run`.
    env.pop("REDIS_URL", None)
    return env


# ---------------------------------------------------------------------------
# In-process: which pages, and how many queries each one makes


def plan_pages(username: str, kana: str) -> list[Page]:
    from django.conf import settings
    from django.db.models import Count
    from django.urls import reverse

    from agencies.models import User

    user = User.objects.get(username=username)
    pages = [
        Page(
            "floor",
            "floor: session status poll",
            reverse("accounts:session_status"),
            {"X-Kasane-Poll": "1"},
        ),
        Page("home", "home /", reverse("home")),
        Page("cases", "case list (open)", reverse("cases:case_list")),
        Page("consult_p1", "consultation list p1", reverse("cases:consultation_list")),
    ]
    consultations_url = reverse("cases:consultation_list")
    try:
        from cases.selectors import cases_visible_to, consultations_visible_to

        total = consultations_visible_to(user).count()
        last = max(1, math.ceil(total / settings.KASANE_PAGE_SIZE))
        if last > 1:
            url = f"{consultations_url}?page={last}"
            pages.append(Page("consult_last", f"consultation list p{last}", url))
    except Exception as exc:  # the selectors may be renamed while the app moves on
        pages.append(Page("consult_last", "consultation list last", consultations_url))
        pages[-1].note = f"last page unknown: {exc!r}"[:120]
        cases_visible_to = None
    households_url = reverse("cases:household_list")
    pages.append(Page("households", "household list", households_url))
    query = urllib.parse.urlencode({"q": kana})
    pages.append(Page("hh_search", f"household search q={kana}", f"{households_url}?{query}"))
    case = None
    if cases_visible_to is not None:
        try:
            case = (
                cases_visible_to(user)
                .annotate(n_events=Count("events"))
                .order_by("-n_events")
                .values("pk", "n_events")
                .first()
            )
        except Exception as exc:
            print(f"  ({username}: could not pick a case: {exc!r})")
    if case is not None:
        pages.append(
            Page(
                "case_detail",
                f"case detail ({case['n_events']} events)",
                reverse("cases:case_detail", kwargs={"pk": case["pk"]}),
            )
        )
    pages.append(Page("meetings", "meeting list", reverse("meetings:meeting_list")))
    unique: dict[str, Page] = {}
    for page in pages:
        unique.setdefault(page.url, page)
    return list(unique.values())


def count_queries(username: str, pages: list[Page]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User

    client = Client(raise_request_exception=True)
    client.force_login(User.objects.get(username=username))
    for page in pages:
        try:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page.url, headers=page.headers)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
        except Exception as exc:
            page.status = -1
            page.note = f"in-process error: {exc!r}"[:200]
            continue
        page.status = response.status_code
        page.queries = len(ctx.captured_queries)
        times = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        page.sql_ms = sum(t for t, _ in times)
        page.slowest = sorted(times, reverse=True)[:2]
        shapes = Counter(LITERALS.sub("?", sql) for _, sql in times)
        if shapes:
            shape, n = shapes.most_common(1)[0]
            if n >= 5:
                page.repeated = (n, shape)


LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
SELECT_LIST = re.compile(r"^SELECT (DISTINCT )?.*? FROM ", re.S)


def shorten(sql: str, limit: int = 400) -> str:
    """One line, the column list elided: what a reader needs is FROM … WHERE …."""
    flat = " ".join(sql.split())
    flat = SELECT_LIST.sub(lambda m: f"SELECT {m.group(1) or ''}… FROM ", flat, count=1)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def explain(pages: list[Page], min_ms: float) -> None:
    """EXPLAIN ANALYZE of each page's slowest query, when it is slow enough."""
    from django.db import connection

    with connection.cursor() as cur:
        for page in pages:
            if not page.slowest or page.slowest[0][0] < min_ms:
                continue
            try:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + page.slowest[0][1])
                page.plan = "\n".join(row[0] for row in cur.fetchall())
            except Exception as exc:
                page.plan = f"(EXPLAIN failed: {exc!r})"


# ---------------------------------------------------------------------------
# gunicorn and HTTP


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """One browser: a cookie jar, no redirects followed, loopback only."""

    def __init__(self, base: str, timeout: float):
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, *, data: dict | None = None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
            return exc.code, exc.headers, exc.read()

    def login(self, login_path: str, username: str) -> None:
        status, _, body = self.request(login_path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or match is None:
            raise RuntimeError(f"login page: HTTP {status}, no CSRF token")
        status, _, body = self.request(
            login_path,
            data={
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": PASSWORD,
                "next": "",
            },
            headers={"Referer": self.base + login_path},
        )
        if status != 302 or not any(c.name == "sessionid" for c in self.jar):
            text = body.decode(errors="replace")
            raise RuntimeError(f"login of {username} failed: HTTP {status} {text[:300]}")


def start_gunicorn(app_dir: Path, env: dict, port: int, workers: int, log: Path):
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        str(gunicorn),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(app_dir),
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    return subprocess.Popen(
        command,
        cwd=app_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(proc, base: str, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz/ in time")


def stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------
# Report


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt(value, spec: str = ".0f") -> str:
    return "—" if value is None else format(value, spec)


def report(results: dict[str, list[Page]], header: list[str]) -> str:
    lines = [*header, ""]
    lines.append(
        f"{'persona':<18} {'page':<32} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'n':>4} {'queries':>7} {'sql ms':>7} {'KiB':>5}"
    )
    lines.append("-" * 104)
    for persona, pages in results.items():
        for page in pages:
            if page.timings:
                p50, p95, top = (
                    percentile(page.timings, 50),
                    percentile(page.timings, 95),
                    max(page.timings),
                )
            else:
                p50 = p95 = top = None
            status = "" if page.status == 200 else f"  [HTTP {page.status}: not timed]"
            errors = f"  [{len(page.errors)} errors: {page.errors[0]}]" if page.errors else ""
            note = f"  ({page.note})" if page.note else ""
            lines.append(
                f"{persona:<18} {page.label[:32]:<32} {fmt(p50):>7} {fmt(p95):>7} {fmt(top):>7} "
                f"{len(page.timings):>4} {fmt(page.queries, 'd'):>7} {fmt(page.sql_ms, '.1f'):>7} "
                f"{page.size // 1024:>5}{status}{errors}{note}"
            )
        lines.append("")
    lines.append("Slowest SQL per page (in-process, >= 20 ms):")
    for persona, pages in results.items():
        for page in pages:
            for ms, text in page.slowest[:1]:
                if ms >= 20:
                    lines.append(f"  {persona} / {page.key}: {ms:.0f} ms  {shorten(text)}")
    lines.append("")
    lines.append("Repeated queries (the same statement 5+ times in one request: N+1?):")
    for persona, pages in results.items():
        for page in pages:
            if page.repeated:
                n, shape = page.repeated
                lines.append(f"  {persona} / {page.key}: {n}x  {shorten(shape, 300)}")
    return "\n".join(lines)


def plans(results: dict[str, list[Page]]) -> str:
    lines = ["", "EXPLAIN (ANALYZE, BUFFERS) of the slowest query per page:"]
    for persona, pages in results.items():
        for page in pages:
            if page.plan:
                lines += ["", f"== {persona} / {page.key}: {shorten(page.slowest[0][1], 2000)}"]
                lines.append(page.plan)
    return "\n".join(lines)


def database_summary() -> list[str]:
    from django.db import connection

    tables = [
        "cases_household",
        "cases_person",
        "cases_consultation",
        "cases_case",
        "cases_caseaccess",
        "cases_caseevent",
        "meetings_meeting",
    ]
    parts = []
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")
            parts.append(f"{table.split('_', 1)[1]}={cur.fetchone()[0]:,}")
    return parts


def git_revision(app_dir: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=app_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=app_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if out.returncode != 0 or not out.stdout.strip():
            return "unknown (not a git checkout)"
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/kasane_bench")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--label", default="", help="appended to the result file name")
    parser.add_argument("--personas", default=",".join(PERSONAS))
    parser.add_argument("--kana", default="すずき", help="the household search query")
    parser.add_argument(
        "--app-dir", type=Path, default=ROOT, help="the checkout to serve (default: this one)"
    )
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop timing after")
    parser.add_argument(
        "--explain",
        type=float,
        default=100,
        metavar="MS",
        help="EXPLAIN ANALYZE each page's slowest query above MS into the result file "
        "(0: never; default 100)",
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 1000:
        raise SystemExit("--rounds must be between 1 and 1000")
    if not 1 <= args.workers <= 8:
        raise SystemExit("--workers must be between 1 and 8")
    if urllib.parse.urlsplit(args.database_url).path.lstrip("/") in ("kasane", "test_kasane"):
        raise SystemExit("benchmark the bench database, not kasane or test_kasane")
    app_dir = args.app_dir.resolve()
    env = django_env(args.database_url)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(app_dir))

    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse

    personas = [p for p in args.personas.split(",") if p]
    started = dt.datetime.now().astimezone()
    print(f"Planning pages and counting queries in-process ({len(personas)} personas)…")
    results: dict[str, list[Page]] = {}
    for username in personas:
        pages = plan_pages(username, args.kana)
        count_queries(username, pages)
        if args.explain > 0:
            explain(pages, args.explain)
        results[username] = pages
    login_path = reverse("login")
    summary = database_summary()
    connection.close()

    # Stop cleanly on Ctrl-C or a TERM from outside: the finally below kills gunicorn.
    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    proc = None
    log = Path(tempfile.mkstemp(prefix="kasane-bench-gunicorn-", suffix=".log")[1])
    port = free_port()
    base = f"http://{HOST}:{port}"
    interrupted = ""
    try:
        proc = start_gunicorn(app_dir, env, port, args.workers, log)
        wait_ready(proc, base, log)
        sessions = {}
        for username in personas:
            session = Session(base, args.timeout)
            session.login(login_path, username)
            sessions[username] = session
        print(f"gunicorn on {base} ({args.workers} workers); {args.rounds} rounds + 1 warm-up")
        deadline = time.monotonic() + args.max_seconds
        for round_no in range(args.rounds + 1):
            if time.monotonic() > deadline:
                interrupted = f"stopped after {round_no - 1} rounds (--max-seconds)"
                break
            for username, pages in results.items():
                session = sessions[username]
                for page in pages:
                    if page.status != 200:
                        continue
                    t0 = time.perf_counter()
                    try:
                        status, _, body = session.request(page.url, headers=page.headers)
                    except (OSError, urllib.error.URLError) as exc:
                        status, body = None, repr(exc).encode()
                    ms = (time.perf_counter() - t0) * 1000
                    if round_no == 0:
                        continue  # warm-up
                    if status == 200:
                        page.timings.append(ms)
                        page.size = len(body)
                    else:
                        page.errors.append(f"HTTP {status}")
            if round_no and round_no % 10 == 0:
                print(f"  round {round_no}/{args.rounds}", flush=True)
    except KeyboardInterrupt:
        interrupted = "interrupted"
    finally:
        stop(proc)
        log.unlink(missing_ok=True)

    header = [
        f"Kasane HTTP benchmark — {started:%Y-%m-%d %H:%M %Z}"
        + (f" — label {args.label}" if args.label else ""),
        f"app {app_dir} @ {git_revision(app_dir)}; database "
        f"{urllib.parse.urlsplit(args.database_url).path.lstrip('/')}: " + ", ".join(summary),
        f"gunicorn {args.workers} sync workers on loopback, DEBUG off, one request at a time; "
        f"{args.rounds} rounds after 1 warm-up; wall time per request in ms; "
        "queries and sql ms from one in-process request (Django test client)",
    ]
    if interrupted:
        header.append(f"NOTE: {interrupted}")
    text = report(results, header)
    print()
    print(text)
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    suffix = f"-{re.sub(r'[^A-Za-z0-9_.-]+', '_', args.label)}" if args.label else ""
    path = out_dir / f"{started:%Y%m%d-%H%M%S}{suffix}.txt"
    path.write_text(text + "\n" + plans(results) + "\n", encoding="utf-8")
    print(f"\nWritten to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if interrupted == "interrupted":
        sys.exit(130)


if __name__ == "__main__":
    main()
