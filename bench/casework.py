"""The casework that follows a city's cases (bench/generate_city.py): 支援経過, plans, 関係者,
役割分担, assessments, つなぐシート, アウトリーチ, 参加支援, 終結, 中断, 社会資源 and targets,
generated reports — in proportion to the cases, and each with the timeline lines the
services write beside it (``cases.events``).

At scale 1.0: about 1,000,000 支援経過 (20 per case on average, more for long cases,
150–250 for the heavy ones), a plan for three in four cases past アセスメント (1–3
versions; 38,720 plans), an assessment for every case past 受付. Deterministic for a
given seed: every id comes from the generator's own ``random.Random``; the support
records are drawn per case from a ``Random`` seeded by (seed, case index), so that they
can be streamed.

History "+" rows are not built here: ``fill_history`` writes them with one
``INSERT … SELECT`` per model after the load, for every model that has history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

RECORDS_PER_CASE = 20
RECORD_TEXTS = [
    "自宅を訪問し、母の様子を確認した。食事は近所のスーパーの惣菜で済ませているとのこと。",
    "長男と電話で話した。昼夜逆転が続いているが、来週の面談には来所すると約束した。",
    "地域包括支援センターと同行訪問。介護保険の申請について説明し、書類を預かった。",
    "民生委員から、新聞がたまっていると連絡があった。翌日訪問し、在宅を確認した。",
    "家計の相談。滞納している公共料金の分納について、窓口に同行する日程を決めた。",
    "本人が来所。就労支援の説明をし、見学の日程を一緒に決めた。",
    "主治医と電話で情報交換。通院は続いており、服薬も安定しているとのこと。",
    "学校の担任と面談。欠席が続いているため、家庭訪問を一緒に行うことにした。",
    "関係機関で会議。役割分担を確認し、次回の訪問は社協が担当する。",
    "大家から家賃の滞納について連絡。本人と話し、住居確保給付金の申請を支援した。",
]
RECORD_KINDS = ["visit", "phone", "office", "accompany", "meeting", "other"]
RECORD_KIND_LABELS = {
    "visit": "訪問",
    "phone": "電話",
    "office": "来所",
    "accompany": "同行",
    "meeting": "会議",
    "other": "その他",
}
ANNUAL_FILES = [
    ("年次評価（PDF）", "annual.pdf", "application/pdf", ".pdf"),
    ("年次評価（CSV）", "annual.csv", "text/csv", ".csv"),
    (
        "年次評価（Excel）",
        "annual.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
]


@dataclass
class Casework:
    """The rows, by model label; support records are streamed (``record_rows``)."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    events: list[dict] = field(default_factory=list)
    record_counts: list[int] = field(default_factory=list)
    record_authors: list[list[tuple[int, int]]] = field(default_factory=list)


def _office(rng: random.Random, day: dt.date, tz) -> dt.datetime:
    seconds = 8 * 3600 + 1800 + rng.randrange(8 * 3600 + 45 * 60)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz) + dt.timedelta(seconds=seconds)


