"""A hand-built city for the annual evaluation and the national report: every record
made through the services, at a chosen moment (``at``), so that the expected numbers
in the tests can be counted by hand from this file.

令和6年度 (FY2024) ends at 2025-03-31T15:00Z; the records at 14:59Z belong to it, those
at 15:00Z to 令和7年度 (FY2025). Every person is named so that a test can look for
the names in the outputs (none may appear).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import transaction

from agencies.models import Agency, Area
from agencies.roles import Role
from agencies.services import resource_figures_save, resource_save
from cases import services
from cases.models import Consultation, IssueCategory
from cases.services import outreach, participation, plans, support
from meetings import services as meeting_services
from reports.targets import outcome_target_set
from tests.factories import AgencyFactory, member_data, user_with_role
from tests.meetings.helpers import Kind, add_item, attend, make_body, make_meeting, pledge

UTC = dt.UTC
FY2024_LAST_MINUTE = dt.datetime(2025, 3, 31, 14, 59, tzinfo=UTC)  # 令和7年3月31日 23:59
FY2025_FIRST_MINUTE = dt.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)  # 令和7年4月1日 0:00
FY2025_LAST_MINUTE = dt.datetime(2026, 3, 31, 14, 59, tzinfo=UTC)

# Names that must never reach an annual output or the national report.
PERSON_NAMES = ("秘密山", "内緒川", "匿名田", "伏字野", "非公開谷", "黙秘森", "隠岐名")
STAKEHOLDER_PERSON = "佐藤一郎"
INJECTED_AGENCY = '=HYPERLINK("http://example.invalid","南相談窓口")'
INJECTED_ISSUE = '=HYPERLINK("http://example.invalid","課題")'
REGIONAL_ISSUE_TEXT = "秘密山さん宅の近くに居場所がない"


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run services as if it were ``moment`` (timezone.now and everything built on it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def utc(year, month, day, hour=3) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def _issues(*names: str) -> list[IssueCategory]:
    return [IssueCategory.objects.get(name=name) for name in names]


def consult(actor, *, received_at, family_name, channel, outcome, main, also=(), household=None):
    issues = _issues(main, *also)
    data = {
        "received_at": received_at,
        "channel": channel,
        "consulter": Consultation.Consulter.SELF,
        "consulter_name": "",
        "consulter_relation": "",
        "consulter_phone": "",
        "summary": f"{family_name}さんの相談。",
        "wishes": "",
        "consent_state": Consultation.ConsentState.UNCONFIRMED,
        "consent_explained_on": None,
        "consent_explained_by": "",
        "consent_note": "",
        "outcome": outcome,
        "outcome_note": "",
    }
    with at(received_at):
        if household is not None:
            return services.consultation_record(
                actor=actor,
                household=household,
                subject=household.members.order_by("created_at").first(),
                data=data,
                issues=issues,
                main_issue=issues[0],
            )
        return services.consultation_record(
            actor=actor,
            household=None,
            household_data={"address": f"架空市{family_name}町1-1", "phone": "000-0000-0000"},
            new_members=[
                member_data(family_name=family_name, family_name_kana="ひみつ"),
                member_data(
                    family_name=family_name,
                    given_name="次郎",
                    given_name_kana="じろう",
                    relation="child",
                    birth_date=dt.date(2000, 1, 1),
                ),
            ],
            subject_new_index=0,
            data=data,
            issues=issues,
            main_issue=issues[0],
        )


def open_at(moment, consultation, coordinator):
    with at(moment):
        return services.case_open(
            actor=coordinator,
            consultation=consultation,
            subjects=[consultation.person],
            main_agency=consultation.receiving_agency,
            lead_coordinator=coordinator,
        )


def approved_plan(coordinator, case, *, created, approved, stakeholders, revise_from=None):
    with at(created):
        if revise_from is not None:
            plan = plans.plan_revise(actor=coordinator, plan=revise_from)
            # Approved at once (緊急), as the first version was, without a meeting.
            plans.plan_update(
                actor=coordinator, plan=plan, data={"urgent": True}, expected_version=plan.version
            )
            plan.refresh_from_db()
        else:
            plan = plans.plan_create(
                actor=coordinator,
                case=case,
                data={
                    "long_term_goal": "安心して暮らす",
                    "short_term_goal": "通院の再開",
                    "urgent": True,
                    "monitoring_on": created.date() + dt.timedelta(days=90),
                },
            )
        for kind, agency, name in stakeholders:
            key = plans.stakeholder_key(kind=kind, agency=agency, name=name)
            if plan.stakeholders.filter(dedup_key=key).exists():
                continue  # carried over from the version it revises
            plans.plan_stakeholder_add(
                actor=coordinator, plan=plan, kind=kind, agency=agency, name=name
            )
        if not plan.tasks.exists():
            plans.plan_task_add(
                actor=coordinator, plan=plan, agency=case.main_agency, content="見守り訪問"
            )
    if approved is not None:
        with at(approved):
            plans.plan_approve(actor=coordinator, plan=plan)
    plan.refresh_from_db()
    return plan


def build_world() -> dict:
    from conftest import ensure_migration_seed_data

    ensure_migration_seed_data()
    north = Area.objects.create(name="北圏域", sort_order=1)
    south = Area.objects.create(name="南圏域", sort_order=2)
    hub = AgencyFactory(name="福祉総務課（年次）", is_collaboration_hub=True)
    north_window = AgencyFactory(name="北地域包括支援センター", area=north)
    north_small = AgencyFactory(name="北障がい者相談支援センター", area=north)
    south_window = AgencyFactory(name=INJECTED_AGENCY, area=south)
    department = AgencyFactory(name="子育て支援課", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    users = {
        "coordinator": user_with_role(Role.COORDINATOR, agency=hub, username="a_coordinator"),
        "secretariat": user_with_role(Role.SECRETARIAT, agency=hub, username="a_secretariat"),
        "manager": user_with_role(Role.MANAGER, agency=hub, username="a_manager"),
        "admin": user_with_role(Role.ADMIN, agency=hub, username="a_admin", is_staff=True),
        "north": user_with_role(Role.AGENCY_STAFF, agency=north_window, username="a_north"),
        "north_small": user_with_role(
            Role.AGENCY_STAFF, agency=north_small, username="a_north_small"
        ),
        "south": user_with_role(Role.AGENCY_STAFF, agency=south_window, username="a_south"),
        "department": user_with_role(Role.AGENCY_STAFF, agency=department, username="a_department"),
    }
    coordinator, secretariat = users["coordinator"], users["secretariat"]
    IssueCategory.objects.create(name=INJECTED_ISSUE, report_group="other", sort_order=999)
    C, Out = Consultation.Channel, Consultation.Outcome

    # 令和6年度: the last minute of the year, and one in the autumn.
    d = consult(
        users["north"],
        received_at=FY2024_LAST_MINUTE,
        family_name="秘密山",
        channel=C.PHONE,
        outcome=Out.COLLABORATION,
        main="8050",
    )
    consult(
        users["south"],
        received_at=utc(2024, 10, 1),
        family_name="内緒川",
        channel=C.PHONE,
        outcome=Out.INFO_ONLY,
        main="高齢",
    )
    case_d = open_at(FY2024_LAST_MINUTE + dt.timedelta(seconds=30), d, coordinator)

    # 令和7年度: 12 consultations at four windows.
    n1 = consult(
        users["north"],
        received_at=FY2025_FIRST_MINUTE,
        family_name="匿名田",
        channel=C.PHONE,
        outcome=Out.COLLABORATION,
        main="8050",
        also=("ひきこもり",),
    )
    n2 = consult(
        users["north"],
        received_at=utc(2025, 5, 10),
        family_name="伏字野",
        channel=C.PHONE,
        outcome=Out.COLLABORATION,
        main="8050",
        also=("高齢",),
    )
    n3 = consult(
        users["north"],
        received_at=utc(2025, 6, 10),
        family_name="非公開谷",
        channel=C.VISIT_WINDOW,
        outcome=Out.COLLABORATION,
        main="ゴミ屋敷",
    )
    consult(
        users["north"],
        received_at=utc(2025, 7, 1),
        family_name="黙秘森",
        channel=C.PHONE,
        outcome=Out.INFO_ONLY,
        main="8050",
    )
    consult(
        users["north"],
        received_at=utc(2025, 8, 1),
        family_name="隠岐名",
        channel=C.VISIT_WINDOW,
        outcome=Out.REFERRED,
        main="生活困窮",
        also=("債務・家計",),
    )
    consult(
        users["north_small"],
        received_at=utc(2025, 9, 1),
        family_name="秘密山",
        channel=C.HOME_VISIT,
        outcome=Out.INFO_ONLY,
        main="障がい",
    )
    for month in (4, 5, 6, 7):
        consult(
            users["south"],
            received_at=utc(2025, month, 20),
            family_name="内緒川",
            channel=C.PHONE,
            outcome=Out.CONTINUING,
            main="高齢",
        )
    concern = consult(
        users["department"],
        received_at=utc(2025, 10, 1),
        family_name="匿名田",
        channel=C.EMAIL,
        outcome=Out.REFERRED_WELFARE,
        main="子ども・子育て",
        also=("ヤングケアラー",),
    )
    consult(
        users["department"],
        received_at=FY2025_LAST_MINUTE,
        family_name="伏字野",
        channel=C.EMAIL,
        outcome=Out.CONTINUING,
        main="子ども・子育て",
        also=("ヤングケアラー",),
    )
    # A consultation at 0:00 on 1 April 2026 (Tokyo) is 令和8年度's.
    consult(
        users["north"],
        received_at=FY2025_LAST_MINUTE + dt.timedelta(minutes=1),
        family_name="黙秘森",
        channel=C.PHONE,
        outcome=Out.INFO_ONLY,
        main="8050",
    )
    case_a = open_at(utc(2025, 4, 10), n1, coordinator)
    case_b = open_at(utc(2025, 5, 15), n2, coordinator)
    case_c = open_at(utc(2025, 9, 1), n3, coordinator)

    # Plans and their 関係者. The window and the resident are named in several plans
    # (and the resident typed once with a full-width space): each counts once a year.
    plan_d1 = approved_plan(
        coordinator,
        case_d,
        created=FY2024_LAST_MINUTE + dt.timedelta(seconds=35),
        approved=FY2024_LAST_MINUTE + dt.timedelta(seconds=40),
        stakeholders=[("agency", north_window, ""), ("resident", None, "民生委員 山田")],
    )
    approved_plan(
        coordinator,
        case_d,
        created=FY2025_FIRST_MINUTE,
        approved=FY2025_FIRST_MINUTE + dt.timedelta(seconds=5),
        revise_from=plan_d1,
        stakeholders=[("resident", None, "民生委員　山田"), ("company", None, "丸山商店")],
    )
    approved_plan(
        coordinator,
        case_a,
        created=utc(2025, 5, 1),
        approved=utc(2025, 5, 2),
        stakeholders=[
            ("agency", north_window, ""),
            ("department", department, ""),
            ("person", None, STAKEHOLDER_PERSON),
            ("resident", None, "民生委員 山田"),
        ],
    )
    approved_plan(coordinator, case_b, created=utc(2025, 7, 1), approved=None, stakeholders=[])

    # Closures: C resolved; B closed and reopened within the year (not counted); D closed
    # in the year's last minute and reopened in the next year (counted).
    with at(utc(2025, 12, 1)):
        support.case_close(
            actor=coordinator,
            case=case_c,
            reason="resolved",
            improvement="improved",
            evaluation="主訴が解消した。",
        )
    with at(utc(2025, 10, 1)):
        support.case_close(
            actor=coordinator,
            case=case_b,
            reason="moved_out",
            improvement="unknown",
            evaluation="転出した。",
        )
    with at(utc(2025, 11, 1)):
        support.case_reopen(actor=coordinator, case=case_b, reason="戻ってきた")
    with at(FY2025_LAST_MINUTE):
        support.case_close(
            actor=coordinator,
            case=case_d,
            reason="existing_window",
            improvement="unknown",
            evaluation="地域包括で支援を続ける。",
            handover_agency=north_window,
        )
    with at(utc(2026, 5, 1)):
        support.case_reopen(actor=coordinator, case=case_d, reason="再び支援が必要")

    # Meetings.
    with at(utc(2025, 4, 2)):
        duty = make_body(secretariat, kind=Kind.SOCIAL_WELFARE_ACT, name="支援会議（年次）")
        plan_body = make_body(secretariat, kind=Kind.GUIDELINE, name="重層的支援会議（年次）")
        pledge(secretariat, duty, secretariat, signed_on=dt.date(2025, 4, 1))
    meetings = {}
    with at(utc(2025, 5, 16)):
        m1 = make_meeting(secretariat, [duty], date=dt.date(2025, 5, 20))
        attend(secretariat, m1, coordinator, users["north"], users["south"])
        item = add_item(secretariat, m1, duty, case=case_a)
        add_item(secretariat, m1, duty, case=case_b)
        add_item(secretariat, m1, duty, household=concern.household)
        meeting_services.decision_add(
            actor=secretariat, item=item, content="見守りを分担する", assignee_name="担当"
        )
        meeting_services.regional_issue_add(
            actor=secretariat, meeting=m1, content=REGIONAL_ISSUE_TEXT
        )
        meetings["m1"] = m1
    with at(utc(2025, 5, 21)):
        meeting_services.meeting_close(actor=secretariat, meeting=m1)
    with at(utc(2025, 8, 1)):
        m2 = make_meeting(secretariat, [duty], date=dt.date(2025, 8, 20))
        attend(secretariat, m2, coordinator, users["north"])
        add_item(secretariat, m2, duty, case=case_a)
    with at(utc(2025, 8, 21)):
        meeting_services.meeting_close(actor=secretariat, meeting=m2)
    with at(utc(2025, 9, 1)):
        m3 = make_meeting(secretariat, [plan_body], date=dt.date(2025, 9, 10))
        attend(secretariat, m3, coordinator, users["department"])
    with at(utc(2025, 9, 11)):
        meeting_services.meeting_close(actor=secretariat, meeting=m3)
    with at(utc(2025, 3, 1)):
        m4 = make_meeting(secretariat, [duty], date=dt.date(2025, 3, 31))
        attend(secretariat, m4, coordinator)
    with at(utc(2025, 4, 1)):
        meeting_services.meeting_close(actor=secretariat, meeting=m4)
    with at(utc(2026, 1, 10)):
        m5 = make_meeting(secretariat, [duty], date=dt.date(2026, 2, 1))  # never held
        attend(secretariat, m5, coordinator)

    # アウトリーチ: one from 令和6年度 into 令和7年度, one started in 令和7年度.
    with at(utc(2025, 2, 1)):
        e1 = outreach.outreach_start(
            actor=users["north"],
            household=None,
            person_data=member_data(family_name="黙秘森", family_name_kana="もくひもり"),
            started_on=dt.date(2025, 2, 1),
            concern="新聞が溜まっている",
        )
    with at(utc(2025, 2, 11)):
        outreach.outreach_contact_add(
            actor=users["north"],
            engagement=e1,
            contacted_on=dt.date(2025, 2, 10),
            method="visit",
            what_happened="会えなかった",
        )
    with at(utc(2025, 5, 2)):
        outreach.outreach_contact_add(
            actor=users["north"],
            engagement=e1,
            contacted_on=dt.date(2025, 4, 5),
            method="visit",
            what_happened="玄関先で話せた",
        )
        outreach.outreach_end(
            actor=users["north"],
            engagement=e1,
            ended_on=dt.date(2025, 5, 1),
            end_reason="相談につながった",
        )
    with at(utc(2025, 6, 2)):
        e2 = outreach.outreach_start(
            actor=users["south"],
            household=None,
            person_data=member_data(family_name="隠岐名", family_name_kana="おきな"),
            started_on=dt.date(2025, 6, 1),
            concern="閉じこもりが続いている",
        )
        outreach.outreach_contact_add(
            actor=users["south"],
            engagement=e2,
            contacted_on=dt.date(2025, 6, 2),
            method="visit",
            what_happened="手紙を置いた",
        )

    # 参加支援 and 地域づくり.
    with at(utc(2025, 6, 30)):
        shop = resource_save(actor=coordinator, data={"name": "丸山商店", "kind": "business"})
        ibasho = resource_save(actor=coordinator, data={"name": "みんなの居場所", "kind": "ibasho"})
    with at(utc(2025, 7, 1)):
        participation.participation_add(
            actor=coordinator,
            case=case_a,
            person=case_a.subjects.get(),
            resource=shop,
            started_on=dt.date(2025, 7, 1),
        )
    with at(utc(2025, 8, 1)):
        participation.participation_add(
            actor=coordinator,
            case=case_d,
            person=case_d.subjects.get(),
            resource=ibasho,
            started_on=dt.date(2025, 8, 1),
        )
    resource_figures_save(
        actor=coordinator,
        resource=ibasho,
        fiscal_year=2025,
        data={"is_hub": True, "participants": 40, "citizens_running": 5, "agencies_count": 3},
    )
    resource_figures_save(
        actor=coordinator,
        resource=shop,
        fiscal_year=2025,
        data={"is_hub": False, "participants": 10, "citizens_running": 0, "agencies_count": 1},
    )

    # Targets: one past, this year's, and one three years ahead (the trend reaches it).
    manager = users["manager"]
    outcome_target_set(actor=manager, fiscal_year=2023, target=80, note="")
    outcome_target_set(actor=manager, fiscal_year=2025, target=100, note="実施計画の目標")
    outcome_target_set(actor=manager, fiscal_year=2028, target=120, note="")
    return {
        "users": users,
        "cases": {"a": case_a, "b": case_b, "c": case_c, "d": case_d},
        "agencies": {
            "hub": hub,
            "north": north_window,
            "north_small": north_small,
            "south": south_window,
            "department": department,
        },
        "meetings": meetings,
    }


@pytest.fixture(scope="module")
def annual_world(django_db_setup, django_db_blocker):
    """Built once for a module; each test runs in its own savepoint (``world``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(annual_world, db):
    return annual_world


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Generated files go to a folder of each test."""
    settings.KASANE_PRIVATE_ROOT = tmp_path / "private"
    return settings.KASANE_PRIVATE_ROOT
