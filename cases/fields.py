"""Date entry the way Japanese forms ask for it: 年/月/日, and 元号 + 年 for birth dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.utils import timezone

from core.japanese import ERAS, TOKYO, WarekiError, era_year, format_wareki, wareki_to_date

SEIREKI = "西暦"
ERA_CHOICES = [(SEIREKI, "西暦"), *[(era.name, era.name) for era in ERAS]]

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


class DateTripletWidget(forms.MultiWidget):
    """年 / 月 / 日 in three inputs; optionally a 元号 select in front (birth dates)."""

    template_name = "widgets/date_triplet.html"

    def __init__(self, *, with_era: bool = False, attrs=None):
        number = {"inputmode": "numeric", "autocomplete": "off"}
        self.with_era = with_era
        # A list, not a dict: sub-inputs are named <name>_0, _1, … (元号, 年, 月, 日).
        widgets = [
            forms.TextInput(attrs={**number, "size": 4, "aria-label": "年"}),
            forms.TextInput(attrs={**number, "size": 2, "aria-label": "月"}),
            forms.TextInput(attrs={**number, "size": 2, "aria-label": "日"}),
        ]
        if with_era:
            era = forms.Select(choices=ERA_CHOICES, attrs={"aria-label": "元号（または西暦）"})
            widgets.insert(0, era)
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if not value:
            return [None] * len(self.widgets)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None] * len(self.widgets)
        if self.with_era:
            era, year = era_year(value)
            return [era.name, year, value.month, value.day]
        return [value.year, value.month, value.day]


class JapaneseDateField(forms.MultiValueField):
    """A date from 年/月/日 (西暦), or 元号 + 年/月/日 when ``with_era``."""

    default_error_messages = {
        "invalid": "日付を正しく入力してください（年・月・日を数字で）。",
        "incomplete": "年・月・日をすべて入力してください。",
        "future": "未来の日付は入力できません。",
    }

    def __init__(
        self,
        *,
        with_era: bool = False,
        allow_future: bool = True,
        earliest: Bound = DEFAULT_EARLIEST,
        latest: Bound = DEFAULT_LATEST,
        **kwargs,
    ):
        """``earliest`` / ``latest``: the sane window of this date, as a date or a
        callable (evaluated at each validation, so "today" moves); a date outside it is
        refused with a message naming the limit."""
        self.with_era = with_era
        self.allow_future = allow_future
        self.earliest, self.latest = earliest, latest
        number = {"error_messages": {"invalid": "数字で入力してください。"}}
        fields = [
            forms.IntegerField(min_value=1, max_value=9999, **number),
            forms.IntegerField(min_value=1, max_value=12, **number),
            forms.IntegerField(min_value=1, max_value=31, **number),
        ]
        if with_era:
            fields.insert(0, forms.ChoiceField(choices=ERA_CHOICES))
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, widget=DateTripletWidget(with_era=with_era), **kwargs)

    def compress(self, data_list):
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        if self.with_era and all(v in (None, "") for v in data_list[1:]):
            return None
        if any(v in (None, "") for v in data_list):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        if self.with_era:
            era, year, month, day = data_list
        else:
            era, (year, month, day) = SEIREKI, data_list
        try:
            if era == SEIREKI:
                value = dt.date(int(year), int(month), int(day))
            else:
                value = wareki_to_date(era, int(year), int(month), int(day))
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
        if (
            self.with_era
            and isinstance(value, list | tuple)
            and all(v in self.empty_values for v in value[1:])
        ):
            value = [""] * len(value)
        return super().clean(value)


def combine_tokyo(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and a wall-clock time at the window, in Asia/Tokyo."""
    return dt.datetime.combine(day, time, tzinfo=TOKYO)
