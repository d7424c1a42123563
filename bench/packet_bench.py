#!/usr/bin/env python
"""Time the PDF meeting packet: 15 watermarked copies beside one plain WeasyPrint render.

    .venv/bin/python bench/packet_bench.py [--database-url postgres://…/kasane_packet_bench]
                                           [--cases 20] [--recipients 15] [--rounds 2]

Drops and recreates its own database (never kasane, test_kasane or postgres), migrates
it, and builds through the services — as in production — a 支援会議 (社会福祉法第106条の6)
with ``--cases`` cases on the agenda, each filled as a real one is (two members, a plan
with 役割分担, an assessment, seven 支援経過 of which one is 閲覧制限 and one cancelled;
every fifth household under a DV等支援措置, every seventh an abuse report), attended by
``--recipients`` pledged members (some without a login) and one member without a pledge
(who receives nothing).

Per round it times:
  plain    html_to_pdf(packet_html(...)) for one recipient: one WeasyPrint render of the
           very HTML each copy carries (no watermark);
  packets  render_packets(...) for all recipients: the selector, the base render(s), the
           watermark pass and the pypdf merge — everything the job does.
The ratio packets / plain is the figure to keep ≤ 2.5 (15 separate renders would be 15×).
Results go to stdout and to bench/results/<timestamp>-packet[-<label>].txt.
Not a test: the machine is shared, and runs differ by ±30 %; compare runs made back to back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROTECTED_DATABASES = frozenset({"kasane", "test_kasane", "postgres", "template0", "template1"})
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kasane_packet_bench"

FAMILY_NAMES = [
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
    ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"),
    ("小林", "こばやし"), ("加藤", "かとう"), ("吉田", "よしだ"), ("山田", "やまだ"),
    ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"), ("井上", "いのうえ"),
    ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
]  # fmt: skip
RECORDS = [
    "自宅を訪問し、母の様子を確認した。食事は近所のスーパーの惣菜で済ませているとのこと。",
    "長男と電話で話した。昼夜逆転が続いているが、来週の面談には来所すると約束した。",
    "地域包括支援センターと同行訪問。介護保険の申請について説明し、書類を預かった。",
    "民生委員から、新聞がたまっていると連絡があった。翌日訪問し、在宅を確認した。",
    "家計の相談。滞納している公共料金の分納について、窓口に同行する日程を決めた。",
]


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise SystemExit("--database-url must name a database")
    return name


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

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


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        KASANE_REQUIRE_MFA="0",
    )
    # Without REDIS_URL: in-process tasks (a withdrawal's re-check would run at once).
    env.pop("REDIS_URL", None)
    return env


def migrate(url: str) -> None:
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
# The meeting, built through the services


def build_meeting(*, cases: int, recipients: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from agencies.models import Agency, User
    from agencies.roles import Role
    from cases import services as case_services
    from cases.models import Consultation, IssueCategory, Person
    from cases.services import plans as plan_services
    from cases.services import support as support_services
    from meetings import services as meeting_services
    from meetings.models import MeetingBody

    today = timezone.localdate()

    def agency(name: str, *, hub: bool = False) -> Agency:
        return Agency.objects.create(
            name=name,
            kind=Agency.Kind.MUNICIPAL_DEPARTMENT if hub else Agency.Kind.COMPREHENSIVE_WINDOW,
            is_collaboration_hub=hub,
        )

    def user(username: str, role: Role, home: Agency, name: str) -> User:
        family, given = name.split(" ")
        person = User.objects.create(
            username=username, last_name=family, first_name=given, agency=home
        )
        person.groups.add(Group.objects.get(name=role))
        return person

    hub = agency("架空市 福祉総務課", hub=True)
    window = agency("架空市第1地域包括支援センター")
    coordinator = user("bench_coordinator", Role.COORDINATOR, hub, "調整 一郎")
    secretariat = user("bench_secretariat", Role.SECRETARIAT, hub, "事務 花子")
    staff = user("bench_window", Role.AGENCY_STAFF, window, "窓口 次郎")
    main = IssueCategory.objects.get(name="8050")
    abuse = IssueCategory.objects.filter(report_group=IssueCategory.ReportGroup.ABUSE).first()
    hikikomori = IssueCategory.objects.get(name="ひきこもり")

    body = meeting_services.body_create(
        actor=secretariat, data={"name": "支援会議", "kind": MeetingBody.Kind.SOCIAL_WELFARE_ACT}
    )

    def pledged(member) -> None:
        meeting_services.pledge_record(
            actor=secretariat, member=member, signed_on=today - dt.timedelta(days=30)
        )

    pledged(meeting_services.member_add(actor=secretariat, body=body, user=secretariat))
    members = []
    for n in range(recipients):
        if n == 0:
            member_user, home, name = coordinator, hub, coordinator.display_name
        elif n % 3 == 0:  # 民生委員 and others without a login
            member_user, home, name = (
                None,
                agency(f"架空市民生委員児童委員協議会{n}"),
                f"民生 委員{n}",
            )
        else:
            home = agency(f"架空市第{n + 1}相談支援機関")
            member_user = user(f"bench_member{n}", Role.AGENCY_STAFF, home, f"構成 員{n}")
            name = member_user.display_name
        member = meeting_services.member_add(
            actor=secretariat, body=body, user=member_user, name=name, agency=home
        )
        pledged(member)
        members.append(member)
    unpledged_home = agency("架空市 誓約書のない機関")
    unpledged = meeting_services.member_add(
        actor=secretariat, body=body, user=None, name="未誓約 三郎", agency=unpledged_home
    )
    meeting = meeting_services.meeting_create(
        actor=secretariat,
        bodies=[body],
        data={"date": today, "kind": "regular", "place": "市役所 第1会議室"},
    )
    meeting_services.attendees_add_members(
        actor=secretariat, meeting=meeting, members=[*members, unpledged]
    )

    for n in range(cases):
        family, kana = FAMILY_NAMES[n % len(FAMILY_NAMES)]
        is_abuse = n % 7 == 6
        consultation = case_services.consultation_record(
            actor=staff,
            household=None,
            household_data={
                "address": f"架空市若葉町{n + 1}-2-3",
                "phone": f"000-0000-{n:04d}",
                "postal_code": "000-0001",
            },
            new_members=[
                {
                    "family_name": family,
                    "given_name": "太郎",
                    "family_name_kana": kana,
                    "given_name_kana": "たろう",
                    "birth_date": dt.date(1970 + n % 10, 5, 5),
                    "sex": Person.Sex.MALE,
                    "relation": Person.Relation.SELF,
                    "phone": "",
                    "address": "",
                },
                {
                    "family_name": family,
                    "given_name": "トメ",
                    "family_name_kana": kana,
                    "given_name_kana": "とめ",
                    "birth_date": None,
                    "estimated_age": 80 + n % 10,
                    "sex": Person.Sex.FEMALE,
                    "relation": Person.Relation.PARENT,
                    "phone": "",
                    "address": "",
                },
            ],
            subject_new_index=0,
            data={
                "received_at": timezone.now() - dt.timedelta(days=60),
                "channel": Consultation.Channel.PHONE,
                "consulter": "resident" if is_abuse else "family",
                "consulter_name": "近隣 通報子" if is_abuse else f"{family} 花子",
                "consulter_relation": "隣人" if is_abuse else "長女",
                "consulter_phone": "",
                "summary": "80代の母と50代の長男の二人暮らし。長男は10年以上ひきこもり、"
                "母の介護と家計に不安があると長女から相談があった。",
                "wishes": "",
                "consent_state": Consultation.ConsentState.UNCONFIRMED,
                "consent_explained_on": None,
                "consent_explained_by": "",
                "consent_note": "",
                "outcome": Consultation.Outcome.COLLABORATION,
                "outcome_note": "",
            },
            issues=[main, hikikomori, *([abuse] if is_abuse else [])],
            main_issue=main,
        )
        case = case_services.case_open(
            actor=coordinator,
            consultation=consultation,
            subjects=[consultation.person],
            main_agency=window,
            lead_coordinator=coordinator,
        )
        for day, text in enumerate(RECORDS + RECORDS[:2]):
            record = support_services.support_record_add(
                actor=staff,
                case=case,
                occurred_on=today - dt.timedelta(days=40 - day * 5),
                kind="visit",
                content=text,
                restricted=day == 3,
            )
            if day == 4:
                support_services.support_record_cancel(actor=staff, record=record, reason="誤記")
        plan = plan_services.plan_create(
            actor=coordinator,
            case=case,
            data={
                "long_term_goal": "母と長男が地域で安心して暮らし続けられる",
                "short_term_goal": "長男の通院再開と、母の介護保険サービスの利用開始",
                "urgent": False,
                "monitoring_on": today + dt.timedelta(days=90),
                "person_wishes": "家で暮らし続けたい",
                "agreed_on": None,
            },
        )
        for task in ("月1回の訪問で見守る", "介護保険の申請を支援する", "家計の見直しを一緒に行う"):
            plan_services.plan_task_add(actor=coordinator, plan=plan, content=task, agency=window)
        plan_services.assessment_save(
            actor=coordinator,
            case=case,
            data={
                "household_situation": "80代の母と50代の長男の二人暮らし。長女は市外在住。",
                "strengths": "長女が月1回訪れる",
                "risks": "母の転倒、長男の孤立",
                "assessed_on": today - dt.timedelta(days=30),
            },
            members={consultation.person: {"issues": [hikikomori]}},
            expected_version=None,
        )
        if n % 5 == 4:
            case_services.dv_measure_set(
                actor=coordinator,
                person=consultation.person,
                valid_from=today - dt.timedelta(days=10),
            )
        proposal = meeting_services.proposal_submit(
            actor=coordinator,
            household=case.household,
            body=body,
            purpose="roles",
            reason="関係機関の役割分担を確認したい",
        )
        meeting_services.proposal_accept(actor=secretariat, proposal=proposal, meeting=meeting)
    return meeting


# ---------------------------------------------------------------------------
# Timing


def run(*, meeting, rounds: int) -> tuple[list[str], dict]:
    from django.utils import timezone
    from pypdf import PdfReader

    from meetings.selectors import packet_recipients
    from reports import packets as packet_module
    from reports.packets import PacketCopy, packet_html, render_packets
    from reports.pdf import html_to_pdf

    started = time.perf_counter()
    recipients = packet_recipients(meeting=meeting)
    selector_s = time.perf_counter() - started
    copies = [
        PacketCopy(
            attendee_id=attendee.pk,
            name=attendee.name,
            agency=attendee.agency.name,
            copy_number=number,
        )
        for number, (attendee, _) in enumerate(recipients, start=1)
    ]
    first = recipients[0][0]
    html_to_pdf("<p>warm-up: fonts</p>")  # the font set-up is not the packet's cost
    plain, packets, html_s = [], [], []
    pages = sizes = 0
    for _ in range(rounds):
        t = time.perf_counter()
        html = packet_html(meeting=meeting, attendee=first)
        html_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        pdf = html_to_pdf(html)
        plain.append(time.perf_counter() - t)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        t = time.perf_counter()
        pdfs = render_packets(meeting=meeting, copies=copies, issued_at=timezone.now())
        packets.append(time.perf_counter() - t)
        sizes = sum(len(p) for p in pdfs)
    # Where the time goes, outside the timed rounds: the watermark pass and one merge.
    t = time.perf_counter()
    marks = packet_module._watermarks(
        copies, [papers.line for _, papers in recipients], packet_module.issued_text(timezone.now())
    )
    marks_s = time.perf_counter() - t
    t = time.perf_counter()
    packet_module._stamp(pdf, marks.pages[0])
    stamp_s = time.perf_counter() - t
    item_sets = {papers.item_ids for _, papers in recipients}
    lines = [
        f"meeting: {meeting.items.count()} cases on the agenda, "
        f"{meeting.attendees.count()} attendees, {len(recipients)} recipients, "
        f"{len(item_sets)} distinct item set(s)",
        f"packet: {pages} pages per copy; {len(copies)} copies "
        f"{sizes / 1024 / 1024:.1f} MiB in all",
        f"packet_recipients (selector, all recipients): {selector_s * 1000:.0f} ms",
        f"packet_html (one recipient's HTML):            {statistics.median(html_s) * 1000:.0f} ms",
        f"watermark pass ({len(copies)} pages, one WeasyPrint render): {marks_s * 1000:.0f} ms",
        f"pypdf merge + write, one copy of {pages} pages:          {stamp_s * 1000:.0f} ms",
        "",
        f"round  plain render s  {len(copies)} watermarked copies s  ratio",
    ]
    for n, (a, b) in enumerate(zip(plain, packets, strict=True), start=1):
        lines.append(f"{n:>5}  {a:>14.2f}  {b:>23.2f}  {b / a:>5.2f}")
    ratio = statistics.median(packets) / statistics.median(plain)
    lines += [
        "",
        f"median: plain {statistics.median(plain):.2f} s, "
        f"{len(copies)} copies {statistics.median(packets):.2f} s, ratio {ratio:.2f}× "
        f"(target ≤ 2.5×; {len(copies)} separate renders would be ≈{len(copies)}×)",
    ]
    return lines, {"ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--recipients", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not (1 <= args.cases <= 100 and 1 <= args.recipients <= 50 and 1 <= args.rounds <= 10):
        raise SystemExit("--cases 1–100, --recipients 1–50, --rounds 1–10")
    url = args.database_url
    t = time.perf_counter()
    print(f"Database {database_name(url)}: drop, create, migrate", flush=True)
    recreate_database(url)
    migrate(url)
    django_setup(url)
    meeting = build_meeting(cases=args.cases, recipients=args.recipients)
    print(f"  built the meeting in {time.perf_counter() - t:.1f} s", flush=True)
    lines, _ = run(meeting=meeting, rounds=args.rounds)
    now = dt.datetime.now(dt.UTC).astimezone()
    stamp = now.strftime("%Y-%m-%d %H:%M %Z")
    head = [
        f"Kasane packet benchmark — {stamp}",
        f"app {ROOT}; {os.cpu_count()} cores; WeasyPrint, one process",
        "",
    ]
    text = "\n".join(head + lines) + "\n"
    print(text)
    name = now.strftime("%Y%m%d-%H%M%S") + "-packet"
    if args.label:
        name += f"-{args.label}"
    out = BENCH / "results" / f"{name}.txt"
    out.write_text(text, encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
