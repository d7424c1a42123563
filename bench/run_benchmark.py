#!/usr/bin/env python
"""Time Kasane's pages over HTTP against the generated city (bench/generate_city.py).

    .venv/bin/python bench/run_benchmark.py --database-url URL --rounds 20 [--label before]

First the raw-SQL floor (bench/sql_floor.py: an agency's case list page, a case's latest
records, a year's consultation figures, in hand-written SQL) and the annual figures of the
last full 年度, in-process beside the same figures in hand-written SQL (ratio, target ≤ 3×).
Then starts gunicorn (2 workers) on a free loopback port, logs each persona in through
the real login form, and requests each page one at a time for --rounds rounds (after one
warm-up round): p50/p95/max per page and persona, beside the page's floor and its target
(lists, detail, search ≤ 100 ms p95; the manager's home with the annual figures ≤ 1 s),
with the number of SQL queries and their time for the same page measured in-process
(Django test client + CaptureQueriesContext). Then case detail again while --load-workers
processes render the annual PDF / national CSV in a loop, and the 20-case packet
(bench/packet_bench.py in its own database; target ≤ 2.5× a plain render).

Results go to stdout and to bench/results/<timestamp>[-<label>].txt. Loopback only; the
rounds and the total time are bounded; gunicorn and the load processes are stopped at the
end, on error too. --strict (the CI smoke) exits 1 on any HTTP error or crash.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.cookiejar
import math
import os
import re
import signal
import socket
import statistics
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
sys.path.insert(0, str(BENCH))

import sql_floor  # noqa: E402

PASSWORD = "bench-pw-12345"
PERSONAS = [
    "bench_coordinator",
    "bench_staff",
    "bench_staff_big",
    "bench_secretariat",
    "bench_manager",
]
# The targets (p95 over HTTP, ms): lists, detail and search ≤ 100 ms; the annual
# figures ≤ 1 s. Pages not listed have none.
TARGETS = {
    "cases": 100,
    "consult_p1": 100,
    "consult_last": 100,
    "households_deep": 100,
    "households": 100,
    "hh_search": 100,
    "case_detail": 100,
    "annual_home": 1000,
}
# Which raw-SQL floor (sql_floor.py) each page stands beside.
FLOORS = {"cases": "case_list", "case_detail": "latest_records", "annual_home": "annual"}
LOAD_KINDS = ["annual_pdf", "national_csv", "annual_pdf", "national_csv"]
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
    # Case detail again, while report jobs run (``--load-workers``).
    loaded: list[float] = field(default_factory=list)


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
    from agencies.roles import Role

    user = User.objects.get(username=username)
    pages = [
        Page(
            "floor",
            "floor: session status poll",
            reverse("accounts:session_status"),
            {"X-Kasane-Poll": "1"},
        ),
    ]
    if user.has_role(Role.MANAGER):
        # The manager's home shows this 年度's annual figures (reports.annual).
        pages.append(Page("annual_home", "home / (annual figures, this 年度)", reverse("home")))
        return pages
    home_label = "home / (coordinator dashboard)" if user.has_role(Role.COORDINATOR) else "home /"
    pages += [
        Page("home", home_label, reverse("home")),
        Page("cases", "case list (open)", reverse("cases:case_list")),
        Page("consult_p1", "consultation list p1", reverse("cases:consultation_list")),
    ]
    consultations_url = reverse("cases:consultation_list")
    try:
        from cases.selectors import cases_visible_to, consultations_visible_to

        total = consultations_visible_to(user).count()
        last = max(1, math.ceil(total / settings.KASANE_PAGE_SIZE))
        if last > 1:
            url = deep_link(
                consultations_url,
                "CONSULTATION_ORDER",
                consultations_visible_to(user),
                (last - 1) * settings.KASANE_PAGE_SIZE,
                last,
            )
            pages.append(Page("consult_last", f"consultation list p{last}", url))
    except Exception as exc:  # the selectors may be renamed while the app moves on
        pages.append(Page("consult_last", "consultation list last", consultations_url))
        pages[-1].note = f"last page unknown: {exc!r}"[:120]
        cases_visible_to = None
    households_url = reverse("cases:household_list")
    pages.append(Page("households", "household list", households_url))
    try:
        from cases.selectors import households_visible_to

        seen = households_visible_to(user).count()
        middle = seen // 2
        if middle > settings.KASANE_PAGE_SIZE:
            url = deep_link(households_url, "HOUSEHOLD_ORDER", households_visible_to(user), middle)
            number = middle // settings.KASANE_PAGE_SIZE + 1
            pages.append(Page("households_deep", f"household list p{number}", url))
    except Exception as exc:
        print(f"  ({username}: no deep household page: {exc!r})")
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


def deep_link(url: str, order_name: str, rows, offset: int, number: int | None = None) -> str:
    """A link to the page that starts after row ``offset`` of a list: the keyset
    cursor (``?after=``) where the app pages by keyset, else ``?page=``."""
    from cases import selectors

    keyset = getattr(selectors, order_name, None)
    served = Path(os.environ.get("KASANE_BENCH_APP_DIR", ROOT))
    if keyset is None or "keyset_keys" not in (served / "core/paging.py").read_text():
        # The served app (``--app-dir``) pages by number.
        return f"{url}?page={number or 1}"
    names = [f.name for f in keyset.fields]
    key = rows.order_by(*keyset.ordering()).values_list(*names)[offset - 1]
    return f"{url}?{urllib.parse.urlencode({'after': keyset.encode(key)})}"


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


def report(results: dict[str, list[Page]], header: list[str], floors: dict) -> str:
    """The table: each page's p50/p95 beside its raw-SQL floor and its target."""
    lines = [*header, ""]
    lines.append(
        f"{'persona':<18} {'page':<34} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'n':>4} {'queries':>7} {'sql ms':>7} {'KiB':>5} {'floor ms':>8} {'target':>8}"
    )
    lines.append("-" * 124)
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
            floor = floors.get(persona, {}).get(FLOORS.get(page.key, ""))
            floor_ms = floor.median if floor is not None else None
            target = TARGETS.get(page.key)
            verdict = ""
            if target is not None and p95 is not None:
                verdict = "ok" if p95 <= target else "MISS"
            target_text = f"≤{target} {verdict}" if target is not None else ""
            lines.append(
                f"{persona:<18} {page.label[:34]:<34} {fmt(p50):>7} {fmt(p95):>7} {fmt(top):>7} "
                f"{len(page.timings):>4} {fmt(page.queries, 'd'):>7} {fmt(page.sql_ms, '.1f'):>7} "
                f"{page.size // 1024:>5} {fmt(floor_ms, '.1f'):>8} {target_text:>8}"
                f"{status}{errors}{note}"
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
        # The planner settings the numbers depend on (the generator sets the deployment's).
        for setting in ("random_page_cost", "work_mem", "shared_buffers"):
            cur.execute(f"SHOW {setting}")
            parts.append(f"{setting}={cur.fetchone()[0]}")
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


# ---------------------------------------------------------------------------
# The raw-SQL floor, the annual figures, report jobs running beside, the packet


def plan_floors(results: dict[str, list[Page]], year: int) -> dict[str, dict]:
    """Per persona: the hand-written SQL of its case list page and of its heaviest
    case's latest records; for a manager, the annual figures of this 年度."""
    from agencies.models import User
    from agencies.roles import Role

    floors: dict[str, dict] = {}
    for username, pages in results.items():
        user = User.objects.get(username=username)
        keys = {p.key: p for p in pages}
        mine: dict[str, sql_floor.Floor] = {}
        bases = list(sql_floor.AGENCY_BASES)
        if user.has_role(Role.COORDINATOR):
            bases.append("collaboration")
        params = {"user": user.pk, "agency": user.agency_id, "bases": bases}
        if "cases" in keys and keys["cases"].status == 200:
            mine["case_list"] = sql_floor.Floor(
                "case_list", "an agency's case list page", sql_floor.CASE_LIST, params
            )
        if "case_detail" in keys and keys["case_detail"].status == 200:
            case_id = keys["case_detail"].url.rstrip("/").rsplit("/", 1)[-1]
            mine["latest_records"] = sql_floor.Floor(
                "latest_records",
                "a case's latest records",
                sql_floor.LATEST_RECORDS,
                {"case": case_id},
            )
        if "annual_home" in keys:
            mine["annual"] = sql_floor.Floor(
                "annual",
                f"the annual figures of {year}年度 (this 年度)",
                sql_floor.ANNUAL_SQL,
                sql_floor.year_params(year),
            )
        floors[username] = mine
    return floors


def floor_section(dsn: str, floors: dict[str, dict], year: int, rounds: int) -> list[str]:
    consultations = sql_floor.Floor(
        "consultations",
        f"a year's consultation figures ({year}年度)",
        sql_floor.YEAR_CONSULTATIONS,
        sql_floor.year_params(year),
    )
    every = [consultations] + [f for mine in floors.values() for f in mine.values()]
    sql_floor.measure(dsn, every, rounds)
    lines = [
        f"Raw-SQL floor (hand-written SQL, psycopg, median of {rounds} after a warm-up; "
        "bench/sql_floor.py):",
        f"  {'':<18} {consultations.label:<48} {consultations.median:8.1f} ms",
    ]
    for persona, mine in floors.items():
        for floor in mine.values():
            lines.append(f"  {persona:<18} {floor.label:<48} {floor.median:8.1f} ms")
    return lines


def annual_section(dsn: str, year: int, rounds: int) -> tuple[list[str], float]:
    """``annual_figures`` in-process beside the same figures in hand-written SQL."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.annual import annual_figures

    annual_figures(fiscal_year=year)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        annual_figures(fiscal_year=year)
    floor = sql_floor.Floor(
        "annual", "annual", sql_floor.ANNUAL_SQL, sql_floor.year_params(year), []
    )
    # Interleaved, app then SQL in each round: a shared machine's load shifts both alike.
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for round_no in range(rounds + 1):
            started = time.perf_counter()
            annual_figures(fiscal_year=year)
            app_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            with conn.cursor() as cur:
                for statement in floor.statements:
                    cur.execute(statement, floor.params)
                    cur.fetchall()
            sql_ms = (time.perf_counter() - started) * 1000
            if round_no:
                times.append(app_ms)
                floor.timings.append(sql_ms)
    app = statistics.median(times)
    ratio = app / floor.median if floor.median else math.inf
    verdict = "ok" if ratio <= 3 else "MISS"
    lines = [
        f"Annual figures of {year}年度 (the last full 年度), median of {rounds} after a warm-up, "
        "app and SQL interleaved:",
        f"  reports.annual.annual_figures in-process: {app:8.0f} ms "
        f"({len(ctx.captured_queries)} queries)   target ≤ 1000 ms "
        f"{'ok' if app <= 1000 else 'MISS'}",
        f"  the same figures, hand-written SQL:       {floor.median:8.0f} ms "
        f"({len(sql_floor.ANNUAL_SQL)} statements)",
        f"  ratio app / SQL: {ratio:.2f}×   target ≤ 3× {verdict}",
    ]
    return lines, ratio


def load_worker(kind: str) -> None:
    """A report job's work in a loop until TERM: ``annual_pdf`` renders the annual
    evaluation's PDF, ``national_csv`` the national report (reports.annual /
    reports.national, as the Celery task does). One line per finished render."""
    import django

    django.setup()
    from django.utils import timezone

    from core.japanese import fiscal_year
    from reports.annual import annual_figures, annual_pdf
    from reports.national import national_report_csv

    year = fiscal_year(timezone.now()) - 1
    stop_now = False

    def stop_loop(signum, frame):
        nonlocal stop_now
        stop_now = True

    signal.signal(signal.SIGTERM, stop_loop)
    while not stop_now:
        if kind == "annual_pdf":
            annual_pdf(annual_figures(fiscal_year=year), issued_at=timezone.now())
        else:
            national_report_csv(fiscal_year=year)
        print(kind, flush=True)


def start_load(app_dir: Path, env: dict, n: int) -> list[subprocess.Popen]:
    procs = []
    for kind in (LOAD_KINDS * n)[:n]:
        procs.append(
            subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--load-worker", kind],
                cwd=app_dir,
                env={**env, "PYTHONPATH": str(app_dir)},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )
    return procs


def stop_load(procs: list[subprocess.Popen]) -> tuple[int, list[str]]:
    """Stop the workers; how many renders they finished, and any worker's error."""
    done, errors = 0, []
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        done += len(out.split())
        if proc.returncode not in (0, -signal.SIGTERM) and "Traceback" in err:
            errors.append(err.strip().splitlines()[-1][:200])
    return done, errors


