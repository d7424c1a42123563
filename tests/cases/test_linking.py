"""名寄せ as a decision: linking an intake to an existing record shows what will happen,
asks which of the differing values to keep, and drops nothing typed silently."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Consultation, Household, Person
from tests.cases.test_views import intake_post
from tests.factories import date_post, make_consultation, member_data

pytestmark = pytest.mark.django_db

SUZUKI = member_data(
    family_name="鈴木",
    given_name="一郎",
    family_name_kana="すずき",
    given_name_kana="いちろう",
    phone="090-1111-2222",
)


def _existing(actor):
    return make_consultation(actor=actor, members=[SUZUKI])


def _linking_post(existing, **overrides):
    return intake_post(
        **{
            "m-0-resolution": f"link:{existing.person.pk}",
            "m-0-phone": "080-3333-4444",
            "h-postal_code": "",
            **overrides,
        }
    )


def test_linking_shows_what_will_happen_and_saves_nothing_until_confirmed(login, coordinator):
    existing = _existing(coordinator)
    client = login(coordinator)
    data = _linking_post(existing, **{"m-TOTAL_FORMS": "2"}, **_second_member())
    response = client.post(reverse("cases:intake_form"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "新しい世帯は作りません" in page
    assert "既存の鈴木 一郎さん（本人）と同じ方として扱います" in page
    assert "「鈴木 花子」さんを、鈴木 一郎さん世帯の世帯員として追加します" in page
    assert "世帯の住所" in page and "架空市若葉町1-2-3" in page and "架空市緑台3-4-5" in page
    assert "鈴木 一郎さんの電話（携帯など）" in page
    assert "新しい世帯として受け付けます" not in page
    assert Consultation.objects.count() == 1
    assert Person.objects.count() == 1

    # Confirmed without answering: still nothing saved, the question is marked.
    data["link-confirm"] = str(existing.household_id)
    response = client.post(reverse("cases:intake_form"), data)
    assert "どちらを残すか選んでください。" in response.content.decode()
    assert Consultation.objects.count() == 1


def _second_member():
    return {
        "m-1-family_name": "鈴木",
        "m-1-given_name": "花子",
        "m-1-family_name_kana": "すずき",
        "m-1-given_name_kana": "はなこ",
        **date_post("m-1-birth_date", None),
        "m-1-relation": "spouse",
        "m-1-sex": "female",
    }


def test_the_values_the_user_chose_are_the_ones_kept(login, coordinator):
    existing = _existing(coordinator)
    data = _linking_post(existing)
    data.update(
        {
            "link-confirm": str(existing.household_id),
            "link-h-address": "typed",
            "link-m0-phone": "existing",
        }
    )
    response = login(coordinator).post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    household = Household.objects.get()
    person = household.members.get()
    assert household.address == "架空市緑台3-4-5"
    assert household.phone == "0561-00-0000"  # nothing typed: nothing asked, kept
    assert person.phone == "090-1111-2222"
    newest = Consultation.objects.order_by("-created_at").first()
    assert newest.household == household
    assert "既存の記録と異なる値" not in newest.summary
    # The chosen change went through the update service: in history, by this user.
    change = household.history.order_by("-history_date").first()
    assert change.history_user == coordinator


def _relink(person, **overrides):
    return intake_post(
        **{
            "m-0-family_name": person.family_name,
            "m-0-given_name": person.given_name,
            "m-0-family_name_kana": person.family_name_kana,
            "m-0-given_name_kana": person.given_name_kana,
            **date_post("m-0-birth_date", person.birth_date),
            "m-0-sex": person.sex,
            "m-0-resolution": f"link:{person.pk}",
            "h-address": "",
            "h-postal_code": "",
            **overrides,
        }
    )


def test_a_value_the_user_may_not_write_is_kept_in_the_consultation(login, case, staff_assigned):
    """The agency works the open case (contact details) but does not manage it: a
    ふりがな typed differently is not written to the record; it stays in 主訴, said so."""
    person = case.subjects.get()
    data = _relink(
        person,
        **{"m-0-given_name_kana": "いちろ", "link-confirm": str(case.household_id)},
    )
    client = login(staff_assigned)
    first = client.post(reverse("cases:intake_form"), {**data, "link-confirm": ""})
    assert "この項目を変更する権限がないため" in first.content.decode()
    response = client.post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.given_name_kana != "いちろ"
    newest = Consultation.objects.latest("created_at")
    assert "【受付時に聞き取った、既存の記録と異なる値】" in newest.summary
    assert "いちろ" in newest.summary.split("【")[1]


def test_a_masked_household_shows_no_existing_value_and_keeps_nothing_of_it(
    login, case, coordinator, staff_assigned
):
    household = case.household
    person = case.subjects.get()
    services.dv_measure_set(actor=coordinator, person=person, valid_from=timezone.localdate())
    data = _relink(person, **{"h-address": "架空市緑台3-4-5", "m-0-phone": "080-7777-8888"})
    client = login(staff_assigned)
    page = client.post(reverse("cases:intake_form"), data).content.decode()
    assert "DV等支援措置の対象のため、既存の値は表示されず" in page
    assert household.address not in page
    data["link-confirm"] = str(household.pk)
    response = client.post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    household.refresh_from_db()
    person.refresh_from_db()
    newest = Consultation.objects.latest("created_at")
    assert "架空市緑台3-4-5" not in newest.summary
    assert "080-7777-8888" not in newest.summary
    assert household.address != "架空市緑台3-4-5"
    assert person.phone != "080-7777-8888"


def test_a_confirmation_for_another_household_is_no_confirmation(login, coordinator):
    existing = _existing(coordinator)
    other = make_consultation(actor=coordinator, members=[member_data(family_name="別")])
    data = _linking_post(existing)
    data.update(
        {
            "link-confirm": str(other.household_id),
            "link-h-address": "typed",
            "link-m0-phone": "typed",
        }
    )
    response = login(coordinator).post(reverse("cases:intake_form"), data)
    assert response.status_code == 200
    assert Consultation.objects.count() == 2
