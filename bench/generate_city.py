#!/usr/bin/env python
"""Ten fiscal years of a fictional big city (架空市) for benchmarking the access policy.

    .venv/bin/python bench/generate_city.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kasane_bench --scale 1.0

Drops and recreates the database, runs the migrations against it, then loads (at scale
1.0) about 200 agencies, 2,000 users, 120,000 households and their members, 150,000
consultations, 50,000 cases with their access rows and timelines, consents, meeting bodies
with members, pledges, meetings and agendas; then the casework in proportion
(bench/casework.py): 1,000,000 支援経過 with their timeline lines, plans with 関係者 and
役割分担, assessments, つなぐシート, outreach, 参加支援, 終結 and 中断, 社会資源, packets and
annual/national report files; and the simple-history "+" rows of every model that has
history. Rows go in with PostgreSQL COPY; the columns
come from the Django models (bench/copyload.py), not from this file. Deterministic for a
given --seed and --today. Everything is fictional: names from lists of common names,
addresses in 架空市, phone numbers and postal codes starting with 000.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import itertools
import os
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import city_names as names
import psycopg
from casework import fill_history, plan_casework, record_rows
from copyload import LoadError, Table, copy_together
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
TOKYO = ZoneInfo("Asia/Tokyo")
PROTECTED_DATABASES = frozenset({"kasane", "test_kasane", "postgres", "template0", "template1"})
BENCH_PASSWORD = "bench-pw-12345"
YEARS = 10

# Roles as in agencies/roles.py (the Groups that the migrations create).
COORDINATOR, STAFF, SECRETARIAT, MANAGER, ADMIN = (
    "coordinator",
    "agency_staff",
    "secretariat",
    "manager",
    "admin",
)
CASE_ROLES = frozenset({COORDINATOR, STAFF})

PERSONAS = {
    "bench_coordinator": "調整役（圏域の多機関協働センター）",
    "bench_staff": "機関の職員（地域包括支援センター）",
    "bench_staff_big": "機関の職員（事例の多い生活困窮の窓口）",
    "bench_secretariat": "会議の事務局（全会議体の誓約書あり）",
    "bench_manager": "管理職（年次評価の数字をホームで見る）",
}


# ---------------------------------------------------------------------------
# Database set-up


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise SystemExit("--database-url must name a database")
    return name


DEPLOYMENT_SETTINGS = {"random_page_cost": "1.1", "work_mem": "16MB"}


def recreate_database(url: str) -> None:
    name = database_name(url)
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop the database {name!r}")
    parts = urlsplit(url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # The planner settings the deployment runs with (docker-compose.yml, README
        # "PostgreSQL settings") that a database can carry itself; shared_buffers and
        # effective_cache_size belong to the server.
        for setting, value in DEPLOYMENT_SETTINGS.items():
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
                )
            )


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        KASANE_REQUIRE_MFA="0",
    )
    env.pop("REDIS_URL", None)
    return env


def migrate(url: str) -> None:
    # --skip-checks: the system checks import every view, and the app code may be
    # mid-edit; the migrations alone decide the schema.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--skip-checks", "--verbosity", "0"],
        cwd=ROOT,
        env=django_env(url),
        check=True,
    )


def django_setup(url: str) -> None:
    os.environ.update(django_env(url))
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---------------------------------------------------------------------------
# The plan of the city


@dataclass
class Agency:
    id: int
    name: str
    kana: str
    kind: str
    family: str  # hub_city, hub_area, big, department, window, shakyo, private, medical …
    area_id: int | None = None
    consult_weight: float = 0.0
    staff_weight: float = 1.0
    workers: list[int] = field(default_factory=list)  # coordinators and agency staff
    coordinators: list[int] = field(default_factory=list)

    @property
    def is_hub(self) -> bool:
        return self.family in ("hub_city", "hub_area")


@dataclass
class User:
    id: int
    username: str
    role: str
    agency_id: int
    name: str
    kana: str = ""


@dataclass
class CasePlan:
    index: int
    id: uuid.UUID
    household: int
    consultations: list[int]  # indices into the consultation plan, by time
    opened_at: dt.datetime
    opened_by: int
    lead: int
    main_agency: int
    status: str
    closed_at: dt.datetime | None
    subjects: list[int]  # person indices
    heavy: bool = False
    fiscal_year: int = 0
    sequence: int = 0
    consents: list[dict] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)  # (at, kind, actor, message, params)

    @property
    def end(self) -> dt.datetime | None:
        return self.closed_at


def fiscal_year_of(moment: dt.datetime | dt.date) -> int:
    day = moment.astimezone(TOKYO).date() if isinstance(moment, dt.datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def fy_start(year: int) -> dt.datetime:
    return dt.datetime(year, 4, 1, tzinfo=TOKYO)


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TOKYO)


def end_of_day(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else start_of_day(day + dt.timedelta(days=1))


STATUS_PATH = ["intake", "assessment", "planning", "support", "monitoring", "closed"]
STATUS_LABELS = {
    "intake": "受付",
    "assessment": "アセスメント",
    "planning": "プラン作成",
    "support": "支援中",
    "monitoring": "モニタリング",
    "suspended": "中断",
    "closed": "終結",
}
BASIS_LABELS = {
    "receiving_agency": "受付機関",
    "collaboration": "多機関協働",
    "partner": "多機関協働（参加機関）",
    "consent": "同意",
}


class City:
    def __init__(self, *, scale: float, seed: int, today: dt.date):
        from core.japanese import (
            fiscal_year_prefix,
            format_wareki,
            normalize_address,
            normalize_kana,
            normalize_phone,
            normalize_text,
        )

        self.rng = random.Random(seed)
        self.scale = scale
        self.anchor = start_of_day(today)  # every row is before this moment
        self.today = today
        self.current_fy = fiscal_year_of(today)
        self.first_fy = self.current_fy - YEARS + 1
        self.kana_key = functools.lru_cache(maxsize=None)(normalize_kana)
        self.text_key = functools.lru_cache(maxsize=None)(normalize_text)
        self.normalize_phone = normalize_phone
        self.normalize_address = normalize_address
        self.wareki = format_wareki
        self.fy_prefix = fiscal_year_prefix

        def n(full: int, minimum: int, *, shrink: bool = False) -> int:
            # Below scale 0.01 (the CI smoke) the households, consultations and cases
            # shrink on; the agencies and users keep their floor (the personas need them).
            if shrink and scale < 0.01:
                minimum = max(1, round(minimum * scale / 0.01))
            return max(minimum, round(full * scale))

        self.n_agencies = n(200, 20)
        self.n_users = n(2000, 40)
        self.n_households = n(120_000, 1_200, shrink=True)
        self.n_consultations = max(self.n_households, n(150_000, 1_500, shrink=True))
        self.n_cases = min(n(50_000, 500, shrink=True), self.n_households)
        self.meeting_interval_months = 1 if scale >= 0.5 else 3

        self.areas: list[dict] = []
        self.agencies: list[Agency] = []
        self.users: list[User] = []
        self.personas: dict[str, User] = {}
        # Consultation plan: parallel lists.
        self.c_household: list[int] = []
        self.c_time: list[dt.datetime] = []
        self.c_agency: list[int] = []
        self.c_user: list[int] = []
        self.c_case: list[int | None] = []
        self.c_consent: list[str] = []
        self.hh_consultations: list[list[int]] = []
        self.hh_case: dict[int, int] = {}
        self.households: list[dict] = []
        self.persons: list[dict] = []
        self.hh_people: list[range] = []
        self.cases: list[CasePlan] = []
        self.accesses: list[dict] = []

    # -- helpers ------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def office_time(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        """A moment in [lo, hi), on a weekday between 8:30 and 17:15 when possible."""
        lo_ts, hi_ts = lo.timestamp(), hi.timestamp()
        ts = self.rng.uniform(lo_ts, hi_ts)
        day = dt.datetime.fromtimestamp(ts, TOKYO).date()
        if day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        seconds = 8 * 3600 + 1800 + self.rng.randrange(8 * 3600 + 45 * 60)
        moment = start_of_day(day) + dt.timedelta(seconds=seconds)
        if lo_ts <= moment.timestamp() < hi_ts:
            return moment
        return dt.datetime.fromtimestamp(ts, TOKYO)

    def after(self, moment: dt.datetime, *, max_days: float, limit: dt.datetime) -> dt.datetime:
        """Some time after ``moment`` (within ``max_days``), before ``limit``."""
        hi = min(moment + dt.timedelta(days=max_days), limit)
        if hi <= moment:
            return moment + (limit - moment) / 2 if limit > moment else moment
        return self.office_time(moment, hi)

    def intake_time(self) -> dt.datetime:
        """Consultations grow over the ten years (the programme spreads)."""
        weights = []
        for i in range(YEARS):
            year = self.first_fy + i
            span = (min(fy_start(year + 1), self.anchor) - fy_start(year)).total_seconds()
            weights.append((0.6 + 0.09 * i) * span / (365 * 86400))
        year = self.first_fy + self.rng.choices(range(YEARS), weights=weights)[0]
        return self.office_time(fy_start(year), min(fy_start(year + 1), self.anchor))

    def person_name(self, sex: str | None = None) -> tuple[str, str, str, str, str]:
        family, family_kana = self.rng.choice(names.FAMILY_NAMES)
        if sex is None:
            sex = self.rng.choice(["male", "female"])
        pool = names.MALE_NAMES if sex == "male" else names.FEMALE_NAMES
        given, given_kana = self.rng.choice(pool)
        return family, given, family_kana, given_kana, sex

    def phone(self) -> str:
        return f"000-{self.rng.randrange(100, 1000)}-{self.rng.randrange(10000):04d}"

    def address(self) -> str:
        town, _ = self.rng.choice(names.TOWNS)
        chome, ban, go = self.rng.randint(1, 5), self.rng.randint(1, 30), self.rng.randint(1, 25)
        text = f"架空市{town}{chome}丁目{ban}番{go}号"
        if self.rng.random() < 0.3:
            room = f"{self.rng.randint(1, 5)}0{self.rng.randint(1, 9)}"
            text += f" {self.rng.choice(names.BUILDINGS)}{room}"
        return text

    # -- agencies and users --------------------------------------------------------

    def plan_agencies(self) -> None:
        for i, (name, _kana) in enumerate(names.DISTRICTS, start=1):
            self.areas.append(
                {"id": i, "name": f"{name}圏域", "kind": "district", "sort_order": i * 10}
            )
        for j, (name, _kana) in enumerate(names.SCHOOL_AREAS, start=len(self.areas) + 1):
            self.areas.append({"id": j, "name": name, "kind": "school", "sort_order": j * 10})
        districts = [(a["id"], names.DISTRICTS[i]) for i, a in enumerate(self.areas[:5])]

        def family_list(family, kind, items, consult, staff):
            return [(family, kind, name, kana, area, consult, staff) for name, kana, area in items]

        essentials = [
            (
                "hub_city",
                "shakyo",
                "架空市社会福祉協議会 多機関協働推進室",
                "かくうししゃかいふくしきょうぎかい たきかんきょうどうすいしんしつ",
                None,
                2.0,
                4,
            ),
            (
                "big",
                "window",
                "架空市くらし・しごと相談センター",
                "かくうしくらししごとそうだんせんたー",
                None,
                12.0,
                40,
            ),
        ]
        hubs = family_list(
            "hub_area",
            "window",
            [
                (
                    f"架空市{d}圏域 福祉まるごと相談センター",
                    f"かくうし{k}けんいき ふくしまるごとそうだんせんたー",
                    aid,
                )
                for aid, (d, k) in districts
            ],
            2.0,
            3,
        )
        weights = {"生活福祉課": (5.0, 40), "福祉政策課": (0.3, 20), "情報政策課": (0.0, 6)}
        departments = [
            (
                "department",
                "department",
                f"架空市{name}",
                f"かくうし{kana}",
                None,
                *weights.get(name, (0.6, 15)),
            )
            for name, kana in names.DEPARTMENTS
        ]

        def numbered(label, kana, count, consult, staff, kind="window", family="window"):
            return [
                (
                    family,
                    kind,
                    f"架空市第{i}{label}",
                    f"かくうしだい{i}{kana}",
                    districts[(i - 1) % len(districts)][0],
                    consult,
                    staff,
                )
                for i in range(1, count + 1)
            ]

        def worded(label, kana, count, family, kind, consult, staff, prefix=False):
            out = []
            for i in range(count):
                word, wkana = names.AGENCY_WORDS[i % len(names.AGENCY_WORDS)]
                extra = (
                    "" if i < len(names.AGENCY_WORDS) else f"第{i // len(names.AGENCY_WORDS) + 1}"
                )
                name = f"{label}{word}{extra}" if prefix else f"{word}{label}{extra}"
                nkana = f"{kana}{wkana}" if prefix else f"{wkana}{kana}"
                area = districts[i % len(districts)][0]
                out.append((family, kind, name, nkana, area, consult, staff))
            return out

        windows = (
            numbered("地域包括支援センター", "ちいきほうかつしえんせんたー", 20, 1.5, 10)
            + numbered(
                "障がい者相談支援センター", "しょうがいしゃそうだんしえんせんたー", 12, 0.8, 6
            )
            + numbered(
                "子育て世代包括支援センター", "こそだてせだいほうかつしえんせんたー", 4, 1.0, 6
            )
        )
        shakyo = [
            (
                "shakyo",
                "shakyo",
                f"架空市{d}地区社会福祉協議会",
                f"かくうし{k}ちくしゃかいふくしきょうぎかい",
                aid,
                1.0,
                6,
            )
            for aid, (d, k) in districts
        ]
        private = (
            worded(
                "ケアプランセンター", "けあぷらんせんたー", 40, "private", "private", 0.1, 3, True
            )
            + worded(
                "就労支援センター", "しゅうろうしえんせんたー", 15, "private", "private", 0.1, 3
            )
            + worded(
                "訪問看護ステーション",
                "ほうもんかんごすてーしょん",
                12,
                "private",
                "private",
                0.05,
                2,
            )
            + worded("NPO法人", "えぬぴーおーほうじん", 10, "private", "private", 0.2, 2, True)
        )
        medical = [
            (
                "medical",
                "medical",
                "架空市立病院 医療福祉相談室",
                "かくうしりつびょういん いりょうふくしそうだんしつ",
                None,
                0.3,
                4,
            ),
            *worded("クリニック", "くりにっく", 25, "medical", "medical", 0.05, 2),
        ]
        schools = [
            (
                "school",
                "school",
                f"架空市立{town.rstrip('町')}{level}",
                f"かくうしりつ{tkana}{lkana}",
                districts[i % len(districts)][0],
                0.15,
                2,
            )
            for i, ((town, tkana), (level, lkana)) in enumerate(
                itertools.product(
                    names.TOWNS[:15], [("小学校", "しょうがっこう"), ("中学校", "ちゅうがっこう")]
                )
            )
        ]
        others = [
            ("other", "other", name, kana, None, 0.2, 3)
            for name, kana in [
                ("架空市民生委員児童委員協議会", "かくうしみんせいいいんじどういいんきょうぎかい"),
                ("架空市成年後見センター", "かくうしせいねんこうけんせんたー"),
                ("架空市ボランティアセンター", "かくうしぼらんてぃあせんたー"),
                ("架空市シルバー人材センター", "かくうししるばーじんざいせんたー"),
                ("架空市ひきこもり地域支援センター", "かくうしひきこもりちいきしえんせんたー"),
            ]
        ]
        # Essentials first, then the families round-robin, so that a small scale keeps
        # a bit of everything.
        first = essentials + hubs[:2] + departments[:5] + windows[:3] + shakyo[:1]
        rest_families = [
            hubs[2:],
            departments[5:],
            windows[3:],
            shakyo[1:],
            private,
            medical,
            schools,
            others,
        ]
        catalogue = list(first)
        for group in itertools.zip_longest(*rest_families):
            catalogue.extend(item for item in group if item is not None)
        seen = set()
        for family, kind, name, kana, area, consult, staff in catalogue[: self.n_agencies]:
            assert name not in seen, name
            seen.add(name)
            self.agencies.append(
                Agency(
                    id=len(self.agencies) + 1,
                    name=name,
                    kana=kana,
                    kind=kind,
                    family=family,
                    area_id=area,
                    consult_weight=consult,
                    staff_weight=staff,
                )
            )
        self.agency_by_id = {a.id: a for a in self.agencies}
        self.hubs = [a for a in self.agencies if a.is_hub]
        self.area_hub = {a.area_id: a for a in self.agencies if a.family == "hub_area"}
        self.city_hub = next(a for a in self.agencies if a.family == "hub_city")
        self.big = next(a for a in self.agencies if a.family == "big")
        self.secretariat_home = next(a for a in self.agencies if a.name.endswith("福祉政策課"))
        self.partner_pool = [
            a for a in self.agencies if a.family in ("department", "window", "private", "shakyo")
        ]

    def plan_users(self) -> None:
        rng = self.rng
        n = self.n_users
        n_coord = max(4, round(n * 0.05))
        n_secr = max(2, round(n * 0.006))
        n_mgr = max(1, round(n * 0.015))
        n_admin = max(1, round(n * 0.003))
        n_staff = n - n_coord - n_secr - n_mgr - n_admin
        slots: list[tuple[str, Agency]] = []
        # Coordinators: 30 % at the city-wide hub, the rest over the area hubs.
        area_hubs = [a for a in self.hubs if a.family == "hub_area"] or [self.city_hub]
        for i in range(n_coord):
            if i < len(area_hubs):
                hub = area_hubs[i]
            elif i == len(area_hubs) or i % 10 < 3:
                hub = self.city_hub
            else:
                hub = area_hubs[i % len(area_hubs)]
            slots.append((COORDINATOR, hub))
        info = next((a for a in self.agencies if a.name.endswith("情報政策課")), None)
        for i in range(n_secr):
            slots.append((SECRETARIAT, self.secretariat_home if i % 3 else self.city_hub))
        departments = [a for a in self.agencies if a.family == "department"]
        for i in range(n_mgr):
            slots.append((MANAGER, departments[i % len(departments)]))
        for _ in range(n_admin):
            slots.append((ADMIN, info or self.secretariat_home))
        staff_agencies = list(self.agencies) if n_staff >= len(self.agencies) else []
        weights = [a.staff_weight for a in self.agencies]
        staff_agencies += rng.choices(
            self.agencies, weights=weights, k=n_staff - len(staff_agencies)
        )
        slots += [(STAFF, a) for a in staff_agencies]
        for i, (role, agency) in enumerate(slots, start=1):
            family, given, fkana, gkana, _sex = self.person_name()
            user = User(i, f"u{i:05d}", role, agency.id, f"{family} {given}", f"{fkana} {gkana}")
            self.users.append(user)
            if role in CASE_ROLES:
                agency.workers.append(user.id)
            if role == COORDINATOR:
                agency.coordinators.append(user.id)
        # The personas take the first user of the right kind.
        window = next(a for a in self.agencies if a.name == "架空市第1地域包括支援センター")
        coord_home = area_hubs[0]
        picks = {
            "bench_coordinator": next(
                u for u in self.users if u.role == COORDINATOR and u.agency_id == coord_home.id
            ),
            "bench_staff": next(
                u for u in self.users if u.role == STAFF and u.agency_id == window.id
            ),
            "bench_staff_big": next(
                u for u in self.users if u.role == STAFF and u.agency_id == self.big.id
            ),
            "bench_secretariat": next(u for u in self.users if u.role == SECRETARIAT),
            "bench_manager": next(u for u in self.users if u.role == MANAGER),
        }
        for username, user in picks.items():
            user.username = username
            self.personas[username] = user
        self.user_by_id = {u.id: u for u in self.users}
        self.coordinators = [u.id for u in self.users if u.role == COORDINATOR]
        self.secretariat = [u.id for u in self.users if u.role == SECRETARIAT]
        self.intake_agencies = [a for a in self.agencies if a.workers and a.consult_weight > 0]
        self.intake_cum = list(itertools.accumulate(a.consult_weight for a in self.intake_agencies))

    def agency_rows(self):
        for a in self.areas:
            yield "area", a
        for a in self.agencies:
            yield (
                "agency",
                {
                    "id": a.id,
                    "name": a.name,
                    "name_kana": a.kana,
                    "kind": a.kind,
                    "area_id": a.area_id,
                    "is_collaboration_hub": a.is_hub,
                    "is_active": True,
                },
            )

    def user_rows(self, password: str, group_ids: dict[str, int]):
        joined = fy_start(self.first_fy)
        for u in self.users:
            family, given = u.name.split(" ")
            yield {
                "id": u.id,
                "password": password,
                "last_login": None,
                "is_superuser": False,
                "username": u.username,
                "first_name": given,
                "last_name": family,
                "email": f"{u.username}@city.kasou.example",
                "is_staff": u.role == ADMIN,
                "is_active": True,
                "date_joined": joined,
                "agency_id": u.agency_id,
                "name_kana": u.kana,
                "title": self.rng.choice(names.STAFF_TITLES),
                "_group": group_ids[u.role],
            }

    # -- households, people, consultations -----------------------------------------

    def pick_intake_agency(self) -> Agency:
        x = self.rng.random() * self.intake_cum[-1]
        return self.intake_agencies[bisect.bisect_right(self.intake_cum, x)]

    def plan_consultations(self) -> None:
        rng = self.rng
        n_h = self.n_households
        self.hh_consultations = [[] for _ in range(n_h)]

        def add(h: int, at: dt.datetime, agency: Agency) -> None:
            index = len(self.c_time)
            self.c_household.append(h)
            self.c_time.append(at)
            self.c_agency.append(agency.id)
            self.c_user.append(rng.choice(agency.workers))
            self.c_case.append(None)
            state = rng.choices(["given", "refused", "unconfirmed"], weights=[50, 10, 40])[0]
            self.c_consent.append(state)
            self.hh_consultations[h].append(index)

        for h in range(n_h):
            add(h, self.intake_time(), self.pick_intake_agency())
        extra = self.n_consultations - n_h
        # Some households come back often: a skewed pick.
        busy = [rng.randrange(n_h) for _ in range(max(1, n_h // 8))]
        for _ in range(extra):
            h = rng.choice(busy) if rng.random() < 0.35 else rng.randrange(n_h)
            first = self.c_time[self.hh_consultations[h][0]]
            at = self.after(first, max_days=rng.expovariate(1 / 200) + 1, limit=self.anchor)
            agency = (
                self.agency_by_id[self.c_agency[self.hh_consultations[h][0]]]
                if rng.random() < 0.5
                else self.pick_intake_agency()
            )
            add(h, at, agency)
        for lst in self.hh_consultations:
            lst.sort(key=self.c_time.__getitem__)

    def plan_households(self) -> None:
        """Households and their members, created at the household's first consultation."""
        rng = self.rng
        sizes = [1, 2, 3, 4, 5, 6]
        size_weights = [32, 30, 19, 12, 5, 2]
        for h in range(self.n_households):
            first = self.hh_consultations[h][0]
            created = self.c_time[first]
            actor = self.c_user[first]
            size = rng.choices(sizes, weights=size_weights)[0]
            family, given, fkana, gkana, sex = self.person_name()
            head_age = rng.choices(
                [rng.randint(18, 39), rng.randint(40, 64), rng.randint(65, 95)],
                weights=[25, 35, 40],
            )[0]
            day = created.date()
            members = [("self", given, gkana, sex, head_age)]
            if size >= 2:
                if head_age >= 70 and rng.random() < 0.45:
                    # 8050: an aged parent and a middle-aged child at home.
                    _f, g2, _fk2, gk2, s2 = self.person_name()
                    members.append(("child", g2, gk2, s2, head_age - rng.randint(25, 35)))
                else:
                    _f, g2, _fk2, gk2, _s = self.person_name("female" if sex == "male" else "male")
                    spouse_sex = "female" if sex == "male" else "male"
                    members.append(
                        ("spouse", g2, gk2, spouse_sex, max(18, head_age + rng.randint(-5, 5)))
                    )
            for _ in range(size - len(members)):
                if head_age < 60 and rng.random() < 0.8:
                    _f, g3, _fk3, gk3, s3 = self.person_name()
                    members.append(("child", g3, gk3, s3, max(0, head_age - rng.randint(22, 40))))
                elif head_age < 55:
                    _f, g3, _fk3, gk3, s3 = self.person_name()
                    members.append(("parent", g3, gk3, s3, head_age + rng.randint(22, 35)))
                else:
                    _f, g3, _fk3, gk3, s3 = self.person_name()
                    members.append(
                        ("grandchild", g3, gk3, s3, max(0, head_age - rng.randint(45, 60)))
                    )
            address = self.address()
            phone = self.phone() if rng.random() < 0.6 else ""
            hid = self.uuid()
            start = len(self.persons)
            for offset, (relation, g, gk, s, age) in enumerate(members):
                birth = None
                if rng.random() > 0.04:
                    birth = day - dt.timedelta(days=age * 365 + rng.randrange(365))
                mobile = self.phone() if (age >= 15 and rng.random() < 0.35) else ""
                person_address = rng.choice(names.FACILITIES) if rng.random() < 0.02 else ""
                at = created + dt.timedelta(seconds=30 * (offset + 1))
                self.persons.append(
                    {
                        "version": 1,
                        "created_at": at,
                        "updated_at": at,
                        "id": self.uuid(),
                        "household_id": hid,
                        "family_name": family,
                        "given_name": g,
                        "family_name_kana": fkana,
                        "given_name_kana": gk,
                        "birth_date": birth,
                        "sex": s,
                        "relation": relation,
                        "phone": mobile,
                        "address": person_address,
                        "notes": "",
                        "kana_key": self.kana_key(fkana + gk),
                        "name_key": self.text_key(family + g),
                        "phone_key": self.normalize_phone(mobile),
                        "address_key": self.normalize_address(person_address),
                        "_user": actor,
                        "_reason": "新規登録",
                    }
                )
            self.hh_people.append(range(start, len(self.persons)))
            head = self.persons[start]
            self.households.append(
                {
                    "version": 1,
                    "created_at": created,
                    "updated_at": created + dt.timedelta(seconds=30 * (len(members) + 1)),
                    "id": hid,
                    "postal_code": f"000-{rng.randrange(10000):04d}",
                    "address": address,
                    "phone": phone,
                    "notes": "",
                    "display_name": f"{head['family_name']} {head['given_name']}",
                    "kana_key": head["kana_key"],
                    "address_key": self.normalize_address(address),
                    "phone_key": self.normalize_phone(phone),
                    "_user": actor,
                    "_reason": "相談受付で新規登録",
                }
            )

    # -- cases -----------------------------------------------------------------------

    def lead_for(self, agency_id: int) -> int:
        agency = self.agency_by_id[agency_id]
        hub = self.area_hub.get(agency.area_id)
        if hub is None or not hub.coordinators or self.rng.random() < 0.25:
            hub = self.city_hub if self.city_hub.coordinators else hub
        pool = hub.coordinators if hub and hub.coordinators else self.coordinators
        return self.rng.choice(pool)

    def plan_cases(self) -> None:
        rng = self.rng
        # Weighted sampling without replacement: households that came back weigh more.
        keyed = sorted(
            range(self.n_households),
            key=lambda h: rng.random() ** (1.0 / min(len(self.hh_consultations[h]), 4)),
            reverse=True,
        )
        chosen = sorted(keyed[: self.n_cases])
        two_years = dt.timedelta(days=730)
        for h in chosen:
            cons = self.hh_consultations[h]
            trigger = rng.randrange(len(cons))
            t = self.c_time[cons[trigger]]
            opened = self.after(t, max_days=rng.uniform(0.2, 21), limit=self.anchor)
            linked = cons[: trigger + 1]
            lead = self.lead_for(self.c_agency[cons[0]])
            age = self.anchor - opened
            if age > two_years:
                status = rng.choices(["closed", "suspended", "monitoring"], weights=[92, 5, 3])[0]
            elif age > dt.timedelta(days=365):
                status = rng.choices(
                    ["closed", "suspended", "support", "monitoring"], weights=[60, 8, 20, 12]
                )[0]
            else:
                status = rng.choices(
                    [
                        "intake",
                        "assessment",
                        "planning",
                        "support",
                        "monitoring",
                        "suspended",
                        "closed",
                    ],
                    weights=[10, 15, 15, 35, 10, 5, 10],
                )[0]
            closed = None
            if status == "closed":
                closed = self.after(opened, max_days=rng.uniform(60, 700), limit=self.anchor)
            r = rng.random()
            if r < 0.5:
                main = self.c_agency[cons[0]]
            elif r < 0.8:
                main = self.user_by_id[lead].agency_id
            else:
                main = rng.choice(self.partner_pool).id
            people = self.hh_people[h]
            subjects = [people[0]]
            if len(people) > 1 and rng.random() < 0.35:
                subjects.append(rng.choice(people[1:]))
            opened_by = lead if rng.random() < 0.8 else rng.choice(self.coordinators)
            plan = CasePlan(
                index=len(self.cases),
                id=self.uuid(),
                household=h,
                consultations=linked,
                opened_at=opened,
                opened_by=opened_by,
                lead=lead,
                main_agency=main,
                status=status,
                closed_at=closed,
                subjects=subjects,
            )
            self.cases.append(plan)
            self.hh_case[h] = plan.index
            for c in linked:
                self.c_case[c] = plan.index
        # Case numbers: per 年度, in the order the cases were opened.
        counters: dict[int, int] = defaultdict(int)
        for plan in sorted(self.cases, key=lambda p: p.opened_at):
            plan.fiscal_year = fiscal_year_of(plan.opened_at)
            counters[plan.fiscal_year] += 1
            plan.sequence = counters[plan.fiscal_year]
        self.case_counters = dict(counters)
        # Heavy timelines (~180 events): some for each persona, the rest at random.
        heavy = max(3, round(self.n_cases * 0.01))
        coord = self.personas["bench_coordinator"].id
        staff_agency = self.personas["bench_staff"].agency_id
        big_agency = self.personas["bench_staff_big"].agency_id
        groups = [
            [p for p in self.cases if p.lead == coord],
            [
                p
                for p in self.cases
                if any(self.c_agency[c] == staff_agency for c in p.consultations)
            ],
            [p for p in self.cases if any(self.c_agency[c] == big_agency for c in p.consultations)],
        ]
        for group in groups:
            for plan in rng.sample(group, min(3, len(group))):
                plan.heavy = True
        others = [p for p in self.cases if not p.heavy]
        for plan in rng.sample(others, max(0, min(len(others), heavy - 9))):
            plan.heavy = True

    def case_open_at(self, plan: CasePlan, moment: dt.datetime) -> bool:
        return plan.opened_at <= moment and (plan.closed_at is None or plan.closed_at > moment)

    # -- consents ----------------------------------------------------------------------

    def plan_consents(self) -> None:
        rng = self.rng
        for plan in self.cases:
            given = [c for c in plan.consultations if self.c_consent[c] == "given"]
            if given:
                obtained = self.c_time[given[0]].date()
            elif rng.random() < 0.3:
                obtained = self.after(plan.opened_at, max_days=90, limit=self.anchor).date()
            else:
                continue
            receiving = sorted({self.c_agency[c] for c in plan.consultations})
            lead_agency = self.user_by_id[plan.lead].agency_id
            scope = set(receiving) | {lead_agency}
            for a in rng.sample(self.partner_pool, rng.randint(0, 3)):
                scope.add(a.id)
            scope = sorted(scope)
            for person_index in plan.subjects:
                person = self.persons[person_index]
                valid_until = None
                if rng.random() < 0.6:
                    valid_until = obtained + dt.timedelta(days=365 * rng.randint(1, 3))
                withdrawn = None
                if rng.random() < 0.04:
                    hi = min(valid_until or self.today, self.today)
                    if hi > obtained:
                        withdrawn = obtained + dt.timedelta(
                            days=rng.randrange((hi - obtained).days)
                        )
                birth = person["birth_date"]
                minor = birth is not None and (obtained - birth).days < 15 * 365
                oral = rng.random() < 0.2
                actor = plan.lead if rng.random() < 0.5 else self.c_user[plan.consultations[0]]
                consent = {
                    "id": self.uuid(),
                    "person_id": person["id"],
                    "purpose_sharing": rng.random() < 0.95,
                    "purpose_meeting": rng.random() < 0.7,
                    "purpose_plan": rng.random() < 0.7,
                    "method": "oral" if oral else "written",
                    "witness": self.user_by_id[plan.lead].name if oral else "",
                    "obtained_on": obtained,
                    "valid_until": valid_until,
                    "obtained_by_id": actor,
                    "given_by": "parent" if minor else "self",
                    "proxy_name": f"{person['family_name']} {rng.choice(names.FEMALE_NAMES)[0]}"
                    if minor
                    else "",
                    "document": "",
                    "document_content_type": "",
                    "withdrawn_on": withdrawn,
                    "withdrawal_reason": "本人から撤回の申出があった" if withdrawn else "",
                    "withdrawn_by_id": actor if withdrawn else None,
                    "created_at": start_of_day(obtained) + dt.timedelta(hours=11),
                    "_scope": scope,
                    "_person_name": f"{person['family_name']} {person['given_name']}",
                }
                plan.consents.append(consent)

    def consent_valid_on(self, consent: dict, day: dt.date, *, meeting: bool = False) -> bool:
        if meeting and not consent["purpose_meeting"]:
            return False
        if consent["withdrawn_on"] is not None and consent["withdrawn_on"] <= day:
            return False
        if consent["obtained_on"] > day:
            return False
        return consent["valid_until"] is None or consent["valid_until"] >= day

    # -- access rows -----------------------------------------------------------------

    def access(self, plan: CasePlan, **values) -> dict:
        row = {
            "id": len(self.accesses) + 1,
            "case_id": plan.id,
            "agency_id": None,
            "user_id": None,
            "reason": "事例の開始",
            "source_type": "",
            "source_id": "",
            "approved_by_id": None,
            "granted_by_id": plan.opened_by,
            "valid_until": None,
            "revoked_at": None,
            "revoke_reason": "",
        }
        row.update(values)
        self.accesses.append(row)
        return row

    def plan_accesses(self) -> None:
        rng = self.rng
        for plan in self.cases:
            start = plan.opened_at
            lead_agency = self.user_by_id[plan.lead].agency_id
            self.access(plan, agency_id=lead_agency, basis="collaboration", valid_from=start)
            receiving = []
            for c in plan.consultations:
                if self.c_agency[c] not in receiving:
                    receiving.append(self.c_agency[c])
            for a in receiving:
                self.access(plan, agency_id=a, basis="receiving_agency", valid_from=start)
            end = plan.closed_at or self.anchor
            for consent in plan.consents:
                if not consent["purpose_sharing"]:
                    continue
                if consent["withdrawn_on"] and start_of_day(consent["withdrawn_on"]) <= start:
                    continue
                revoked = None
                if consent["withdrawn_on"]:
                    revoked = start_of_day(consent["withdrawn_on"]) + dt.timedelta(hours=14)
                for a in consent["_scope"]:
                    self.access(
                        plan,
                        agency_id=a,
                        basis="consent",
                        reason=(
                            f"{consent['_person_name']}さんの同意"
                            f"（{self.wareki(consent['obtained_on'])}）"
                        ),
                        granted_by_id=consent["obtained_by_id"],
                        valid_from=max(start_of_day(consent["obtained_on"]), start),
                        valid_until=end_of_day(consent["valid_until"]),
                        revoked_at=revoked,
                        revoke_reason=f"同意の撤回: {consent['withdrawal_reason']}"
                        if revoked
                        else "",
                        source_type="consent.consent",
                        source_id=str(consent["id"]),
                    )
            # 参加機関: agencies a consent covers (or a department with a legal reason).
            if rng.random() < 0.4:
                covered = sorted(
                    {a for c in plan.consents for a in c["_scope"]} - set(receiving) - {lead_agency}
                )
                departments = [a.id for a in self.partner_pool if a.kind == "department"]
                pool = covered or departments
                for a in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
                    frm = self.after(start, max_days=30, limit=end)
                    revoked = None
                    if rng.random() < 0.1 and end > frm:
                        revoked = self.after(frm, max_days=300, limit=end)
                    self.access(
                        plan,
                        agency_id=a,
                        basis="partner",
                        reason="本人同意の範囲で支援に参加"
                        if covered
                        else "法令に基づく連携（生活保護法）",
                        granted_by_id=plan.lead,
                        valid_from=frm,
                        valid_until=plan.closed_at,
                        revoked_at=revoked,
                        revoke_reason="支援の役割を終えたため" if revoked else "",
                    )

    # -- meetings --------------------------------------------------------------------

    def plan_meetings(self) -> dict[str, list[dict]]:
        rng = self.rng
        out: dict[str, list[dict]] = defaultdict(list)
        created = fy_start(self.first_fy) + dt.timedelta(days=20)
        secretariat = self.secretariat
        bodies = [("架空市重層的支援会議", "guideline", "", None)]
        bodies.append(("架空市支援会議", "swa_106_6", "", None))
        for area_id, hub in sorted(self.area_hub.items()):
            area = next(a for a in self.areas if a["id"] == area_id)
            bodies.append((f"架空市{area['name']}支援会議", "swa_106_6", "community_care", hub))
        bodies.append(("架空市生活困窮者支援調整会議", "self_reliance_9", "", None))
        bodies.append(("架空市生活保護 調整会議", "pa_27_3", "", None))
        personas = self.personas
        minsei = next(
            (a for a in self.agencies if a.name.startswith("架空市民生委員")), self.city_hub
        )
        self.body_rows: list[dict] = []
        members_by_body: dict[int, list[dict]] = {}
        pledges_by_member_user: dict[tuple[int, int], list[dict]] = defaultdict(list)
        member_id = itertools.count(1)
        pledge_id = itertools.count(1)
        for b, (name, kind, piggyback, hub) in enumerate(bodies):
            body = {
                "id": self.uuid(),
                "name": name,
                "kind": kind,
                "chair_id": rng.choice(self.coordinators),
                "piggybacks_on": piggyback,
                "is_active": True,
                "created_at": created,
            }
            self.body_rows.append(body)
            duty = kind != "guideline"
            # Logins: the secretariat, coordinators, staff of the big window, departments
            # and (for an area body) its windows.
            logins = list(secretariat)
            if hub is not None:
                logins += hub.coordinators[:6]
                local = [a for a in self.agencies if a.area_id == hub.area_id and a.workers]
            else:
                logins += rng.sample(self.coordinators, min(8, len(self.coordinators)))
                local = [
                    a for a in self.agencies if a.family in ("department", "big") and a.workers
                ]
            for a in rng.sample(local, min(len(local), 14)):
                logins.append(rng.choice(a.workers))
            coordinator = personas["bench_coordinator"]
            staff = personas["bench_staff"]
            staff_area = self.agency_by_id[staff.agency_id].area_id
            wanted = {
                coordinator.id: b in (0, 1)
                or (hub is not None and coordinator.id in hub.coordinators),
                staff.id: b == 0 or (hub is not None and hub.area_id == staff_area),
                personas["bench_staff_big"].id: b in (1, len(bodies) - 2),
            }
            logins += [uid for uid, yes in wanted.items() if yes]
            unique_logins = list(dict.fromkeys(logins))
            members = []
            for uid in unique_logins:
                user = self.user_by_id[uid]
                members.append(
                    {
                        "id": next(member_id),
                        "body_id": body["id"],
                        "user_id": uid,
                        "name": user.name,
                        "agency_id": user.agency_id,
                        "title": "",
                        "created_at": created,
                    }
                )
            for _ in range(5):
                family, given, *_ = self.person_name()
                members.append(
                    {
                        "id": next(member_id),
                        "body_id": body["id"],
                        "user_id": None,
                        "name": f"{family} {given}",
                        "agency_id": minsei.id,
                        "title": "民生委員・児童委員",
                        "created_at": created,
                    }
                )
            members_by_body[b] = members
            out["members"].extend(members)
            if not duty:
                continue
            for m in members:
                revoke_year = None
                if m["user_id"] not in {u.id for u in personas.values()} and rng.random() < 0.03:
                    revoke_year = rng.randint(self.first_fy, self.current_fy)
                for year in range(self.first_fy, self.current_fy + 1):
                    signed = (fy_start(year) + dt.timedelta(days=rng.randint(0, 20))).date()
                    if signed > self.today:
                        break
                    pledge = {
                        "id": next(pledge_id),
                        "member_id": m["id"],
                        "signed_on": signed,
                        "valid_until": dt.date(year + 1, 3, 31),
                        "document": "",
                        "document_content_type": "",
                        "recorded_by_id": rng.choice(secretariat),
                        "revoked_at": None,
                        "revoke_reason": "",
                        "revoked_by_id": None,
                        "created_at": start_of_day(signed) + dt.timedelta(hours=10),
                    }
                    if revoke_year == year:
                        pledge["revoked_at"] = start_of_day(signed) + dt.timedelta(
                            days=90, hours=10
                        )
                        pledge["revoke_reason"] = "異動により構成員でなくなったため"
                        pledge["revoked_by_id"] = pledge["recorded_by_id"]
                    out["pledges"].append(pledge)
                    if m["user_id"] is not None:
                        pledges_by_member_user[(b, m["user_id"])].append(pledge)
                    if revoke_year == year:
                        break

        # Meetings: regular ones per body, a few ad hoc; 重層 sometimes held jointly
        # with the city-wide 支援会議 (長岡京市).
        horizon = self.anchor + dt.timedelta(days=60)
        meetings: list[tuple[dt.date, list[int], str]] = []
        months = []
        y, mo = fy_start(self.first_fy).year, 4
        while dt.date(y, mo, 1) < horizon.date():
            months.append((y, mo))
            mo += 1
            if mo == 13:
                y, mo = y + 1, 1
        for b, (_name, _kind, _p, hub) in enumerate(bodies):
            interval = self.meeting_interval_months * (1 if b <= 1 else 2 if hub else 3)
            for i, (year, month) in enumerate(months):
                if i % interval:
                    continue
                day = dt.date(year, month, rng.randint(5, 25))
                while day.weekday() >= 5:
                    day -= dt.timedelta(days=1)
                if b == 1 and rng.random() < 0.25:
                    continue  # held jointly with 重層 this month (below)
                body_list = [b]
                if b == 0 and rng.random() < 0.25:
                    body_list = [0, 1]
                meetings.append((day, body_list, "regular"))
                if rng.random() < 0.1:
                    meetings.append((day + dt.timedelta(days=rng.randint(3, 12)), [b], "ad_hoc"))
        meetings.sort(key=lambda m: m[0])

        cases_by_open = sorted(self.cases, key=lambda p: p.opened_at)
        open_times = [p.opened_at for p in cases_by_open]
        hh_first = [self.c_time[c[0]] for c in self.hh_consultations]
        handlings: dict[tuple[int, int], dict] = {}
        item_dates: dict[tuple[int, int], list[tuple[dt.date, dict, list[dict]]]] = defaultdict(
            list
        )
        purposes_guideline = ["plan", "evaluation", "closure", "roles"]
        purposes_duty = ["sharing", "roles", "sharing", "closure"]
        persona_ids = {u.id for u in personas.values()}
        for day, body_list, kind in meetings:
            held = day < self.today
            moment = start_of_day(day) + dt.timedelta(hours=14)
            meeting = {
                "id": self.uuid(),
                "date": day,
                "start_time": rng.choice([dt.time(10, 0), dt.time(13, 30), dt.time(14, 0)]),
                "kind": kind,
                "place": rng.choice(
                    ["架空市役所 第1会議室", "架空市役所 第2会議室", "福祉会館 研修室"]
                ),
                "status": "held" if held else "scheduled",
                "created_by_id": rng.choice(secretariat),
                "created_at": start_of_day(day) - dt.timedelta(days=21) + dt.timedelta(hours=10),
                "closed_at": start_of_day(day) + dt.timedelta(hours=18) if held else None,
                "closed_by_id": rng.choice(secretariat) if held else None,
            }
            out["meetings"].append(meeting)
            for b in body_list:
                out["meeting_bodies"].append(
                    {"meeting_id": meeting["id"], "meetingbody_id": self.body_rows[b]["id"]}
                )
            pool = [m for b in body_list for m in members_by_body[b]]
            k = min(len(pool), rng.randint(6, 14))
            chosen = rng.sample(pool, k)
            chosen += [m for m in pool if m["user_id"] in persona_ids and rng.random() < 0.8]
            attendees, seen_users, seen_members = [], set(), set()
            for m in chosen:
                if m["id"] in seen_members or (m["user_id"] and m["user_id"] in seen_users):
                    continue
                seen_members.add(m["id"])
                if m["user_id"]:
                    seen_users.add(m["user_id"])
                attendees.append(
                    {
                        "meeting_id": meeting["id"],
                        "member_id": m["id"],
                        "user_id": m["user_id"],
                        "name": m["name"],
                        "agency_id": m["agency_id"],
                        "title": m["title"],
                        "_body": next(b for b in body_list if m in members_by_body[b]),
                    }
                )
            out["attendees"].extend(attendees)
            # Agenda items.
            hi = bisect.bisect_right(open_times, moment)
            lo = bisect.bisect_left(open_times, moment - dt.timedelta(days=900))
            for order in range(1, rng.randint(3, 8) + 1):
                b = rng.choice(body_list)
                body = self.body_rows[b]
                duty = body["kind"] != "guideline"
                plan = None
                blocked = False
                if hi > lo and (not duty or rng.random() < 0.7):
                    for _ in range(30):
                        candidate = cases_by_open[rng.randrange(lo, hi)]
                        if not self.case_open_at(candidate, moment):
                            continue
                        if duty or all(
                            any(
                                self.consent_valid_on(c, day, meeting=True)
                                for c in candidate.consents
                                if c["person_id"] == self.persons[s]["id"]
                            )
                            for s in candidate.subjects
                        ):
                            plan = candidate
                            break
                    if plan is None and not duty:
                        plan = cases_by_open[rng.randrange(lo, hi)]
                        blocked = True
                household = None
                if plan is None:
                    if not duty:
                        continue
                    for _ in range(30):
                        h = rng.randrange(self.n_households)
                        case_index = self.hh_case.get(h)
                        if hh_first[h] < moment and (
                            case_index is None or self.cases[case_index].opened_at > moment
                        ):
                            household = self.households[h]["id"]
                            break
                    if household is None:
                        continue
                purpose = rng.choice(purposes_duty if duty else purposes_guideline)
                item = {
                    "id": self.uuid(),
                    "meeting_id": meeting["id"],
                    "body_id": body["id"],
                    "case_id": plan.id if plan else None,
                    "household_id": household,
                    "purpose": purpose,
                    "order": order,
                    "gate_blocked": blocked,
                    "gate_reasons": ["対象者の同意（会議での協議）が会議の日に有効ではありません。"]
                    if blocked
                    else [],
                    "gate_checked_at": meeting["created_at"] if not duty else None,
                    "minutes": "支援の状況を共有し、今後の役割分担を確認した。" if held else "",
                    "ends_handling": False,
                    "minutes_recorded_by_id": meeting["closed_by_id"] if held else None,
                    "created_by_id": meeting["created_by_id"],
                    "created_at": meeting["created_at"] + dt.timedelta(minutes=order),
                }
                out["items"].append(item)
                if plan is not None:
                    plan.events.append(
                        (
                            item["created_at"],
                            "meeting_agenda",
                            item["created_by_id"],
                            f"{self.wareki(day)}の「{body['name']}」の議題に追加しました。",
                            {"meeting_id": str(meeting["id"]), "body_id": str(body["id"])},
                        )
                    )
                    if duty:
                        item_dates[(b, plan.index)].append((day, item, attendees))
                if held and plan is not None and rng.random() < 0.6:
                    for _ in range(rng.randint(1, 2)):
                        assignee = rng.choice(attendees) if attendees else None
                        out["decisions"].append(
                            {
                                "item_id": item["id"],
                                "content": rng.choice(
                                    [
                                        "家庭訪問を行い状況を確認する",
                                        "受診の同行を調整する",
                                        "家計相談につなぐ",
                                        "学校と情報を共有する",
                                        "次回会議で経過を報告する",
                                    ]
                                ),
                                "assignee_agency_id": assignee["agency_id"] if assignee else None,
                                "assignee_name": assignee["name"] if assignee else "",
                                "due_on": day + dt.timedelta(days=rng.randint(14, 60)),
                                "created_by_id": meeting["closed_by_id"],
                                "created_at": meeting["closed_at"],
                            }
                        )
            if held and rng.random() < 0.1:
                town = rng.choice(names.TOWNS)[0]
                out["regional_issues"].append(
                    {
                        "meeting_id": meeting["id"],
                        "content": f"{town}では移動手段のない高齢者が買い物や通院に困っている。",
                        "created_by_id": meeting["closed_by_id"],
                        "created_at": meeting["closed_at"],
                    }
                )

        # 支援会議 handling of a case, and the pledged attendees' read-only access.
        for (b, case_index), dated in sorted(
            item_dates.items(), key=lambda kv: (kv[0][0], kv[0][1])
        ):
            plan = self.cases[case_index]
            dated.sort(key=lambda d: d[0])
            first_day = dated[0][0]
            started = start_of_day(first_day) - dt.timedelta(days=14) + dt.timedelta(hours=10)
            ended, reason = None, ""
            if plan.closed_at is not None and plan.closed_at < self.anchor:
                ended, reason = plan.closed_at, "事例の終結"
            elif dated[-1][0] < self.today - dt.timedelta(days=540):
                dated[-1][1]["ends_handling"] = True
                ended = start_of_day(dated[-1][0]) + dt.timedelta(hours=18)
                reason = f"{self.wareki(dated[-1][0])}の会議で終結の判断"
            if ended is not None and ended <= started:
                ended = started + dt.timedelta(hours=1)
            handling = {
                "body_id": self.body_rows[b]["id"],
                "case_id": plan.id,
                "started_at": started,
                "started_by_id": rng.choice(secretariat),
                "ended_at": ended,
                "ended_by_id": rng.choice(secretariat) if ended else None,
                "end_reason": reason,
            }
            out["handlings"].append(handling)
            handlings[(b, case_index)] = handling
            granted: set[int] = set()
            body = self.body_rows[b]
            for day, _item, attendees in dated:
                for att in attendees:
                    uid = att["user_id"]
                    if uid is None or uid in granted or att["_body"] != b:
                        continue
                    if self.user_by_id[uid].role not in CASE_ROLES:
                        continue
                    chain = [
                        p
                        for p in pledges_by_member_user.get((b, uid), [])
                        if p["valid_until"] >= day
                    ]
                    if not chain or chain[0]["signed_on"] > day:
                        continue
                    granted.add(uid)
                    for pledge in chain:
                        frm = max(
                            start_of_day(day) + dt.timedelta(hours=17),
                            start_of_day(pledge["signed_on"]) + dt.timedelta(hours=10),
                        )
                        stop = min(x for x in (ended, pledge["revoked_at"], self.anchor) if x)
                        if frm >= stop:
                            break
                        until = end_of_day(pledge["valid_until"])
                        revoked = None
                        if ended and ended < until:
                            revoked = ended
                        if pledge["revoked_at"] and pledge["revoked_at"] < until:
                            revoked = min(revoked or pledge["revoked_at"], pledge["revoked_at"])
                        self.access(
                            plan,
                            user_id=uid,
                            basis="support_meeting",
                            reason=(
                                f"支援会議「{body['name']}」の議題（守秘義務の誓約書 "
                                f"{self.wareki(pledge['valid_until'])}まで、閲覧のみ）"
                            )[:200],
                            granted_by_id=handling["started_by_id"],
                            valid_from=frm,
                            valid_until=until,
                            revoked_at=revoked,
                            revoke_reason=f"「{body['name']}」の支援会議の根拠がなくなった"
                            if revoked
                            else "",
                            source_type="meetings.confidentialitypledge",
                            source_id=str(pledge["id"]),
                        )
                        if revoked:
                            break
        for a in out["attendees"]:
            a.pop("_body", None)
        return out

    # -- timeline ----------------------------------------------------------------------

    def plan_events(self) -> None:
        rng = self.rng
        agency_name = {a.id: a.name for a in self.agencies}
        by_case: dict[uuid.UUID, list[dict]] = defaultdict(list)
        for row in self.accesses:
            by_case[row["case_id"]].append(row)
        for plan in self.cases:
            opened = plan.opened_at
            number = f"{self.fy_prefix(plan.fiscal_year)}-{plan.sequence:04d}"
            ev = plan.events
            ev.append(
                (
                    opened,
                    "opened",
                    plan.opened_by,
                    f"事例 {number} を開始しました"
                    f"（主担当機関: {agency_name[plan.main_agency]}）。",
                    {"number": number, "main_agency_id": plan.main_agency},
                )
            )
            for c in plan.consultations:
                ev.append(
                    (
                        opened + dt.timedelta(seconds=1),
                        "consultation_linked",
                        plan.opened_by,
                        f"{agency_name[self.c_agency[c]]}の相談受付（{self.wareki(self.c_time[c])}）を事例に含めました。",
                        {"_consultation": c},
                    )
                )
            for row in by_case[plan.id]:
                at = max(row["valid_from"], opened + dt.timedelta(seconds=2))
                if row["agency_id"] is not None:
                    label = BASIS_LABELS.get(row["basis"], row["basis"])
                    agency = agency_name[row["agency_id"]]
                    message = f"{agency}に閲覧権限（根拠: {label}）を付与しました。"
                    params = {"agency_id": row["agency_id"]}
                else:
                    user = self.user_by_id[row["user_id"]]
                    message = (
                        f"{user.name}さん（{agency_name[user.agency_id]}）に"
                        "閲覧権限（根拠: 支援会議、閲覧のみ）を付与しました。"
                    )
                    params = {"user_id": row["user_id"], "pledge_id": row["source_id"]}
                ev.append((at, "access_granted", row["granted_by_id"], message[:300], params))
                if row["revoked_at"] is not None:
                    ev.append(
                        (
                            row["revoked_at"],
                            "access_revoked",
                            row["granted_by_id"],
                            f"閲覧権限を取り消しました（{row['revoke_reason']}）。"[:300],
                            {},
                        )
                    )
            for consent in plan.consents:
                at = max(consent["created_at"], opened + dt.timedelta(seconds=3))
                ev.append(
                    (
                        at,
                        "consent_recorded",
                        consent["obtained_by_id"],
                        f"{consent['_person_name']}さんの同意（{self.wareki(consent['obtained_on'])}）を記録しました。",
                        {"consent_id": str(consent["id"])},
                    )
                )
                if consent["withdrawn_on"]:
                    ev.append(
                        (
                            start_of_day(consent["withdrawn_on"]) + dt.timedelta(hours=14),
                            "consent_withdrawn",
                            consent["withdrawn_by_id"],
                            f"{consent['_person_name']}さんの同意が撤回されました。",
                            {"consent_id": str(consent["id"])},
                        )
                    )
            # Status changes along the path to the current status.
            end = plan.closed_at or self.anchor
            if plan.status == "suspended":
                path = ["intake", "assessment", "planning", "support", "suspended"]
            else:
                path = STATUS_PATH[: STATUS_PATH.index(plan.status) + 1]
            steps = len(path) - 1
            for i in range(1, len(path)):
                at = opened + (end - opened) * i / (steps + 0.5)
                if plan.status == "closed" and i == steps:
                    at = plan.closed_at
                ev.append(
                    (
                        at,
                        "status_changed",
                        plan.lead,
                        f"状態を「{STATUS_LABELS[path[i - 1]]}」から"
                        f"「{STATUS_LABELS[path[i]]}」に変更しました。",
                        {"old": path[i - 1], "new": path[i], "reason": ""},
                    )
                )
            if plan.heavy:
                span = (end - opened).total_seconds()
                for _ in range(rng.randint(150, 200) - len(ev)):
                    at = opened + dt.timedelta(seconds=rng.uniform(60, max(120, span)))
                    kind = rng.choice(["updated", "member_updated", "updated", "handed_over"])
                    if kind == "handed_over":
                        message = "担当調整役を引き継ぎました。"
                    elif kind == "member_updated":
                        message = "世帯員の連絡先を更新しました。"
                    else:
                        message = rng.choice(
                            ["主担当機関を変更しました。", "担当調整役を変更しました。"]
                        )
                    ev.append((at, kind, plan.lead, message, {"fields": []}))
            ev.sort(key=lambda e: e[0])

    # -- rows --------------------------------------------------------------------------

    def consultation_rows(self, issues: list[tuple[int, str]]):
        rng = self.rng
        issue_ids = [i for i, _ in issues]
        issue_names = dict(issues)
        issue_weights = [
            3 if issue_names[i] in ("生活困窮", "高齢", "ひきこもり", "8050") else 1
            for i in issue_ids
        ]
        channel = ["window", "phone", "visit", "email", "other"]
        consulter = ["self", "family", "agency", "resident", "other"]
        recent = self.anchor - dt.timedelta(days=60)
        self.c_ids = [self.uuid() for _ in self.c_time]
        for c, at in enumerate(self.c_time):
            h = self.c_household[c]
            people = self.hh_people[h]
            person = self.persons[people[0] if rng.random() < 0.85 else rng.choice(people)]
            main = rng.choices(issue_ids, weights=issue_weights)[0]
            extra = rng.sample(issue_ids, rng.randint(0, 2))
            chosen = [main] + [i for i in extra if i != main]
            who = rng.choices(consulter, weights=[45, 30, 15, 7, 3])[0]
            case_index = self.c_case[c]
            if case_index is not None:
                outcome = "collaboration"
            elif at > recent and rng.random() < 0.15:
                outcome = "collaboration"  # handed to 多機関協働, waiting for a case
            else:
                outcome = rng.choices(
                    ["info_only", "referred", "referred_welfare", "continuing"],
                    weights=[40, 28, 5, 27],
                )[0]
            state = self.c_consent[c]
            agency = self.agency_by_id[self.c_agency[c]]
            staff = self.user_by_id[self.c_user[c]]
            explained = at.date() if state == "given" or rng.random() < 0.5 else None
            created = at + dt.timedelta(minutes=rng.randint(5, 90))
            plan = self.cases[case_index] if case_index is not None else None
            if who == "family":
                _fam, giv, *_ = self.person_name()
                consulter_name = f"{person['family_name']} {giv}"
                relation = rng.choice(["娘", "息子", "妻", "夫", "母", "父", "姉", "弟"])
            elif who == "agency":
                consulter_name = f"{rng.choice(self.partner_pool).name} 担当者"
                relation = "関係機関"
            elif who == "resident":
                consulter_name, relation = "近隣住民（匿名希望）", "近隣住民"
            else:
                consulter_name, relation = "", ""
            yield {
                "version": 2 if plan else 1,
                "created_at": created,
                "updated_at": plan.opened_at if plan and plan.opened_at > created else created,
                "id": self.c_ids[c],
                "household_id": self.households[h]["id"],
                "person_id": person["id"],
                "received_at": at,
                "fiscal_year": fiscal_year_of(at),
                "receiving_agency_id": agency.id,
                "received_by_id": staff.id,
                "channel": rng.choices(channel, weights=[45, 35, 12, 3, 5])[0],
                "consulter": who,
                "consulter_name": consulter_name,
                "consulter_relation": relation,
                "consulter_phone": self.phone() if who != "self" and rng.random() < 0.5 else "",
                "main_issue_id": main,
                "summary": names.CONSULTATION_SUMMARIES.get(
                    issue_names[main], "困りごとの相談があった。"
                ),
                "wishes": rng.choice(
                    ["", "", "まずは話を聞いてほしい。", "家族の負担を減らしたい。"]
                ),
                "consent_state": state,
                "consent_explained_on": explained,
                "consent_explained_by": staff.name if explained else "",
                "consent_note": "",
                "outcome": outcome,
                "outcome_note": f"{rng.choice(self.partner_pool).name}につないだ。"
                if outcome.startswith("referred")
                else "",
                "case_id": plan.id if plan else None,
                "_user": staff.id,
                "_reason": "相談受付",
                "_issues": chosen,
            }

    def case_rows(self):
        for plan in self.cases:
            last = plan.events[-1][0] if plan.events else plan.opened_at
            yield {
                "version": 1 + sum(1 for e in plan.events if e[1] in ("status_changed", "updated")),
                "created_at": plan.opened_at,
                "updated_at": last,
                "id": plan.id,
                "fiscal_year": plan.fiscal_year,
                "sequence": plan.sequence,
                "household_id": self.households[plan.household]["id"],
                "status": plan.status,
                "lead_coordinator_id": plan.lead,
                "main_agency_id": plan.main_agency,
                "opened_at": plan.opened_at,
                "opened_by_id": plan.opened_by,
                "_user": plan.opened_by,
                "_reason": "事例の開始",
                "_subjects": [self.persons[s]["id"] for s in plan.subjects],
            }

    def event_rows(self):
        for plan in self.cases:
            for at, kind, actor, message, params in plan.events:
                if kind == "consultation_linked":
                    params = {"consultation_id": str(self.c_ids[params["_consultation"]])}
                yield {
                    "case_id": plan.id,
                    "kind": kind,
                    "actor_id": actor,
                    "created_at": at,
                    "message": message,
                    "parameters": params,
                }


