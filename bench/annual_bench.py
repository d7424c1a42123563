#!/usr/bin/env python
"""Time the annual evaluation on whatever city is in a database (bench/generate_city.py).

    .venv/bin/python bench/generate_city.py --database-url URL --scale 0.01
    .venv/bin/python bench/annual_bench.py --database-url URL --add-annual-rows [--rounds 5]

Times, in-process and one call at a time: ``annual_figures`` (with its query count and
SQL time), each renderer of the figures (CSV, xlsx, PDF) and ``national_report_csv``;
prints min / median / max per step and writes the same to
bench/results/<timestamp>-annual[-<label>].txt. Not a test: no threshold fails it.

The generator loads the 支援プラン, 関係者, 終結, アウトリーチ, 参加支援 and 社会資源 the
figures read (bench/casework.py); ``--add-annual-rows`` is kept for old command lines and
only checks that they are there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate_city import PROTECTED_DATABASES, database_name, django_setup  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kasane_bench"


# ---------------------------------------------------------------------------
# The rows the annual evaluation reads


def add_annual_rows() -> None:
    """Kept for old command lines: bench/generate_city.py now loads the plans, 関係者,
    closures, outreach, 参加支援, 社会資源 and targets itself (bench/casework.py)."""
    from cases.models.plans import SupportPlan

    if SupportPlan.objects.exists():
        print("  (already loaded by bench/generate_city.py: nothing to add)", flush=True)
        return
    raise SystemExit(
        "this database has no plans: regenerate it with bench/generate_city.py, which "
        "now loads the plans, 関係者, closures, outreach and 参加支援 itself"
    )


# ---------------------------------------------------------------------------
# Timing


def timed(function, rounds: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--year", type=int, help="the 年度 to report (default: the last full one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--add-annual-rows", action="store_true")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 100:
        raise SystemExit("--rounds must be 1–100")
    if args.add_annual_rows and database_name(args.database_url) in PROTECTED_DATABASES | {
        "kasane_annual"
    }:
        raise SystemExit("refusing to add rows to that database")
    django_setup(args.database_url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.models import Case, Consultation
    from cases.models.plans import PlanStakeholder, SupportPlan
    from core.japanese import fiscal_year
    from meetings.models import Meeting
    from reports.annual import annual_csv, annual_figures, annual_pdf, annual_xlsx
    from reports.national import national_report_csv

    if args.add_annual_rows:
        print("Adding the rows the annual evaluation reads:", flush=True)
        add_annual_rows()
    year = args.year or fiscal_year(timezone.now()) - 1
    counts = {
        "consultation": Consultation.objects.count(),
        f"consultation (年度 {year})": Consultation.objects.filter(fiscal_year=year).count(),
        "case": Case.objects.count(),
        "supportplan": SupportPlan.objects.count(),
        "planstakeholder": PlanStakeholder.objects.count(),
        "meeting": Meeting.objects.count(),
    }

    with CaptureQueriesContext(connection) as queries:
        figures = annual_figures(fiscal_year=year)
    query_count = len(queries.captured_queries)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    steps = [
        ("annual_figures", lambda: annual_figures(fiscal_year=year)),
        ("annual_csv(figures)", lambda: annual_csv(figures)),
        ("annual_xlsx(figures)", lambda: annual_xlsx(figures)),
        ("annual_pdf(figures)", lambda: annual_pdf(figures, issued_at=timezone.now())),
        ("national_report_csv", lambda: national_report_csv(fiscal_year=year)),
    ]
    lines = [
        f"Kasane annual evaluation benchmark — {timezone.localtime():%Y-%m-%d %H:%M} JST",
        f"database {database_name(args.database_url)}: "
        + ", ".join(f"{k}={v:,}" for k, v in counts.items()),
        f"年度 {year} ({figures.label}); {args.rounds} rounds after one warm-up call each; "
        "in-process, wall time in ms",
        f"annual_figures: {query_count} queries, {sql_ms:.0f} ms of SQL (one call)",
        "",
        f"{'step':<24} {'min':>8} {'median':>8} {'max':>8} {'size':>10}",
        "-" * 62,
    ]
    print("\n".join(lines), flush=True)
    for label, function in steps:
        function()  # warm-up (templates, fonts, the planner's cache)
        times, result = timed(function, args.rounds)
        size = f"{len(result) / 1024:,.0f} KiB" if isinstance(result, bytes) else ""
        line = (
            f"{label:<24} {min(times):8.0f} {statistics.median(times):8.0f} "
            f"{max(times):8.0f} {size:>10}"
        )
        print(line, flush=True)
        lines.append(line)
    lines += [
        "",
        f"figures: 相談受付 {figures.consultations.total:,}, "
        f"新規ケース {figures.cases.new_cases:,}, 関係者 {figures.stakeholders.count:,}, "
        f"プラン承認 {figures.cases.plans_approved:,}, "
        f"会議 {sum(r.held for r in figures.meetings.rows):,} 回",
    ]
    print(lines[-1])
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")  # noqa: DTZ005 - a file name
    name = f"{stamp}-annual{'-' + args.label if args.label else ''}.txt"
    (results / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to bench/results/{name}")


if __name__ == "__main__":
    main()
