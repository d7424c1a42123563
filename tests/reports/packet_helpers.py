"""Test data for the meeting papers and the PDF packet: cases with everything a paper
copy shows (members, issues, consent, plan, 支援経過), made through the services as in
production, plus the things a packet must never carry (閲覧制限 and cancelled records,
DV-masked contacts, the 通報者 of a 虐待 consultation)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from pypdf import PdfReader

from cases import services as case_services
from cases.models import Case, Consultation, IssueCategory, Person
from cases.services import plans as plan_services
from cases.services import support as support_services
from tests.factories import consultation_data, issue, member_data, open_case

TODAY = timezone.localdate()

RESTRICTED_TEXT = "閲覧制限の記録：長男の通院先と病名"
CANCELLED_TEXT = "取り消した記録：誤って別世帯の訪問を記入"
ABUSE_REPORTER = "近隣 通報子"
ABUSE_REPORTER_PHONE = "080-5555-6666"


def new_case(
    *,
    window_staff,
    coordinator,
    family_name: str = "山田",
    family_name_kana: str = "やまだ",
    address: str = "架空市若葉町1-2-3",
    phone: str = "0561-00-0001",
    summary: str = "母の介護と息子のひきこもりについて相談したい。",
    consulter: str = Consultation.Consulter.FAMILY,
    consulter_name: str = "山田 花子",
    consulter_relation: str = "長女",
    abuse: bool = False,
) -> Case:
    """A case opened by ``coordinator`` from a consultation at ``window_staff``'s window:
    本人 (born 1970) and a mother whose birth date is unknown (about 85)."""
    consultation = case_services.consultation_record(
        actor=window_staff,
        household=None,
        household_data={"address": address, "phone": phone, "postal_code": "000-0001"},
        new_members=[
            member_data(family_name=family_name, family_name_kana=family_name_kana),
            member_data(
                family_name=family_name,
                family_name_kana=family_name_kana,
                given_name="トメ",
                given_name_kana="とめ",
                birth_date=None,
                estimated_age=85,
                sex=Person.Sex.FEMALE,
                relation=Person.Relation.PARENT,
            ),
        ],
        subject_new_index=0,
        data=consultation_data(
            summary=summary,
            consulter=consulter,
            consulter_name=consulter_name,
            consulter_relation=consulter_relation,
            consulter_phone=ABUSE_REPORTER_PHONE if abuse else "",
        ),
        issues=[issue()],
        main_issue=issue(),
    )
    if abuse:
        category = IssueCategory.objects.filter(
            report_group=IssueCategory.ReportGroup.ABUSE
        ).first()
        consultation.issues.add(category)
    return open_case(consultation, actor=coordinator)


def add_record(case, actor, content: str, *, days_ago: int = 3, restricted: bool = False):
    return support_services.support_record_add(
        actor=actor,
        case=case,
        occurred_on=TODAY - dt.timedelta(days=days_ago),
        kind="visit",
        content=content,
        restricted=restricted,
    )


def fill_case(case, *, coordinator, window_staff) -> None:
    """Everything a paper copy shows, and what it must leave out."""
    add_record(case, window_staff, "訪問して母の様子を確認した。食事はとれている。", days_ago=5)
    add_record(case, window_staff, RESTRICTED_TEXT, days_ago=4, restricted=True)
    cancelled = add_record(case, window_staff, CANCELLED_TEXT, days_ago=3)
    support_services.support_record_cancel(actor=window_staff, record=cancelled, reason="誤記")
    plan = plan_services.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "母子が地域で安心して暮らせる",
            "short_term_goal": "長男の通院再開",
            "urgent": False,
            "monitoring_on": TODAY + dt.timedelta(days=90),
            "person_wishes": "",
            "agreed_on": None,
        },
    )
    plan_services.plan_task_add(
        actor=coordinator, plan=plan, content="月1回の訪問で見守る", agency=window_staff.agency
    )
    subject = case.subjects.get()
    plan_services.assessment_save(
        actor=coordinator,
        case=case,
        data={
            "household_situation": "80代の母と50代の長男の二人暮らし。",
            "strengths": "",
            "risks": "母の転倒",
            "assessed_on": TODAY,
        },
        members={subject: {"issues": [issue("ひきこもり")]}},
        expected_version=None,
    )


def protect(case, coordinator) -> None:
    """DV等支援措置 on the case's 本人: the household's address and phones are masked."""
    case_services.dv_measure_set(
        actor=coordinator,
        person=case.subjects.get(),
        valid_from=TODAY - dt.timedelta(days=10),
        note="支援措置",
    )


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
