"""The annual evaluation's files: what a manager opens in Excel or prints."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.annual import annual_csv, annual_figures, annual_pdf, annual_xlsx
from tests.reports.conftest import (
    INJECTED_AGENCY,
    INJECTED_ISSUE,
    PERSON_NAMES,
    REGIONAL_ISSUE_TEXT,
    STAKEHOLDER_PERSON,
)

pytestmark = pytest.mark.django_db

ISSUED = dt.datetime(2026, 5, 15, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def figures(world):
    return annual_figures(fiscal_year=2025)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def secrets(world) -> list[str]:
    """What must never be in an annual output: people, case numbers, free text."""
    numbers = [case.number for case in world["cases"].values()]
    return [*PERSON_NAMES, STAKEHOLDER_PERSON, REGIONAL_ISSUE_TEXT, *numbers, "さんの相談"]


def test_the_csv_has_a_bom_crlf_lines_and_the_figures(figures):
    data = annual_csv(figures)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = csv_rows(data)
    assert rows[0] == ["令和7年度 重層的支援体制整備事業 年次評価"]
    assert rows[1] == ["対象期間", "令和7年4月1日〜令和8年3月31日"]
    assert rows[rows.index(["指標", "値", "単位", "数え方"]) + 1][:3] == [
        "相談受付件数",
        "12",
        "件",
    ]
    assert ["支援のために連携した関係者の数（成果指標）", "5", "者"] in [r[:3] for r in rows]
    assert ["北圏域", "北障がい者相談支援センター", "3未満"] in rows
    assert ["北圏域", "（圏域の計）", "秘匿"] in rows
    assert ["令和7年度", "5", "100", "5.0%"] in rows
    # Each table says how it counts.
    assert any(r[:1] == ["数え方"] and "1年度に1回" in r[1] for r in rows)


def test_the_csv_neutralises_a_formula_in_an_agency_name_and_an_issue_label(figures):
    rows = csv_rows(annual_csv(figures))
    cells = [cell for row in rows for cell in row]
    assert "'" + INJECTED_AGENCY in cells
    assert "'" + INJECTED_ISSUE in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert not any(cell.startswith("-") for cell in cells)


def test_the_xlsx_opens_with_its_sheets_figures_and_no_formula(figures):
    book = load_workbook(io.BytesIO(annual_xlsx(figures)))
    assert book.sheetnames == ["概要", "相談受付", "ケース・終結", "会議", "成果指標"]
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(values_only=True) if row and row[0]}
    assert summary["相談受付件数"] == 12  # a number, not text
    assert summary["参加支援：支援対象者数"] == 2
    assert summary["地域づくり：参加者数（延べ）"] == 50
    meetings = [r for r in book["会議"].iter_rows(values_only=True) if r and r[0]]
    assert ("支援会議（社会福祉法第106条の6）", 2, 3, 5, 2, 1, 1, 1) in meetings
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + INJECTED_AGENCY in texts
    assert "3未満" in texts


def test_the_pdf_is_japanese_numbered_has_the_trend_chart_and_no_personal_data(world, figures):
    reader = PdfReader(io.BytesIO(annual_pdf(figures, issued_at=ISSUED)))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    count = len(pages)
    assert count >= 2
    assert f"1 / {count}" in pages[0] and f"{count} / {count}" in pages[-1]
    assert "令和7年度 重層的支援体制整備事業 年次評価" in text
    assert "発行日：令和8年5月15日" in text
    # The chart's own labels (drawn as SVG text), beside the table of the same numbers.
    chart_page = next(p for p in pages if "支援のために連携した関係者の数（単位：者）" in p)
    for label in ("実績", "目標", "R5", "R7", "R10", "目標 100", "目標 120"):
        assert label in chart_page, label
    assert "会議は多ければよいものではありません" in text
    assert "数え方" in text and "3未満" in text
    for secret in secrets(world):
        assert secret not in text, secret


def test_no_annual_file_names_a_person_a_case_or_what_was_said(world, figures):
    csv_text = annual_csv(figures).decode("utf-8-sig")
    book = load_workbook(io.BytesIO(annual_xlsx(figures)))
    xlsx_text = "\n".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    for secret in secrets(world):
        assert secret not in csv_text, secret
        assert secret not in xlsx_text, secret


def test_the_files_render_for_a_year_without_records(world):
    empty = annual_figures(fiscal_year=2019)
    assert annual_csv(empty).startswith(b"\xef\xbb\xbf")
    load_workbook(io.BytesIO(annual_xlsx(empty)))
    assert PdfReader(io.BytesIO(annual_pdf(empty, issued_at=ISSUED))).pages
