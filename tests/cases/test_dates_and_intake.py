"""The first real day at the window (first slice): an anonymous neighbour's report about
a household whose birth dates are unknown is saved; no date answers HTTP 500, and every
date field refuses what lies outside its window with a Japanese message naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Consultation
from core.japanese import end_of_day_tokyo
from tests.cases.test_views import intake_post
from tests.factories import date_post, once

pytestmark = pytest.mark.django_db


def test_an_anonymous_neighbours_report_with_unknown_birth_dates_is_saved(login, staff_assigned):
    data = intake_post(
        **{
            "c-consulter": "resident",
            "c-consulter_name": "",
            "c-consent_state": "unconfirmed",
            **date_post("c-consent_explained_on", None),
            **date_post("m-0-birth_date", None),
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
            **once(),
            "agencies": [coordinator.agency_id],
            "purposes": ["sharing"],
            "method": "written",
            **date_post("obtained_on", today),
            **date_post("valid_until", dt.date(9999, 12, 31)),
        },
    )
    assert response.status_code == 200
    assert "までの日付を入力してください" in response.content.decode()
    assert not person.consents.exists()


def test_the_end_of_the_last_day_does_not_overflow():
    assert end_of_day_tokyo(dt.date.max).date() == dt.date.max


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
    lines, _older = case_timeline(case=case)
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


def test_an_approximate_age_is_noted_when_the_birth_date_is_unknown(login, staff_assigned):
    data = intake_post(
        **{**date_post("m-0-birth_date", None), "m-0-estimated_age": "80", "m-0-sex": "unknown"}
    )
    client = login(staff_assigned)
    response = client.post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Consultation.objects.get().person
    assert (person.birth_date, person.estimated_age) == (None, 80)
    page = client.get(reverse("cases:household_detail", args=[person.household_id]))
    assert "不明</span>（80歳くらい）" in page.content.decode()


def test_an_approximate_age_beside_a_known_birth_date_is_refused(login, staff_assigned):
    response = login(staff_assigned).post(
        reverse("cases:intake_form"), intake_post(**{"m-0-estimated_age": "80"})
    )
    assert "生年月日がわかるときは、おおよその年齢は空欄にしてください。" in (
        response.content.decode()
    )
    assert not Consultation.objects.exists()


def _self_consent(person, coordinator, **extra):
    today = timezone.localdate()
    return {
        "given_by": "self",
        **once(),
        "agencies": [coordinator.agency_id],
        "purposes": ["sharing"],
        "method": "oral",
        "witness": "相川",
        **date_post("obtained_on", today),
        **date_post("valid_until", None),
        **extra,
    }


def test_self_consent_of_a_person_of_unknown_age_needs_the_recorded_confirmation(
    login, case, coordinator
):
    person = case.subjects.get()
    person.birth_date = None
    person.save(update_fields=["birth_date"])
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    client = login(coordinator)
    assert "15歳以上で、同意の内容を理解できることを確認した" in client.get(url).content.decode()

    refused = client.post(url, _self_consent(person, coordinator))
    assert refused.status_code == 200
    assert "15歳以上で同意の内容を理解できることを確認してチェックしてください" in (
        refused.content.decode()
    )
    assert not person.consents.exists()

    client.post(url, _self_consent(person, coordinator, self_capacity_confirmed="on"))
    assert person.consents.get().self_capacity_confirmed is True


def test_a_known_birth_date_asks_no_confirmation(login, case, coordinator):
    person = case.subjects.get()
    assert person.birth_date is not None
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    client = login(coordinator)
    assert "同意の内容を理解できることを確認した" not in client.get(url).content.decode()
    client.post(url, _self_consent(person, coordinator))
    assert person.consents.get().self_capacity_confirmed is False
