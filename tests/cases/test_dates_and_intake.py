"""The first real day at the window (first slice): an anonymous neighbour's report about
a household whose birth dates are unknown is saved; no date answers HTTP 500, and every
date field refuses what lies outside its window with a Japanese message naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from cases.fields import JapaneseDateField
from cases.forms import (
    CaseAccessGrantForm,
    ConsultationForm,
    DvMeasureForm,
    MemberForm,
    PersonForm,
)
from cases.models import Consultation
from consent.forms import ConsentForm, ConsentWithdrawForm
from core.japanese import end_of_day_tokyo
from meetings.forms import DecisionForm, MeetingForm, PledgeForm
from tests.cases.test_views import intake_post

pytestmark = pytest.mark.django_db


def test_an_anonymous_neighbours_report_with_unknown_birth_dates_is_saved(login, staff_assigned):
    data = intake_post(
        **{
            "c-consulter": "resident",
            "c-consulter_name": "",
            "c-consent_state": "unconfirmed",
            "c-consent_explained_on_0": "",
            "c-consent_explained_on_1": "",
            "c-consent_explained_on_2": "",
            "m-0-birth_date_0": "西暦",
            "m-0-birth_date_1": "",
            "m-0-birth_date_2": "",
            "m-0-birth_date_3": "",
            "m-0-sex": "unknown",
        }
    )
    response = login(staff_assigned).post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get()
    assert consultation.consulter_name == ""
    assert consultation.person.birth_date is None


def test_a_validity_until_9999_answers_a_message_not_a_500(login, case, coordinator):
    person = case.subjects.get()
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    today = timezone.localdate()
    response = login(coordinator).post(
        url,
        {
            "given_by": "self",
            "agencies": [coordinator.agency_id],
            "purposes": ["sharing"],
            "method": "written",
            "obtained_on_0": today.year,
            "obtained_on_1": today.month,
            "obtained_on_2": today.day,
            "valid_until_0": "9999",
            "valid_until_1": "12",
            "valid_until_2": "31",
        },
    )
    assert response.status_code == 200
    assert "までの日付を入力してください" in response.content.decode()
    assert not person.consents.exists()


def test_the_end_of_the_last_day_does_not_overflow():
    assert end_of_day_tokyo(dt.date.max).date() == dt.date.max


DATE_FORMS = [
    (PersonForm, {}),
    (MemberForm, {}),
    (ConsultationForm, {}),
    (CaseAccessGrantForm, {}),
    (ConsentForm, {}),
    (ConsentWithdrawForm, {}),
    (PledgeForm, {}),
    (MeetingForm, {}),
    (DecisionForm, {}),
]


def _date_fields(form):
    return [
        (name, field) for name, field in form.fields.items() if isinstance(field, JapaneseDateField)
    ]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2026-02-30"])
@pytest.mark.parametrize(("form_class", "kwargs"), DATE_FORMS)
def test_every_date_field_refuses_the_extremes_in_japanese(form_class, kwargs, day):
    form = form_class(**kwargs)
    fields = _date_fields(form)
    assert fields, form_class
    year, month, date = day.split("-")
    for _name, field in fields:
        values = [year, month, date]
        if field.with_era:
            values = ["西暦", *values]
        with pytest.raises(forms.ValidationError) as exc:
            field.clean(values)
        message = " ".join(exc.value.messages)
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in message)


def test_the_dv_form_bounds_its_dates_too(case):
    form = DvMeasureForm(household=case.household)
    assert {name for name, _field in _date_fields(form)} == {"valid_from", "valid_until"}
    with pytest.raises(forms.ValidationError):
        form.fields["valid_until"].clean(["9999", "12", "31"])


def test_members_are_listed_self_first_then_by_relation(case, coordinator, login):
    from cases import services
    from tests.factories import member_data

    household = case.household
    services.person_add(
        actor=coordinator,
        household=household,
        data=member_data(given_name="母", relation="parent", birth_date=None),
    )
    services.person_add(
        actor=coordinator,
        household=household,
        data=member_data(given_name="妻", relation="spouse", birth_date=None),
    )
    from cases.selectors import members_in_order

    assert [m.relation for m in members_in_order(household=household)] == [
        "self",
        "spouse",
        "parent",
    ]


def test_the_grants_of_one_action_are_one_timeline_line(case, coordinator, login):
    from agencies.models import Agency
    from cases.models import CaseEvent
    from cases.selectors import case_timeline
    from tests.factories import AgencyFactory, make_consent

    agencies = [AgencyFactory(name=f"機関{i}", kind=Agency.Kind.OTHER) for i in range(4)]
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=agencies)
    granted = case.events.filter(kind=CaseEvent.Kind.ACCESS_GRANTED).count()
    lines = case_timeline(case=case)
    folded = [line for line in lines if line.folded]
    assert granted >= 4 and len(folded) == 1
    assert folded[0].message.startswith(f"{len(folded[0].folded) + 1}件の閲覧権限を付与しました")
    page = login(coordinator).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert page.count("閲覧権限を付与</strong>") < granted


def test_the_intake_offers_the_forms_own_issue_list_and_email(login, staff_assigned):
    content = login(staff_assigned).get(reverse("cases:intake_form")).content.decode()
    for word in (
        "介護",
        "収入・生活費",
        "家賃やローンの支払い",
        "税金や公共料金等の支払い",
        "仕事上の不安やトラブル",
        "地域との関係",
        "食べるものがない",
    ):
        assert word in content, word
    assert 'name="m-0-email"' in content
    response = login(staff_assigned).post(
        reverse("cases:intake_form"), intake_post(**{"m-0-email": "ichiro@example.invalid"})
    )
    assert response.status_code == 302
    assert Consultation.objects.get().person.email == "ichiro@example.invalid"
