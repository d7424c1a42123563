"""Consent: who may give it, when it is valid, what it opens (gate 3) and what its
withdrawal closes (gate 4); and the consent check of gate 1."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AccessEvent
from cases import selectors
from cases.models import CaseAccess, CaseEvent
from consent import services
from consent.models import Consent
from consent.selectors import meeting_consent_problems, person_consent_state
from tests.factories import consent_data, date_post, make_consent, member_data, once

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def record(actor, person, agencies, **overrides):
    return make_consent(
        actor=actor, person=person, agencies=agencies, **{"obtained_on": TODAY, **overrides}
    )


# -- validity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (dt.date(2026, 5, 31), "not_yet"),
        (dt.date(2026, 6, 1), "valid"),
        (dt.date(2026, 6, 30), "valid"),  # the end date is inclusive
        (dt.date(2026, 7, 1), "expired"),
    ],
)
def test_a_consent_is_valid_from_obtained_through_its_end_date(day, state):
    consent = Consent(obtained_on=TODAY, valid_until=dt.date(2026, 6, 30))
    assert consent.state_on(day) == state


def test_a_withdrawn_consent_is_invalid_from_the_withdrawal_date():
    consent = Consent(obtained_on=TODAY, withdrawn_on=dt.date(2026, 6, 10))
    assert consent.is_valid_on(dt.date(2026, 6, 9))
    assert consent.state_on(dt.date(2026, 6, 10)) == "withdrawn"


# -- who may consent --------------------------------------------------------------


def test_a_family_member_is_refused_as_a_proxy(case, coordinator, assigned_agency):
    person = case.subjects.get()
    with pytest.raises(ValidationError, match="法定代理人ではありません"):
        record(coordinator, person, [assigned_agency], given_by="family", proxy_name="山田花子")
    assert not Consent.objects.exists()


def test_a_legal_proxy_consents_for_a_minor(case, coordinator, assigned_agency):
    child = case.household.members.create(
        **{
            **member_data(given_name="陽菜", given_name_kana="ひな", relation="child"),
            "birth_date": dt.date(2016, 4, 2),
        }
    )
    with pytest.raises(ValidationError, match="15歳未満"):
        record(coordinator, child, [assigned_agency])
    with pytest.raises(ValidationError, match="氏名"):
        record(coordinator, child, [assigned_agency], given_by=Consent.GivenBy.PARENT)
    consent = record(
        coordinator,
        child,
        [assigned_agency],
        given_by=Consent.GivenBy.PARENT,
        proxy_name="山田花子",
    )
    assert consent.get_given_by_display() == "親権者"


def test_a_minor_of_fifteen_may_consent_for_themselves(case, coordinator, assigned_agency):
    carer = case.household.members.create(
        **{
            **member_data(given_name="蓮", given_name_kana="れん", relation="child"),
            "birth_date": dt.date(2011, 5, 1),
        }
    )
    assert record(coordinator, carer, [assigned_agency]).given_by == "self"


def test_an_adult_guardian_cannot_consent_for_a_minor(case, coordinator, assigned_agency):
    child = case.household.members.create(
        **{
            **member_data(given_name="湊", given_name_kana="みなと"),
            "birth_date": dt.date(2016, 1, 1),
        }
    )
    with pytest.raises(ValidationError):
        record(
            coordinator,
            child,
            [assigned_agency],
            given_by=Consent.GivenBy.ADULT_GUARDIAN,
            proxy_name="弁護士 架空",
        )


def test_oral_consent_needs_a_witness(case, coordinator, assigned_agency):
    with pytest.raises(ValidationError, match="立ち会った"):
        record(coordinator, case.subjects.get(), [assigned_agency], method="oral")


# -- documents ------------------------------------------------------------------


def test_a_document_is_checked_by_content_not_name(case, coordinator, assigned_agency):
    fake = SimpleUploadedFile("doui.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="PDF・JPEG・PNG"):
        services.consent_record(
            actor=coordinator,
            person=case.subjects.get(),
            data=consent_data(obtained_on=TODAY),
            agencies=[assigned_agency],
            document=fake,
        )
    real = SimpleUploadedFile("scan.bin", b"%PDF-1.7\n...", content_type="application/octet-stream")
    consent = services.consent_record(
        actor=coordinator,
        person=case.subjects.get(),
        data=consent_data(obtained_on=TODAY),
        agencies=[assigned_agency],
        document=real,
    )
    assert consent.document_content_type == "application/pdf"
    assert "media" not in consent.document.path


def test_the_document_is_served_only_through_the_checked_view_and_logged(
    login, case, coordinator, staff_unassigned, assigned_agency, settings, tmp_path
):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    person = case.subjects.get()
    consent = services.consent_record(
        actor=coordinator,
        person=person,
        data=consent_data(obtained_on=TODAY),
        agencies=[assigned_agency],
        document=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\nxxxx"),
    )
    url = reverse("consent:consent_document", args=[case.household_id, person.pk, consent.pk])
    response = login(coordinator).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert AccessEvent.objects.filter(action="download", object_id=str(consent.pk)).exists()
    assert login(staff_unassigned).get(url).status_code == 404


# -- gate 3 and 4 -----------------------------------------------------------------


def test_a_consent_opens_the_case_to_the_agencies_in_its_scope(
    case, coordinator, other_agency, staff_unassigned
):
    assert not selectors.cases_visible_to(staff_unassigned).exists()
    consent = record(coordinator, case.subjects.get(), [other_agency])
    assert list(selectors.cases_visible_to(staff_unassigned)) == [case]
    access = case.accesses.get(basis=CaseAccess.Basis.CONSENT)
    assert (access.agency, access.source_type, access.source_id) == (
        other_agency,
        CaseAccess.Source.CONSENT,
        str(consent.pk),
    )
    assert case.events.filter(kind=CaseEvent.Kind.CONSENT_RECORDED).exists()
    assert consent.history.first().history_user == coordinator


def test_a_consent_without_the_sharing_purpose_opens_nothing(
    case, coordinator, other_agency, staff_unassigned
):
    record(coordinator, case.subjects.get(), [other_agency], purpose_sharing=False)
    assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_withdrawal_revokes_access_resting_only_on_that_consent(
    login, case, coordinator, other_agency, staff_unassigned, staff_assigned, assigned_agency
):
    person = case.subjects.get()
    consent = record(coordinator, person, [other_agency, assigned_agency])
    url = reverse("cases:case_detail", args=[case.pk])
    assert login(staff_unassigned).get(url).status_code == 200
    revoked = services.consent_withdraw(
        actor=coordinator, consent=consent, withdrawn_on=TODAY, reason="本人の申し出"
    )
    assert len(revoked) == 2
    # The next request of the agency that saw it only through the consent answers 404…
    assert login(staff_unassigned).get(url).status_code == 404
    # …while the receiving agency keeps its own basis.
    assert login(staff_assigned).get(url).status_code == 200
    # What was shared, when and with whom, stays on record.
    access = case.accesses.get(basis=CaseAccess.Basis.CONSENT, agency=other_agency)
    assert access.revoked_at is not None and "撤回" in access.revoke_reason
    assert case.events.filter(kind=CaseEvent.Kind.CONSENT_WITHDRAWN).exists()
    assert access.history.filter(history_type="+").exists()


def test_a_case_opened_later_picks_up_an_earlier_consent(
    consultation, coordinator, other_agency, staff_unassigned, assigned_agency
):
    from cases.services import case_open

    record(coordinator, consultation.person, [other_agency])
    case = case_open(
        actor=coordinator,
        consultation=consultation,
        subjects=[consultation.person],
        main_agency=assigned_agency,
        lead_coordinator=coordinator,
    )
    assert list(selectors.cases_visible_to(staff_unassigned)) == [case]


def test_consent_state_at_a_glance(case, coordinator, assigned_agency):
    person = case.subjects.get()
    assert set(person_consent_state(person=person).values()) == {"none"}
    record(
        coordinator,
        person,
        [assigned_agency],
        obtained_on=dt.date(2026, 1, 5),
        valid_until=dt.date(2026, 3, 31),
        purpose_meeting=False,
    )
    state = person_consent_state(person=person, on=dt.date(2026, 4, 1))
    assert state == {"sharing": "expired", "meeting": "none", "plan": "none"}


# -- gate 1's consent check -------------------------------------------------------


def _meeting_check(case, day, agencies):
    return meeting_consent_problems(case=case, meeting_date=day, attending_agencies=agencies)


def test_consent_ending_the_day_before_the_meeting_fails_on_the_day_passes(
    case, coordinator, assigned_agency
):
    record(
        coordinator,
        case.subjects.get(),
        [assigned_agency],
        obtained_on=dt.date(2026, 1, 5),
        valid_until=dt.date(2026, 6, 9),
    )
    assert _meeting_check(case, dt.date(2026, 6, 9), [assigned_agency]) == []
    problems = _meeting_check(case, dt.date(2026, 6, 10), [assigned_agency])
    assert "有効期限が切れています" in problems[0]
    assert "山田 太郎さん" in problems[0] and "令和8年6月10日" in problems[0]


def test_every_subject_person_must_have_consented(case, coordinator, assigned_agency):
    from cases.services import case_update  # noqa: F401  (subjects are set at opening)

    second = case.household.members.create(
        **member_data(given_name="花子", given_name_kana="はなこ", relation="spouse")
    )
    case.subjects.add(second)
    record(coordinator, case.subjects.order_by("created_at").first(), [assigned_agency])
    problems = _meeting_check(case, TODAY, [assigned_agency])
    assert len(problems) == 1 and "花子" in problems[0]


def test_the_scope_must_cover_every_attending_agency(
    case, coordinator, assigned_agency, other_agency
):
    record(coordinator, case.subjects.get(), [assigned_agency])
    problems = _meeting_check(case, TODAY, [assigned_agency, other_agency])
    assert other_agency.name in problems[0]
    assert _meeting_check(case, TODAY, [assigned_agency]) == []


def test_withdrawal_stops_future_meeting_use(case, coordinator, assigned_agency):
    consent = record(coordinator, case.subjects.get(), [assigned_agency])
    services.consent_withdraw(
        actor=coordinator, consent=consent, withdrawn_on=dt.date(2026, 6, 20), reason="撤回"
    )
    assert _meeting_check(case, dt.date(2026, 6, 19), [assigned_agency]) == []
    assert "撤回" in _meeting_check(case, dt.date(2026, 6, 20), [assigned_agency])[0]


def test_a_proxys_consent_counts_for_the_meeting(case, coordinator, assigned_agency):
    person = case.subjects.get()
    record(
        coordinator,
        person,
        [assigned_agency],
        given_by=Consent.GivenBy.ADULT_GUARDIAN,
        proxy_name="成年後見人 架空",
    )
    assert _meeting_check(case, TODAY, [assigned_agency]) == []


# -- pages -----------------------------------------------------------------------


def test_recording_and_withdrawing_in_the_browser_forms(login, case, coordinator, assigned_agency):
    person = case.subjects.get()
    client = login(coordinator)
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    response = client.post(
        url,
        {
            "given_by": "self",
            **once(),
            "purposes": ["sharing", "meeting"],
            "agencies": [assigned_agency.pk],
            "method": "written",
            **date_post("obtained_on", dt.date(2026, 6, 1)),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consent = person.consents.get()
    page = client.get(reverse("consent:person_consents", args=[case.household_id, person.pk]))
    assert "重層的支援会議：有効" in page.content.decode()
    withdraw = reverse("consent:consent_withdraw", args=[case.household_id, person.pk, consent.pk])
    response = client.post(
        withdraw,
        {
            **date_post("withdrawn_on", dt.date(2026, 6, 2)),
            "reason": "本人の申し出",
        },
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2026, 6, 2)


def test_the_family_proxy_is_refused_at_the_field(login, case, coordinator, assigned_agency):
    person = case.subjects.get()
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    response = login(coordinator).post(
        url,
        {
            "given_by": "family",
            "proxy_name": "山田花子",
            "purposes": ["sharing"],
            "agencies": [assigned_agency.pk],
            "method": "written",
            **date_post("obtained_on", dt.date(2026, 6, 1)),
        },
    )
    assert response.status_code == 200
    assert not person.consents.exists()


def test_the_expiring_list_is_for_coordinators(login, case, coordinator, staff_assigned):
    import django.utils.timezone as tz

    person = case.subjects.get()
    today = tz.localdate()
    record(
        coordinator,
        person,
        [staff_assigned.agency],
        obtained_on=today,
        valid_until=today + dt.timedelta(days=10),
    )
    page = login(coordinator).get(reverse("consent:consents_expiring")).content.decode()
    assert person.full_name in page
    assert login(staff_assigned).get(reverse("consent:consents_expiring")).status_code == 403


def test_the_intakes_consent_reaches_the_consent_form_prefilled_and_returns_to_the_case(
    login, staff_assigned, coordinator
):
    """同意あり at the intake becomes a consent to confirm (never a grant by itself); the
    case page has a 「同意を記録」 button per 対象者 and the user comes back to it."""
    from django.urls import reverse

    from tests.factories import make_consultation, open_case

    consultation = make_consultation(
        actor=staff_assigned,
        consent_state="given",
        consent_explained_on=TODAY - dt.timedelta(days=2),
        consent_explained_by="窓口 花子",
    )
    person = consultation.person
    assert not person.consents.exists()
    window = login(staff_assigned)
    detail = window.get(reverse("cases:consultation_detail", args=[consultation.pk]))
    assert "この同意を記録する" in detail.content.decode()
    case = open_case(consultation, actor=coordinator)
    case_url = reverse("cases:case_detail", args=[case.pk])
    page = login(coordinator).get(case_url).content.decode()
    form_url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    assert f"{form_url}?next={case_url}" in page.replace("%2F", "/")
    prefilled = login(coordinator).get(f"{form_url}?consultation={consultation.pk}")
    content = prefilled.content.decode()
    assert "本人同意ありとして受け付けた日付" in content
    assert f'value="{(TODAY - dt.timedelta(days=2)).day}"' in content
    response = login(coordinator).post(
        f"{form_url}?consultation={consultation.pk}&next={case_url}",
        {
            "given_by": "self",
            **once(),
            "agencies": [coordinator.agency_id],
            "purposes": ["sharing"],
            "method": "written",
            **date_post("obtained_on", TODAY),
        },
    )
    assert response.status_code == 302 and response["Location"] == case_url
    from consent.templatetags.consent_tags import consent_giver

    assert consent_giver(person) == "本人"  # what the case page's 「同意した人」 cell shows
    # An outside address is never followed.
    again = login(coordinator).post(
        f"{form_url}?next=https://example.com/",
        {
            "given_by": "self",
            **once(),
            "agencies": [coordinator.agency_id],
            "purposes": ["meeting"],
            "method": "written",
            **date_post("obtained_on", TODAY),
        },
    )
    assert again.status_code == 302 and not again["Location"].startswith("https://example.com")


def test_upload_extension_comes_from_the_detected_type_not_the_client_name(
    login, case, coordinator, assigned_agency, settings, tmp_path
):
    """「evil.html」 with a PDF header is stored and served as .pdf, never as .html."""
    settings.KASANE_PRIVATE_ROOT = tmp_path
    person = case.subjects.get()
    consent = services.consent_record(
        actor=coordinator,
        person=person,
        data=consent_data(obtained_on=TODAY),
        agencies=[assigned_agency],
        document=SimpleUploadedFile("evil.html", b"%PDF-1.7\n<script>alert(1)</script>"),
    )
    assert consent.document.name.endswith(".pdf")
    assert not any(path.suffix == ".html" for path in tmp_path.rglob("*"))
    url = reverse("consent:consent_document", args=[case.household_id, person.pk, consent.pk])
    response = login(coordinator).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert ".pdf" in response["Content-Disposition"]
    assert ".html" not in response["Content-Disposition"]


def test_submitting_a_consent_twice_makes_one_consent(login, case, coordinator, assigned_agency):
    person = case.subjects.get()
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    client = login(coordinator)
    form = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f-]{36})"', form).group(1)
    post = {
        "given_by": "self",
        "form_token": token,
        "agencies": [assigned_agency.pk],
        "purposes": ["sharing"],
        "method": "written",
        **date_post("obtained_on", TODAY),
    }
    # A first try the service refuses (oral without a witness) leaves the token unused.
    refused = client.post(url, {**post, "method": "oral"})
    assert refused.status_code == 200
    first = client.post(url, post)
    second = client.post(url, post)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert person.consents.count() == 1
    followed = client.get(second["Location"]).content.decode()
    assert "この内容はすでに登録されています" in followed


def test_a_consent_post_without_its_token_asks_to_reopen_the_page(
    login, case, coordinator, assigned_agency
):
    person = case.subjects.get()
    url = reverse("consent:consent_new", args=[case.household_id, person.pk])
    response = login(coordinator).post(
        url,
        {
            "given_by": "self",
            "agencies": [assigned_agency.pk],
            "purposes": ["sharing"],
            "method": "written",
            **date_post("obtained_on", TODAY),
        },
    )
    assert "画面が古くなっています" in response.content.decode()
    assert not person.consents.exists()
