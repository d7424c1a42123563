"""What users see in the browser, through the Django test client."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Consultation, Household, Person
from tests.factories import date_post, issue, make_consultation, member_data, once

pytestmark = pytest.mark.django_db


SUZUKI = member_data(family_name="鈴木", family_name_kana="すずき", given_name_kana="いちろう")


def intake_post(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "c-form_token": once()["form_token"],
        "c-consent_state": "given",
        **date_post("c-consent_explained_on", today),
        "c-consent_explained_by": "相川",
        **date_post("c-received_date", today),
        "c-received_time": "00:01",
        "c-channel": "phone",
        "c-consulter": "self",
        "c-issues": [str(issue("8050").pk), str(issue("高齢").pk)],
        "c-main_issue": str(issue("8050").pk),
        "c-summary": "80代の母と50代の息子。息子が長くひきこもっている。",
        "c-outcome": "collaboration",
        "h-address": "架空市緑台3-4-5",
        "h-phone": "",
        "h-postal_code": "480-1196",
        "m-TOTAL_FORMS": "1",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "20",
        "m-0-family_name": "鈴木",
        "m-0-given_name": "一郎",
        "m-0-family_name_kana": "すずき",
        "m-0-given_name_kana": "いちろう",
        "m-0-birth_date_0": "昭和",
        "m-0-birth_date_1": "45",
        "m-0-birth_date_2": "5",
        "m-0-birth_date_3": "5",
        "m-0-relation": "self",
        "m-0-sex": "male",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_home_shows_a_coordinators_open_cases(login, case, coordinator):
    response = login(coordinator).get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert case.number in content
    assert "最近の相談受付" in content


def test_home_shows_no_case_content_to_a_manager(login, case, manager):
    content = login(manager).get("/").content.decode()
    assert case.number not in content
    assert "個人やケースの内容は表示されません" in content


def test_a_coordinator_records_a_consultation_for_a_new_household(login, coordinator):
    client = login(coordinator)
    response = client.post(reverse("cases:intake_form"), intake_post())
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:consultation_detail", args=[consultation.pk])
    assert consultation.person.birth_date == dt.date(1970, 5, 5)
    assert consultation.person.relation == Person.Relation.SELF
    assert consultation.receiving_agency == coordinator.agency
    assert consultation.household.postal_code == "480-1196"
    assert set(consultation.issues.values_list("name", flat=True)) == {"8050", "高齢"}
    page = client.get(response["Location"]).content.decode()
    assert "相談受付票（本人同意あり）" in page
    assert "8050（主）" in page


def test_bad_input_is_shown_at_the_field_and_nothing_typed_is_lost(login, coordinator):
    response = login(coordinator).post(
        reverse("cases:intake_form"),
        intake_post(**{"m-0-birth_date_1": "64", "m-0-birth_date_2": "2", "c-main_issue": ""}),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "昭和64年2月5日は存在しません" in content
    assert "主な相談内容を1つ選んでください。" in content
    assert 'aria-invalid="true"' in content
    assert "80代の母と50代の息子。息子が長くひきこもっている。" in content
    assert 'value="鈴木"' in content
    assert not Consultation.objects.exists()


def test_consent_given_variant_needs_the_explanation_date(login, coordinator):
    response = login(coordinator).post(
        reverse("cases:intake_form"),
        intake_post(**{"c-consent_explained_on_1": "", "c-consent_explained_on_2": ""}),
    )
    assert "説明し同意を得た日を入力してください" in response.content.decode()
    assert not Consultation.objects.exists()


def test_consent_not_given_variant_needs_no_explanation(login, coordinator):
    response = login(coordinator).post(
        reverse("cases:intake_form"),
        intake_post(**{"c-consent_state": "refused", "c-consent_explained_on_1": ""}),
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.consent_state == Consultation.ConsentState.REFUSED
    assert consultation.consent_explained_on is None


def test_adding_a_member_row_keeps_what_was_typed(login, coordinator):
    response = login(coordinator).post(
        reverse("cases:intake_form"), intake_post(save="", add_member="1")
    )
    content = response.content.decode()
    assert "世帯員 2" in content
    assert 'value="鈴木"' in content
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("total", [" ", "NaN", "-1", "１", "99999999999999999999", "20"])
def test_adding_a_member_row_with_a_tampered_row_count_saves_nothing(login, coordinator, total):
    """Found by the form fuzz: a row count that is not a number was an HTTP 500."""
    data = intake_post(save="", add_member="1")
    data["m-TOTAL_FORMS"] = total
    response = login(coordinator).post(reverse("cases:intake_form"), data)
    assert response.status_code == 200
    assert not Consultation.objects.exists()


def test_a_likely_duplicate_must_be_answered_before_saving(login, coordinator):
    existing = make_consultation(
        actor=coordinator,
        members=[
            member_data(family_name="鈴木", family_name_kana="すずき", given_name_kana="いちろう")
        ],
    )
    client = login(coordinator)
    data = intake_post(**{"m-0-family_name_kana": "ｽｽﾞｷ", "m-0-given_name_kana": "ｲﾁﾛｰ"})
    response = client.post(reverse("cases:intake_form"), data)
    content = response.content.decode()
    assert "重複の確認" in content
    assert existing.person.full_name in content
    assert Consultation.objects.count() == 1

    # Linking records the consultation in the existing household, creating nobody —
    # once the user has seen what will happen and chosen which values to keep.
    data["m-0-resolution"] = f"link:{existing.person.pk}"
    response = client.post(reverse("cases:intake_form"), data)
    assert "紐付けの確認" in response.content.decode()
    assert Consultation.objects.count() == 1
    data.update(
        {
            "link-confirm": str(existing.household_id),
            "link-h-postal_code": "existing",
            "link-h-address": "existing",
            "link-m0-given_name": "existing",
        }
    )
    response = client.post(reverse("cases:intake_form"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    newest = Consultation.objects.order_by("-created_at").first()
    assert newest.household == existing.household
    assert newest.person == existing.person
    assert Person.objects.count() == 1
    assert Household.objects.count() == 1


def test_confirming_a_new_person_keeps_both_records(login, coordinator):
    make_consultation(
        actor=coordinator,
        members=[
            member_data(family_name="鈴木", family_name_kana="すずき", given_name_kana="いちろう")
        ],
    )
    data = intake_post(**{"m-0-resolution": "new"})
    response = login(coordinator).post(reverse("cases:intake_form"), data)
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_a_duplicate_in_an_invisible_household_shows_no_name(login, coordinator, staff_unassigned):
    make_consultation(
        actor=coordinator,
        members=[
            member_data(
                family_name="鈴木",
                given_name="市郎",
                family_name_kana="すずき",
                given_name_kana="いちろう",
                phone="090-9999-0000",
            )
        ],
    )
    response = login(staff_unassigned).post(reverse("cases:intake_form"), intake_post())
    content = response.content.decode()
    assert "既存の記録があります。調整役に確認してください" in content
    for secret in ("市郎", "090-9999-0000", "若葉町", "生年月日とふりがな"):
        assert secret not in content
    assert not Consultation.objects.filter(received_by=staff_unassigned).exists()


def test_linking_to_an_invisible_person_is_refused(login, coordinator, staff_unassigned):
    hidden = make_consultation(actor=coordinator)
    data = intake_post(**{"m-0-resolution": f"link:{hidden.person.pk}"})
    response = login(staff_unassigned).post(reverse("cases:intake_form"), data)
    assert "紐付け先の記録が見つかりません" in response.content.decode()
    assert Consultation.objects.count() == 1


def test_intake_for_an_existing_household(login, consultation, staff_assigned):
    data = intake_post(**{"s-subject": str(consultation.person.pk), "m-TOTAL_FORMS": "0"})
    url = reverse("cases:intake_form") + f"?household={consultation.household.pk}"
    response = login(staff_assigned).post(url, data)
    assert response.status_code == 302
    assert consultation.household.consultations.count() == 2


def test_intake_for_a_household_the_user_cannot_see_is_404(login, consultation, staff_unassigned):
    url = reverse("cases:intake_form") + f"?household={consultation.household.pk}"
    assert login(staff_unassigned).get(url).status_code == 404


def test_household_search_page_finds_by_half_width_kana(login, consultation, staff_assigned):
    response = login(staff_assigned).get(reverse("cases:intake_start"), {"q": "ﾔﾏﾀﾞ"})
    assert "山田 太郎さん世帯" in response.content.decode()


def test_a_coordinator_opens_a_case_from_the_consultation(login, consultation, coordinator):
    client = login(coordinator)
    url = reverse("cases:case_open", args=[consultation.pk])
    response = client.post(
        url,
        {
            "subjects": [str(consultation.person.pk)],
            "main_agency": str(consultation.receiving_agency_id),
            "lead_coordinator": str(coordinator.pk),
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    page = client.get(response["Location"]).content.decode()
    assert case.number in page
    assert "ケースを開始" in page
    assert "山田 太郎" in page
    assert coordinator.display_name in page


def test_agency_staff_cannot_open_a_case(login, consultation, staff_assigned, staff_unassigned):
    url = reverse("cases:case_open", args=[consultation.pk])
    assert login(staff_assigned).get(url).status_code == 403
    assert login(staff_unassigned).get(url).status_code == 404


def test_the_case_page_is_404_for_an_unassigned_agency(login, case, staff_unassigned):
    url = reverse("cases:case_detail", args=[case.pk])
    assert login(staff_unassigned).get(url).status_code == 404


def test_the_case_page_is_shown_to_the_assigned_agency(login, case, staff_assigned):
    response = login(staff_assigned).get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert "状態・担当を変更" not in response.content.decode()


def test_a_second_save_of_the_same_version_is_refused_with_the_changes(login, case, coordinator):
    client = login(coordinator)
    url = reverse("cases:case_edit", args=[case.pk])
    base = {
        "main_agency": str(case.main_agency_id),
        "lead_coordinator": str(coordinator.pk),
        "version": str(case.version),
    }
    assert client.post(url, {**base, "status": "assessment"}).status_code == 302
    response = client.post(url, {**base, "status": "planning", "reason": "二人目"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "保存できませんでした" in content
    assert "アセスメント" in content
    case.refresh_from_db()
    assert case.status == Case.Status.ASSESSMENT
    # The form now carries the current version: saving again on purpose works.
    assert f'value="{case.version}"' in content
    again = client.post(url, {**base, "version": str(case.version), "status": "planning"})
    assert again.status_code == 302
    assert case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).count() == 2


def test_person_edit_conflict_shows_who_changed_what(login, case, coordinator, staff_assigned):
    person = case.household.members.get()
    url = reverse("cases:person_edit", args=[case.household_id, person.pk])
    form = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "やまだ",
        "given_name_kana": "たろう",
        "sex": "male",
        "relation": "self",
        "version": str(person.version),
    }
    assert login(staff_assigned).post(url, {**form, "phone": "090-1"}).status_code == 302
    response = login(coordinator).post(url, {**form, "phone": "090-2"})
    content = response.content.decode()
    assert "保存できませんでした" in content
    assert staff_assigned.display_name in content
    assert "090-1" in content
    person.refresh_from_db()
    assert person.phone == "090-1"


def test_lists_are_sorted_by_kana_and_paginated(login, coordinator, settings):
    settings.KASANE_PAGE_SIZE = 2
    for family, kana in [("渡辺", "わたなべ"), ("青木", "あおき"), ("加藤", "かとう")]:
        make_consultation(
            actor=coordinator,
            members=[member_data(family_name=family, family_name_kana=kana)],
        )
    client = login(coordinator)
    first = client.get(reverse("cases:household_list")).content.decode()
    assert first.index("青木") < first.index("加藤")
    assert "渡辺" not in first
    # The next page starts where this one ended (keyset; no page numbers).
    link = re.search(r'href="([^"]+)" rel="next">次の2件', first)
    assert link, "no link to the next page"
    second = client.get(reverse("cases:household_list") + html.unescape(link[1])).content.decode()
    assert "渡辺" in second
    assert "青木" not in second
    assert 'rel="next"' not in second
    assert 'rel="prev">前の2件' in second


def test_dates_are_shown_as_wareki(login, case, coordinator):
    content = login(coordinator).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "昭和45年5月5日（1970年）" in content
    assert "令和" in content


def test_a_member_is_added_to_a_visible_household(login, consultation, staff_assigned):
    url = reverse("cases:person_add", args=[consultation.household_id])
    response = login(staff_assigned).post(
        url,
        {
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "やまだ",
            "given_name_kana": "はなこ",
            "birth_date_0": "昭和",
            "birth_date_1": "20",
            "birth_date_2": "1",
            "birth_date_3": "2",
            "sex": "female",
            "relation": "parent",
        },
    )
    assert response.status_code == 302
    added = consultation.household.members.get(given_name="花子")
    assert added.birth_date == dt.date(1945, 1, 2)
    assert added.history.get().history_user == staff_assigned


def test_a_member_cannot_be_added_to_an_invisible_household(login, consultation, staff_unassigned):
    url = reverse("cases:person_add", args=[consultation.household_id])
    assert login(staff_unassigned).get(url).status_code == 404


def test_kana_must_be_kana(login, consultation, staff_assigned):
    url = reverse("cases:person_add", args=[consultation.household_id])
    response = login(staff_assigned).post(
        url, {"family_name": "山田", "family_name_kana": "山田", "relation": "self", "sex": "male"}
    )
    assert "ひらがなまたはカタカナで入力してください" in response.content.decode()


def test_household_edit_saves_with_a_version(login, consultation, staff_assigned):
    household = consultation.household
    url = reverse("cases:household_edit", args=[household.pk])
    response = login(staff_assigned).post(
        url,
        {
            "address": "架空市東山2-1",
            "phone": "",
            "postal_code": "４８０１１９６",
            "notes": "",
            "version": str(household.version),
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.address, household.postal_code) == ("架空市東山2-1", "480-1196")
    assert household.address_key == "架空市東山2-1"


def test_nested_member_ids_from_another_household_answer_404(
    login, case, coordinator, staff_assigned
):
    other = make_consultation(actor=staff_assigned, members=[member_data(given_name="別人")])
    url = reverse("cases:person_edit", args=[case.household_id, other.person_id])
    assert login(coordinator).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["secretariat", "manager", "admin_user"])
@pytest.mark.parametrize(
    "url_name", ["cases:case_list", "cases:consultation_list", "cases:household_list"]
)
def test_case_lists_are_refused_to_roles_without_case_work(request, login, persona, url_name):
    assert login(request.getfixturevalue(persona)).get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "staff_unassigned"])
@pytest.mark.parametrize(
    "url_name", ["cases:case_list", "cases:consultation_list", "cases:household_list"]
)
def test_case_lists_open_for_case_roles(request, login, persona, url_name):
    assert login(request.getfixturevalue(persona)).get(reverse(url_name)).status_code == 200


def test_the_error_summary_links_to_member_row_errors(login, coordinator):
    response = login(coordinator).post(
        reverse("cases:intake_form"), intake_post(**{"m-0-family_name_kana": ""})
    )
    content = response.content.decode()
    assert "入力内容を確認してください" in content
    assert 'href="#id_m-0-family_name_kana_error"' in content
    assert "世帯員1のせい（ふりがな）" in content


def test_submitting_an_intake_twice_records_one_consultation(login, coordinator):
    client = login(coordinator)
    data = intake_post()
    first = client.post(reverse("cases:intake_form"), data)
    second = client.post(reverse("cases:intake_form"), data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Consultation.objects.count() == 1
    assert Person.objects.count() == 1
    assert "この内容はすでに登録されています" in client.get(second["Location"]).content.decode()


def test_a_list_shows_the_page_size_the_user_chose(login, coordinator):
    kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひ"  # 27 households
    for index, letter in enumerate(kana):
        make_consultation(
            actor=coordinator,
            members=[member_data(family_name=f"試{index:02d}", family_name_kana=letter)],
        )
    client = login(coordinator)
    url = reverse("cases:household_list")
    first = client.get(url).content.decode()
    shown = [f"試{i:02d}" for i in range(27) if f"試{i:02d}" in first]
    assert shown == [f"試{i:02d}" for i in range(25)]
    assert 'rel="next">次の25件' in first
    assert "1ページの表示件数" in first
    everything = client.get(url, {"per": "50"}).content.decode()
    assert [f"試{i:02d}" for i in range(27) if f"試{i:02d}" in everything] == [
        f"試{i:02d}" for i in range(27)
    ]
    assert '<span aria-current="true">50件</span>' in everything
    assert "ページ送り" not in everything
    odd = client.get(url, {"per": "9999"})
    assert odd.status_code == 200
    assert 'rel="next">次の25件' in odd.content.decode()
