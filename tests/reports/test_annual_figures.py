"""The annual figures against numbers counted by hand from tests/reports/conftest.py.

Every expected number below is written out, not computed: if a rule changes, these
tests say which figure moved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.selectors import resource_year_totals
from cases.selectors import outreach_counts, participation_counts, stakeholder_count
from reports.annual import annual_figures
from tests.meetings.helpers import add_item, attend, make_meeting
from tests.reports.conftest import (
    FY2024_LAST_MINUTE,
    INJECTED_AGENCY,
    approved_plan,
    at,
    consult,
    open_at,
    utc,
)

pytestmark = pytest.mark.django_db


def rows(breakdown) -> dict[str, int]:
    return {row.label: row.value for row in breakdown.rows if row.value}


def test_it_counts_the_years_consultations_by_channel_issue_and_outcome(world):
    c = annual_figures(fiscal_year=2025).consultations
    assert c.total == 12
    assert rows(c.by_channel) == {"来所": 2, "電話": 7, "訪問": 1, "メール": 2}
    assert rows(c.by_outcome) == {
        "相談・情報提供のみで終了": 2,
        "他制度・他機関へのつなぎ": 1,
        "他制度・他機関へのつなぎ（生活保護窓口）": 1,
        "多機関協働へ（ケースとして支援）": 3,
        "継続相談": 5,
    }
    assert rows(c.by_main_issue) == {
        "高齢": 4,
        "障がい": 1,
        "子ども・子育て": 2,
        "生活困窮": 1,
        "8050": 3,
        "ゴミ屋敷": 1,
    }
    assert c.by_main_issue.total == 12 and not c.by_main_issue.overlapping


def test_issues_are_counted_延べ_and_each_national_group_once_per_consultation(world):
    c = annual_figures(fiscal_year=2025).consultations
    # 延べ: a consultation with two issues counts under both.
    assert c.by_issue.overlapping and "延べ" in c.by_issue.title
    assert rows(c.by_issue) == {
        "高齢": 5,
        "障がい": 1,
        "子ども・子育て": 2,
        "生活困窮": 1,
        "ひきこもり": 1,
        "8050": 3,
        "ヤングケアラー": 2,
        "ゴミ屋敷": 1,
        "債務・家計": 1,
    }
    assert c.by_issue.total == 17
    # 8050 and ひきこもり are both ひきこもり in the national list: the consultation that
    # named both counts once there (3, not 4); 子ども・子育て + ヤングケアラー likewise.
    assert rows(c.by_issue_group) == {
        "高齢": 5,
        "障がい": 1,
        "子ども・子育て": 2,
        "生活困窮": 1,
        "ひきこもり": 3,
        "住まい": 1,
    }


def test_the_year_ends_at_midnight_in_tokyo_not_in_utc(world):
    # 2025-03-31T14:59Z is 令和6年度, 15:00Z 令和7年度; 2026-03-31T15:00Z is 令和8年度.
    assert annual_figures(fiscal_year=2024).consultations.total == 2
    assert annual_figures(fiscal_year=2025).consultations.total == 12
    assert annual_figures(fiscal_year=2026).consultations.total == 1
    # The case opened at 14:59:30Z is R6's, and so is its first plan's approval.
    fy2024 = annual_figures(fiscal_year=2024)
    assert fy2024.cases.new_cases == 1
    assert fy2024.cases.plans_created == 1 and fy2024.cases.plans_approved == 1


def test_the_area_breakdown_hides_small_cells_and_what_would_give_them_away(world):
    table = annual_figures(fiscal_year=2025).consultations.by_area
    shown = [
        (g.area.label, g.area.shown, [(w.label, w.shown) for w in g.windows]) for g in table.groups
    ]
    assert shown == [
        # 北: 5 + 1. The 1 is 「3未満」; the 5 would give it back (6 − 5), so it is
        # hidden too, and so is the 圏域 (else 6 − 5 again).
        (
            "北圏域",
            "秘匿",
            [("北地域包括支援センター", "秘匿"), ("北障がい者相談支援センター", "3未満")],
        ),
        ("南圏域", 4, [(INJECTED_AGENCY, 4)]),
        # A department with no 圏域: 2. A 圏域 below 3 lists no windows.
        ("圏域の指定なし（市全域）", "3未満", []),
    ]
    # Two 圏域 hidden under a shown total: 12 − 4 = 8 = 北 + 指定なし, and 北 ≥ 3 could be
    # 6 or 7 — nothing is recovered.
    assert table.total.shown == 12


def test_new_cases_plans_and_closures(world):
    k = annual_figures(fiscal_year=2025).cases
    assert k.new_cases == 3
    # D's second version (created at 0:00 on 1 April), A's, and B's draft.
    assert (k.plans_created, k.plans_approved, k.plans_discussed) == (3, 2, 0)
    # C resolved; D closed in the year's last minute, reopened the next year (counted);
    # B closed and reopened within the year (not counted).
    assert rows(k.closures) == {"主訴解消": 1, "既存の窓口で支援可能": 1}
    assert rows(k.improvement) == {"改善が見られた": 1, "判断できない": 1}
    assert "再開" in k.closures_how


def test_stakeholders_named_in_several_plans_count_once_a_year(world):
    figures = annual_figures(fiscal_year=2025)
    # The window (in D's and A's plans), the resident (typed with a full-width space in
    # one plan), the shop, the department and one person: 5, each once.
    assert figures.stakeholders.count == 5
    assert rows(figures.cases.stakeholders_by_kind) == {
        "個人（親族・知人など）": 1,
        "庁内の課": 1,
        "関係機関": 1,
        "企業・事業者": 1,
        "地域住民（民生委員など）": 1,
    }
    assert annual_figures(fiscal_year=2024).stakeholders.count == 2


def test_meetings_by_kind_show_what_they_discussed_beside_how_often_they_met(world):
    meetings = annual_figures(fiscal_year=2025).meetings
    by_kind = {row.kind: row for row in meetings.rows}
    duty = by_kind["支援会議（社会福祉法第106条の6）"]
    # Two held (R6's last-day meeting and the one never held are not counted); three
    # agencies (hub, 北, 南), five attendances; cases A and B (A twice: once).
    assert (duty.held, duty.agencies, duty.attendees) == (2, 3, 5)
    assert (duty.cases, duty.households, duty.decisions, duty.regional_issues) == (2, 1, 1, 1)
    plan_body = by_kind["重層的支援会議（実施要綱）"]
    assert (plan_body.held, plan_body.agencies, plan_body.attendees, plan_body.cases) == (
        1,
        2,
        2,
        0,
    )
    assert by_kind["調整会議（生活保護法第27条の3）"].held == 0
    assert meetings.regional_issues == 1
    assert "多ければよいものではありません" in meetings.how


def test_the_indicators_with_rules_of_their_own_come_from_their_selectors(world):
    figures = annual_figures(fiscal_year=2025)
    assert figures.participation == participation_counts(fiscal_year=2025)
    assert figures.outreach == outreach_counts(fiscal_year=2025)
    assert figures.community == resource_year_totals(fiscal_year=2025)
    assert figures.stakeholders == stakeholder_count(fiscal_year=2025)
    assert (figures.participation.persons, figures.participation.cooperating_businesses) == (2, 1)
    # E1 ran from R6 into R7, E2 started in R7; one contact of each in R7.
    assert (figures.outreach.engagements, figures.outreach.contacts) == (2, 2)
    c = figures.community
    assert (c.hubs, c.participants, c.citizens_running, c.agencies_count) == (1, 50, 5, 4)
    for counted in (figures.participation, figures.outreach, figures.community):
        assert counted.how  # each keeps its own explanation


def test_the_outcome_indicator_trend_has_actuals_and_targets_over_several_years(world):
    trend = annual_figures(fiscal_year=2025).trend
    assert [(p.short_label, p.actual, p.target) for p in trend] == [
        ("R3", None, None),
        ("R4", None, None),
        ("R5", None, 80),  # before Kasane held records: no actual, not 0
        ("R6", 2, None),
        ("R7", 5, 100),
        ("R8", None, None),  # not reached by this report
        ("R9", None, None),
        ("R10", None, 120),  # the furthest target within five years
    ]
    assert annual_figures(fiscal_year=2025).target == 100


def test_the_query_count_does_not_grow_with_the_data(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            annual_figures(fiscal_year=2025)
        return len(queries.captured_queries)

    before = count()
    users, agencies = world["users"], world["agencies"]
    coordinator, secretariat = users["coordinator"], users["secretariat"]
    for index in range(4):
        consultation = consult(
            users["south"],
            received_at=utc(2025, 11, 1 + index),
            family_name=f"追加{index}",
            channel="phone",
            outcome="collaboration",
            main="孤立",
            also=("住まい",),
        )
        case = open_at(utc(2025, 11, 10 + index), consultation, coordinator)
        approved_plan(
            coordinator,
            case,
            created=utc(2025, 11, 20 + index),
            approved=utc(2025, 11, 21 + index),
            stakeholders=[("company", None, f"商店{index}"), ("agency", agencies["south"], "")],
        )
    duty = world["meetings"]["m1"].bodies.get()
    with at(utc(2025, 12, 1)):
        extra = make_meeting(secretariat, [duty], date=dt.date(2025, 12, 10))
        attend(secretariat, extra, coordinator, users["south"])
        add_item(secretariat, extra, duty, case=case)
    assert count() == before
    assert annual_figures(fiscal_year=2025).consultations.total == 16


def test_a_year_without_any_record_is_all_zeros_and_no_error(world):
    figures = annual_figures(fiscal_year=2019)
    assert figures.consultations.total == 0
    assert figures.consultations.by_area.total.shown == 0
    assert all(p.actual is None for p in figures.trend)


def test_the_boundary_consultation_is_fy2024s_by_the_stored_year(world):
    # The consultation received at 23:59 on 31 March (Tokyo) belongs to 令和6年度.
    from cases.models import Consultation

    assert Consultation.objects.get(received_at=FY2024_LAST_MINUTE).fiscal_year == 2024
