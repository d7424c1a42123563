"""The national report (実績報告): one row per case of the 年度, by case number, from the
fields the models mark — and nothing that names anyone."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Consultation
from cases.models.plans import NATIONAL_REPORT_FIELDS
from reports import national
from reports.national import (
    UNCASED_ROW,
    NationalReportFieldMissing,
    national_report_columns,
    national_report_csv,
)
from tests.reports.conftest import (
    INJECTED_ISSUE,
    PERSON_NAMES,
    REGIONAL_ISSUE_TEXT,
    STAKEHOLDER_PERSON,
    consult,
    open_at,
    utc,
)

pytestmark = pytest.mark.django_db


def report(year: int) -> tuple[list[str], dict[str, dict[str, str]]]:
    data = national_report_csv(fiscal_year=year)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return header, {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_it_has_a_row_for_each_case_supported_in_the_year_and_one_for_the_rest(world):
    cases = world["cases"]
    _, rows = report(2025)
    # A, B, C opened in R7; D opened in R6's last minute and was worked in R7.
    assert list(rows) == [
        cases["d"].number,
        cases["a"].number,
        cases["b"].number,
        cases["c"].number,
        UNCASED_ROW,
    ]
    _, earlier = report(2024)
    assert list(earlier) == [cases["d"].number, UNCASED_ROW]
    # R8: C was closed in R7 and stayed closed; D's R7 closure was reopened in R8.
    _, later = report(2026)
    assert list(later) == [cases["d"].number, cases["a"].number, cases["b"].number, UNCASED_ROW]


def test_its_columns_are_the_marked_national_fields(world):
    header, _ = report(2025)
    assert header[:2] == ["ケース番号", "ケース開始日"]
    for expected in (
        "相談受付：相談経路（最初の相談）",
        "相談受付：相談者（最初の相談）",
        "相談受付：主な相談内容（最初の相談）",
        "相談受付：相談内容の国の区分（最初の相談）",
        "相談受付：対応結果：相談・情報提供のみで終了（この年度の件数）",
        "相談受付：対応結果：他制度・他機関へのつなぎ（この年度の件数）",
        "相談受付：対応結果：多機関協働へ（ケースとして支援）（この年度の件数）",
        "アセスメント：仕事（続柄ごと）",
        "アセスメント：住居（続柄ごと）",
        "アセスメント：健康保険（続柄ごと）",
        "アセスメント：年金（続柄ごと）",
        "アセスメント：抱える課題（世帯）",
        "支援プラン：状態（最新の版）",
        "支援プラン：初回の承認日（プラン作成）",
        "支援プラン：この年度に承認した版の数",
        "関係者：地域住民（民生委員など）（この年度のプラン）",
        "ケースの終結：終結日（この年度）",
        "ケースの終結：終結の理由（この年度）",
        "ケースの終結：自立に向けた改善（この年度）",
    ):
        assert expected in header, expected
    assert len(header) == len(set(header))


def test_each_case_row_carries_its_national_items(world):
    cases = world["cases"]
    _, rows = report(2025)
    a, d = rows[cases["a"].number], rows[cases["d"].number]
    assert a["ケース開始日"] == "2025-04-10"
    assert a["相談受付：相談経路（最初の相談）"] == "電話"
    assert a["相談受付：主な相談内容（最初の相談）"] == "8050"
    assert a["相談受付：相談内容（最初の相談）"] == "ひきこもり、8050"
    assert a["相談受付：相談内容の国の区分（最初の相談）"] == "ひきこもり"
    assert a["相談受付：対応結果：多機関協働へ（ケースとして支援）（この年度の件数）"] == "1"
    assert a["支援プラン：初回の承認日（プラン作成）"] == "2025-05-02"
    assert a["支援プラン：この年度に承認した版の数"] == "1"
    assert a["関係者：個人（親族・知人など）（この年度のプラン）"] == "1"
    assert a["関係者：関係機関（この年度のプラン）"] == "1"
    assert a["ケースの終結：終結の理由（この年度）"] == ""
    # D: its first consultation is R6's (0 this year); its second version was approved
    # at 0:00 on 1 April (R7); closed in R7's last minute, reopened in R8.
    assert d["相談受付：対応結果：多機関協働へ（ケースとして支援）（この年度の件数）"] == "0"
    assert d["支援プラン：初回の承認日（プラン作成）"] == "2025-03-31"
    assert d["支援プラン：この年度に承認した版の数"] == "1"
    assert d["支援プラン：状態（最新の版）"] == "承認"
    assert d["ケースの終結：終結日（この年度）"] == "2026-03-31"
    assert d["ケースの終結：終結の理由（この年度）"] == "既存の窓口で支援可能"
    assert d["ケースの終結：自立に向けた改善（この年度）"] == "判断できない"
    c = rows[cases["c"].number]
    assert c["ケースの終結：終結の理由（この年度）"] == "主訴解消"
    # B's closure was reopened within the year: it is not a closure of the year.
    assert rows[cases["b"].number]["ケースの終結：終結の理由（この年度）"] == ""


def test_the_outcome_columns_add_up_to_the_years_consultations(world):
    _, rows = report(2025)
    for value, label in Consultation.Outcome.choices:
        column = f"相談受付：対応結果：{label}（この年度の件数）"
        total = sum(int(row[column]) for row in rows.values())
        expected = Consultation.objects.filter(fiscal_year=2025, outcome=value).count()
        assert total == expected, label
    assert (
        rows[UNCASED_ROW]["相談受付：対応結果：相談・情報提供のみで終了（この年度の件数）"] == "2"
    )
    assert rows[UNCASED_ROW]["ケース開始日"] == ""


def test_the_assessment_items_are_given_per_relation_本人_first(world):
    from cases.models import IssueCategory
    from cases.services import plans

    case = world["cases"]["a"]
    person, child = list(case.household.members.order_by("created_at"))

    def issues(*names):
        return [IssueCategory.objects.get(name=name) for name in names]

    # The child's row first: the order in the report is 本人 first, whatever was typed.
    plans.assessment_save(
        actor=world["users"]["coordinator"],
        case=case,
        data={"household_situation": "二人暮らし。", "assessed_on": utc(2025, 4, 20).date()},
        members={
            child: {"work": "unemployed", "housing": "rented", "issues": issues("ひきこもり")},
            person: {"work": "pension", "housing": "rented", "issues": issues("高齢")},
        },
        expected_version=None,
    )
    _, rows = report(2025)
    row = rows[case.number]
    assert row["アセスメント：仕事（続柄ごと）"] == "本人：年金生活／子：失業・休職中"
    assert row["アセスメント：住居（続柄ごと）"] == "本人：借家／子：借家"
    assert row["アセスメント：抱える課題（世帯）"] == "高齢、ひきこもり"
    assert row["アセスメント：抱える課題の国の区分（世帯）"] == "高齢、ひきこもり"


def test_it_names_nobody_and_neutralises_formulas(world):
    data = national_report_csv(fiscal_year=2025).decode("utf-8-sig")
    for secret in (*PERSON_NAMES, STAKEHOLDER_PERSON, REGIONAL_ISSUE_TEXT, "さんの相談"):
        assert secret not in data, secret
    for agency in world["agencies"].values():
        assert agency.name not in data
    # An issue label typed as a formula, named by a consultation of the year.
    world_issue_case = consult(
        world["users"]["south"],
        received_at=utc(2025, 12, 1),
        family_name="式山",
        channel="phone",
        outcome="collaboration",
        main=INJECTED_ISSUE,
    )
    open_at(utc(2025, 12, 2), world_issue_case, world["users"]["coordinator"])
    cells = [
        c
        for row in csv.reader(
            io.StringIO(national_report_csv(fiscal_year=2025).decode("utf-8-sig"))
        )
        for c in row
    ]
    assert "'" + INJECTED_ISSUE in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_a_marked_field_without_a_column_stops_the_report(world, monkeypatch):
    monkeypatch.setattr(
        national, "NATIONAL_REPORT_FIELDS", (*NATIONAL_REPORT_FIELDS, ("cases.Case", "status"))
    )
    with pytest.raises(NationalReportFieldMissing):
        national_report_columns()


def test_its_query_count_does_not_grow_with_the_cases(world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            national_report_csv(fiscal_year=2025)
        return len(queries.captured_queries)

    before = count()
    for index in range(3):
        consultation = consult(
            world["users"]["north"],
            received_at=utc(2025, 11, 1 + index),
            family_name=f"追加{index}",
            channel="window",
            outcome="collaboration",
            main="孤立",
            also=("住まい",),
        )
        open_at(utc(2025, 11, 5 + index), consultation, world["users"]["coordinator"])
    assert count() == before
