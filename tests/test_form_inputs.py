"""Every input of every form, found by walking the apps' forms modules. Dates: one widget
(元号 + 年/月/日), and no input — extreme, impossible, garbage — raises anything but a
Japanese ValidationError (property-based, with hypothesis)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cases.fields import ERA_CHOICES, JapaneseDateField, _bound, parse_year
from meetings.models import MeetingBody
from tests.factories import once
from tests.meetings.helpers import make_body

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def fields_of_every_form(*, own_only: bool = False):
    """(form's dotted name, field name, field) of every form class the apps' ``forms``
    modules declare — Django's own apps too, unless ``own_only``."""
    for config in apps.get_app_configs():
        if own_only and "site-packages" in config.path:
            continue
        try:
            package = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        # A forms module that grew into a package: its submodules too.
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.iter_modules(
                getattr(package, "__path__", []), prefix=f"{package.__name__}."
            )
        ]
        for module in modules:
            for cls_name, cls in inspect.getmembers(module, inspect.isclass):
                if not issubclass(cls, forms.BaseForm) or cls.__module__ != module.__name__:
                    continue
                for name, field in getattr(cls, "base_fields", {}).items():
                    yield f"{module.__name__}.{cls_name}", name, field


def date_fields_of_every_form() -> list[tuple[str, str, JapaneseDateField]]:
    return [row for row in fields_of_every_form() if isinstance(row[2], JapaneseDateField)]


DATE_FIELDS = date_fields_of_every_form()
IDS = [f"{form}.{name}" for form, name, _ in DATE_FIELDS]


def test_the_walk_finds_the_date_fields_of_every_app():
    forms_found = {form for form, _, _ in DATE_FIELDS}
    for expected in (
        "cases.forms.PersonForm",
        "cases.forms.ConsultationForm",
        "cases.forms.DvMeasureForm",
        "cases.forms.support.SupportRecordForm",
        "cases.forms.support.SupportRecordCorrectForm",
        "consent.forms.ConsentForm",
        "consent.forms.ConsentWithdrawForm",
        "meetings.forms.MeetingForm",
        "meetings.forms.PledgeForm",
        "meetings.forms.DecisionForm",
    ):
        assert expected in forms_found


def assert_japanese_refusal(exc: forms.ValidationError) -> None:
    assert exc.messages
    for message in exc.messages:
        assert JAPANESE.search(message), message


years = st.one_of(
    st.integers(min_value=-20, max_value=20000).map(str),
    st.sampled_from(
        ["元", "R9", "令和9", "r1", "Ｒ９", "H31", "S64", "T15", "M1", "2026年", "西暦元"]
    ),
    st.text(max_size=12),
)
parts = st.one_of(st.integers(min_value=-5, max_value=40).map(str), st.text(max_size=4))
eras = st.one_of(st.sampled_from([value for value, _ in ERA_CHOICES] + [""]), st.text(max_size=6))


@pytest.mark.parametrize(("form", "name", "field"), DATE_FIELDS, ids=IDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(era=eras, year=years, month=parts, day=parts)
@example(era="西暦", year="9999", month="12", day="31")
@example(era="西暦", year="1", month="1", day="1")
@example(era="西暦", year="1899", month="12", day="31")
@example(era="西暦", year="2026", month="2", day="30")
@example(era="令和", year="元", month="4", day="30")
@example(era="平成", year="31", month="5", day="1")
@example(era="昭和", year="64", month="1", day="8")
@example(era="令和", year="0", month="1", day="1")
@example(era="令和", year="\x00", month="1", day="1")
def test_no_input_raises_anything_but_a_japanese_message(form, name, field, era, year, month, day):
    try:
        value = field.clean([era, year, month, day])
    except forms.ValidationError as exc:
        assert_japanese_refusal(exc)
        return
    if value is None:
        assert not field.required
        return
    earliest, latest = _bound(field.earliest), _bound(field.latest)
    assert earliest <= value <= latest
    if not field.allow_future:
        assert value <= timezone.localdate()


@pytest.mark.parametrize(("form", "name", "field"), DATE_FIELDS, ids=IDS)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2026-02-30"])
def test_every_date_field_refuses_the_extremes_in_japanese(form, name, field, day):
    year, month, date = day.split("-")
    with pytest.raises(forms.ValidationError) as exc:
        field.clean(["西暦", year, month, date])
    assert_japanese_refusal(exc.value)


@pytest.mark.parametrize(
    ("selected", "typed", "expected"),
    [
        ("令和", "9", ("令和", 9)),
        ("令和", "R9", ("令和", 9)),
        ("西暦", "令和9", ("令和", 9)),
        ("令和", "ｒ９", ("令和", 9)),
        ("令和", "元", ("令和", 1)),
        ("令和", "2027", ("西暦", 2027)),
        ("令和", "２０２７年", ("西暦", 2027)),
        ("令和", "S45", ("昭和", 45)),
        ("昭和", "45", ("昭和", 45)),
    ],
)
def test_the_year_box_takes_what_staff_type(selected, typed, expected):
    assert parse_year(selected, typed) == expected


@pytest.mark.parametrize("typed", ["X9", "令和", "9.5", "西暦元", "R 9 9 9 9 9"])
def test_a_year_the_box_cannot_read_names_the_accepted_forms(typed):
    with pytest.raises(forms.ValidationError) as exc:
        parse_year("令和", typed)
    assert "「R7」" in exc.value.messages[0]


def test_r9_and_the_western_year_give_the_same_date():
    field = JapaneseDateField(latest=dt.date(2030, 1, 1))
    assert field.clean(["令和", "R9", "3", "31"]) == dt.date(2027, 3, 31)
    assert field.clean(["令和", "2027", "3", "31"]) == dt.date(2027, 3, 31)
    assert field.clean(["西暦", "2027", "3", "31"]) == dt.date(2027, 3, 31)


def test_the_widget_starts_at_reiwa_and_shows_a_saved_date_in_its_era():
    field = JapaneseDateField()
    blank = field.widget.render("d", None)
    # Nothing selected: the browser shows the first option, 令和.
    assert re.findall(r'<option value="([^"]*)"', blank)[0] == "令和"
    assert "selected" not in blank
    shown = field.widget.render("d", dt.date(1975, 5, 5))
    assert re.search(r'<option value="昭和"[^>]*selected', shown)
    assert 'name="d_1" value="50"' in shown


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(era=eras, year=years, month=parts, day=parts)
def test_a_posted_date_never_answers_5xx(login, secretariat, era, year, month, day):
    body = MeetingBody.objects.first() or make_body(secretariat)
    response = login(secretariat).post(
        reverse("meetings:meeting_new"),
        {
            "bodies": [body.pk],
            "date_0": era,
            "date_1": year,
            "date_2": month,
            "date_3": day,
            "kind": "regular",
            "place": "",
            "held_confirmed": "on",
            **once(),
        },
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        page = response.content.decode()
        error = re.search(r'id="id_date_error"><p class="error-text">(.*?)</p>', page, re.S)
        assert error and JAPANESE.search(error.group(1)), page[:3000]


def test_every_free_text_field_of_kasane_has_a_limit():
    """No text box takes a book: every CharField of Kasane's own forms has a maximum
    (the message names it, in Japanese — Django's ja locale)."""
    unlimited = [
        f"{form}.{name}"
        for form, name, field in fields_of_every_form(own_only=True)
        if type(field) is forms.CharField and not field.max_length
    ]
    assert unlimited == []
