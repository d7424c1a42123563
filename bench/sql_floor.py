"""The raw-SQL floor: what the pages' data costs when written by hand, on the same database.

Each floor is a few statements a person would write for the page without an ORM or an
access policy library — the visibility test inlined as an ``IN (… UNION …)`` of the
access rows — timed with psycopg (median of N after one warm-up). ``ANNUAL_SQL`` is the
annual evaluation's figures for one 年度: the same counts as
``reports.annual.annual_figures``, written as a person would (one scan where GROUPING
SETS allow), without the Python that shapes them into tables.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

AGENCY_BASES = ["receiving_agency", "partner", "consent", "emergency"]

# The ids of the cases the user sees: the agency's grants and the user's own, valid now.
VISIBLE = """
    c.id IN (SELECT x.case_id FROM cases_caseaccess x
             WHERE x.agency_id = %(agency)s AND x.basis = ANY(%(bases)s)
               AND x.revoked_at IS NULL AND x.valid_from <= now()
               AND (x.valid_until IS NULL OR x.valid_until > now())
             UNION
             SELECT x.case_id FROM cases_caseaccess x
             WHERE x.user_id = %(user)s
               AND x.revoked_at IS NULL AND x.valid_from <= now()
               AND (x.valid_until IS NULL OR x.valid_until > now()))
