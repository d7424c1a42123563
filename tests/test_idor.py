"""IDOR: ids of another agency's case, and nested ids of another case, answer 404 —
the same as ids that do not exist — and each refusal is in the access log."""

import datetime as dt

import pytest
from django.urls import URLPattern, get_resolver, reverse

from agencies.models import AccessEvent, CommunityResource
from agencies.services import resource_save
from cases import services
from cases.services import outreach, participation, plans, support
from tests.factories import AgencyFactory, make_consent, make_consultation, open_case
from tests.referrals.helpers import send as send_sheet

pytestmark = pytest.mark.django_db


def case_scoped_url_names() -> set[str]:
    """Every URL of the case-data apps that takes an id (from the resolver, not by hand)."""
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace not in {"cases", "consent", "referrals"}:
            continue
        for inner in pattern.url_patterns:
            if isinstance(inner, URLPattern) and inner.pattern.converters:
                names.add(f"{namespace}:{inner.name}")
    return names


@pytest.fixture
def own_case(staff_unassigned, coordinator):
    """A case the unassigned agency does hold (so it is a real user of the system)."""
    return open_case(make_consultation(actor=staff_unassigned), actor=coordinator)


def _consent(case, actor):
    return make_consent(
        actor=actor, person=case.subjects.get(), agencies=[actor.agency], purpose_sharing=False
    )


