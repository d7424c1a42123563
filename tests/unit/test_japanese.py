import datetime as dt

import pytest

from core.japanese import (
    WarekiError,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_prefix,
    format_wareki,
    normalize_address,
    normalize_kana,
    normalize_phone,
    normalize_text,
    wareki_to_date,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2025, 4, 1), "令和7年4月1日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
    ],
)
def test_it_formats_wareki_at_era_boundaries(day, expected):
    assert format_wareki(day) == expected


def test_it_adds_seireki_when_asked():
    assert format_wareki(dt.date(2025, 4, 1), with_seireki=True) == "令和7年4月1日（2025年）"


def test_it_formats_an_aware_datetime_in_tokyo():
    # 2025-03-31T15:00Z is already 1 April in Tokyo.
    assert format_wareki(dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)) == "令和7年4月1日"


@pytest.mark.parametrize(
    ("era", "year", "month", "day", "expected"),
    [
        ("昭和", 64, 1, 7, dt.date(1989, 1, 7)),
        ("平成", 1, 1, 8, dt.date(1989, 1, 8)),
        ("平成", 31, 4, 30, dt.date(2019, 4, 30)),
        ("令和", 1, 5, 1, dt.date(2019, 5, 1)),
        ("昭和", 45, 5, 5, dt.date(1970, 5, 5)),
    ],
)
def test_it_reads_wareki_dates(era, year, month, day, expected):
    assert wareki_to_date(era, year, month, day) == expected


@pytest.mark.parametrize(
    ("era", "year", "month", "day"),
    [
        ("昭和", 64, 1, 8),  # 平成 had begun
        ("平成", 1, 1, 7),  # 平成 had not begun
        ("平成", 31, 5, 1),  # 令和 had begun
        ("令和", 1, 4, 30),  # 令和 had not begun
        ("令和", 7, 2, 30),  # no such day
        ("令和", 0, 1, 1),
        ("天平", 1, 1, 1),
    ],
)
def test_it_refuses_wareki_dates_that_do_not_exist(era, year, month, day):
    with pytest.raises(WarekiError):
        wareki_to_date(era, year, month, day)


def test_it_puts_the_fiscal_year_boundary_at_midnight_tokyo():
    assert fiscal_year(dt.datetime(2025, 3, 31, 14, 59, tzinfo=UTC)) == 2024
    assert fiscal_year(dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)) == 2025
    assert fiscal_year(dt.date(2025, 3, 31)) == 2024
    assert fiscal_year(dt.date(2025, 4, 1)) == 2025


def test_it_refuses_a_naive_datetime_for_fiscal_year():
    with pytest.raises(ValueError):
        fiscal_year(dt.datetime(2025, 4, 1))  # noqa: DTZ001


def test_it_labels_fiscal_years():
    assert fiscal_year_label(2025) == "令和7年度"
    assert fiscal_year_label(2024) == "令和6年度"
    assert fiscal_year_label(2019) == "令和元年度"
    assert fiscal_year_label(1988) == "昭和63年度"
    assert fiscal_year_prefix(2025) == "R7"
    assert fiscal_year_prefix(2018) == "H30"


def test_it_gives_fiscal_year_bounds_in_tokyo():
    start, end = fiscal_year_bounds(2025)
    assert start.astimezone(UTC) == dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == dt.datetime(2026, 3, 31, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("spelling", ["ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "ヤマダタロー", "ヤマダ タロウ"])
def test_it_folds_kana_spellings_to_one_key(spelling):
    assert normalize_kana(spelling) == normalize_kana("やまだたろう")


def test_it_keeps_different_names_apart():
    assert normalize_kana("やまだたろう") != normalize_kana("やまだじろう")
    assert normalize_kana("おおの") != normalize_kana("おの")


def test_it_normalises_old_kanji_and_width():
    assert normalize_text("髙橋　一郎") == normalize_text("高橋一郎")
    assert normalize_text("渡邉") == normalize_text("渡辺")
    assert normalize_text("ＡＢＣ") == "abc"


def test_it_normalises_phone_numbers_with_full_width_digits():
    assert normalize_phone("０９０－１２３４－５６７８") == "09012345678"
    assert normalize_phone("090 1234 5678") == "09012345678"


def test_it_normalises_address_dashes_and_chome():
    assert normalize_address("架空市若葉町１丁目２－３") == normalize_address("架空市若葉町1-2-3")
    assert normalize_address("架空市若葉町1丁目2番3号") == normalize_address("架空市若葉町1-2-3")


def test_an_access_ending_at_midnight_is_shown_by_its_inclusive_last_day():
    import datetime as dt

    from cases.templatetags.kasane import until_day
    from core.japanese import end_of_day_tokyo

    assert until_day(end_of_day_tokyo(dt.date(2027, 3, 31))) == "令和9年3月31日"
    assert until_day(dt.date(2027, 3, 31)) == "令和9年3月31日"


def test_an_object_created_late_at_night_utc_is_shown_on_its_tokyo_day():
    import datetime as dt

    from cases.templatetags.kasane import wareki_datetime
    from core.japanese import format_wareki

    moment = dt.datetime(2026, 11, 29, 19, 25, tzinfo=dt.UTC)
    assert format_wareki(moment) == "令和8年11月30日"
    assert wareki_datetime(moment) == "令和8年11月30日 04:25"