"""

CASE_LIST = [
    f"""SELECT count(*) FROM cases_case c WHERE c.status <> 'closed' AND {VISIBLE}""",
    f"""SELECT c.id, c.fiscal_year, c.sequence, c.status, c.opened_at, c.updated_at,
               h.display_name, a.name, u.last_name, u.first_name
        FROM cases_case c
        JOIN cases_household h ON h.id = c.household_id
        JOIN agencies_agency a ON a.id = c.main_agency_id
        JOIN agencies_user u ON u.id = c.lead_coordinator_id
        WHERE c.status <> 'closed' AND {VISIBLE}
        ORDER BY c.updated_at DESC LIMIT 25""",
]

LATEST_RECORDS = [
    """SELECT r.id, r.occurred_on, r.kind, r.content, r.restricted, a.name, u.last_name
       FROM cases_supportrecord r
       JOIN agencies_agency a ON a.id = r.agency_id
       JOIN agencies_user u ON u.id = r.author_id
       WHERE r.case_id = %(case)s AND r.cancelled_at IS NULL
       ORDER BY r.occurred_on DESC, r.created_at DESC LIMIT 10""",
]

YEAR_CONSULTATIONS = [
    # One scan of the year's consultations for every breakdown (the agency's area is
    # looked up in Python from the 200 agencies, as the app does).
    """SELECT receiving_agency_id, main_issue_id, channel, consulter, outcome, count(*)
       FROM cases_consultation WHERE fiscal_year = %(year)s
       GROUP BY GROUPING SETS ((receiving_agency_id), (main_issue_id), (channel),
                               (consulter), (outcome), ())""",
    # Issues: per category, and consultations per report group, in one scan.
    """SELECT t.issuecategory_id, i.report_group, count(*), count(DISTINCT t.consultation_id)
       FROM cases_consultation_issues t
       JOIN cases_consultation c ON c.id = t.consultation_id
       JOIN cases_issuecategory i ON i.id = t.issuecategory_id
       WHERE c.fiscal_year = %(year)s
       GROUP BY GROUPING SETS ((t.issuecategory_id), (i.report_group))""",
]

# 関係者 of this 年度 by kind (a key counts once, under the first kind it was named
# with), and the trend's four 年度 before it (counts only).
STAKEHOLDERS = [
    """SELECT kind, count(*) FROM (
         SELECT DISTINCT ON (s.dedup_key) s.dedup_key, s.kind
         FROM cases_planstakeholder s JOIN cases_supportplan p ON p.id = s.plan_id
         WHERE p.approved_at >= %(start)s AND p.approved_at < %(end)s
         ORDER BY s.dedup_key, s.kind) k
       GROUP BY 1""",
    """SELECT extract(year FROM (p.approved_at AT TIME ZONE 'Asia/Tokyo')
                          - interval '3 months')::int,
              count(DISTINCT s.dedup_key)
       FROM cases_planstakeholder s JOIN cases_supportplan p ON p.id = s.plan_id
       WHERE p.approved_at >= %(start4)s AND p.approved_at < %(start)s
       GROUP BY 1""",
]

HELD = """SELECT m.id FROM meetings_meeting m
          WHERE m.date >= %(first)s AND m.date < %(next)s AND m.status = 'held'"""

ANNUAL_SQL = [
    *YEAR_CONSULTATIONS,
    "SELECT count(*) FROM cases_case WHERE fiscal_year = %(year)s",
    """SELECT count(*) FILTER (WHERE created_at >= %(start)s AND created_at < %(end)s),
              count(*) FILTER (WHERE approved_at >= %(start)s AND approved_at < %(end)s),
              count(*) FILTER (WHERE discussed_on >= %(first)s AND discussed_on < %(next)s)
       FROM cases_supportplan""",
    """SELECT reason, improvement, count(*) FROM cases_caseclosure
       WHERE closed_at >= %(start)s AND closed_at < %(end)s
         AND (reopened_at IS NULL OR reopened_at >= %(end)s)
       GROUP BY 1, 2""",
    "SELECT count(*) FROM referrals_referral WHERE sent_at >= %(start)s AND sent_at < %(end)s",
    *STAKEHOLDERS,
    f"""SELECT b.kind, count(DISTINCT t.meeting_id) FROM meetings_meeting_bodies t
        JOIN meetings_meetingbody b ON b.id = t.meetingbody_id
        WHERE t.meeting_id IN ({HELD}) GROUP BY 1""",
    f"""SELECT b.kind, count(DISTINCT a.agency_id), count(DISTINCT a.id)
        FROM meetings_attendee a
        JOIN meetings_meeting_bodies t ON t.meeting_id = a.meeting_id
        JOIN meetings_meetingbody b ON b.id = t.meetingbody_id
        WHERE a.meeting_id IN ({HELD}) GROUP BY 1""",
    f"""SELECT b.kind, count(DISTINCT i.case_id), count(DISTINCT i.household_id)
        FROM meetings_agendaitem i JOIN meetings_meetingbody b ON b.id = i.body_id
        WHERE i.meeting_id IN ({HELD}) AND NOT i.gate_blocked GROUP BY 1""",
    f"""SELECT b.kind, count(*) FROM meetings_decision d
        JOIN meetings_agendaitem i ON i.id = d.item_id
        JOIN meetings_meetingbody b ON b.id = i.body_id
        WHERE i.meeting_id IN ({HELD}) GROUP BY 1""",
    f"""SELECT b.kind, count(DISTINCT r.id) FROM meetings_regionalissue r
        JOIN meetings_meeting_bodies t ON t.meeting_id = r.meeting_id
        JOIN meetings_meetingbody b ON b.id = t.meetingbody_id
        WHERE r.meeting_id IN ({HELD}) GROUP BY 1""",
    """SELECT count(DISTINCT p.person_id),
              count(DISTINCT p.resource_id) FILTER (WHERE r.kind = 'business' AND r.is_active)
       FROM cases_participationsupport p
       JOIN agencies_communityresource r ON r.id = p.resource_id
       WHERE p.started_on >= %(first)s AND p.started_on < %(next)s""",
    """SELECT count(*) FILTER (WHERE is_hub), sum(participants), sum(citizens_running),
              sum(agencies_count)
       FROM agencies_resourceyearfigures WHERE fiscal_year = %(year)s""",
    """SELECT count(*) FROM cases_outreachengagement
       WHERE (ended_on IS NULL OR ended_on >= %(first)s) AND started_on < %(next)s""",
    """SELECT count(*) FROM cases_outreachcontact
       WHERE contacted_on >= %(first)s AND contacted_on < %(next)s""",
    """SELECT fiscal_year, target FROM reports_outcometarget
       WHERE fiscal_year BETWEEN %(year)s - 4 AND %(year)s + 3""",
    "SELECT min(fiscal_year) FROM cases_consultation",
    "SELECT min(fiscal_year) FROM cases_case",
]


def year_params(year: int) -> dict:
    import datetime as dt
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    params = {
        "year": year,
        "first": dt.date(year, 4, 1),
        "next": dt.date(year + 1, 4, 1),
        "start": dt.datetime(year, 4, 1, tzinfo=tokyo),
        "end": dt.datetime(year + 1, 4, 1, tzinfo=tokyo),
    }
    for k in range(5):
        params[f"start{k}"] = dt.datetime(year - k, 4, 1, tzinfo=tokyo)
        params[f"end{k}"] = dt.datetime(year - k + 1, 4, 1, tzinfo=tokyo)
    return params


@dataclass
class Floor:
    key: str
    label: str
    statements: list[str]
    params: dict
    timings: list[float] | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.timings) if self.timings else None


def measure(dsn: str, floors: list[Floor], rounds: int) -> None:
    """Each floor's statements in turn (rows fetched), ``rounds`` times after a warm-up."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for floor in floors:
            times = []
            for round_no in range(rounds + 1):
                started = time.perf_counter()
                with conn.cursor() as cur:
                    for statement in floor.statements:
                        cur.execute(statement, floor.params)
                        cur.fetchall()
                if round_no:
                    times.append((time.perf_counter() - started) * 1000)
            floor.timings = times
