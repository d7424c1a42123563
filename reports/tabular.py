"""CSV and xlsx cells as DESIGN.md asks: UTF-8 with BOM and CRLF (Excel on a city hall's
PC opens it in Japanese), and no cell that a spreadsheet would run as a formula.

A text cell that starts with = + - @, a tab or a carriage return gets a leading ``'``
(OWASP "CSV injection"): an agency's name or an issue label typed as
``=HYPERLINK(…)`` is shown as text, never followed. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_text(value: object) -> object:
    """The value to write: text that a spreadsheet would read as a formula gets a
    leading apostrophe; numbers (and None → "") pass."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """The rows as CSV: BOM, CRLF, every text cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_text(value) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def xlsx_append(sheet: Worksheet, row: Sequence[object]) -> list[Cell]:
    """Append a row to a sheet. openpyxl stores any text starting with "=" as a formula;
    text is written as a string cell (data type "s") whatever it starts with, so
    nothing runs when the file is opened. Text starting with the other characters gets
    the apostrophe as in the CSV, so both files read the same."""
    cells = []
    for value in row:
        cell = Cell(sheet, value=None)
        if value is None:
            pass
        elif isinstance(value, bool | int | float):
            cell.value = value
        else:
            # Control characters have no place in an xlsx file (openpyxl refuses them).
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(safe_text(value)))
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)
    return cells
