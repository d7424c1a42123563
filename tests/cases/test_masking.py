"""DV等支援措置 and 通報者 (DESIGN.md): what is masked, from whom, everywhere.

The crawl follows every link a non-managing user can reach and asserts the flagged
household's address and phones appear on none of the pages; the managing coordinator
sees them. 名寄せ, history diffs and timeline lines are checked one by one."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.masking import MASK_TEXT
from cases.models import IssueCategory
from tests.factories import make_consent, make_consultation, member_data

pytestmark = pytest.mark.django_db

ADDRESS = "架空市若葉町1-2-3"
HOUSE_PHONE = "0561-00-0000"
MOBILE = "090-1234-5678"
OLD_MOBILE = "090-8765-4321"
EMAIL = "hidden@example.invalid"
SECRETS = (ADDRESS, HOUSE_PHONE, MOBILE, OLD_MOBILE, "0561000000", "09012345678", EMAIL)

SKIP = re.compile(r"^/(static|admin|accounts/logout)/|/document/")


def crawl(client, start: str = "/", limit: int = 400) -> dict[str, str]:
    """Every page reachable by GET from ``start`` through the site's own links."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        seen[url] = body
        for href in re.findall(r'href="([^"#]+)', body):
            href = html.unescape(href)
            if href.startswith("/") and not SKIP.search(href) and href not in seen:
                queue.append(href)
    return seen


@pytest.fixture
def flagged(case, coordinator, staff_assigned):
    """The case's household, its 本人 with a mobile number changed once (so history
    holds both numbers), then placed under a measure by the managing coordinator."""
    person = case.subjects.get()
    services.person_update(
        actor=staff_assigned, person=person, data={"phone": OLD_MOBILE}, expected_version=1
    )
    person.refresh_from_db()
    services.person_update(
        actor=staff_assigned,
        person=person,
        data={"phone": MOBILE, "email": EMAIL},
        expected_version=person.version,
    )
    services.dv_measure_set(
        actor=coordinator, person=person, valid_from=dt.date(2026, 4, 1), note="支援措置"
    )
    return case


def test_a_non_managing_user_finds_the_contacts_on_no_page(login, flagged, staff_assigned):
    pages = crawl(login(staff_assigned))
    household_url = reverse("cases:household_detail", args=[flagged.household_id])
    history_url = reverse("cases:case_history", args=[flagged.pk])
    # The crawl did reach the household, the case and its history.
    assert {household_url, history_url} <= set(pages)
    for url, body in pages.items():
        for secret in SECRETS:
            assert secret not in body, f"{secret} on {url}"
    assert MASK_TEXT in pages[household_url] and MASK_TEXT in pages[history_url]


def test_the_managing_coordinator_sees_them(login, flagged, coordinator):
    client = login(coordinator)
    page = client.get(reverse("cases:household_detail", args=[flagged.household_id]))
    content = page.content.decode()
    assert ADDRESS in content and HOUSE_PHONE in content and MOBILE in content
    assert MASK_TEXT not in content
    history = client.get(reverse("cases:case_history", args=[flagged.pk])).content.decode()
    assert OLD_MOBILE in history


@pytest.mark.parametrize("page", ["cases:case_detail", "cases:case_timeline"])
def test_a_timeline_line_about_contacts_is_masked(
    login, flagged, staff_assigned, coordinator, page
):
    case_url = reverse(page, args=[flagged.pk])
    masked = login(staff_assigned).get(case_url).content.decode()
    assert "電話（携帯など）を変更しました" not in masked
    assert "DV等支援措置のため内容は表示されません" in masked
    plain = login(coordinator).get(case_url).content.decode()
    assert "電話（携帯など）を変更しました" in plain


def test_a_non_managing_user_cannot_edit_what_is_hidden(login, flagged, staff_assigned):
    household = flagged.household
    client = login(staff_assigned)
    assert client.get(reverse("cases:household_edit", args=[household.pk])).status_code == 403
    person = flagged.subjects.get()
    url = reverse("cases:person_edit", args=[household.pk, person.pk])
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        services.household_update(
            actor=staff_assigned,
            household=household,
            data={"phone": "0"},
            expected_version=household.version,
        )