# ---------------------------------------------------------------------------
# Loading


class Loader:
    def __init__(self, conn, now: dt.datetime):
        self.conn = conn
        self.now = now
        self.timings: list[tuple[str, int, float]] = []
        self.models: list = []

    def report(self, table: str, rows: int, seconds: float) -> None:
        self.timings.append((table, rows, seconds))
        rate = rows / seconds if seconds else 0
        print(f"  {table:<45} {rows:>9,} rows {seconds:7.1f} s ({rate:>9,.0f}/s)", flush=True)

    def load(self, model, rows, *, explicit_pk=False, lenient=False) -> int:
        self.models.append(model)
        table = Table(model, explicit_pk=explicit_pk, lenient=lenient, now=self.now)
        count = table.copy(self.conn, rows, self.report)
        if table.defaulted:
            print(f"    (defaults for {', '.join(table.defaulted)})", flush=True)
        return count

    def history(self, model, rows: list[dict], *, m2m: tuple[str, str, str] | None = None) -> None:
        """The "+" rows simple-history writes on creation; with ``m2m`` (row key, column of
        the owner, column of the target) also its m2m history rows."""
        hmodel = model.history.model
        ids = itertools.count(1)
        m2m_rows: list[dict] = []

        def gen():
            for row in rows:
                history_id = next(ids)
                hrow = {k: v for k, v in row.items() if not k.startswith("_")}
                hrow.update(
                    history_id=history_id,
                    history_date=row["created_at"],
                    history_change_reason=row.get("_reason"),
                    history_type="+",
                    history_user_id=row.get("_user"),
                )
                if m2m is not None:
                    key, owner, target = m2m
                    for through_id, target_id in row[key]:
                        m2m_rows.append(
                            {
                                "id": through_id,
                                owner: row["id"],
                                target: target_id,
                                "history_id": history_id,
                            }
                        )
                yield hrow

        self.load(hmodel, gen(), explicit_pk=True, lenient=True)
        if m2m is not None:
            m2m_model = m2m_history_model(hmodel)
            if m2m_model is None:
                print(f"    (no m2m history model for {hmodel.__name__}; skipped)")
            else:
                self.load(m2m_model, m2m_rows)

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        with self.conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        self.conn.commit()


