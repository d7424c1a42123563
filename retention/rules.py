"""保存年限: how long each kind of record is kept, counted from the end of a 年度.

A case is kept for ``KASANE_RETENTION_CASE_YEARS`` full 年度 after the 年度 in which it
was closed (終結); a consultation that never became a case, for
``KASANE_RETENTION_CONSULTATION_YEARS`` after the 年度 in which it was received (a
consultation has no 終結 of its own: it ends at the window, or it becomes a case and is
kept with it); an アウトリーチ that ended (終了) without becoming a consultation, for
``KASANE_RETENTION_OUTREACH_YEARS`` after the 年度 of its 終了日 (one that became a
consultation is kept with that consultation). A 年度 ends at midnight Asia/Tokyo on
1 April, never at UTC midnight.

Closed on 31 March 2019 (平成30年度) with 5 years: kept until 31 March 2024, disposable
from 1 April 2024. Closed on 1 April 2019 (令和元年度): kept until 31 March 2025.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from core.japanese import fiscal_year, fiscal_year_bounds

from .models import RecordKind

_SETTING = {
    RecordKind.CASE: "KASANE_RETENTION_CASE_YEARS",
    RecordKind.CONSULTATION: "KASANE_RETENTION_CONSULTATION_YEARS",
    RecordKind.OUTREACH: "KASANE_RETENTION_OUTREACH_YEARS",
}


def retention_years(kind: str) -> int:
    return int(getattr(settings, _SETTING[RecordKind(kind)]))


def retention_years_all() -> dict[str, int]:
    return {kind.value: retention_years(kind) for kind in RecordKind}


def retained_until(*, start_year: int, years: int) -> dt.date:
    """The last day a record counted from ``start_year`` (a 年度) must be kept."""
    return dt.date(start_year + years + 1, 3, 31)


def last_disposable_year(*, years: int, now: dt.datetime) -> int:
    """The latest 年度 of 終結 (or 受付) whose records are past their 保存年限 at ``now``."""
    return fiscal_year(now) - years - 1


def is_past_retention(*, start_year: int, years: int, now: dt.datetime) -> bool:
    return start_year <= last_disposable_year(years=years, now=now)


def disposable_before(*, years: int, now: dt.datetime) -> dt.datetime:
    """A moment of 終結 before this one (aware, Asia/Tokyo) is past its 保存年限 at ``now``."""
    return fiscal_year_bounds(last_disposable_year(years=years, now=now) + 1)[0]