def test_a_match_by_address_or_phone_says_nothing(flagged, staff_assigned, coordinator):
    """名寄せ: a window typing the protected household's phone learns nothing, not even
    that a record exists; the managing coordinator sees the match and why."""
    stranger = {
        "family_name": "別人",
        "given_name": "",
        "family_name_kana": "べつじん",
        "given_name_kana": "",
        "birth_date": None,
        "phone": MOBILE,
        "address": ADDRESS,
    }
    assert selectors.person_duplicates(user=staff_assigned, **stranger) == []
    matches = selectors.person_duplicates(user=coordinator, **stranger)
    assert matches and "電話番号が同じ" in matches[0].reasons


def test_the_same_person_by_name_and_birth_date_is_still_found(flagged, staff_assigned):
    person = flagged.subjects.get()
    matches = selectors.person_duplicates(
        user=staff_assigned,
        family_name=person.family_name,
        given_name=person.given_name,
        family_name_kana=person.family_name_kana,
        given_name_kana=person.given_name_kana,
        birth_date=person.birth_date,
        phone=MOBILE,
    )
    assert [m.reasons for m in matches] == [["生年月日とふりがな（または氏名）が同じ"]]


def test_only_a_managing_coordinator_records_or_ends_a_measure(
    case, coordinator, staff_assigned, login
):
    person = case.subjects.get()
    with pytest.raises(PermissionDenied):
        services.dv_measure_set(
            actor=staff_assigned, person=person, valid_from=timezone.localdate()
        )
    measure = services.dv_measure_set(
        actor=coordinator, person=person, valid_from=dt.date(2026, 4, 1)
    )
    assert measure.history.get().history_user == coordinator
    assert case.events.filter(kind="dv_measure").exists()
    with pytest.raises(PermissionDenied):
        services.dv_measure_end(actor=staff_assigned, measure=measure, reason="x")
    # A reason over the limit is refused with the limit named, never cut silently.
    with pytest.raises(ValidationError, match="200文字以内"):
        services.dv_measure_end(actor=coordinator, measure=measure, reason="あ" * 201)
    services.dv_measure_end(actor=coordinator, measure=measure, reason="措置の終了")
    page = login(staff_assigned).get(reverse("cases:household_detail", args=[case.household_id]))
    assert ADDRESS in page.content.decode()


def test_a_measure_not_yet_in_effect_masks_nothing(case, coordinator, staff_assigned, login):
    services.dv_measure_set(
        actor=coordinator,
        person=case.subjects.get(),
        valid_from=timezone.localdate() + dt.timedelta(days=3),
    )
    page = login(staff_assigned).get(reverse("cases:household_detail", args=[case.household_id]))
    assert ADDRESS in page.content.decode()


# -- 通報者・相談者 of a 虐待 consultation ---------------------------------------------


@pytest.fixture
def abuse_case(coordinator, staff_assigned, other_agency):
    abuse = IssueCategory.objects.filter(report_group=IssueCategory.ReportGroup.ABUSE).first()
    consultation = make_consultation(
        actor=staff_assigned,
        members=[member_data(family_name="虐待", family_name_kana="ぎゃくたい")],
        consulter="resident",
        consulter_name="近隣 通報子",
        consulter_relation="隣人",
        consulter_phone="080-5555-6666",
    )
    consultation.issues.add(abuse)
    from tests.factories import open_case

    case = open_case(consultation, actor=coordinator)
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other_agency])
    return case


def test_who_reported_abuse_is_seen_by_the_window_and_the_coordinators_only(
    login, abuse_case, staff_assigned, coordinator, staff_unassigned
):
    consultation = abuse_case.consultations.get()
    url = reverse("cases:consultation_detail", args=[consultation.pk])
    for user in (staff_assigned, coordinator):
        assert "近隣 通報子" in login(user).get(url).content.decode()
    # The consent agency sees the case, but not who called.
    pages = crawl(login(staff_unassigned))
    assert url in pages
    for page_url, body in pages.items():
        for secret in ("近隣 通報子", "080-5555-6666"):
            assert secret not in body, f"{secret} on {page_url}"
    assert "通報者・相談者の情報は表示されません" in pages[url]
