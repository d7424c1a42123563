"""Cases, consultations and アウトリーチ of past 年度 for the retention tests, made through the
services (so that history rows and timeline events exist), then moved back in time."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.services import resource_save
from cases import services
from cases.models import Case, CaseClosure, Consultation, OutreachEngagement
from cases.services import outreach, participation, plans, support
from core.japanese import TOKYO, fiscal_year
from referrals import services as referral_services
from tests.factories import close_case, make_consent, make_consultation, member_data, open_case
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge
from tests.referrals.helpers import send


def tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def close(case: Case, *, actor, at: dt.datetime) -> CaseClosure:
    """終結 through the service, then dated ``at`` (a closure of years ago)."""
    closure, _ = close_case(case, actor=actor, evaluation="解決した")
    CaseClosure.objects.filter(pk=closure.pk).update(closed_at=at)
    closure.refresh_from_db()
    return closure


def closed_case(*, window, coordinator, at: dt.datetime, family_name: str = "山田") -> Case:
    consultation = make_consultation(actor=window, members=[member_data(family_name=family_name)])
    case = open_case(consultation, actor=coordinator)
    close(case, actor=coordinator, at=at)
    case.refresh_from_db()
    return case


def received_in(consultation: Consultation, at: dt.datetime) -> Consultation:
    Consultation.objects.filter(pk=consultation.pk).update(
        received_at=at, fiscal_year=fiscal_year(at)
    )
    consultation.refresh_from_db()
    return consultation


def full_case(*, window, coordinator, secretariat, at: dt.datetime) -> Case:
    """A case with a row of every kind of its content, closed at ``at``."""
    consultation = make_consultation(actor=window, members=[member_data(family_name="佐々木")])
    case = open_case(consultation, actor=coordinator)
    person = case.subjects.get()
    sibling = services.person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name="花子", given_name_kana="はなこ"), "relation": "sibling"},
    )
    make_consent(
        actor=coordinator,
        person=person,
        agencies=[window.agency, coordinator.agency],
        document=SimpleUploadedFile("scan.pdf", b"%PDF-1.7 test"),
    )
    services.dv_measure_set(actor=coordinator, person=sibling, valid_from=timezone.localdate())
    support.support_record_add(
        actor=window,
        case=case,
        occurred_on=timezone.localdate(),
        kind="visit",
        content="訪問して本人と面談した。",
    )
    plan = plans.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "安心して暮らす",
            "short_term_goal": "通院の再開",
            "urgent": True,
            "monitoring_on": timezone.localdate() + dt.timedelta(days=60),
        },
    )
    plans.plan_task_add(actor=coordinator, plan=plan, agency=window.agency, content="見守り")
    plans.plan_stakeholder_add(
        actor=coordinator, plan=plan, kind="resident", agency=None, name="民生委員 甲"
    )
    plans.plan_approve(actor=coordinator, plan=plan)
    plans.assessment_save(
        actor=coordinator,
        case=case,
        data={"assessed_on": timezone.localdate(), "household_situation": "二人世帯。"},
        members={
            person: {
                "work": "unknown",
                "housing": "owned",
                "insurance": "unknown",
                "pension": "unknown",
            }
        },
        expected_version=None,
    )
    resource = resource_save(actor=coordinator, data={"name": "居場所カフェ", "kind": "ibasho"})
    participation.participation_add(
        actor=window, case=case, person=person, resource=resource, started_on=timezone.localdate()
    )
    sheet = send(actor=window, to=coordinator.agency, case=case)
    referral_services.referral_withdraw(actor=window, referral=sheet, reason="不要になった")
    emergency = services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=window.agency,
        legal_basis="27_1_2",
        reason="安否確認",
        consent_obstacle="連絡が取れない",
        days=3,
    )
    services.emergency_access_end(actor=coordinator, request=emergency, reason="確認できた")
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, secretariat)
    item = add_item(secretariat, meeting, body, case=case)
    from meetings import services as meeting_services

    meeting_services.decision_add(
        actor=secretariat, item=item, content="訪問する", assignee_name="担当者"
    )
    meeting_services.meeting_close(actor=secretariat, meeting=meeting)
    close(case, actor=coordinator, at=at)
    case.refresh_from_db()
    return case


def history_rows() -> int:
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical") and model._meta.app_label != "retention"
    )


def ended_outreach(
    *,
    actor,
    ended_on: dt.date,
    household=None,
    family_name: str = "小林",
    family_name_kana: str = "こばやし",
    contacts: int = 1,
) -> OutreachEngagement:
    """An アウトリーチ that ended (終了) on ``ended_on`` without becoming a consultation,
    through the services: a new household with its 本人 by default, and a contacts log."""
    started_on = ended_on - dt.timedelta(days=60)
    engagement = outreach.outreach_start(
        actor=actor,
        household=household,
        household_data=None if household else {"address": "架空市若葉町2-3-4"},
        person_data=None
        if household
        else member_data(family_name=family_name, family_name_kana=family_name_kana),
        started_on=started_on,
        concern="ごみが積まれて本人と会えない",
    )
    for day in range(contacts):
        outreach.outreach_contact_add(
            actor=actor,
            engagement=engagement,
            contacted_on=started_on + dt.timedelta(days=day + 1),
            method="visit",
            with_whom="本人の姉",
            what_happened="不在。姉と話し手紙を置いた。",
        )
    return outreach.outreach_end(
        actor=actor, engagement=engagement, ended_on=ended_on, end_reason="転居した"
    )
