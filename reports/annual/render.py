"""The annual evaluation as files: pure functions from ``AnnualFigures`` to bytes (no
database, no request), so that a Celery task, a view or the benchmark can call them."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.japanese import format_wareki, to_tokyo

from ..pdf import render_pdf
from ..tabular import csv_bytes, xlsx_append
from .chart import trend_svg
from .figures import AnnualFigures
from .suppression import SECONDARY, SUPPRESSED
from .tables import MISSING, SHEETS, Table, annual_tables, headline

PRIVACY_NOTE = (
    "この帳票には個人を特定できる情報（氏名・ケース番号・記録の内容）は含みません。"
    f"圏域・受付機関別の1件・2件は「{SUPPRESSED}」、それを計算で戻せないよう伏せた3件以上の欄は"
    f"「{SECONDARY}」と表示します。"
)


def _title(figures: AnnualFigures) -> str:
    return f"{figures.label} 重層的支援体制整備事業 年次評価"


def _period(figures: AnnualFigures) -> str:
    return f"{format_wareki(figures.first_day)}〜{format_wareki(figures.last_day)}"


def _table_rows(table: Table) -> list[list[object]]:
    rows: list[list[object]] = [[f"【{table.sheet}】{table.title}"], list(table.columns)]
    rows.extend(list(row) for row in table.rows)
    if table.how:
        rows.append(["数え方", table.how])
    return rows


def annual_csv(figures: AnnualFigures) -> bytes:
    """UTF-8 with BOM, CRLF; one block per table (title, header, rows, 数え方)."""
    rows: list[list[object]] = [
        [_title(figures)],
        ["対象期間", _period(figures)],
        ["注記", PRIVACY_NOTE],
        [],
    ]
    for table in annual_tables(figures):
        rows.extend(_table_rows(table))
        rows.append([])
    return csv_bytes(rows)


BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE3F0")
WRAP = Alignment(wrap_text=True, vertical="top")


def annual_xlsx(figures: AnnualFigures) -> bytes:
    """One sheet per part (概要, 相談受付, ケース・終結, 会議, 成果指標), each table with
    its header and how it counts. Numbers are numbers; 「3未満」 is text."""
    book = Workbook()
    book.remove(book.active)
    sheets = {name: book.create_sheet(name) for name in SHEETS}
    for sheet in sheets.values():
        xlsx_append(sheet, [_title(figures)])[0].font = Font(bold=True, size=14)
        xlsx_append(sheet, ["対象期間", _period(figures)])
        xlsx_append(sheet, ["注記", PRIVACY_NOTE])
        sheet.append([])
    widths: dict[str, dict[int, int]] = {name: {} for name in SHEETS}
    for table in annual_tables(figures):
        sheet = sheets[table.sheet]
        xlsx_append(sheet, [table.title])[0].font = BOLD
        for cell in xlsx_append(sheet, table.columns):
            cell.font = BOLD
            cell.fill = HEADER_FILL
        for row in table.rows:
            cells = xlsx_append(sheet, row)
            for cell in cells:
                if isinstance(cell.value, str) and len(cell.value) > 40:
                    cell.alignment = WRAP
        if table.how:
            how = xlsx_append(sheet, ["数え方", table.how])
            how[1].alignment = WRAP
        sheet.append([])
        for index, name in enumerate(table.columns, start=1):
            longest = max([len(str(name)), *(len(str(r[index - 1])) for r in table.rows)])
            widths[table.sheet][index] = max(widths[table.sheet].get(index, 8), min(longest, 50))
    for name, sheet in sheets.items():
        for index, width in widths[name].items():
            sheet.column_dimensions[get_column_letter(index)].width = width * 2 + 2
        sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _printed(table: Table) -> dict:
    """A table as the PDF prints it: numbers with separators, right-aligned (「3未満」 and
    「—」 stand where a number would)."""

    def cell(index: int, value: object) -> dict:
        if index >= table.label_columns and isinstance(value, int):
            return {"text": f"{value:,}", "num": True}
        text = str(value)
        numeric = index >= table.label_columns and (
            text in (SUPPRESSED, MISSING) or text.endswith("%")
        )
        return {"text": text, "num": numeric}

    return {
        "sheet": table.sheet,
        "title": table.title,
        "columns": list(table.columns),
        "rows": [[cell(i, v) for i, v in enumerate(row)] for row in table.rows],
        "how": table.how,
    }


def annual_pdf(figures: AnnualFigures, *, issued_at: dt.datetime) -> bytes:
    """A4, Noto Sans CJK JP, page n / N (``reports/pdf_base.html``), with the 成果指標's
    trend drawn as an inline SVG and each figure's way of counting beside it."""
    tables = [_printed(table) for table in annual_tables(figures)]
    sections = [(sheet, [t for t in tables if t["sheet"] == sheet]) for sheet in SHEETS]
    return render_pdf(
        "reports/annual_pdf.html",
        {
            "title": _title(figures),
            "period": _period(figures),
            "issued": format_wareki(to_tokyo(issued_at).date(), with_seireki=True),
            "privacy_note": PRIVACY_NOTE,
            "figures": figures,
            "headline": headline(figures),
            "sections": sections,
            "chart": trend_svg(figures.trend),
        },
    )