def packet_section(args, env: dict) -> tuple[list[str], bool]:
    """bench/packet_bench.py in its own throwaway database (it builds its meeting
    through the services), dropped afterwards."""
    url = args.database_url
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_packet"
    packet_url = urllib.parse.urlunsplit((*parts[:2], "/" + name, parts.query, ""))
    command = [
        sys.executable,
        str(BENCH / "packet_bench.py"),
        "--database-url",
        packet_url,
        "--cases",
        "20",
        "--rounds",
        str(args.packet_rounds),
        "--label",
        args.label or "run",
    ]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    with contextlib.suppress(Exception):
        import psycopg

        admin = urllib.parse.urlunsplit((*parts[:2], "/postgres", parts.query, ""))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if proc.returncode != 0:
        return [f"20-case packet: packet_bench.py failed: {proc.stderr.strip()[-500:]}"], False
    keep = [
        line
        for line in proc.stdout.splitlines()
        if line.startswith(("meeting:", "packet:", "median:", "round", "    "))
        or re.match(r"^\s*\d+\s", line)
    ]
    return [
        "20-case packet (bench/packet_bench.py, its own database; 15 watermarked copies "
        "beside one plain render; target ≤ 2.5× the plain render):",
        *(f"  {line}" for line in keep),
    ], True


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--load-worker":
        load_worker(sys.argv[2])
        return
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
    parser.add_argument(
        "--floor-rounds", type=int, default=20, help="rounds of the raw-SQL floor (median)"
    )
    parser.add_argument(
        "--annual-rounds", type=int, default=5, help="rounds of annual_figures and its SQL"
    )
    parser.add_argument(
        "--load-workers",
        type=int,
        default=4,
        help="report jobs (annual PDF / national CSV renders) running while case detail "
        "is timed again (0: skip)",
    )
    parser.add_argument("--packet-rounds", type=int, default=2)
    parser.add_argument("--no-packet", action="store_true", help="skip the 20-case packet")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a page answers an HTTP error while timed, fails in-process, or "
        "answers 5xx (the CI smoke)",
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= 1000:
        raise SystemExit("--rounds must be between 1 and 1000")
    if not 1 <= args.workers <= 8:
        raise SystemExit("--workers must be between 1 and 8")
    if not (1 <= args.floor_rounds <= 1000 and 1 <= args.annual_rounds <= 100):
        raise SystemExit("--floor-rounds 1–1000, --annual-rounds 1–100")
    if not (0 <= args.load_workers <= 8 and 1 <= args.packet_rounds <= 10):
        raise SystemExit("--load-workers 0–8, --packet-rounds 1–10")
    db_name = urllib.parse.urlsplit(args.database_url).path.lstrip("/")
    if db_name in ("kasane", "postgres") or db_name.startswith("test_kasane"):
        raise SystemExit("benchmark a bench database, not kasane, test_kasane* or postgres")
    app_dir = args.app_dir.resolve()
    os.environ["KASANE_BENCH_APP_DIR"] = str(app_dir)  # how deep pages are linked
    env = django_env(args.database_url)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(app_dir))

    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from core.japanese import fiscal_year

    personas = [p for p in args.personas.split(",") if p]
    started = dt.datetime.now().astimezone()
    this_year = fiscal_year(timezone.now())
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
    print("Raw-SQL floor…", flush=True)
    floors = plan_floors(results, this_year)
    floor_lines = floor_section(args.database_url, floors, this_year - 1, args.floor_rounds)
    print("\n".join(floor_lines), flush=True)
    print("Annual figures in-process and in SQL…", flush=True)
    annual_lines, _ = annual_section(args.database_url, this_year - 1, args.annual_rounds)
    print("\n".join(annual_lines), flush=True)
    connection.close()

    # Stop cleanly on Ctrl-C or a TERM from outside: the finally below kills gunicorn.
    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    proc = None
    load: list[subprocess.Popen] = []
    load_done, load_errors = 0, []
    log = Path(tempfile.mkstemp(prefix="kasane-bench-gunicorn-", suffix=".log")[1])
    port = free_port()
    base = f"http://{HOST}:{port}"
    interrupted = ""
    crashed = ""
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

        def one_round(round_no: int, *, only: str | None = None, into: str = "timings"):
            for username, pages in results.items():
                session = sessions[username]
                for page in pages:
                    if page.status != 200 or (only and page.key != only):
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
                        getattr(page, into).append(ms)
                        page.size = len(body)
                    else:
                        page.errors.append(f"HTTP {status}")

        for round_no in range(args.rounds + 1):
            if time.monotonic() > deadline:
                interrupted = f"stopped after {round_no - 1} rounds (--max-seconds)"
                break
            one_round(round_no)
            if round_no and round_no % 10 == 0:
                print(f"  round {round_no}/{args.rounds}", flush=True)
        if args.load_workers and not interrupted:
            print(f"Case detail again while {args.load_workers} report renders run…", flush=True)
            load = start_load(app_dir, env, args.load_workers)
            time.sleep(5)  # let them get past django.setup() into their first render
            for round_no in range(args.rounds + 1):
                if time.monotonic() > deadline:
                    break
                one_round(round_no, only="case_detail", into="loaded")
            load_done, load_errors = stop_load(load)
            load = []
    except KeyboardInterrupt:
        interrupted = "interrupted"
    except Exception as exc:  # a crash still writes what was measured
        crashed = f"{type(exc).__name__}: {exc}"
        interrupted = f"crashed: {crashed}"
    finally:
        if load:
            stop_load(load)
        stop(proc)
        log.unlink(missing_ok=True)

    packet_lines, packet_ok = [], True
    if not args.no_packet and not interrupted:
        print("The 20-case packet (packet_bench.py)…", flush=True)
        packet_lines, packet_ok = packet_section(args, env)

    header = [
        f"Kasane HTTP benchmark — {started:%Y-%m-%d %H:%M %Z}"
        + (f" — label {args.label}" if args.label else ""),
        f"app {app_dir} @ {git_revision(app_dir)}; database {db_name}: " + ", ".join(summary),
        f"gunicorn {args.workers} sync workers on loopback, DEBUG off, one request at a time; "
        f"{args.rounds} rounds after 1 warm-up; wall time per request in ms; "
        "queries and sql ms from one in-process request (Django test client); "
        "floor ms: the page's data in hand-written SQL (below); targets: p95",
        f"machine: {os.cpu_count()} cores, shared with other work — "
        "numbers are noisy; compare runs made back to back",
    ]
    if interrupted:
        header.append(f"NOTE: {interrupted}")
    text = "\n".join([*floor_lines, "", *annual_lines, ""])
    text = "\n".join(header) + "\n\n" + text + "\n" + report(results, [], floors)
    loaded_lines = []
    for persona, pages in results.items():
        for page in pages:
            if page.loaded:
                idle = percentile(page.timings, 95) if page.timings else None
                busy = percentile(page.loaded, 95)
                loaded_lines.append(
                    f"  {persona:<18} {page.label[:34]:<34} idle p95 {fmt(idle):>6} ms   "
                    f"with {args.load_workers} report jobs p95 {busy:6.0f} ms "
                    f"(p50 {percentile(page.loaded, 50):.0f}, n {len(page.loaded)})   "
                    f"target ≤100 {'ok' if busy <= 100 else 'MISS'}"
                )
    if loaded_lines:
        text += (
            f"\n\nCase detail p95 while {args.load_workers} report jobs run "
            f"({', '.join((LOAD_KINDS * args.load_workers)[: args.load_workers])}; "
            f"{load_done} renders finished meanwhile; 2 cores):\n" + "\n".join(loaded_lines)
        )
        if load_errors:
            text += "\n  report job errors: " + "; ".join(load_errors)
    if packet_lines:
        text += "\n\n" + "\n".join(packet_lines)
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
    if args.strict:
        failures = [
            f"{persona} / {page.key}: {page.errors[0] if page.errors else page.note}"
            for persona, pages in results.items()
            for page in pages
            if page.errors or page.status is None or page.status < 0 or page.status >= 500
        ]
        failures += [f"report job: {e}" for e in load_errors]
        if crashed:
            failures.append(crashed)
        if not packet_ok:
            failures.append("packet_bench.py failed")
        if failures:
            print("\nFAILED (--strict):\n  " + "\n  ".join(failures), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
