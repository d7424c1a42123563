"""Date entry the way Japanese forms ask for it: 元号 (令和 first, or 西暦), 年, 月, 日.

One widget for every date in Kasane. The year box also takes what staff type from a
保険証 or a letter: 「R9」「令和9」「元」, or a four-digit 西暦 year whatever the 元号 says.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from django import forms
from django.utils import timezone

from core.japanese import ERAS, TOKYO, WarekiError, era_year, format_wareki, wareki_to_date

SEIREKI = "西暦"
# 令和 first: it is what the select shows before anyone touches it.
ERA_CHOICES = [*[(era.name, era.name) for era in ERAS], (SEIREKI, "西暦")]
_ERA_BY_LETTER = {era.letter: era.name for era in ERAS}
_ERA_NAMES = {era.name for era in ERAS} | {SEIREKI}
_YEAR = re.compile(r"^(?P<era>令和|平成|昭和|大正|明治|西暦|[RHSTM])?(?P<year>元|\d{1,4})年?$")
YEAR_HINT = "年は「7」「元」「R7」「令和7」「2025」のように入力してください。"

Bound = dt.date | Callable[[], dt.date] | None


def years_from_today(years: int) -> Callable[[], dt.date]:
    """A bound that moves with the day: today plus (or minus) ``years`` years."""

    def bound() -> dt.date:
        today = timezone.localdate()
        try:
            return today.replace(year=today.year + years)
        except ValueError:  # 2月29日
            return today.replace(year=today.year + years, day=28)

    return bound


def _bound(bound: Bound) -> dt.date | None:
    return bound() if callable(bound) else bound


# Wide enough for any record a municipality keeps, narrow enough that no date can
# overflow the end-of-day arithmetic (9999-12-31 answered HTTP 500).
DEFAULT_EARLIEST = dt.date(1900, 1, 1)
DEFAULT_LATEST = years_from_today(10)


def parse_year(selected_era: str | None, text: str) -> tuple[str, int]:
    """(元号 or 西暦, year) from the year box and the 元号 select.

    An era typed in the box wins over the select; a year of four digits is 西暦.
    Raises ``forms.ValidationError`` with a Japanese message otherwise."""
    raw = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
    match = _YEAR.match(raw)
    if not match:
        raise forms.ValidationError(YEAR_HINT, code="invalid")
    typed_era, year_text = match["era"], match["year"]
    year = 1 if year_text == "元" else int(year_text)
    if typed_era:
        era = _ERA_BY_LETTER.get(typed_era, typed_era)
    elif len(year_text) == 4:
        era = SEIREKI
    elif selected_era in _ERA_NAMES:
        era = selected_era
    else:
        raise forms.ValidationError("元号（または西暦）を選んでください。", code="invalid")
    if era == SEIREKI and year_text == "元":
        raise forms.ValidationError(YEAR_HINT, code="invalid")
    return era, year


class DateTripletWidget(forms.MultiWidget):
    """元号 / 年 / 月 / 日: sub-inputs named <name>_0 (元号), _1 (年), _2 (月), _3 (日)."""

    template_name = "widgets/date_triplet.html"

    def __init__(self, attrs=None):
        number = {"inputmode": "numeric", "autocomplete": "off"}
        widgets = [
            forms.Select(choices=ERA_CHOICES, attrs={"aria-label": "元号（または西暦）"}),
            forms.TextInput(attrs={"size": 4, "autocomplete": "off", "aria-label": "年"}),
            forms.TextInput(attrs={**number, "size": 2, "aria-label": "月"}),
            forms.TextInput(attrs={**number, "size": 2, "aria-label": "日"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if not value:
            return [None] * len(self.widgets)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None] * len(self.widgets)
        try:
            era, year = era_year(value)
        except WarekiError:
            return [SEIREKI, value.year, value.month, value.day]
        return [era.name, year, value.month, value.day]


class JapaneseDateField(forms.MultiValueField):
    """A date from 元号 (or 西暦) + 年/月/日, inside a sane window."""

    default_error_messages = {
        "invalid": "日付を正しく入力してください（年・月・日を数字で）。",
        "incomplete": "年・月・日をすべて入力してください。",
        "future": "未来の日付は入力できません。",
    }

    def __init__(
        self,
        *,
        allow_future: bool = True,
        earliest: Bound = DEFAULT_EARLIEST,
        latest: Bound = DEFAULT_LATEST,
        **kwargs,
    ):
        """``earliest`` / ``latest``: the sane window of this date, as a date or a
        callable (evaluated at each validation, so "today" moves); a date outside it is
        refused with a message naming the limit."""
        self.allow_future = allow_future
        self.earliest, self.latest = earliest, latest
        number = {"error_messages": {"invalid": "月・日は数字で入力してください。"}}
        fields = [
            forms.CharField(required=False, max_length=10),
            forms.CharField(max_length=10, error_messages={"max_length": YEAR_HINT}),
            forms.IntegerField(min_value=1, max_value=12, **number),
            forms.IntegerField(min_value=1, max_value=31, **number),
        ]
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, widget=DateTripletWidget(), **kwargs)

    def compress(self, data_list):
        if not data_list or all(v in (None, "") for v in data_list[1:]):
            return None
        if any(v in (None, "") for v in data_list[1:]):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        selected, year_text, month, day = data_list
        era, year = parse_year(selected, year_text)
        try:
            if era == SEIREKI:
                value = dt.date(year, int(month), int(day))
            else:
                value = wareki_to_date(era, year, int(month), int(day))
        except WarekiError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        except ValueError as exc:
            raise forms.ValidationError("存在しない日付です。", code="invalid") from exc
        if value.year < 1868:
            raise forms.ValidationError("明治以降の日付を入力してください。", code="invalid")
        if not self.allow_future and value > timezone.localdate():
            raise forms.ValidationError(self.error_messages["future"], code="future")
        earliest, latest = _bound(self.earliest), _bound(self.latest)
        if earliest is not None and value < earliest:
            raise forms.ValidationError(
                f"{format_wareki(earliest)}以降の日付を入力してください。", code="too_early"
            )
        if latest is not None and value > latest:
            raise forms.ValidationError(
                f"{format_wareki(latest)}までの日付を入力してください。", code="too_late"
            )
        return value

    def clean(self, value):
        # The 元号 select alone is not a date: with year, month and day blank the date
        # is unknown (blank), not incomplete.
        if isinstance(value, list | tuple) and all(v in self.empty_values for v in value[1:]):
            value = [""] * len(value)
        return super().clean(value)


def combine_tokyo(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and a wall-clock time at the window, in Asia/Tokyo."""
    return dt.datetime.combine(day, time, tzinfo=TOKYO)
