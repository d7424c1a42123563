"""アウトリーチ等を通じた継続的支援: services both sides, the policy before and after a
case, the list's exact rows per persona, the intake prefill and link, the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Area
from agencies.roles import Role
from cases import selectors, services
from cases.models import CaseEvent, Consultation, OutreachContact, OutreachEngagement
from cases.permissions import VIEW_WORK, Need, household_needs, outreach_needs
from cases.services import outreach
from core.japanese import fiscal_year
from tests.factories import (
    AgencyFactory,
    date_post,
    issue,
    make_consultation,
    member_data,
    once,
    open_case,
    user_with_role,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


def start(
    actor, *, household=None, family_name="鈴木", kana="すずき", concern="ゴミが溜まっている"
):
    return outreach.outreach_start(
        actor=actor,
        household=household,
        household_data=None if household else {"address": "架空市緑町1-1", "phone": ""},
        person_data=None
        if household
        else member_data(family_name=family_name, family_name_kana=kana, given_name="一郎"),
        started_on=timezone.localdate() - dt.timedelta(days=10),
        concern=concern,
    )


def contact(actor, engagement, **overrides):
    data = {
        "contacted_on": timezone.localdate(),
        "method": OutreachContact.Method.VISIT,
        "with_whom": "本人（玄関先で）",
        "what_happened": "玄関先で少し話せた。",
        **overrides,
    }
    return outreach.outreach_contact_add(actor=actor, engagement=engagement, **data)


def visible(user) -> set:
    return set(selectors.outreach_visible_to(user).values_list("pk", flat=True))


def assert_policy_agrees(engagement, *users):
    """The queryset form and the object form of the policy answer the same."""
    for user in users:
        seen = engagement.pk in visible(user)
        assert seen == (Need.VIEW in outreach_needs(user, engagement)), user.username


# -- services -----------------------------------------------------------------


def test_it_starts_an_outreach_for_a_new_household_of_concern(staff_assigned):
    engagement = start(staff_assigned)
    assert engagement.agency == staff_assigned.agency
    assert engagement.status == OutreachEngagement.Status.ACTIVE
    household = engagement.household
    assert household.display_name == "鈴木 一郎"
    assert household.history.last().history_change_reason == "アウトリーチで新規登録"
    assert household.members.get().relation == "self"
    row = engagement.history.get()
    assert row.history_user == staff_assigned and row.history_change_reason == "アウトリーチの開始"
    # Its agency holds the household as a window that took a consultation does.
    assert household_needs(staff_assigned, household) == frozenset(Need)
    assert household in selectors.households_visible_to(staff_assigned)


def test_others_neither_see_the_household_of_concern_nor_start_on_it(
    staff_assigned, staff_unassigned, coordinator
):
    engagement = start(staff_assigned)
    household = engagement.household
    for user in (staff_unassigned, coordinator):
        assert household_needs(user, household) == frozenset()
        assert household not in selectors.households_visible_to(user)
        with pytest.raises(PermissionDenied):
            start(user, household=household)
    assert OutreachEngagement.objects.count() == 1


def test_a_window_starts_an_outreach_on_a_household_it_holds(staff_assigned):
    household = make_consultation(actor=staff_assigned).household
    engagement = start(staff_assigned, household=household)
    assert engagement.household == household


def test_only_case_roles_start_an_outreach(secretariat, manager):
    for user in (secretariat, manager):
        with pytest.raises(PermissionDenied):
            start(user)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"started_on": None}, "started_on"),
        ({"started_on": "future"}, "started_on"),
        ({"concern": "   "}, "concern"),
    ],
)
def test_start_refuses_bad_input_in_japanese(staff_assigned, overrides, field):
    if overrides.get("started_on") == "future":
        overrides = {"started_on": timezone.localdate() + dt.timedelta(days=1)}
    kwargs = {
        "actor": staff_assigned,
        "household": None,
        "person_data": member_data(),
        "started_on": timezone.localdate(),
        "concern": "気になる",
        **overrides,
    }
    with pytest.raises(ValidationError) as exc:
        outreach.outreach_start(**kwargs)
    assert field in exc.value.error_dict
    assert OutreachEngagement.objects.count() == 0


def test_a_contact_is_written_by_the_agency_with_its_history(staff_assigned, staff_unassigned):
    engagement = start(staff_assigned)
    written = contact(staff_assigned, engagement)
    assert written.agency == staff_assigned.agency and written.recorded_by == staff_assigned
    assert written.history.get().history_user == staff_assigned
    with pytest.raises(PermissionDenied):
        contact(staff_unassigned, engagement)
    assert engagement.contacts.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacted_on": timezone.localdate() + dt.timedelta(days=1)}, "contacted_on"),
        ({"contacted_on": timezone.localdate() - dt.timedelta(days=400)}, "contacted_on"),
        ({"what_happened": " "}, "what_happened"),
    ],
)
def test_a_contact_refuses_bad_dates_and_empty_text(staff_assigned, overrides, field):
    engagement = start(staff_assigned)
    with pytest.raises(ValidationError) as exc:
        contact(staff_assigned, engagement, **overrides)
    assert field in exc.value.error_dict
    assert not engagement.contacts.exists()


def test_an_ended_outreach_keeps_its_log_and_takes_no_more(staff_assigned, staff_unassigned):
    engagement = start(staff_assigned)
    contact(staff_assigned, engagement)
    with pytest.raises(PermissionDenied):
        outreach.outreach_end(
            actor=staff_unassigned,
            engagement=engagement,
            ended_on=timezone.localdate(),
            end_reason="転居",
        )
    with pytest.raises(ValidationError):
        outreach.outreach_end(
            actor=staff_assigned,
            engagement=engagement,
            ended_on=timezone.localdate(),
            end_reason="",
        )
    ended = outreach.outreach_end(
        actor=staff_assigned,
        engagement=engagement,
        ended_on=timezone.localdate(),
        end_reason="転居",
    )
    assert ended.status == OutreachEngagement.Status.ENDED and ended.version == 2
    assert ended.history.first().history_change_reason == "終了: 転居"
    with pytest.raises(ValidationError):
        contact(staff_assigned, ended)
    assert ended.contacts.count() == 1


# -- the policy before and after a case ------------------------------------------


def test_before_a_case_the_agency_works_it_and_the_hub_once_it_is_handed(
    staff_assigned, staff_unassigned, coordinator
):
    engagement = start(staff_assigned)
    assert outreach_needs(staff_assigned, engagement) == VIEW_WORK
    assert outreach_needs(coordinator, engagement) == frozenset()
    assert outreach_needs(staff_unassigned, engagement) == frozenset()
    assert_policy_agrees(engagement, staff_assigned, staff_unassigned, coordinator)
    # A consultation the window keeps does not bring the hub in …
    make_consultation(
        actor=staff_assigned,
        household=engagement.household,
        outcome=Consultation.Outcome.CONTINUING,
    )
    assert outreach_needs(coordinator, engagement) == frozenset()
    # … one handed to 多機関協働 does.
    make_consultation(actor=staff_assigned, household=engagement.household)
    assert outreach_needs(coordinator, engagement) == VIEW_WORK
    assert outreach_needs(staff_unassigned, engagement) == frozenset()
    assert_policy_agrees(engagement, staff_assigned, staff_unassigned, coordinator)


def test_a_hub_of_another_area_does_not_see_it(staff_assigned):
    north, south = Area.objects.create(name="北"), Area.objects.create(name="南")
    staff_assigned.agency.area = north
    staff_assigned.agency.save()
    south_hub = AgencyFactory(name="南の多機関協働", is_collaboration_hub=True, area=south)
    north_hub = AgencyFactory(name="北の多機関協働", is_collaboration_hub=True, area=north)
    south_coordinator = user_with_role(Role.COORDINATOR, agency=south_hub, username="south")
    north_coordinator = user_with_role(Role.COORDINATOR, agency=north_hub, username="north")
    engagement = start(staff_assigned)
    make_consultation(actor=staff_assigned, household=engagement.household)
    assert outreach_needs(north_coordinator, engagement) == VIEW_WORK
    assert outreach_needs(south_coordinator, engagement) == frozenset()
    assert_policy_agrees(engagement, north_coordinator, south_coordinator)


def test_once_a_case_exists_whoever_works_the_case_works_the_outreach(
    staff_assigned, staff_unassigned, coordinator, secretariat
):
    # The unassigned agency goes out, and takes the consultation it became.
    engagement = start(staff_unassigned)
    consultation = make_consultation(actor=staff_unassigned, household=engagement.household)
    case = open_case(consultation, actor=coordinator)
    assert outreach_needs(coordinator, engagement) == VIEW_WORK
    assert outreach_needs(staff_unassigned, engagement) == VIEW_WORK  # 受付機関
    # The case decides now: an agency not on it does not see it, one brought in does.
    assert outreach_needs(staff_assigned, engagement) == frozenset()
    assert outreach_needs(secretariat, engagement) == frozenset()
    department = AgencyFactory(name="生活福祉課", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    partner = user_with_role(Role.AGENCY_STAFF, agency=department, username="partner")
    assert outreach_needs(partner, engagement) == frozenset()
    services.case_access_grant(
        actor=coordinator, case=case, agency=department, reason="生活保護の相談"
    )
    assert outreach_needs(partner, engagement) == VIEW_WORK
    assert_policy_agrees(
        engagement, staff_assigned, staff_unassigned, coordinator, secretariat, partner
    )
    with pytest.raises(PermissionDenied):
        contact(staff_assigned, engagement)
    # Going out gave the agency nothing of its own on the case: without its basis on
    # the case it no longer sees the engagement.
    services.case_access_revoke(
        actor=coordinator,
        access=case.accesses.get(agency=staff_unassigned.agency),
        reason="担当の変更",
    )
    assert outreach_needs(staff_unassigned, engagement) == frozenset()
    assert_policy_agrees(engagement, staff_unassigned)
    with pytest.raises(PermissionDenied):
        contact(staff_unassigned, engagement)
    contact(coordinator, engagement)
    event = case.events.get(kind=CaseEvent.Kind.OUTREACH_CONTACT)
    assert event.actor == coordinator and event.parameters["engagement_id"] == str(engagement.pk)
    assert "玄関先" not in event.message  # the timeline names no content
    outreach.outreach_end(
        actor=partner, engagement=engagement, ended_on=timezone.localdate(), end_reason="済"
    )
    assert case.events.filter(kind=CaseEvent.Kind.OUTREACH_ENDED).count() == 1


def test_starting_on_a_household_with_a_case_writes_on_its_timeline(
    staff_assigned, coordinator, case
):
    engagement = start(staff_assigned, household=case.household)
    assert case.events.filter(kind=CaseEvent.Kind.OUTREACH_STARTED).count() == 1
    assert outreach_needs(staff_assigned, engagement) == VIEW_WORK


def test_the_receiving_window_only_views_a_case_household_it_does_not_work(
    staff_unassigned, coordinator, case
):
    with pytest.raises(PermissionDenied):
        start(staff_unassigned, household=case.household)


# -- becomes a consultation without retyping ----------------------------------------


def test_link_consultation_both_sides(staff_assigned, staff_unassigned):
    engagement = start(staff_assigned)
    other = make_consultation(actor=staff_assigned)
    own = make_consultation(actor=staff_assigned, household=engagement.household)
    with pytest.raises(PermissionDenied):
        outreach.outreach_link_consultation(
            actor=staff_unassigned, engagement=engagement, consultation=own
        )
    with pytest.raises(ValidationError):
        outreach.outreach_link_consultation(
            actor=staff_assigned, engagement=engagement, consultation=other
        )
    linked = outreach.outreach_link_consultation(
        actor=staff_assigned, engagement=engagement, consultation=own
    )
    assert linked.consultation == own
    assert linked.history.first().history_change_reason == "相談受付につながった"
    with pytest.raises(ValidationError):
        outreach.outreach_link_consultation(
            actor=staff_assigned, engagement=linked, consultation=own
        )


def intake_post(person, *, summary):
    return {
        **{f"c-{k}": v for k, v in once().items()},
        "c-consent_state": "refused",
        **date_post("c-received_date", timezone.localdate()),
        "c-received_time": "00:01",
        "c-channel": "visit",
        "c-consulter": "self",
        "c-issues": [issue().pk],
        "c-main_issue": issue().pk,
        "c-summary": summary,
        "c-outcome": Consultation.Outcome.COLLABORATION,
        "s-subject": str(person.pk),
        "m-TOTAL_FORMS": "0",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "20",
        "save": "1",
    }


def test_the_intake_is_prefilled_from_the_outreach_and_links_it(login, staff_assigned, coordinator):
    engagement = start(staff_assigned, concern="新聞が溜まり、夜も電気がつかない。")
    client = login(staff_assigned)
    url = reverse("cases:intake_form") + f"?outreach={engagement.pk}"
    page = client.get(url).content.decode()
    assert "新聞が溜まり、夜も電気がつかない。</textarea>" in page
    assert 'name="c-channel" value="visit" required id="id_c-channel_2" checked' in page
    assert "のアウトリーチ（" in page
    person = engagement.household.members.get()
    response = client.post(url, intake_post(person, summary=engagement.concern))
    consultation = Consultation.objects.get(household=engagement.household)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:consultation_detail", args=[consultation.pk])
    engagement.refresh_from_db()
    assert engagement.consultation == consultation
    # From there the existing flow opens a case, and the outreach page shows it.
    case = open_case(consultation, actor=coordinator)
    page = login(coordinator).get(reverse("cases:outreach_detail", args=[engagement.pk]))
    assert case.number in page.content.decode()


def test_the_intake_refuses_someone_elses_outreach(login, staff_assigned, staff_unassigned):
    engagement = start(staff_assigned)
    url = reverse("cases:intake_form") + f"?outreach={engagement.pk}"
    assert login(staff_unassigned).get(url).status_code == 404
    assert (
        login(staff_assigned).get(reverse("cases:intake_form") + "?outreach=x").status_code == 404
    )


# -- pages --------------------------------------------------------------------------


def test_the_list_shows_exactly_the_rows_of_each_persona(
    login, staff_assigned, staff_unassigned, coordinator
):
    mine = start(staff_assigned, family_name="鈴木", kana="すずき")
    theirs = start(staff_unassigned, family_name="田中", kana="たなか")
    handed = start(staff_unassigned, family_name="伊藤", kana="いとう")
    make_consultation(actor=staff_unassigned, household=handed.household)
    ended = start(staff_assigned, family_name="加藤", kana="かとう")
    outreach.outreach_end(
        actor=staff_assigned, engagement=ended, ended_on=timezone.localdate(), end_reason="転居"
    )
    expected = {
        staff_assigned: [mine],
        staff_unassigned: [handed, theirs],
        coordinator: [handed],
    }
    for user, rows in expected.items():
        page = login(user).get(reverse("cases:outreach_list"))
        assert list(page.context["page"].object_list) == rows, user.username
    everything = login(staff_assigned).get(reverse("cases:outreach_list") + "?status=all")
    assert list(everything.context["page"].object_list) == [ended, mine]


def test_the_list_searches_names_ignoring_kana_and_width(login, staff_assigned):
    suzuki = start(staff_assigned, family_name="鈴木", kana="すずき")
    start(staff_assigned, family_name="田中", kana="たなか")
    client = login(staff_assigned)
    for query in ("スズキ", "ｽｽﾞｷ", "鈴木"):
        page = client.get(reverse("cases:outreach_list"), {"q": query})
        assert list(page.context["page"].object_list) == [suzuki], query
    page = client.get(reverse("cases:outreach_list"), {"q": "x" * 51, "status": "bogus"})
    assert page.status_code == 200
    assert "50文字以内" in page.content.decode()


def test_the_pages_answer_for_the_agency_and_refuse_others(
    login, staff_assigned, staff_unassigned, manager
):
    engagement = start(staff_assigned)
    urls = [
        reverse("cases:outreach_detail", args=[engagement.pk]),
        reverse("cases:outreach_contact_new", args=[engagement.pk]),
        reverse("cases:outreach_end", args=[engagement.pk]),
    ]
    for url in urls:
        assert login(staff_assigned).get(url).status_code == 200
        assert login(staff_unassigned).get(url).status_code == 404
    assert login(manager).get(reverse("cases:outreach_list")).status_code == 403
    assert login(manager).get(reverse("cases:outreach_new")).status_code == 403


def test_the_new_page_registers_a_household_of_concern(login, staff_assigned):
    client = login(staff_assigned)
    data = {
        **once(),
        **date_post("started_on", timezone.localdate()),
        "concern": "近所の方から、高齢の男性が一人で困っている様子と連絡があった。",
        "p-family_name": "佐々木",
        "p-given_name": "",
        "p-family_name_kana": "ささき",
        "p-given_name_kana": "",
        "p-birth_date_0": "",
        "p-estimated_age": "80",
        "p-sex": "male",
        "p-phone": "",
        "p-email": "",
        "p-address": "",
        "p-notes": "",
        "h-postal_code": "",
        "h-address": "架空市若葉町2-3",
        "h-phone": "",
        "h-notes": "",
    }
    response = client.post(reverse("cases:outreach_new"), data)
    engagement = OutreachEngagement.objects.get()
    assert response["Location"] == reverse("cases:outreach_detail", args=[engagement.pk])
    assert engagement.household.members.get().estimated_age == 80
    again = client.post(reverse("cases:outreach_new"), data)  # the same one-time token
    assert again.status_code == 302 and OutreachEngagement.objects.count() == 1


def test_the_contact_form_refuses_a_future_date_in_japanese(login, staff_assigned):
    engagement = start(staff_assigned)
    response = login(staff_assigned).post(
        reverse("cases:outreach_contact_new", args=[engagement.pk]),
        {
            **once(),
            **date_post("contacted_on", timezone.localdate() + dt.timedelta(days=3)),
            "method": "visit",
            "with_whom": "本人",
            "what_happened": "不在",
        },
    )
    assert response.status_code == 200
    assert "未来" in response.content.decode()
    assert not engagement.contacts.exists()


def test_dv_masking_hides_the_household_contacts_on_the_outreach_page(
    login, staff_assigned, coordinator
):
    engagement = start(staff_assigned)
    make_consultation(actor=staff_assigned, household=engagement.household)
    services.dv_measure_set(
        actor=coordinator,
        person=engagement.household.members.get(),
        valid_from=timezone.localdate(),
    )
    page = login(staff_assigned).get(reverse("cases:outreach_detail", args=[engagement.pk]))
    text = page.content.decode()
    assert "架空市緑町" not in text and "非表示" in text


# -- query counts ---------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_are_constant_in_contacts_and_engagements(login, staff_assigned):
    client = login(staff_assigned)
    engagement = start(staff_assigned)
    contact(staff_assigned, engagement)
    urls = [reverse("cases:outreach_list"), reverse("cases:outreach_detail", args=[engagement.pk])]
    few = [queries(client, url) for url in urls]
    for i in range(29):
        contact(staff_assigned, engagement, what_happened=f"{i}回目")
        start(staff_assigned, family_name=f"鈴木{i}")
    many = [queries(client, url) for url in urls]
    assert few == many


# -- figures --------------------------------------------------------------------


def test_outreach_counts_counts_engagements_active_in_the_fiscal_year(staff_assigned):
    year = fiscal_year(timezone.now())
    april = dt.date(year, 4, 1)
    active = start(staff_assigned)
    contact(staff_assigned, active)
    contact(staff_assigned, active)
    old = start(staff_assigned, family_name="古川")
    OutreachEngagement.objects.filter(pk=old.pk).update(  # a row from years ago
        started_on=april - dt.timedelta(days=400), ended_on=april - dt.timedelta(days=1)
    )
    counts = selectors.outreach_counts(fiscal_year=year)
    assert (counts.engagements, counts.contacts) == (1, 2)
    previous = selectors.outreach_counts(fiscal_year=year - 1)
    assert previous.engagements == 1 and previous.contacts == 0


# -- review findings: an engagement never widens what a case's bases give ----------------


def test_an_outreach_on_a_closed_case_household_gives_no_manage(case, coordinator, staff_assigned):
    """F1: after a hand-over closure the window works the household; starting an outreach
    there must not make it the household's manager (identity, members, consents)."""
    from cases.services import support

    support.case_close(
        actor=coordinator,
        case=case,
        reason="comprehensive",
        handover_agency=staff_assigned.agency,
        improvement="improved",
        evaluation="包括的相談支援へ",
    )
    household = case.household
    before = household_needs(staff_assigned, household)
    start(staff_assigned, household=household)
    assert household_needs(staff_assigned, household) == before
    assert Need.MANAGE not in household_needs(staff_assigned, household)