def m2m_history_model(hmodel):
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        try:
            history = model._meta.get_field("history")
        except Exception:
            continue
        if model is not hmodel and getattr(history, "related_model", None) is hmodel:
            return model
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/kasane_bench")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20250401)
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.datetime.now(TOKYO).date(),
        help="the day the data ends (default: today in Tokyo); fix it to reproduce a load",
    )
    args = parser.parse_args()
    if not 0 < args.scale <= 4:
        raise SystemExit("--scale must be in (0, 4]")
    url = args.database_url
    started = time.perf_counter()
    print(f"Database {database_name(url)}: drop, create, migrate", flush=True)
    recreate_database(url)
    migrate(url)
    django_setup(url)
    migrated = time.perf_counter()
    print(f"  migrated in {migrated - started:.1f} s", flush=True)

    from django.apps import apps
    from django.contrib.auth.hashers import make_password

    def model(label: str):
        return apps.get_model(label)

    city = City(scale=args.scale, seed=args.seed, today=args.today)
    t = time.perf_counter()
    city.plan_agencies()
    city.plan_users()
    city.plan_consultations()
    city.plan_households()
    city.plan_cases()
    city.plan_consents()
    city.plan_accesses()
    meetings = city.plan_meetings()
    city.plan_events()
    print(f"Planned the city in {time.perf_counter() - t:.1f} s", flush=True)

    conn = psycopg.connect(url)
    conn.execute("SET synchronous_commit = off")
    loader = Loader(conn, now=city.anchor)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT name, id FROM {}").format(
                sql.Identifier(model("auth.Group")._meta.db_table)
            )
        )
        group_ids = dict(cur.fetchall())
        cur.execute(
            sql.SQL("SELECT id, name FROM {} WHERE is_active ORDER BY sort_order, id").format(
                sql.Identifier(model("cases.IssueCategory")._meta.db_table)
            )
        )
        issues = cur.fetchall()
    conn.commit()
    missing = {COORDINATOR, STAFF, SECRETARIAT, MANAGER, ADMIN} - set(group_ids)
    if missing or not issues:
        raise LoadError(f"the migrations did not create the groups {missing} or issue categories")

    print("Loading (COPY):", flush=True)
    rows = list(city.agency_rows())
    loader.load(model("agencies.Area"), [r for k, r in rows if k == "area"], explicit_pk=True)
    loader.load(model("agencies.Agency"), [r for k, r in rows if k == "agency"], explicit_pk=True)
    password = make_password(BENCH_PASSWORD)
    users = list(city.user_rows(password, group_ids))
    user_model = model("agencies.User")
    loader.load(user_model, users, explicit_pk=True)
    loader.load(
        user_model.groups.through,
        ({"user_id": u["id"], "group_id": u["_group"]} for u in users),
    )
    loader.load(model("cases.Household"), city.households)
    loader.load(model("cases.Person"), city.persons)
    case_rows = list(city.case_rows())
    subject_ids = itertools.count(1)
    for row in case_rows:
        row["_subjects"] = [(next(subject_ids), pid) for pid in row["_subjects"]]
    case_model = model("cases.Case")
    loader.load(case_model, case_rows)
    loader.load(
        case_model.subjects.through,
        (
            {"id": sid, "case_id": row["id"], "person_id": pid}
            for row in case_rows
            for sid, pid in row["_subjects"]
        ),
        explicit_pk=True,
    )
    loader.load(
        model("cases.CaseNumberCounter"),
        [{"fiscal_year": y, "last_value": v} for y, v in sorted(city.case_counters.items())],
    )
    consultation_rows = list(city.consultation_rows(issues))
    issue_ids = itertools.count(1)
    for row in consultation_rows:
        row["_issues"] = [(next(issue_ids), i) for i in row["_issues"]]
    consultation_model = model("cases.Consultation")
    loader.load(consultation_model, consultation_rows)
    loader.load(
        consultation_model.issues.through,
        (
            {"id": tid, "consultation_id": row["id"], "issuecategory_id": iid}
            for row in consultation_rows
            for tid, iid in row["_issues"]
        ),
        explicit_pk=True,
    )
    consent_model = model("consent.Consent")
    consents = [c for plan in city.cases for c in plan.consents]
    loader.load(consent_model, consents)
    loader.load(
        consent_model.agencies.through,
        ({"consent_id": c["id"], "agency_id": a} for c in consents for a in c["_scope"]),
    )
    loader.load(model("meetings.MeetingBody"), city.body_rows)
    loader.load(model("meetings.BodyMember"), meetings["members"], explicit_pk=True)
    loader.load(model("meetings.ConfidentialityPledge"), meetings["pledges"], explicit_pk=True)
    meeting_model = model("meetings.Meeting")
    loader.load(meeting_model, meetings["meetings"])
    loader.load(meeting_model.bodies.through, meetings["meeting_bodies"])
    for number, attendee in enumerate(meetings["attendees"], start=1):
        attendee["id"] = number  # the packet copies point at them
    loader.load(model("meetings.Attendee"), meetings["attendees"], explicit_pk=True)
    loader.load(model("meetings.AgendaItem"), meetings["items"])
    loader.load(model("meetings.Decision"), meetings["decisions"])
    loader.load(model("meetings.RegionalIssue"), meetings["regional_issues"])
    loader.load(model("meetings.BodyCaseHandling"), meetings["handlings"])
    loader.load(model("cases.CaseAccess"), city.accesses, explicit_pk=True)

    t = time.perf_counter()
    work = plan_casework(
        city, seed=args.seed, consultation_rows=consultation_rows, meetings=meetings
    )
    print(f"Planned the casework in {time.perf_counter() - t:.1f} s", flush=True)
    rows = work.rows
    for label, explicit in (
        ("agencies.CommunityResource", True),
        ("agencies.ResourceYearFigures", False),
        ("reports.OutcomeTarget", False),
        ("cases.Assessment", False),
        ("cases.AssessmentMember", True),
        ("cases.SupportPlan", False),
        ("cases.PlanStakeholder", False),
        ("cases.PlanTask", False),
        ("cases.CaseSuspension", True),
        ("cases.CaseClosure", True),
        ("referrals.Referral", False),
        ("cases.OutreachEngagement", False),
        ("cases.OutreachContact", False),
        ("cases.ParticipationSupport", False),
        ("reports.ReportJob", False),
        ("reports.ReportFile", False),
        ("reports.PacketCounter", False),
    ):
        loader.load(model(label), rows[label], explicit_pk=explicit)
    loader.load(
        model("cases.AssessmentMember").issues.through,
        (
            {"id": tid, "assessmentmember_id": m["id"], "issuecategory_id": iid}
            for m in rows["cases.AssessmentMember"]
            for tid, iid in m["_issues"]
        ),
        explicit_pk=True,
    )
    loader.load(
        model("referrals.Referral").issues.through,
        (
            {"id": tid, "referral_id": r["id"], "issuecategory_id": iid}
            for r in rows["referrals.Referral"]
            for tid, iid in r["_issues"]
        ),
        explicit_pk=True,
    )
    loader.load(model("cases.CaseEvent"), itertools.chain(city.event_rows(), work.events))
    print("Support records (支援経過) with their timeline lines, streamed:", flush=True)
    copy_together(
        lambda: psycopg.connect(url),
        {
            "record": Table(model("cases.SupportRecord"), now=city.anchor),
            "event": Table(model("cases.CaseEvent"), now=city.anchor),
        },
        record_rows(city, work, seed=args.seed),
        loader.report,
    )
    print("History (simple-history '+' rows):", flush=True)
    loader.history(model("cases.Household"), city.households)
    loader.history(model("cases.Person"), city.persons)
    loader.history(
        consultation_model,
        consultation_rows,
        m2m=("_issues", "consultation_id", "issuecategory_id"),
    )
    loader.history(case_model, case_rows, m2m=("_subjects", "case_id", "person_id"))
    print("History (simple-history '+' rows of every other model, INSERT … SELECT):", flush=True)
    fill_history(conn, city.anchor, loader.report)
    loader.reset_sequences()
    t = time.perf_counter()
    conn.autocommit = True
    # VACUUM as well: a city's database that has run for years is vacuumed, and its
    # visibility map lets the covering indexes answer alone (index-only scans);
    # fresh COPYs leave it empty, so every page would visit the heap.
    conn.execute("VACUUM (ANALYZE)")
    loader.report("(VACUUM ANALYZE)", 0, time.perf_counter() - t)
    total = time.perf_counter() - started
    copy_seconds = sum(s for _, _, s in loader.timings)
    copy_rows = sum(r for _, r, _ in loader.timings)
    print(f"\nLoaded {copy_rows:,} rows; COPY + VACUUM {copy_seconds:.1f} s; total {total:.1f} s")
    print_personas(conn, city)
    conn.close()


def print_personas(conn, city: City) -> None:
    print(f"\nPersonas (password {BENCH_PASSWORD!r}; every user has it):")
    agency_bases = {
        COORDINATOR: ["receiving_agency", "collaboration", "partner", "consent", "emergency"],
        STAFF: ["receiving_agency", "partner", "consent", "emergency"],
    }
    for username, label in PERSONAS.items():
        user = city.personas[username]
        agency = city.agency_by_id[user.agency_id]
        visible = "—"
        if user.role in agency_bases:
            row = conn.execute(
                """
                SELECT count(DISTINCT case_id) FROM cases_caseaccess
                WHERE valid_from <= now() AND (valid_until IS NULL OR valid_until > now())
                  AND revoked_at IS NULL
                  AND (user_id = %s OR (agency_id = %s AND basis = ANY(%s)))
                """,
                (user.id, user.agency_id, agency_bases[user.role]),
            ).fetchone()
            visible = f"{row[0]:,}"
        print(f"  {username:<18} {user.role:<13} {agency.name:<36} cases≈{visible:>7}  {label}")


if __name__ == "__main__":
    main()
