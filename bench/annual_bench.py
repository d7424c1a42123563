#!/usr/bin/env python
"""Time the annual evaluation on whatever city is in a database (bench/generate_city.py).

    .venv/bin/python bench/generate_city.py --database-url URL --scale 0.01
    .venv/bin/python bench/annual_bench.py --database-url URL --add-annual-rows [--rounds 5]

Times, in-process and one call at a time: ``annual_figures`` (with its query count and
SQL time), each renderer of the figures (CSV, xlsx, PDF) and ``national_report_csv``;
prints min / median / max per step and writes the same to
bench/results/<timestamp>-annual[-<label>].txt. Not a test: no threshold fails it.

The generator writes no 支援プラン, 関係者, 終結, アウトリーチ, 参加支援 or 社会資源, so the
figures that read them would be timed on empty tables. ``--add-annual-rows`` loads them
once (by COPY, with their history "+" rows as the generator does): plans with 関係者 for
about two cases in three, a closure for each closed case, outreach with contacts,
participation matches, community resources with their yearly figures and targets.
Deterministic for a given --seed; refused when the database already has plans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate_city import PROTECTED_DATABASES, database_name, django_setup  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kasane_bench"


# ---------------------------------------------------------------------------
# The rows the generator does not write


def add_annual_rows(seed: int) -> dict[str, int]:
    """Plans, 関係者, closures, outreach, 参加支援, 社会資源 and targets for the city."""
    import psycopg
    from copyload import Table
    from django.db import connection

    from agencies.models import Agency, CommunityResource, ResourceYearFigures, User
    from cases.models import Case, CaseClosure, Household
    from cases.models.outreach import OutreachContact, OutreachEngagement
    from cases.models.participation import ParticipationSupport
    from cases.models.plans import PlanStakeholder, SupportPlan
    from core.japanese import fiscal_year, normalize_text
    from reports.models import OutcomeTarget

    if SupportPlan.objects.exists():
        raise SystemExit("the database already has plans: --add-annual-rows adds them once")
    rng = random.Random(seed)
    coordinators = list(
        User.objects.filter(groups__name="coordinator").values_list("pk", flat=True)
    ) or list(User.objects.values_list("pk", flat=True)[:1])
    agencies = list(Agency.objects.values_list("pk", "kind"))
    cases = list(Case.objects.values_list("pk", "status", "opened_at", "updated_at"))
    subjects = {}
    for case_id, person_id in Case.subjects.through.objects.values_list("case_id", "person_id"):
        subjects.setdefault(case_id, person_id)
    names = ["民生委員", "自治会長", "大家", "叔父", "叔母", "友人", "主治医", "ケアマネ"]
    companies = ["商店", "工務店", "スーパー", "新聞販売店", "運送", "農園", "食堂"]
    today = dt.datetime.now(dt.UTC)
    plans, stakeholders, closures = [], [], []
    for case_id, status, opened_at, updated_at in cases:
        if rng.random() > 0.66:
            continue
        versions = rng.choice([1, 1, 1, 2, 2, 3])
        moment = opened_at
        for number in range(1, versions + 1):
            moment = min(moment + dt.timedelta(days=rng.randint(20, 200)), today)
            approved = number < versions or rng.random() < 0.8
            plan_id = uuid.uuid4()
            plans.append(
                {
                    "id": plan_id,
                    "case_id": case_id,
                    "number": number,
                    "status": (
                        "superseded" if number < versions else "approved" if approved else "draft"
                    ),
                    "long_term_goal": "安心して暮らし続ける",
                    "short_term_goal": "通院と家計の立て直し",
                    "urgent": False,
                    "monitoring_on": (moment + dt.timedelta(days=90)).date(),
                    "approved_at": moment + dt.timedelta(days=3) if approved else None,
                    "approved_by_id": rng.choice(coordinators) if approved else None,
                    "created_by_id": rng.choice(coordinators),
                    "created_at": moment,
                    "updated_at": moment,
                    "version": 2 if approved else 1,
                    "_user": rng.choice(coordinators),
                    "_reason": "支援プランの作成",
                }
            )
            for _ in range(rng.randint(1, 6)):
                roll = rng.random()
                if roll < 0.5:
                    agency_id, kind = rng.choice(agencies)
                    kind = "department" if kind == "department" else "agency"
                    name, key = "", f"agency:{agency_id}"
                else:
                    agency_id = None
                    kind = rng.choice(["person", "resident", "company", "other"])
                    pool = companies if kind == "company" else names
                    name = f"{rng.choice(pool)}{rng.randint(1, 400)}"
                    key = f"{kind}:{normalize_text(name)}"
                stakeholders.append(
                    {
                        "plan_id": plan_id,
                        "kind": kind,
                        "agency_id": agency_id,
                        "name": name,
                        "role": "",
                        "dedup_key": key,
                    }
                )
        if status == "closed":
            closures.append(
                {
                    "id": len(closures) + 1,
                    "case_id": case_id,
                    "reason": rng.choices(
                        ["resolved", "existing_window", "comprehensive", "moved_out", "other"],
                        weights=[40, 30, 15, 10, 5],
                    )[0],
                    "note": "",
                    "improvement": rng.choice(["improved", "not_improved", "unknown"]),
                    "evaluation": "支援の経過と成果",
                    "closed_at": updated_at,
                    "closed_by_id": rng.choice(coordinators),
                    "handover_agency_id": None,
                    "_at": updated_at,
                    "_user": rng.choice(coordinators),
                }
            )
    for row in closures:
        if row["reason"] in ("existing_window", "comprehensive"):
            row["handover_agency_id"] = rng.choice(agencies)[0]
    engagements, contacts, participations, resources, figures = [], [], [], [], []
    staff = list(
        User.objects.filter(groups__name="agency_staff").values_list("pk", "agency_id")[:500]
    )
    households = list(Household.objects.values_list("pk", flat=True))
    first_year = fiscal_year(min((c[2] for c in cases), default=today))
    for _ in range(max(len(cases) // 20, 10)):
        user_id, agency_id = rng.choice(staff)
        start = (today - dt.timedelta(days=rng.randint(10, 365 * 9))).date()
        ended = start + dt.timedelta(days=rng.randint(30, 900))
        engagement_id = uuid.uuid4()
        engagements.append(
            {
                "id": engagement_id,
                "household_id": rng.choice(households),
                "started_on": start,
                "started_by_id": user_id,
                "agency_id": agency_id,
                "concern": "閉じこもりが続いている",
                "status": "ended" if ended < today.date() else "active",
                "ended_on": ended if ended < today.date() else None,
                "end_reason": "相談につながった" if ended < today.date() else "",
                "created_at": dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC),
                "updated_at": dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC),
            }
        )
        for _ in range(rng.randint(1, 8)):
            day = start + dt.timedelta(days=rng.randint(0, 300))
            if day > today.date():
                continue
            contacts.append(
                {
                    "id": uuid.uuid4(),
                    "engagement_id": engagement_id,
                    "contacted_on": day,
                    "method": "visit",
                    "with_whom": "",
                    "what_happened": "玄関先で話せた",
                    "recorded_by_id": user_id,
                    "agency_id": agency_id,
                    "created_at": dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                    "updated_at": dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
                }
            )
    kinds = ["ibasho", "business", "salon", "kodomo_shokudo", "work_experience", "volunteer"]
    for index in range(max(len(cases) // 250, 12)):
        resources.append(
            {
                "id": index + 1,
                "name": f"架空市の社会資源{index + 1}",
                "kind": kinds[index % len(kinds)],
                "search_key": f"架空市の社会資源{index + 1}",
                "is_active": True,
            }
        )
        for year in range(first_year, fiscal_year(today) + 1):
            figures.append(
                {
                    "resource_id": index + 1,
                    "fiscal_year": year,
                    "is_hub": index % 3 == 0,
                    "participants": rng.randint(0, 400),
                    "citizens_running": rng.randint(0, 20),
                    "agencies_count": rng.randint(0, 8),
                }
            )
    with_case = [c for c in cases if c[1] != "closed" and c[0] in subjects]
    for case_id, _, opened_at, _ in rng.sample(with_case, min(len(with_case) // 10, 5000)):
        start = (opened_at + dt.timedelta(days=rng.randint(10, 300))).date()
        if start > today.date():
            continue
        user_id, agency_id = rng.choice(staff)
        participations.append(
            {
                "id": uuid.uuid4(),
                "case_id": case_id,
                "person_id": subjects[case_id],
                "resource_id": rng.randint(1, len(resources)),
                "started_on": start,
                "status": "participating",
                "outcome": "",
                "agency_id": agency_id,
                "created_by_id": user_id,
                "created_at": dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC),
                "updated_at": dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC),
            }
        )
    manager = User.objects.filter(groups__name="manager").values_list("pk", flat=True).first()
    targets = [
        {
            "fiscal_year": year,
            "target": 100 * (year - first_year + 1),
            "note": "",
            "set_by_id": manager or coordinators[0],
        }
        for year in range(max(first_year, 2019), fiscal_year(today) + 3)
    ]

    loaded: dict[str, int] = {}

    def report(table: str, rows: int, seconds: float) -> None:
        loaded[table] = rows
        print(f"  {table:<45} {rows:>9,} rows {seconds:7.1f} s", flush=True)

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        for model, rows, explicit in (
            (SupportPlan, plans, False),
            (PlanStakeholder, stakeholders, False),
            (CaseClosure, closures, True),
            (OutreachEngagement, engagements, False),
            (OutreachContact, contacts, False),
            (CommunityResource, resources, True),
            (ResourceYearFigures, figures, False),
            (ParticipationSupport, participations, False),
            (OutcomeTarget, targets, False),
        ):
            Table(model, explicit_pk=explicit).copy(conn, rows, report)
        # History "+" rows where the services would have written them (plans, closures).
        for model, rows in ((SupportPlan, plans), (CaseClosure, closures)):
            history = []
            for index, row in enumerate(rows, start=1):
                h = {k: v for k, v in row.items() if not k.startswith("_")}
                h.update(
                    history_id=index,
                    history_date=row.get("_at") or row["created_at"],
                    history_change_reason=row.get("_reason"),
                    history_type="+",
                    history_user_id=row.get("_user"),
                )
                history.append(h)
            Table(model.history.model, explicit_pk=True, lenient=True).copy(conn, history, report)
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(),
            [
                PlanStakeholder,
                CaseClosure,
                CommunityResource,
                ResourceYearFigures,
                OutcomeTarget,
                SupportPlan.history.model,
                CaseClosure.history.model,
            ],
        ):
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return loaded


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
    parser.add_argument("--seed", type=int, default=20250401)
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
        add_annual_rows(args.seed)
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
