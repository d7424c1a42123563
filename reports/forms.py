"""Forms of the reports app. Japanese messages for every bad input: the page answers
with the error beside its field, never with a server error."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from agencies.submissions import SubmitOnceField
from cases.fields import JapaneseDateField
from core.japanese import fiscal_year, fiscal_year_label

from .models import (
    DISCLOSURE_FIRST_DAY,
    DISCLOSURE_WITHHELD_NOTE_MAX,
    OUTCOME_TARGET_FIRST_YEAR,
    OUTCOME_TARGET_MAX,
    DisclosureRequest,
)

DISCLOSURE_NOTE_MAX = 1000

# A target may be set up to ten 年度 ahead (実施計画 run five years; 長久手市 set R8 in R5).
TARGET_YEARS_AHEAD = 10


def target_year_choices() -> list[tuple[int, str]]:
    """The 年度 a target may be set for: from 令和元年度 to ten years ahead, newest first."""
    current = fiscal_year(timezone.now())
    last = current + TARGET_YEARS_AHEAD
    return [
        (year, f"{fiscal_year_label(year)}（{year}年度）")
        for year in range(last, OUTCOME_TARGET_FIRST_YEAR - 1, -1)
    ]


class OutcomeTargetForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        choices=target_year_choices,
        error_messages={
            "required": "年度を選んでください。",
            "invalid_choice": "年度を一覧から選んでください。",
        },
    )
    target = forms.IntegerField(
        label="目標値（支援のために連携した関係者の数）",
        min_value=0,
        max_value=OUTCOME_TARGET_MAX,
        help_text="人・課・機関・企業等の数です（単位：者）。0〜100,000の整数で入力します。",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "目標値を入力してください。",
            "invalid": "目標値は整数（半角数字）で入力してください。",
            "min_value": "目標値は0以上にしてください。",
            "max_value": "目標値は100,000以下にしてください。",
        },
    )
    note = forms.CharField(
        label="備考（目標の根拠など）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        error_messages={
            "max_length": "備考は500文字以内で入力してください。",
            "null_characters_not_allowed": "備考に使えない文字が含まれています。",
        },
    )


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


class DisclosureRequestForm(forms.Form):
    """開示請求の受付: the day it was received and a note (how, what was asked)."""

    received_on = JapaneseDateField(
        label="受付日",
        allow_future=False,
        earliest=DISCLOSURE_FIRST_DAY,
        error_messages={"required": "受付日を入力してください。"},
    )
    note = forms.CharField(
        label="備考（請求の方法・範囲など）",
        max_length=DISCLOSURE_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": DISCLOSURE_NOTE_MAX}),
        error_messages={
            "max_length": "備考は1000文字以内で入力してください。",
            "null_characters_not_allowed": "備考に使えない文字が含まれています。",
        },
    )
    form_token = SubmitOnceField()


class DisclosureDecisionForm(forms.Form):
    """開示決定の記録: the decision, its date, and what was withheld with the reason (the
    service checks the date against the day the request was received)."""

    decision = forms.ChoiceField(
        label="開示決定",
        choices=DisclosureRequest.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "開示決定を選んでください。",
            "invalid_choice": "開示決定を「全部開示」「一部開示」「不開示」から選んでください。",
        },
    )
    decided_on = JapaneseDateField(
        label="決定日",
        allow_future=False,
        earliest=DISCLOSURE_FIRST_DAY,
        error_messages={"required": "決定日を入力してください。"},
    )
    withheld_note = forms.CharField(
        label="開示しなかった部分とその理由",
        help_text="一部開示・不開示のときは必須です（例：他の世帯員の情報、通報者の情報）。",
        max_length=DISCLOSURE_WITHHELD_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DISCLOSURE_WITHHELD_NOTE_MAX}),
        error_messages={
            "max_length": "開示しなかった部分とその理由は2000文字以内で入力してください。",
            "null_characters_not_allowed": (
                "開示しなかった部分とその理由に使えない文字が含まれています。"
            ),
        },
    )
    form_token = SubmitOnceField()

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        withheld = (data.get("withheld_note") or "").strip()
        if decision and decision != DisclosureRequest.Decision.FULL and not withheld:
            self.add_error(
                "withheld_note",
                "一部開示・不開示では、開示しなかった部分とその理由を入力してください。",
            )
        return data