def test_an_outreach_does_not_outlive_a_partner_grant(case, coordinator, staff_unassigned):
    """F1: a 参加機関 that started an outreach loses the household when closing ends
    its grant."""
    from cases.services import support

    grant = services.case_access_grant(
        actor=coordinator,
        case=case,
        agency=_department(staff_unassigned),
        reason="参加機関として",
    )
    engagement = start(staff_unassigned, household=case.household)
    support.case_close(
        actor=coordinator, case=case, reason="resolved", improvement="improved", evaluation="解決"
    )
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert household_needs(staff_unassigned, case.household) == frozenset()
    assert case.household not in selectors.households_visible_to(staff_unassigned)
    assert outreach_needs(staff_unassigned, engagement) == frozenset()
    assert_policy_agrees(engagement, staff_unassigned)


def _department(user):
    agency = user.agency
    agency.kind = Agency.Kind.MUNICIPAL_DEPARTMENT
    agency.save(update_fields=["kind"])
    return agency


def test_a_window_with_only_an_uncased_consultation_does_not_read_the_case_era_log(
    case, coordinator, staff_unassigned
):
    """F3: holding an uncased consultation of a household with an open case shows the
    household and no more — not the outreach log kept beside the case."""
    from cases.services import households

    own = make_consultation(actor=staff_unassigned, members=[member_data(family_name="別登録")])
    households.household_merge(
        actor=coordinator, source=own.household, target=case.household, reason="同一世帯"
    )
    assert case.household in selectors.households_visible_to(staff_unassigned)
    engagement = start(coordinator, household=case.household)
    contact(coordinator, engagement, what_happened="訪問記録ABC")
    assert outreach_needs(staff_unassigned, engagement) == frozenset()
    assert engagement.pk not in visible(staff_unassigned)
    assert_policy_agrees(engagement, staff_unassigned, coordinator)


def test_the_household_page_lists_exactly_the_engagements_the_user_sees(
    login, staff_assigned, staff_unassigned, coordinator
):
    engagement = start(staff_assigned)
    url = reverse("cases:household_detail", args=[engagement.household_id])
    page = login(staff_assigned).get(url).content.decode()
    assert reverse("cases:outreach_detail", args=[engagement.pk]) in page
    # A coordinator who is not handed the household does not reach the page at all.
    assert login(coordinator).get(url).status_code == 404
