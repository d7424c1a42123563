"""The annual evaluation (年次評価) for managers: figures, and the files made from them.

    figures = annual_figures(fiscal_year=2025)
    annual_csv(figures) / annual_xlsx(figures) / annual_pdf(figures, issued_at=now)

Aggregates only: no name, case number or free text of a case leaves this package.
"""

from .chart import trend_svg
from .figures import (
    AnnualFigures,
    Breakdown,
    CaseFigures,
    ConsultationFigures,
    MeetingFigures,
    MeetingRow,
    Row,
    TrendPoint,
    annual_figures,
    meeting_figures,
    outcome_trend,
)
from .render import annual_csv, annual_pdf, annual_xlsx
from .suppression import SECONDARY, SUPPRESSED, AreaGroup, AreaTable, Cell, suppress, suppress_areas
from .tables import Indicator, Table, annual_tables, headline

__all__ = [
    "SECONDARY",
    "SUPPRESSED",
    "AnnualFigures",
    "AreaGroup",
    "AreaTable",
    "Breakdown",
    "CaseFigures",
    "Cell",
    "ConsultationFigures",
    "Indicator",
    "MeetingFigures",
    "MeetingRow",
    "Row",
    "Table",
    "TrendPoint",
    "annual_csv",
    "annual_figures",
    "annual_pdf",
    "annual_tables",
    "annual_xlsx",
    "headline",
    "meeting_figures",
    "outcome_trend",
    "suppress",
    "suppress_areas",
    "trend_svg",
]
