"""Forms of the reports app: what a report is asked for with."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from agencies.submissions import SubmitOnceField
from core.japanese import fiscal_year, fiscal_year_label

FIRST_FISCAL_YEAR = 2015


def report_year_choices() -> list[tuple[int, str]]:
    """年度 from this one back to 平成27年度, newest first."""
    current = fiscal_year(timezone.now())
    return [(year, fiscal_year_label(year)) for year in range(current, FIRST_FISCAL_YEAR - 1, -1)]


class ReportYearForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        choices=report_year_choices,
        error_messages={
            "required": "年度を選んでください。",
            "invalid_choice": "年度を一覧から選んでください。",
        },
    )
    form_token = SubmitOnceField()


class ReportRequestForm(forms.Form):
    """A button that asks for a report once, however often it is pressed."""

    form_token = SubmitOnceField()