def _between(rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    if hi <= lo:
        return lo
    return lo + (hi - lo) * rng.random()


def _hex(rng: random.Random) -> str:
    return hashlib.sha256(rng.getrandbits(64).to_bytes(8, "big")).hexdigest()


def plan_casework(city, *, seed: int, consultation_rows: list[dict], meetings: dict) -> Casework:
    """Everything but the support records themselves (their counts and authors only)."""
    from generate_city import MANAGER, TOKYO, fy_start

    rng = random.Random(f"{seed}-casework")
    out = Casework()
    rows = out.rows
    anchor = city.anchor
    agency_name = {a.id: a.name for a in city.agencies}
    hub_ids = [a.id for a in city.hubs]
    managers = [u.id for u in city.users if u.role == MANAGER] or city.coordinators
    staff_pool = [(u.id, u.agency_id) for u in city.users if u.role == "agency_staff"]

    def event(case_id, at, kind, actor, message, **parameters):
        out.events.append(
            {
                "case_id": case_id,
                "kind": kind,
                "actor_id": actor,
                "created_at": at,
                "message": message[:300],
                "parameters": parameters,
            }
        )

    def uid() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    # -- support records: how many per case, and who writes them ----------------------
    weights = []
    for plan in city.cases:
        days = max(1.0, ((plan.closed_at or anchor) - plan.opened_at).total_seconds() / 86400)
        weights.append(0.0 if plan.heavy else min(days, 1500) ** 0.8)
    heavy_counts = {p.index: rng.randint(150, 250) for p in city.cases if p.heavy}
    target = RECORDS_PER_CASE * len(city.cases) - sum(heavy_counts.values())
    total_weight = sum(weights) or 1.0
    for plan, w in zip(city.cases, weights, strict=True):
        if plan.index in heavy_counts:
            n = heavy_counts[plan.index]
        else:
            n = max(1, round(target * w / total_weight * rng.uniform(0.6, 1.4)))
        out.record_counts.append(n)
        receiving = list(dict.fromkeys(city.c_agency[c] for c in plan.consultations))
        authors = [(plan.lead, city.user_by_id[plan.lead].agency_id)]
        for agency_id in receiving[:3]:
            workers = city.agency_by_id[agency_id].workers
            if workers:
                authors.append((rng.choice(workers), agency_id))
        out.record_authors.append(authors)

    # -- assessments ----------------------------------------------------------------------
    issue_ids = sorted({i for row in consultation_rows for _, i in row["_issues"]})
    member_ids = itertools.count(1)
    member_issue_ids = itertools.count(1)
    for plan in city.cases:
        if plan.status == "intake":
            continue
        end = plan.closed_at or anchor
        at = min(plan.opened_at + dt.timedelta(days=rng.uniform(3, 40)), end)
        assessment_id = uid()
        rows["cases.Assessment"].append(
            {
                "id": assessment_id,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "case_id": plan.id,
                "household_situation": "世帯の全体像：高齢の親と無職の子の二人暮らし。"
                "近所付き合いは少なく、親族は市外に住む。",
                "strengths": "長女が月に一度訪れる。本人は料理が得意。",
                "risks": "親の転倒、子の孤立。家計の滞納が続いている。",
                "assessed_on": at.astimezone(TOKYO).date(),
                "assessed_by_id": plan.lead,
            }
        )
        event(
            plan.id,
            at,
            "assessment_saved",
            plan.lead,
            "インテーク・アセスメントシートを作成しました。",
        )
        for person_index in plan.subjects:
            member_id = next(member_ids)
            rows["cases.AssessmentMember"].append(
                {
                    "id": member_id,
                    "assessment_id": assessment_id,
                    "person_id": city.persons[person_index]["id"],
                    "work": rng.choice(["part_time", "pension", "unemployed", "unknown"]),
                    "housing": rng.choice(["owned", "rented", "public", "unknown"]),
                    "insurance": rng.choice(["national", "employee", "elderly", "unknown"]),
                    "pension": rng.choice(["old_age", "disability", "none", "unknown"]),
                    "health": "通院中（内科）",
                    "_issues": [
                        (next(member_issue_ids), i)
                        for i in rng.sample(issue_ids, min(len(issue_ids), rng.randint(1, 3)))
                    ],
                }
            )

    # -- plans, 関係者, 役割分担 ----------------------------------------------------------
    companies = ["商店", "工務店", "スーパー", "新聞販売店", "運送", "農園", "食堂"]
    people = ["民生委員", "自治会長", "大家", "叔父", "叔母", "友人", "主治医", "ケアマネ"]
    task_texts = [
        "月1回の訪問で見守る",
        "介護保険の申請を支援する",
        "家計の見直しを一緒に行う",
        "就労体験の場を探す",
        "通院に同行する",
        "学校との連絡を担う",
    ]
    planned = {"planning", "support", "monitoring", "suspended", "closed"}
    for plan in city.cases:
        if plan.status not in planned or rng.random() > 0.75:
            continue
        end = plan.closed_at or anchor
        receiving = list(dict.fromkeys(city.c_agency[c] for c in plan.consultations))
        lead_agency = city.user_by_id[plan.lead].agency_id
        versions = rng.choice([1, 1, 1, 2, 2, 3])
        moment = plan.opened_at + dt.timedelta(days=rng.uniform(10, 60))
        if moment >= end:
            continue
        for number in range(1, versions + 1):
            last = number == versions
            in_progress = last and plan.status == "planning" and rng.random() < 0.7
            status = "superseded" if not last else "draft" if in_progress else "approved"
            approved = None if status == "draft" else min(moment + dt.timedelta(days=3), end)
            plan_id = uid()
            rows["cases.SupportPlan"].append(
                {
                    "id": plan_id,
                    "version": 1 if status == "draft" else 2,
                    "created_at": moment,
                    "updated_at": approved or moment,
                    "case_id": plan.id,
                    "number": number,
                    "status": status,
                    "long_term_goal": "母と長男が地域で安心して暮らし続けられる",
                    "short_term_goal": "長男の通院再開と、母の介護保険サービスの利用開始",
                    "urgent": False,
                    "monitoring_on": (moment + dt.timedelta(days=90)).astimezone(TOKYO).date(),
                    "person_wishes": "家で暮らし続けたい",
                    "agreed_on": moment.astimezone(TOKYO).date(),
                    "approved_at": approved,
                    "approved_by_id": plan.lead if approved else None,
                    "created_by_id": plan.lead,
                }
            )
            event(
                plan.id,
                moment,
                "plan_saved",
                plan.lead,
                f"支援プラン第{number}版を作成しました。",
                plan_id=str(plan_id),
            )
            if approved:
                event(
                    plan.id,
                    approved,
                    "plan_status",
                    plan.lead,
                    f"支援プラン第{number}版を承認しました。",
                    plan_id=str(plan_id),
                )
            for _ in range(rng.randint(1, 6)):
                if rng.random() < 0.5:
                    agency = city.agency_by_id[
                        rng.choice(
                            receiving
                            + [lead_agency]
                            + [a.id for a in rng.sample(city.partner_pool, 2)]
                        )
                    ]
                    kind = "department" if agency.kind == "department" else "agency"
                    name, key, agency_id = "", f"agency:{agency.id}", agency.id
                else:
                    kind = rng.choice(["person", "resident", "company", "other"])
                    pool = companies if kind == "company" else people
                    name = f"{rng.choice(pool)}{rng.randint(1, 400)}"
                    key, agency_id = f"{kind}:{name}", None
                rows["cases.PlanStakeholder"].append(
                    {
                        "plan_id": plan_id,
                        "kind": kind,
                        "agency_id": agency_id,
                        "name": name,
                        "role": "見守り" if agency_id is None else "",
                        "dedup_key": key,
                        "_at": moment,
                        "_user": plan.lead,
                    }
                )
            for _ in range(rng.randint(1, 4)):
                agency_id = rng.choice([*receiving, lead_agency])
                done = not last or (plan.status == "closed")
                reported = _between(rng, moment, end) if done else None
                workers = city.agency_by_id[agency_id].workers
                rows["cases.PlanTask"].append(
                    {
                        "plan_id": plan_id,
                        "agency_id": agency_id,
                        "stakeholder_name": "",
                        "content": rng.choice(task_texts),
                        "due_on": (moment + dt.timedelta(days=rng.randint(14, 120)))
                        .astimezone(TOKYO)
                        .date(),
                        "status": "done" if done else "open",
                        "report": "対応しました。" if done else "",
                        "reported_at": reported,
                        "reported_by_id": (rng.choice(workers) if workers else plan.lead)
                        if done
                        else None,
                        "_at": moment,
                        "_user": plan.lead,
                    }
                )
            moment = moment + dt.timedelta(days=rng.uniform(90, 400))
            if moment >= end:
                break

    # -- 中断 and 終結 --------------------------------------------------------------------
    suspension_ids = itertools.count(1)
    closure_ids = itertools.count(1)
    for plan in city.cases:
        end = plan.closed_at or anchor
        if plan.status == "suspended":
            at = plan.opened_at + (anchor - plan.opened_at) * 4 / 4.5
            reason = rng.choice(["lost_contact", "refusal", "other"])
            rows["cases.CaseSuspension"].append(
                {
                    "id": next(suspension_ids),
                    "case_id": plan.id,
                    "reason": reason,
                    "note": "訪問しても応答がなく、電話もつながらない。",
                    "previous_status": "support",
                    "suspended_at": at,
                    "suspended_by_id": plan.lead,
                }
            )
            event(
                plan.id,
                at,
                "suspended",
                plan.lead,
                "ケースを中断しました（連絡が取れない）。",
                previous_status="support",
            )
        elif plan.status not in ("intake", "assessment") and rng.random() < 0.05:
            at = _between(rng, plan.opened_at, end)
            back = _between(rng, at, end)
            rows["cases.CaseSuspension"].append(
                {
                    "id": next(suspension_ids),
                    "case_id": plan.id,
                    "reason": "lost_contact",
                    "note": "入院のため連絡が途絶えた。",
                    "previous_status": "support",
                    "suspended_at": at,
                    "suspended_by_id": plan.lead,
                    "resumed_at": back,
                    "resumed_by_id": plan.lead,
                    "resume_note": "退院し、連絡が取れた。",
                }
            )
            event(
                plan.id,
                at,
                "suspended",
                plan.lead,
                "ケースを中断しました（連絡が取れない）。",
                previous_status="support",
            )
            event(plan.id, back, "resumed", plan.lead, "中断から再開しました（状態: 支援中）。")
        if plan.status == "closed":
            reason = rng.choices(
                ["resolved", "existing_window", "comprehensive", "moved_out", "deceased", "other"],
                weights=[40, 30, 12, 8, 5, 5],
            )[0]
            handover = (
                rng.choice(city.partner_pool).id
                if reason in ("existing_window", "comprehensive")
                else None
            )
            rows["cases.CaseClosure"].append(
                {
                    "id": next(closure_ids),
                    "case_id": plan.id,
                    "reason": reason,
                    "note": "",
                    "handover_agency_id": handover,
                    "improvement": rng.choices(
                        ["improved", "not_improved", "unknown"], weights=[60, 25, 15]
                    )[0],
                    "evaluation": "支援の経過と成果：通院が再開し、家計の滞納が解消した。",
                    "closed_at": plan.closed_at,
                    "closed_by_id": plan.lead,
                }
            )
            event(
                plan.id,
                plan.closed_at,
                "closed",
                plan.lead,
                "ケースを終結しました。",
                reason=reason,
            )

    # -- つなぐシート: each window that handed a consultation to 多機関協働 -------------------
    consent_of = {}
    for plan in city.cases:
        for c in plan.consents:
            consent_of.setdefault(c["person_id"], c)
    case_of = {p.id: p for p in city.cases}
    for row in consultation_rows:
        if row["outcome"] != "collaboration" or row["receiving_agency_id"] in hub_ids:
            continue
        if rng.random() > 0.6:
            continue
        plan = case_of.get(row["case_id"])
        sent = row["created_at"] + dt.timedelta(hours=rng.uniform(1, 72))
        if sent >= anchor:
            continue
        if plan is not None:
            to_agency = city.user_by_id[plan.lead].agency_id
        else:
            to_agency = rng.choice(hub_ids)
        if to_agency == row["receiving_agency_id"]:
            continue
        consent = consent_of.get(row["person_id"])
        state = "given" if consent is not None and consent["obtained_on"] <= sent.date() else "none"
        if plan is not None and plan.opened_at < anchor:
            status = "completed" if plan.status == "closed" else "accepted"
            answered = max(sent, min(plan.opened_at, anchor - dt.timedelta(seconds=1)))
        elif anchor - sent < dt.timedelta(days=14):
            status, answered = "sent", None
        else:
            status = rng.choice(["accepted", "declined", "completed"])
            answered = sent + dt.timedelta(days=rng.uniform(1, 10))
        referral_id = uid()
        rows["referrals.Referral"].append(
            {
                "id": referral_id,
                "household_id": row["household_id"],
                "person_id": row["person_id"],
                "consultation_id": row["id"],
                "case_id": row["case_id"],
                "from_agency_id": row["receiving_agency_id"],
                "sent_by_id": row["received_by_id"],
                "sent_at": sent,
                "to_agency_id": to_agency,
                "urgency": rng.choices(["normal", "urgent", "emergency"], weights=[85, 12, 3])[0],
                "consent_state": state,
                "consent_id": consent["id"] if state == "given" else None,
                "situation": row["summary"],
                "actions_taken": "窓口で話を聞き、制度の説明をした。",
                "reason": "複数の課題が重なっており、多機関での支援が必要と考えたため。",
                "considerations": "",
                "person_name": "",
                "members": [],
                "status": status,
                "answered_at": answered,
                "answered_by_id": (
                    plan.lead
                    if plan
                    else city.agency_by_id[to_agency].workers[0]
                    if city.agency_by_id[to_agency].workers
                    else None
                )
                if answered
                else None,
                "decline_reason": "当機関の対象ではないため" if status == "declined" else "",
                "completed_at": answered if status == "completed" else None,
                "completed_by_id": (plan.lead if plan else None) if status == "completed" else None,
                "completion_note": "ケースとして支援を始めた。" if status == "completed" else "",
                "_issues": [iid for _, iid in row["_issues"]],
                "_at": sent,
                "_user": row["received_by_id"],
            }
        )
        if status == "completed" and rows["referrals.Referral"][-1]["completed_by_id"] is None:
            rows["referrals.Referral"][-1]["completed_by_id"] = rows["referrals.Referral"][-1][
                "answered_by_id"
            ]
        if plan is not None and sent >= plan.opened_at:
            event(
                plan.id,
                sent,
                "referral_sent",
                row["received_by_id"],
                f"{agency_name[to_agency]}宛のつなぐシートを送付しました。",
                referral_id=str(referral_id),
            )
    _fill_referral_people(city, rows["referrals.Referral"])
    referral_issue_ids = itertools.count(1)
    for r in rows["referrals.Referral"]:
        r["_issues"] = [(next(referral_issue_ids), i) for i in r["_issues"]]

    # -- アウトリーチ ------------------------------------------------------------------------
    n_engagements = max(10, len(city.cases) // 20)
    for _ in range(n_engagements):
        user_id, agency_id = rng.choice(staff_pool)
        h = rng.randrange(city.n_households)
        first = city.c_time[city.hh_consultations[h][0]]
        started = (first - dt.timedelta(days=rng.uniform(10, 200))).astimezone(TOKYO).date()
        started = max(started, fy_start(city.first_fy).date())
        ended = started + dt.timedelta(days=rng.randint(30, 900))
        active = ended >= city.today
        at = _office(rng, started, TOKYO)
        engagement_id = uid()
        rows["cases.OutreachEngagement"].append(
            {
                "id": engagement_id,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "household_id": city.households[h]["id"],
                "started_on": started,
                "started_by_id": user_id,
                "agency_id": agency_id,
                "concern": "閉じこもりが続いていると近所から連絡があった。",
                "status": "active" if active else "ended",
                "ended_on": None if active else ended,
                "end_reason": "" if active else "相談につながった",
            }
        )
        for _ in range(rng.randint(1, 8)):
            day = started + dt.timedelta(days=rng.randint(0, 300))
            if day >= city.today or (not active and day > ended):
                continue
            when = _office(rng, day, TOKYO)
            rows["cases.OutreachContact"].append(
                {
                    "id": uid(),
                    "version": 1,
                    "created_at": when,
                    "updated_at": when,
                    "engagement_id": engagement_id,
                    "contacted_on": day,
                    "method": rng.choice(["visit", "phone", "letter", "from_agency"]),
                    "with_whom": "",
                    "what_happened": "玄関先で少し話せた。次回も訪問することを伝えた。",
                    "recorded_by_id": user_id,
                    "agency_id": agency_id,
                }
            )

    # -- 社会資源, 参加支援, 目標値 -------------------------------------------------------------
    kinds = ["ibasho", "business", "salon", "kodomo_shokudo", "work_experience", "volunteer"]
    n_resources = max(12, len(city.cases) // 250)
    created = fy_start(city.first_fy) + dt.timedelta(days=30)
    for index in range(n_resources):
        name = f"架空市の社会資源{index + 1}"
        rows["agencies.CommunityResource"].append(
            {
                "id": index + 1,
                "name": name,
                "kind": kinds[index % len(kinds)],
                "search_key": name,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }
        )
        for year in range(city.first_fy, city.current_fy + 1):
            rows["agencies.ResourceYearFigures"].append(
                {
                    "resource_id": index + 1,
                    "fiscal_year": year,
                    "is_hub": index % 3 == 0,
                    "participants": rng.randint(0, 400),
                    "citizens_running": rng.randint(0, 20),
                    "agencies_count": rng.randint(0, 8),
                    "updated_at": fy_start(year + 1) - dt.timedelta(days=10)
                    if year < city.current_fy
                    else anchor,
                }
            )
    with_case = [p for p in city.cases if p.status in ("support", "monitoring", "closed")]
    for plan in rng.sample(with_case, min(len(with_case), max(10, len(city.cases) // 10))):
        end = plan.closed_at or anchor
        start = plan.opened_at + dt.timedelta(days=rng.uniform(10, 300))
        if start >= end:
            continue
        user_id = plan.lead
        agency_id = city.user_by_id[user_id].agency_id
        day = start.astimezone(TOKYO).date()
        finished = plan.status == "closed" or rng.random() < 0.3
        ended_on = _between(rng, start, end).astimezone(TOKYO).date() if finished else None
        participation_id = uid()
        rows["cases.ParticipationSupport"].append(
            {
                "id": participation_id,
                "version": 1,
                "created_at": start,
                "updated_at": start,
                "case_id": plan.id,
                "person_id": city.persons[plan.subjects[0]]["id"],
                "resource_id": rng.randint(1, n_resources),
                "started_on": day,
                "status": "ended" if finished else "participating",
                "outcome": "週に一度通うようになった。" if finished else "",
                "ended_on": max(ended_on, day) if ended_on else None,
                "agency_id": agency_id,
                "created_by_id": user_id,
            }
        )
        event(
            plan.id,
            start,
            "participation_added",
            user_id,
            "参加支援を登録しました（参加中）。",
            participation_id=str(participation_id),
            status="participating",
        )
    for year in range(max(city.first_fy, 2019), city.current_fy + 3):
        rows["reports.OutcomeTarget"].append(
            {
                "fiscal_year": year,
                "target": 100 * (year - city.first_fy + 1),
                "note": "",
                "set_by_id": managers[0],
                "updated_at": fy_start(min(year, city.current_fy)),
            }
        )

    # -- generated reports: packets of held meetings, annual and national files ------------
    _plan_reports(city, rng, rows, meetings, managers, uid)
    return out


def _fill_referral_people(city, referrals: list[dict]) -> None:
    """The sheet copies the person and the household as they were when it was sent."""
    person_by_id = {}
    for i, p in enumerate(city.persons):
        person_by_id[p["id"]] = i
    hh_by_id = {h["id"]: i for i, h in enumerate(city.households)}
    for r in referrals:
        p = city.persons[person_by_id[r["person_id"]]]
        h = hh_by_id[r["household_id"]]
        household = city.households[h]
        r["person_name"] = f"{p['family_name']} {p['given_name']}"[:101]
        r["person_kana"] = f"{p['family_name_kana']} {p['given_name_kana']}"[:201]
        r["person_sex"] = {"male": "男性", "female": "女性"}.get(p["sex"], "")
        r["person_birth_date"] = p["birth_date"]
        r["postal_code"] = household["postal_code"]
        r["address"] = household["address"]
        r["phone"] = household["phone"]
        r["members"] = [
            {
                "name": f"{m['family_name']} {m['given_name']}",
                "age": "",
                "relation": m["relation"],
                "note": "",
            }
            for m in (city.persons[k] for k in city.hh_people[h])
        ]


def _plan_reports(city, rng, rows, meetings, managers, uid) -> None:
    from generate_city import TOKYO, fy_start

    anchor = city.anchor
    purge_before = anchor - dt.timedelta(days=90)
    attendees_of = defaultdict(list)
    for a in meetings["attendees"]:
        attendees_of[a["meeting_id"]].append(a)
    items_of = defaultdict(list)
    for item in meetings["items"]:
        items_of[item["meeting_id"]].append(item)
    body_kind = {b["id"]: b["kind"] for b in city.body_rows}
    agency_name = {a.id: a.name for a in city.agencies}
    for meeting in meetings["meetings"]:
        if meeting["status"] != "held":
            continue
        recipients = [a for a in attendees_of[meeting["id"]]]
        items = items_of[meeting["id"]]
        if not recipients or not items:
            continue
        created = meeting["created_at"] + dt.timedelta(days=14)
        finished = created + dt.timedelta(seconds=rng.uniform(20, 90))
        job_id = uid()
        rows["reports.ReportJob"].append(
            {
                "id": job_id,
                "kind": "meeting_packet",
                "params": {},
                "meeting_id": meeting["id"],
                "requested_by_id": meeting["created_by_id"],
                "status": "done",
                "progress": 100,
                "attempts": 1,
                "created_at": created,
                "enqueued_at": created,
                "started_at": created + dt.timedelta(seconds=1),
                "finished_at": finished,
            }
        )
        support_bodies = sorted(
            {str(i["body_id"]) for i in items if body_kind[i["body_id"]] != "guideline"}
        )
        consent_items = [str(i["id"]) for i in items if body_kind[i["body_id"]] == "guideline"]
        purged = finished < purge_before
        for number, attendee in enumerate(recipients, start=1):
            rows["reports.ReportFile"].append(
                {
                    "id": uid(),
                    "job_id": job_id,
                    "label": f"会議資料 No.{number}（{attendee['name']}）",
                    "filename": f"packet-{number:03d}.pdf",
                    "content_type": "application/pdf",
                    "path": f"reports/{job_id}/{number:03d}.pdf",
                    "size": rng.randint(200_000, 900_000),
                    "sha256": _hex(rng),
                    "created_at": finished,
                    "purged_at": finished + dt.timedelta(days=90) if purged else None,
                    "meeting_id": meeting["id"],
                    "attendee_id": attendee["id"],
                    "copy_number": number,
                    "recipient_name": attendee["name"][:100],
                    "recipient_agency": agency_name[attendee["agency_id"]][:100],
                    "copy_status": "returned" if purged else "issued",
                    "copy_status_at": finished + dt.timedelta(days=1) if purged else finished,
                    "support_body_ids": support_bodies,
                    "consent_item_ids": consent_items,
                    "_user": meeting["created_by_id"],
                }
            )
        rows["reports.PacketCounter"].append(
            {"meeting_id": meeting["id"], "last_number": len(recipients)}
        )
    for year in range(city.first_fy, city.current_fy):
        for kind, files in (
            ("annual", ANNUAL_FILES),
            ("national", [("実績報告用CSV", "national.csv", "text/csv", ".csv")]),
        ):
            created = fy_start(year + 1) + dt.timedelta(days=rng.randint(20, 60), hours=10)
            if created >= anchor:
                continue
            finished = created + dt.timedelta(seconds=rng.uniform(5, 40))
            job_id = uid()
            user = rng.choice(managers)
            rows["reports.ReportJob"].append(
                {
                    "id": job_id,
                    "kind": kind,
                    "params": {},
                    "fiscal_year": year,
                    "requested_by_id": user,
                    "status": "done",
                    "progress": 100,
                    "attempts": 1,
                    "created_at": created,
                    "enqueued_at": created,
                    "started_at": created + dt.timedelta(seconds=1),
                    "finished_at": finished,
                    "expires_at": finished + dt.timedelta(days=30),
                }
            )
            for index, (label, filename, content_type, ext) in enumerate(files, start=1):
                rows["reports.ReportFile"].append(
                    {
                        "id": uid(),
                        "job_id": job_id,
                        "label": f"{label}（{year}年度）",
                        "filename": filename,
                        "content_type": content_type,
                        "path": f"reports/{job_id}/{index:03d}{ext}",
                        "size": rng.randint(10_000, 4_000_000),
                        "sha256": _hex(rng),
                        "created_at": finished,
                        "purged_at": finished + dt.timedelta(days=30),
                        "_user": user,
                    }
                )
    del TOKYO


def record_rows(city, casework: Casework, *, seed: int):
    """Yield ("record", row) and ("event", row) for the 支援経過 and their timeline lines,
    case by case, each case from its own ``Random`` (so nothing is held in memory)."""
    import functools

    from generate_city import TOKYO

    from core.japanese import format_wareki

    wareki = functools.lru_cache(maxsize=None)(format_wareki)
    kind_weights = list(itertools.accumulate([35, 30, 15, 10, 5, 5]))
    agency_name = {a.id: a.name for a in city.agencies}
    anchor = city.anchor
    for plan, n, authors in zip(
        city.cases, casework.record_counts, casework.record_authors, strict=True
    ):
        rng = random.Random((seed << 24) ^ (plan.index * 7919 + 17))
        end = plan.closed_at or anchor
        span = max(60.0, (end - plan.opened_at).total_seconds())
        for _ in range(n):
            at = plan.opened_at + dt.timedelta(seconds=rng.uniform(30, span))
            if at >= anchor:
                at = anchor - dt.timedelta(seconds=rng.uniform(60, 86400))
            day = at.astimezone(TOKYO).date()
            author, agency_id = authors[0] if rng.random() < 0.4 else rng.choice(authors)
            kind = rng.choices(RECORD_KINDS, cum_weights=kind_weights)[0]
            restricted = rng.random() < 0.05
            cancelled = rng.random() < 0.01
            record_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            created = at + dt.timedelta(hours=rng.uniform(0.5, 6))
            row = {
                "id": record_id,
                "version": 2 if cancelled else 1,
                "created_at": created,
                "updated_at": created + dt.timedelta(days=1) if cancelled else created,
                "case_id": plan.id,
                "occurred_on": day,
                "kind": kind,
                "content": rng.choice(RECORD_TEXTS),
                "restricted": restricted,
                "agency_id": agency_id,
                "author_id": author,
                "cancelled_at": created + dt.timedelta(days=1) if cancelled else None,
                "cancelled_by_id": author if cancelled else None,
                "cancel_reason": "誤記" if cancelled else "",
            }
            yield "record", row
            if restricted:
                what = f"{agency_name[agency_id]}の閲覧制限付きの支援経過を記録しました"
            else:
                what = (
                    f"{wareki(day)}の支援経過（{RECORD_KIND_LABELS[kind]}、"
                    f"{agency_name[agency_id]}）を記録しました"
                )
            yield (
                "event",
                {
                    "case_id": plan.id,
                    "kind": "record_added",
                    "actor_id": author,
                    "created_at": created,
                    "message": f"{what}。"[:300],
                    # JSON text as COPY takes it (json.dumps per row costs a fifth).
                    "parameters": f'{{"record_id": "{record_id}"}}',
                },
            )
            if cancelled:
                yield (
                    "event",
                    {
                        "case_id": plan.id,
                        "kind": "record_cancelled",
                        "actor_id": author,
                        "created_at": created + dt.timedelta(days=1),
                        "message": "支援経過を取り消しました。 理由: 誤記",
                        "parameters": f'{{"record_id": "{record_id}"}}',
                    },
                )


# ---------------------------------------------------------------------------
# History "+" rows, in SQL, for every model that has history and rows but no history yet

DATE_COLUMNS = [
    "created_at",
    "recorded_at",
    "sent_at",
    "set_at",
    "started_at",
    "closed_at",
    "suspended_at",
    "requested_at",
    "date_joined",
    "updated_at",
]
USER_COLUMNS = [
    "created_by_id",
    "author_id",
    "recorded_by_id",
    "sent_by_id",
    "started_by_id",
    "closed_by_id",
    "suspended_by_id",
    "assessed_by_id",
    "obtained_by_id",
    "granted_by_id",
    "set_by_id",
    "requested_by_id",
]
# Child rows without a date or an author of their own take their parent's.
PARENTS = {
    "cases.PlanStakeholder": ("plan_id", "cases.SupportPlan"),
    "cases.PlanTask": ("plan_id", "cases.SupportPlan"),
    "cases.AssessmentMember": ("assessment_id", "cases.Assessment"),
    "reports.ReportFile": ("job_id", "reports.ReportJob"),
    "meetings.Attendee": ("meeting_id", "meetings.Meeting"),
    "meetings.AgendaItem": ("meeting_id", "meetings.Meeting"),
    "meetings.BodyMember": ("body_id", "meetings.MeetingBody"),
    "agencies.ResourceYearFigures": ("resource_id", "agencies.CommunityResource"),
}


def _pick(columns, candidates):
    return next((c for c in candidates if c in columns), None)


def fill_history(conn, anchor: dt.datetime, report) -> None:
    """One ``INSERT … SELECT`` of "+" rows per model with history whose history table is
    still empty (the models the generator wrote in Python keep their own), then the m2m
    history rows of each, joined on the "+" row."""
    import time

    from django.apps import apps
    from generate_city import m2m_history_model
    from psycopg import sql
    from simple_history.models import registered_models

    for model in list(registered_models.values()):
        manager = getattr(model, "history", None)
        if manager is None or not hasattr(manager, "model"):
            continue  # an m2m through model registered beside its owner
        hmodel = manager.model
        table, htable = model._meta.db_table, hmodel._meta.db_table
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(htable)))
            if cur.fetchone()[0]:
                continue
            cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table)))
            if not cur.fetchone()[0]:
                continue
        started = time.perf_counter()
        source = {f.column for f in model._meta.concrete_fields}
        history_columns = [
            f.column
            for f in hmodel._meta.concrete_fields
            if f.column in source and not f.column.startswith("history_")
        ]
        label = model._meta.label
        parent = PARENTS.get(label)
        join = sql.SQL("")
        date_expr = user_expr = None
        if parent is not None:
            fk, parent_label = parent
            pmodel = apps.get_model(parent_label)
            pcolumns = {f.column for f in pmodel._meta.concrete_fields}
            join = sql.SQL(" JOIN {} p ON p.{} = t.{}").format(
                sql.Identifier(pmodel._meta.db_table),
                sql.Identifier(pmodel._meta.pk.column),
                sql.Identifier(fk),
            )
            if (c := _pick(pcolumns, DATE_COLUMNS)) and not _pick(source, DATE_COLUMNS):
                date_expr = sql.SQL("p.{}").format(sql.Identifier(c))
            if (c := _pick(pcolumns, USER_COLUMNS)) and not _pick(source, USER_COLUMNS):
                user_expr = sql.SQL("p.{}").format(sql.Identifier(c))
        if date_expr is None:
            c = _pick(source, DATE_COLUMNS)
            date_expr = sql.SQL("t.{}").format(sql.Identifier(c)) if c else sql.Literal(anchor)
        if user_expr is None:
            c = _pick(source, USER_COLUMNS)
            user_expr = sql.SQL("t.{}").format(sql.Identifier(c)) if c else sql.NULL
        statement = sql.SQL(
            "INSERT INTO {h} ({cols}, history_date, history_type, history_user_id, "
            "history_change_reason) SELECT {tcols}, coalesce({d}, {a}), '+', {u}, NULL "
            "FROM {t} t{join} ORDER BY 1"
        ).format(
            h=sql.Identifier(htable),
            cols=sql.SQL(", ").join(map(sql.Identifier, history_columns)),
            tcols=sql.SQL(", ").join(
                sql.SQL("t.{}").format(sql.Identifier(c)) for c in history_columns
            ),
            d=date_expr,
            a=sql.Literal(anchor),
            u=user_expr,
            t=sql.Identifier(table),
            join=join,
        )
        with conn.cursor() as cur:
            cur.execute(statement)
            count = cur.rowcount
        conn.commit()
        report(f"{htable} (+)", count, time.perf_counter() - started)
        m2m_model = m2m_history_model(hmodel)
        if m2m_model is None:
            continue
        _fill_m2m_history(conn, model, hmodel, m2m_model, report)


def _fill_m2m_history(conn, model, hmodel, m2m_model, report) -> None:
    import time

    from psycopg import sql

    started = time.perf_counter()
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        owner_col = m2m.m2m_column_name()
        target_col = m2m.m2m_reverse_name()
        columns = {f.column for f in m2m_model._meta.concrete_fields}
        if owner_col not in columns or target_col not in columns:
            continue
        with_id = sql.SQL("id, " if "id" in columns else "")
        statement = sql.SQL(
            "INSERT INTO {m} ({i}{o}, {g}, history_id) SELECT {ti}t.{o}, t.{g}, h.history_id "
            "FROM {t} t JOIN {h} h ON h.{pk} = t.{o}"
        ).format(
            i=with_id,
            ti=sql.SQL("t.id, " if "id" in columns else ""),
            m=sql.Identifier(m2m_model._meta.db_table),
            o=sql.Identifier(owner_col),
            g=sql.Identifier(target_col),
            t=sql.Identifier(through._meta.db_table),
            h=sql.Identifier(hmodel._meta.db_table),
            pk=sql.Identifier(model._meta.pk.column),
        )
        with conn.cursor() as cur:
            cur.execute(statement)
            count = cur.rowcount
        conn.commit()
        report(f"{m2m_model._meta.db_table} (m2m +)", count, time.perf_counter() - started)
