"""Japanese calendar (和暦, 年度) and text normalisation shared by every app.

Kept free of Django models so that any layer can use it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date


# Newest first. 明治 starts at the switch to the solar calendar's era proclamation date.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", dt.date(2019, 5, 1)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("明治", "M", dt.date(1868, 10, 23)),
)
ERA_BY_NAME = {era.name: era for era in ERAS}


class WarekiError(ValueError):
    """A 和暦 date that does not exist (for example 平成32年, or 昭和64年2月)."""


def era_of(day: dt.date) -> Era:
    for era in ERAS:
        if day >= era.start:
            return era
    raise WarekiError(f"{day.isoformat()} は明治より前の日付です。")


def era_year(day: dt.date) -> tuple[Era, int]:
    era = era_of(day)
    return era, day.year - era.start.year + 1


def _year_label(year: int) -> str:
    return "元" if year == 1 else str(year)


def format_wareki(day: dt.date | dt.datetime | None, *, with_seireki: bool = False) -> str:
    """令和7年4月1日 (optionally followed by （2025年）)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = to_tokyo(day).date()
    era, year = era_year(day)
    text = f"{era.name}{_year_label(year)}年{day.month}月{day.day}日"
    if with_seireki:
        text += f"（{day.year}年）"
    return text


def wareki_to_date(era_name: str, year: int, month: int, day: int) -> dt.date:
    """Convert 元号 + 年 (+ 月日) to a date, refusing dates outside the era."""
    era = ERA_BY_NAME.get(era_name)
    if era is None:
        raise WarekiError(f"「{era_name}」は元号として扱えません。")
    if year < 1:
        raise WarekiError("和暦の年は1（元年）以上で入力してください。")
    try:
        result = dt.date(era.start.year + year - 1, month, day)
    except ValueError as exc:
        raise WarekiError("存在しない日付です。") from exc
    if result < era.start:
        raise WarekiError(f"{era.name}は{format_wareki(era.start)}に始まります。")
    newer = next((e for e in ERAS if e.start > era.start and e.start <= result), None)
    if newer is not None:
        raise WarekiError(
            f"{era.name}{_year_label(year)}年{month}月{day}日は存在しません"
            f"（{format_wareki(newer.start)}から{newer.name}です）。"
        )
    return result


def to_tokyo(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: 年度 needs an aware datetime")
    return moment.astimezone(TOKYO)


def fiscal_year(moment: dt.date | dt.datetime) -> int:
    """年度 (April–March) of a date, or of an aware datetime in Asia/Tokyo."""
    day = to_tokyo(moment).date() if isinstance(moment, dt.datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    """令和7年度. A 年度 takes the era of its calendar year's end (2019 → 令和元年度)."""
    era, eyear = era_year(dt.date(year, 12, 31))
    return f"{era.name}{_year_label(eyear)}年度"


def fiscal_year_prefix(year: int) -> str:
    """R7 for 2025, the prefix of case numbers."""
    era, eyear = era_year(dt.date(year, 12, 31))
    return f"{era.letter}{eyear}"


def fiscal_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a 年度 as aware datetimes: midnight Asia/Tokyo on 1 April."""
    return (
        dt.datetime(year, 4, 1, tzinfo=TOKYO),
        dt.datetime(year + 1, 4, 1, tzinfo=TOKYO),
    )


def end_of_day_tokyo(day: dt.date | None) -> dt.datetime | None:
    """The moment a date ends in Tokyo: something valid *until* a date (inclusive) is
    valid through that whole day."""
    if day is None:
        return None
    if day >= dt.date.max:
        # The last representable day has no "next midnight"; it never ends in practice.
        return dt.datetime.combine(day, dt.time.max, tzinfo=TOKYO)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=TOKYO)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# ---------------------------------------------------------------------------
# Text normalisation for search and duplicate detection.

# 旧字・異体字 → the form used in everyday data entry.
_ITAIJI = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斉",
        "澤": "沢",
        "濱": "浜",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "惠": "恵",
        "德": "徳",
        "眞": "真",
        "藏": "蔵",
        "瀨": "瀬",
        "冨": "富",
        "槇": "槙",
        "曻": "昇",
        "實": "実",
        "壽": "寿",
        "榮": "栄",
        "顯": "顕",
        "黑": "黒",
        "龜": "亀",
        "淸": "清",
    }
)

_SPACES = re.compile(r"[\s\u3000]+")
_KATAKANA_START, _KATAKANA_END = ord("ァ"), ord("ヶ")
_HIRA_OFFSET = ord("ぁ") - ord("ァ")

# The vowel of each hiragana, to read a 長音符 (ー) as the vowel it lengthens.
_VOWEL_ROWS = {
    "あ": "あかさたなはまやらわがざだばぱぁゃゎ",
    "い": "いきしちにひみりぎじぢびぴぃ",
    "う": "うくすつぬふむゆるぐずづぶぷぅゅっゔ",
    "え": "えけせてねへめれげぜでべぺぇ",
    "お": "おこそとのほもよろをごぞどぼぽぉょ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}
_O_ROW = set(_VOWEL_ROWS["お"])
_E_ROW = set(_VOWEL_ROWS["え"])


def katakana_to_hiragana(text: str) -> str:
    return "".join(
        chr(ord(ch) + _HIRA_OFFSET) if _KATAKANA_START <= ord(ch) <= _KATAKANA_END else ch
        for ch in text
    )


def normalize_text(text: str | None) -> str:
    """Width (NFKC), case, spaces, katakana → hiragana and 旧字. For search keys."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_ITAIJI)
    text = _SPACES.sub("", text).lower()
    return katakana_to_hiragana(text)


def normalize_kana(text: str | None) -> str:
    """ふりがな key: normalize_text plus 長音 folding.

    ヤマダタロー, やまだ たろう and ﾔﾏﾀﾞ ﾀﾛｳ all give the same key: ー becomes the vowel it
    lengthens, and おう/えい (the spelling of a long o/e) fold the same way.
    """
    text = normalize_text(text)
    out: list[str] = []
    for ch in text:
        prev = out[-1] if out else ""
        if ch in "ー-‐−―" and prev in _VOWEL_OF:
            ch = _VOWEL_OF[prev]
        if (ch == "う" and prev in _O_ROW) or (ch == "い" and prev in _E_ROW):
            ch = _VOWEL_OF[prev]
        out.append(ch)
    return "".join(out)


def normalize_phone(text: str | None) -> str:
    """Digits only, full-width digits included (０９０-１２３４ → 0901234)."""
    if not text:
        return ""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


_DASHES = re.compile(r"[‐‑‒–—―−ーｰ-]")


def normalize_address(text: str | None) -> str:
    """Width, spaces, 旧字 and the many dashes of 番地 (1丁目2-3 / １－２－３)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_ITAIJI)
    text = _SPACES.sub("", text)
    text = re.sub(r"(\d)\s*丁目\s*(\d)", r"\1-\2", text)
    text = re.sub(r"(\d)\s*番地?\s*(\d)", r"\1-\2", text)
    text = re.sub(r"(\d)号$", r"\1", text)
    return _DASHES.sub("-", text)
