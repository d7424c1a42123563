"""Likely duplicates are shown before a new person is saved; nothing is merged."""

import datetime as dt

import pytest

from cases import selectors
from tests.factories import make_consultation, member_data

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1970, 5, 5)


def _check(user, **overrides):
    data = {
        "family_name": "",
        "given_name": "",
        "family_name_kana": "",
        "given_name_kana": "",
        "birth_date": BIRTH,
    }
    data.update(overrides)
    return selectors.person_duplicates(user=user, **data)


@pytest.mark.parametrize(
    ("family", "given"),
    [("ﾔﾏﾀﾞ", "ﾀﾛｳ"), ("やまだ", "たろう"), ("ヤマダ", "タロー"), ("やまだ　", "　たろう")],
)
def test_it_finds_the_same_kana_with_the_same_birth_date(
    consultation, staff_assigned, family, given
):
    matches = _check(staff_assigned, family_name_kana=family, given_name_kana=given)
    assert [m.person for m in matches] == [consultation.person]


def test_a_different_birth_date_is_not_a_duplicate(consultation, staff_assigned):
    matches = _check(
        staff_assigned,
        family_name_kana="やまだ",
        given_name_kana="たろう",
        birth_date=dt.date(1971, 5, 5),
    )
    assert matches == []


def test_it_finds_old_kanji_spellings_of_the_name(staff_assigned):
    existing = make_consultation(
        actor=staff_assigned,
        members=[member_data(family_name="髙橋", family_name_kana="たかはし")],
    )
    matches = _check(staff_assigned, family_name="高橋", given_name="太郎")
    assert [m.person for m in matches] == [existing.person]


def test_it_finds_the_same_phone_in_full_width_digits(staff_assigned):
    existing = make_consultation(actor=staff_assigned, members=[member_data(phone="090-1234-5678")])
    matches = _check(staff_assigned, birth_date=None, phone="０９０１２３４５６７８")
    assert [m.person for m in matches] == [existing.person]
    assert "電話番号が同じ" in matches[0].reasons


def test_it_finds_the_same_household_address(consultation, staff_assigned):
    matches = _check(staff_assigned, birth_date=None, address="架空市若葉町１－２－３")
    assert [m.person for m in matches] == [consultation.person]


def test_a_twin_with_another_name_is_not_taken_for_the_sibling(consultation, staff_assigned):
    # Same birth date, other name, no shared contact: two people, no warning.
    matches = _check(staff_assigned, family_name_kana="やまだ", given_name_kana="じろう")
    assert matches == []


def test_a_match_in_an_invisible_household_reveals_no_name(consultation, staff_unassigned):
    matches = _check(staff_unassigned, family_name_kana="ﾔﾏﾀﾞ", given_name_kana="ﾀﾛｳ")
    assert len(matches) == 1
    assert matches[0].hidden
    assert matches[0].person is None
    assert matches[0].reasons == []