def foreign_kwargs(case, uncased) -> dict[str, dict]:
    household = case.household
    person = case.subjects.get()
    consent = person.consents.first() or _consent(case, case.lead_coordinator)
    emergency = case.emergency_requests.first() or services.emergency_access_request(
        actor=case.lead_coordinator,
        case=case,
        agency=case.main_agency,
        legal_basis="27_1_1",
        reason="照会",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    measure = person.dv_measures.first() or services.dv_measure_set(
        actor=case.lead_coordinator, person=person, valid_from=dt.date(2026, 4, 1)
    )
    record = case.records.first() or support.support_record_add(
        actor=case.lead_coordinator,
        case=case,
        occurred_on=dt.date(2026, 4, 1),
        kind="visit",
        content="訪問した。",
    )
    plan = case.plans.first() or plans.plan_create(
        actor=case.lead_coordinator,
        case=case,
        data={
            "long_term_goal": "安心",
            "short_term_goal": "通院",
            "urgent": True,
            "monitoring_on": dt.date(2026, 12, 1),
        },
    )
    task = plan.tasks.first() or plans.plan_task_add(
        actor=case.lead_coordinator, plan=plan, stakeholder_name="家族", content="見守り"
    )
    stakeholder = plan.stakeholders.first() or plans.plan_stakeholder_add(
        actor=case.lead_coordinator, plan=plan, kind="resident", agency=None, name="民生委員"
    )
    matched = case.participations.first() or participation.participation_add(
        actor=case.lead_coordinator,
        case=case,
        person=person,
        resource=CommunityResource.objects.filter(is_active=True).first()
        or resource_save(
            actor=case.lead_coordinator, data={"name": "丸山商店", "kind": "business"}
        ),
        started_on=dt.date(2026, 4, 1),
    )
    member = {"household_pk": household.pk, "person_pk": person.pk}
    sheet = case.referrals.first() or send_sheet(
        actor=case.lead_coordinator,
        to=AgencyFactory(name="北部多機関協働", is_collaboration_hub=True),
        case=case,
    )
    engagement = household.outreach_engagements.first() or outreach.outreach_start(
        actor=case.lead_coordinator,
        household=household,
        started_on=dt.date(2026, 4, 1),
        concern="訪問しても会えない",
    )
    on_case = {"pk": case.pk}
    on_plan = {"pk": case.pk, "plan_pk": plan.pk}
    on_record = {"pk": case.pk, "record_pk": record.pk}
    return {
        "cases:assessment_detail": on_case,
        "cases:assessment_edit": on_case,
        "cases:plan_new": on_case,
        "cases:plan_detail": on_plan,
        "cases:plan_print": on_plan,
        "cases:plan_edit": on_plan,
        "cases:plan_approve": on_plan,
        "cases:plan_revise": on_plan,
        "cases:plan_task_new": on_plan,
        "cases:plan_stakeholder_new": on_plan,
        "cases:plan_task_remove": {**on_plan, "task_pk": task.pk},
        "cases:plan_task_report": {**on_plan, "task_pk": task.pk},
        "cases:plan_stakeholder_remove": {**on_plan, "stakeholder_pk": stakeholder.pk},
        "cases:participation_new": on_case,
        "cases:participation_edit": {"pk": case.pk, "participation_pk": matched.pk},
        "cases:record_list": on_case,
        "cases:record_print": on_case,
        "cases:record_new": on_case,
        "cases:record_detail": on_record,
        "cases:record_correct": on_record,
        "cases:record_cancel": on_record,
        "cases:case_suspend": on_case,
        "cases:case_resume": on_case,
        "cases:case_close": on_case,
        "cases:case_reopen": on_case,
        "referrals:referral_new_from_consultation": {"consultation_pk": uncased.pk},
        "referrals:referral_new_from_case": {"case_pk": case.pk},
        "referrals:referral_detail": {"pk": sheet.pk},
        "referrals:referral_accept": {"pk": sheet.pk},
        "referrals:referral_decline": {"pk": sheet.pk},
        "referrals:referral_complete": {"pk": sheet.pk},
        "referrals:referral_withdraw": {"pk": sheet.pk},
        "consent:person_consents": member,
        "consent:consent_new": member,
        "consent:consent_withdraw": {**member, "pk": consent.pk},
        "consent:consent_document": {**member, "pk": consent.pk},
        "cases:case_detail": {"pk": case.pk},
        "cases:case_edit": {"pk": case.pk},
        "cases:case_access": {"pk": case.pk},
        "cases:case_access_revoke": {"pk": case.pk, "access_pk": case.accesses.first().pk},
        "cases:case_history": {"pk": case.pk},
        "cases:case_timeline": {"pk": case.pk},
        "cases:emergency_new": {"pk": household.pk},
        "cases:emergency_approve": {"pk": emergency.pk},
        "cases:emergency_end": {"pk": emergency.pk},
        "cases:dv_measure_new": {"pk": household.pk},
        "cases:dv_measure_end": {"pk": household.pk, "measure_pk": measure.pk},
        "cases:consultation_detail": {"pk": case.consultations.first().pk},
        "cases:case_open": {"consultation_pk": uncased.pk},
        "cases:household_detail": {"pk": household.pk},
        "cases:household_edit": {"pk": household.pk},
        "cases:household_merge": {"pk": household.pk},
        "cases:household_split": {"pk": household.pk},
        "cases:person_merge": {"pk": household.pk},
        "cases:person_add": {"household_pk": household.pk},
        "cases:person_edit": {"household_pk": household.pk, "pk": household.members.first().pk},
        "cases:outreach_detail": {"pk": engagement.pk},
        "cases:outreach_contact_new": {"pk": engagement.pk},
        "cases:outreach_end": {"pk": engagement.pk},
    }


POST_ONLY = {
    "cases:case_access_revoke",
    "cases:emergency_approve",
    "cases:emergency_end",
    "cases:dv_measure_end",
    "cases:record_cancel",
    "cases:plan_approve",
    "cases:plan_revise",
    "cases:plan_task_remove",
    "cases:plan_task_report",
    "cases:plan_stakeholder_remove",
    "referrals:referral_accept",
    "referrals:referral_decline",
    "referrals:referral_complete",
    "referrals:referral_withdraw",
}


def test_every_case_scoped_url_is_covered(case, staff_assigned):
    uncased = make_consultation(actor=staff_assigned)
    assert set(foreign_kwargs(case, uncased)) == case_scoped_url_names()


def test_another_agencys_ids_answer_404_and_are_logged(
    login, case, own_case, staff_assigned, staff_unassigned
):
    uncased = make_consultation(actor=staff_assigned)
    client = login(staff_unassigned)
    for name, kwargs in foreign_kwargs(case, uncased).items():
        url = reverse(name, kwargs=kwargs)
        response = client.post(url, {"reason": "x"}) if name in POST_ONLY else client.get(url)
        assert response.status_code == 404, url
        assert AccessEvent.objects.filter(
            action=AccessEvent.Action.DENIED, user=staff_unassigned, path=url, status_code=404
        ).exists(), url


def test_nested_ids_of_another_case_answer_404_and_are_logged(
    login, case, own_case, coordinator, staff_unassigned
):
    # The unassigned agency's own case, with ids of objects that belong to the other case.
    client = login(staff_unassigned)
    foreign_consent = _consent(case, coordinator)
    own_person = own_case.subjects.get()
    mixed = {
        "cases:person_edit": {
            "household_pk": own_case.household_id,
            "pk": case.household.members.first().pk,
        },
        "consent:consent_withdraw": {
            "household_pk": own_case.household_id,
            "person_pk": own_person.pk,
            "pk": foreign_consent.pk,
        },
        "consent:person_consents": {
            "household_pk": own_case.household_id,
            "person_pk": case.subjects.get().pk,
        },
    }
    for name, kwargs in mixed.items():
        url = reverse(name, kwargs=kwargs)
        assert client.get(url).status_code == 404, url
        assert AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, path=url).exists()
    # A record of the other case under the own case's URL.
    foreign_record = support.support_record_add(
        actor=coordinator, case=case, occurred_on=dt.date(2026, 4, 1), kind="phone", content="x"
    )
    for name in ("cases:record_detail", "cases:record_correct"):
        url = reverse(name, kwargs={"pk": own_case.pk, "record_pk": foreign_record.pk})
        assert client.get(url).status_code == 404, url
        assert AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, path=url).exists()
    # A coordinator who may change both cases still cannot revoke one case's grant
    # through the other case's URL.
    url = reverse(
        "cases:case_access_revoke",
        kwargs={"pk": own_case.pk, "access_pk": case.accesses.first().pk},
    )
    assert login(coordinator).post(url, {"reason": "x"}).status_code == 404
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, path=url).exists()


def test_intake_for_another_agencys_household_is_404_and_logged(login, case, staff_unassigned):
    url = reverse("cases:intake_form") + f"?household={case.household_id}"
    assert login(staff_unassigned).get(url).status_code == 404
    assert AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, path=url).exists()


def test_the_owner_side_still_works(login, case, own_case, staff_unassigned):
    url = reverse("cases:case_detail", args=[own_case.pk])
    assert login(staff_unassigned).get(url).status_code == 200
