"""The write matrix (DESIGN.md: seeing is not changing).

Every URL that accepts POST × a persona holding each basis of the access table, sending
valid data. One row per URL: a routed URL that answers POST without a row here fails
``test_every_post_url_has_a_row``, and every URL without a row must refuse POST (405).
On refusal nothing in the database changed and a denied event is in the access log;
on success something did. The world is built once for the module: each cell runs in
its own savepoint and leaves it as it found it.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agencies.models import AccessEvent, Agency, Area
from agencies.roles import Role
from agencies.services import resource_save
from cases import services
from cases.models import CaseAccess, CaseEvent, Consultation
from cases.services import outreach, participation, plans, support
from core.japanese import fiscal_year
from meetings import services as meeting_services
from referrals import services as referral_services
from reports.models import ReportFile, ReportJob
from reports.services import disclosure_request_record
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    date_post,
    issue,
    make_consent,
    make_consultation,
    member_data,
    once,
    open_case,
    user_with_role,
    verify_client,
)
from tests.meetings.helpers import (
    add_item,
    attend,
    make_body,
    make_meeting,
    make_member,
    pledge,
    propose,
)
from tests.referrals.helpers import send as send_sheet
from tests.referrals.helpers import sheet_data
from tests.test_url_protection import routed_urls

# Personas, each reaching the world's case by one basis (or by none).
PERSONAS = (
    "anonymous",
    "none",  # agency staff with no basis on the case
    "receiving",  # 受付機関: the window that took the consultation
    "consent",  # 同意: staff of an agency the person's consent covers
    "partner",  # 参加機関: a municipal department brought in by the coordinator
    "managing",  # 多機関協働: the lead coordinator
    "other_hub",  # a coordinator of another hub (another area)
    "pledged",  # 支援会議: a pledged attendee (read-only)
    "expired",  # a member whose pledge has expired
    "emergency",  # 緊急: an approved emergency provision (read-only)
    "secretariat",
    "manager",
    "admin",
)
L = 302  # anonymous → the login page

OK = "ok"  # expected: the write happened (status 302 unless the row says otherwise)


@dataclass(frozen=True)
class Row:
    url: str
    expected: tuple  # per persona: an HTTP status, or OK
    changes: bool = True  # whether a successful POST must change the database
    logs_denial: bool = True  # the access log's denied event (case-data namespaces)
    ok_status: int = 302


def row(url, *expected, **kwargs) -> Row:
    assert len(expected) == len(PERSONAS), url
    return Row(url, tuple(expected), **kwargs)


# fmt: off
#          anon none recv cons part mng  oth  pldg exp  emrg secr mgr  admin
ROWS = [
    # Case: manage (多機関協働 coordinators only).
    row("cases:case_edit",            L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:case_access",          L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:case_access_revoke",   L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # 支援経過: anyone who works the case writes; its own agency or the managing
    # coordinators correct and cancel it (the record here is the window's).
    row("cases:record_new",           L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:record_correct",       L, 404, OK, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:record_cancel",        L, 404, OK, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # 中断・終結 and their 再開: manage. The suspended and the closed case here are
    # cases of their own: only the window that took them and the hub reach them.
    row("cases:case_suspend",         L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:case_close",           L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:case_resume",          L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("cases:case_reopen",          L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    # アセスメント and 支援プラン: the managing coordinators. A new plan and a new version
    # are made on cases of their own (the window's and the hub's only).
    row("cases:assessment_edit",      L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_edit",            L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_approve",         L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_task_new",        L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_task_remove",     L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_stakeholder_new", L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_stakeholder_remove",
        L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:plan_new",             L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("cases:plan_revise",          L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    # 役割分担: the agency it is assigned to (the window here) reports, or the hub.
    row("cases:plan_task_report",     L, 404, OK, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # Break-glass: the managing coordinators provide; a second coordinator of any hub
    # confirms, and any coordinator may end it.
    row("cases:emergency_new",        L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:emergency_approve",    L, 404, 404, 404, 404, OK, OK, 404, 404, 404, 404, 404, 404),
    # DV等支援措置: coordinators who manage the household (the window manages an uncased
    # one too, but only a coordinator records a measure).
    row("cases:dv_measure_new",       L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("cases:dv_measure_end",       L, 404, 404, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("cases:emergency_end",        L, 404, 404, 404, 404, OK, OK, 404, 404, 404, 404, 404, 404),
    # Opening a case from a handed consultation: the coordinators it was handed to.
    row("cases:case_open",            L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    # A consultation about known members: any window that sees the household.
    row("cases:intake_form",          L, 404, OK, OK, OK, OK, 404, OK, 404, OK, 403, 403, 403),
    # Household and contact details: work.
    row("cases:household_edit",       L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:person_edit",          L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    # Members and consent: manage (a consent creates access).
    # 統合 (a coordinator who manages both records) and 分離 (manage on the household).
    # The merge takes the handed consultation's household into the case's; the split
    # moves a member added for it.
    row("cases:household_merge",      L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:household_split",      L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:person_merge",         L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:person_add",           L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("consent:consent_new",        L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # A withdrawal the person told them of: work.
    row("consent:consent_withdraw",   L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    # 参加支援: anyone who works the case matches a person and updates the match.
    row("cases:participation_new",    L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:participation_edit",   L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    # Meetings: the secretariat; attendees see the meeting but may not change it.
    row("meetings:meeting_new",       L, 403, 403, 403, 403, 403, 403, 403, 403, 403, OK, 403, 403),
    row("meetings:meeting_edit",      L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("meetings:meeting_attendees", L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("meetings:attendee_remove",   L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("meetings:agenda_build",      L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("meetings:item_detail",       L, 404, 404, 404, 404, 404, 404, 403, 404, 404, OK, 404, 404),
    row("meetings:item_remove",       L, 404, 404, 404, 404, 404, 404, 403, 404, 404, OK, 404, 404),
    # A 支援会議 decision assigned to the pledged member's agency: their only write.
    row("meetings:decision_report",   L, 404, 404, 404, 404, 404, 404, OK, 404, 404, 404, 404, 404),
    row("meetings:decision_remove",   L, 404, 404, 404, 404, 404, 404, 403, 404, 404, OK, 404, 404),
    row("meetings:issue_add",         L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("meetings:meeting_recheck",   L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404,
        changes=False),
    row("meetings:meeting_close",     L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    # 議題の申出: a window that holds a consultation, or the case's coordinators,
    # propose; the case's coordinators forward; the secretariat decides; the proposer
    # withdraws. A proposal creates no access.
    row("meetings:proposal_new",      L, 404, OK, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("meetings:proposal_forward",  L, 404, 403, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("meetings:proposal_decline",  L, 404, 404, 404, 404, 403, 404, 404, 404, 404, OK, 404, 404),
    row("meetings:proposal_withdraw", L, 404, 404, 404, 404, OK, 404, 404, 404, 404, 403, 404, 404),
    row("meetings:body_new",          L, 403, 403, 403, 403, 403, 403, 403, 403, 403, OK, 403, 403),
    row("meetings:body_edit",         L, 404, 404, 404, 404, 404, 404, 404, 404, 404, OK, 404, 404),
    row("meetings:member_add",        L, 404, 404, 404, 404, 404, 404, 404, 404, 404, OK, 404, 404),
    row("meetings:pledge_new",        L, 404, 404, 404, 404, 404, 404, 404, 404, 404, OK, 404, 404),
    row("meetings:pledge_revoke",     L, 404, 404, 404, 404, 404, 404, 404, 404, 404, OK, 404, 404),
    row("meetings:handling_end",      L, 404, 404, 404, 404, 404, 404, 404, 404, 404, OK, 404, 404),
    # つなぐシート: from a consultation, its window and the coordinators who see it; from
    # a case, *work* on it. The addressed agency answers, the sender withdraws; the
    # sheet is seen by nobody else.
    row("referrals:referral_new_from_consultation",
                                      L, 404, OK, 404, 404, OK, 404, 404, 404, 404, 404, 404, 404),
    row("referrals:referral_new_from_case",
                                      L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    row("referrals:referral_accept",  L, 404, 403, OK, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    row("referrals:referral_decline", L, 404, 403, OK, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    row("referrals:referral_withdraw",
                                      L, 404, OK, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    row("referrals:referral_complete",
                                      L, 404, 403, 404, 404, 404, OK, 404, 404, 404, 404, 404, 404),
    # アウトリーチ on the case's household: whoever works the case (a read-only basis
    # sees it, 403); starting one on a household needs work on it.
    row("cases:outreach_new",         L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 403, 403, 403),
    row("cases:outreach_contact_new", L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    row("cases:outreach_end",         L, 404, OK, OK, OK, OK, 404, 403, 404, 403, 404, 404, 404),
    # Staff pages (admin role; a coordinator hands over their own cases). Their denied
    # POSTs reach the access log with the accounts issue.
    row("staff:transfer",             L, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, OK),
    row("staff:handover",             L, 403, 403, 403, 403, OK, 403, 403, 403, 403, 403, 403, OK),
    # 社会資源 (master data, no case data): the coordinators of any hub keep it in the app;
    # the admin role keeps it in the Django admin.
    row("resources:resource_new",     L, 403, 403, 403, 403, OK, OK, 403, 403, 403, 403, 403, 403),
    row("resources:resource_edit",    L, 403, 403, 403, 403, OK, OK, 403, 403, 403, 403, 403, 403),
    row("resources:resource_figures", L, 403, 403, 403, 403, OK, OK, 403, 403, 403, 403, 403, 403),
    # 帳票: the annual evaluation is the managers', the national CSV the coordinators',
    # a meeting's packet the secretariat's. 回収済 and 再発行 need a copy the
    # secretariat user may hold themselves; its recipient downloads it but may not.
    row("reports:annual_request",     L, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, OK, 403),
    row("reports:national_request",   L, 403, 403, 403, 403, OK, OK, 403, 403, 403, 403, 403, 403),
    row("reports:packet_request",     L, 404, 404, 404, 404, 404, 404, 403, 403, 404, OK, 404, 404),
    row("reports:copy_return",        L, 404, 404, 404, 404, 404, 404, 403, 404, 404, OK, 404, 404),
    row("reports:copy_reissue",       L, 404, 404, 404, 404, 404, 404, 403, 404, 404, OK, 404, 404),
    # 開示請求: the coordinators who manage the person record it and ask for the draft;
    # those who see the household but do not manage the person are refused (403).
    row("reports:disclosure_new",     L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    row("reports:disclosure_draft",   L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # 開示決定: the same coordinators, once per request (the cell's savepoint undoes it).
    row("reports:disclosure_decide",  L, 404, 403, 403, 403, OK, 404, 403, 404, 403, 404, 404, 404),
    # 成果指標の目標値: the managers only (no case data; the refusal is logged all the same).
    row("reports:targets",            L, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, OK, 403),
    # Accounts: each user's own session and credentials, no case data.
    row("login", 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302,
        changes=False, logs_denial=False),
    row("logout",                     L, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        changes=False, logs_denial=False),
    row("accounts:password_change",   L, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        changes=False, logs_denial=False),
    row("accounts:mfa_setup",         L, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302,
        changes=False, logs_denial=False),
    row("accounts:mfa_verify",        L, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302,
        changes=False, logs_denial=False),
    row("accounts:mfa_recovery_codes", L, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        changes=False, logs_denial=False),
    row("accounts:session_keepalive", L, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        changes=False, logs_denial=False, ok_status=200),
    # A wrong current code: the form answers, nothing changes.
    row("accounts:mfa_reenrol",       L, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK,
        changes=False, logs_denial=False, ok_status=200),
    # The public one-time link with a made-up token: the page says it cannot be used.
    row("accounts:password_set", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200,
        changes=False, logs_denial=False),
]
# fmt: on
ROW_BY_URL = {r.url: r for r in ROWS}


# ---------------------------------------------------------------------------
# The world, built once


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One case reached by every basis, an uncased handed consultation, a 支援会議 with
    the case on its agenda, and the users of each persona."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> dict[str, Any]:
    from conftest import ensure_migration_seed_data

    ensure_migration_seed_data()
    north, south = Area.objects.create(name="北圏域"), Area.objects.create(name="南圏域")
    hub = AgencyFactory(name="福祉総務課（書込み表）", is_collaboration_hub=True)
    other_hub = AgencyFactory(name="南の多機関協働", is_collaboration_hub=True, area=south)
    window = AgencyFactory(name="地域包括支援センター（書込み表）", area=north)
    consent_agency = AgencyFactory(
        name="社会福祉協議会", kind=Agency.Kind.COUNCIL_OF_SOCIAL_WELFARE
    )
    department = AgencyFactory(name="生活福祉課（書込み表）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT)
    emergency_agency = AgencyFactory(name="保健センター（書込み表）", area=north)
    nobody = AgencyFactory(name="障がい者基幹相談支援センター（書込み表）", area=north)
    staff = Role.AGENCY_STAFF
    users = {
        "none": user_with_role(staff, agency=nobody, username="w_none"),
        "receiving": user_with_role(staff, agency=window, username="w_receiving"),
        "consent": user_with_role(staff, agency=consent_agency, username="w_consent"),
        "partner": user_with_role(staff, agency=department, username="w_partner"),
        "managing": user_with_role(Role.COORDINATOR, agency=hub, username="w_managing"),
        "other_hub": user_with_role(Role.COORDINATOR, agency=other_hub, username="w_other_hub"),
        "pledged": user_with_role(staff, agency=nobody, username="w_pledged"),
        "expired": user_with_role(staff, agency=nobody, username="w_expired"),
        "emergency": user_with_role(staff, agency=emergency_agency, username="w_emergency"),
        "secretariat": user_with_role(Role.SECRETARIAT, agency=hub, username="w_secretariat"),
        "manager": user_with_role(Role.MANAGER, agency=hub, username="w_manager"),
        "admin": user_with_role(Role.ADMIN, agency=hub, username="w_admin", is_staff=True),
    }
    coordinator = users["managing"]
    second_coordinator = user_with_role(Role.COORDINATOR, agency=hub, username="w_second")
    secretariat = users["secretariat"]

    case = open_case(make_consultation(actor=users["receiving"]), actor=coordinator)
    person = case.subjects.get()
    consent = make_consent(
        actor=coordinator, person=person, agencies=[consent_agency, department, hub]
    )
    disclosure = disclosure_request_record(
        actor=coordinator, person=person, received_on=timezone.localdate()
    )
    partner_access = services.case_access_grant(
        actor=coordinator, case=case, agency=department, reason="生活保護の相談"
    )
    first = services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=emergency_agency,
        legal_basis="27_1_2",
        reason="安否確認",
        consent_obstacle="連絡が取れない",
        days=3,
    )
    services.emergency_access_approve(actor=second_coordinator, request=first)
    pending = services.emergency_access_request(
        actor=second_coordinator,
        case=case,
        agency=AgencyFactory(name="児童相談所（書込み表）"),
        legal_basis="27_1_1",
        reason="照会",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    # A second open case for the agenda form, and a handed consultation with no case.
    second_case = open_case(
        make_consultation(actor=users["receiving"], members=[member_data(family_name="佐藤")]),
        actor=coordinator,
    )
    handed = make_consultation(actor=users["receiving"], members=[member_data(family_name="高橋")])

    # A 支援会議 today with the case on its agenda: the pledged and the expired attend.
    body = make_body(secretariat, name="支援会議（書込み表）")
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, users["pledged"])
    lapsing = pledge(secretariat, body, users["expired"])
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, users["pledged"], users["expired"])
    item = add_item(secretariat, meeting, body, case=case)
    decision = meeting_services.decision_add(
        actor=secretariat, item=item, content="訪問する", assignee_name="担当者"
    )
    assigned = meeting_services.decision_add(
        actor=secretariat, item=item, content="見守りを分担", assignee_agency=nobody
    )
    concern = add_item(secretariat, meeting, body, household=handed.household)
    routed = propose(body, household=case.household, proposer=users["receiving"])
    measure = services.dv_measure_set(
        actor=coordinator, person=handed.person, valid_from=timezone.localdate()
    )
    proposed = propose(body, case=case)
    second_pending = propose(body, case=second_case)
    adhoc_member = make_member(secretariat, body, name="民生委員 甲", agency=nobody)
    # The expired member's pledge ended yesterday, and with it their 支援会議 basis.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    lapsing.signed_on = yesterday - dt.timedelta(days=30)
    lapsing.valid_until = yesterday
    lapsing.save(update_fields=["signed_on", "valid_until"])
    ended = CaseAccess.objects.get(user=users["expired"], basis=CaseAccess.Basis.SUPPORT_MEETING)
    ended.valid_until = timezone.now() - dt.timedelta(hours=1)
    ended.save(update_fields=["valid_until"])
    transfer_target = user_with_role(staff, agency=nobody, username="w_transfer")
    today_date = timezone.localdate()
    leaver = services.person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name="四郎", given_name_kana="しろう"), "relation": "child"},
    )
    record = support.support_record_add(
        actor=users["receiving"],
        case=case,
        occurred_on=timezone.localdate(),
        kind="visit",
        content="訪問した。",
    )
    plan_data = {
        "long_term_goal": "安心して暮らす",
        "short_term_goal": "通院の再開",
        "urgent": True,
        "monitoring_on": today_date + dt.timedelta(days=60),
    }
    first_plan = plans.plan_create(actor=coordinator, case=case, data=plan_data)
    reported = plans.plan_task_add(
        actor=coordinator, plan=first_plan, agency=window, content="見守り訪問"
    )
    plans.plan_approve(actor=coordinator, plan=first_plan)
    draft = plans.plan_revise(actor=coordinator, plan=first_plan)
    plans.plan_update(actor=coordinator, plan=draft, data={"urgent": True}, expected_version=1)
    draft_task = draft.tasks.get()
    stakeholder = plans.plan_stakeholder_add(
        actor=coordinator, plan=draft, kind="resident", agency=None, name="民生委員 甲"
    )
    other_plan = plans.plan_create(actor=coordinator, case=second_case, data=plan_data)
    plans.plan_task_add(actor=coordinator, plan=other_plan, agency=window, content="見守り")
    plans.plan_approve(actor=coordinator, plan=other_plan)
    paused = open_case(
        make_consultation(actor=users["receiving"], members=[member_data(family_name="伊藤")]),
        actor=coordinator,
    )
    support.case_suspend(actor=coordinator, case=paused, reason="lost_contact", note="不在続き")
    closed = open_case(
        make_consultation(actor=users["receiving"], members=[member_data(family_name="渡辺")]),
        actor=coordinator,
    )
    support.case_close(
        actor=coordinator, case=closed, reason="resolved", improvement="improved", evaluation="解決"
    )
    resource = resource_save(actor=coordinator, data={"name": "丸山商店", "kind": "business"})
    matched = participation.participation_add(
        actor=users["receiving"], case=case, person=person, resource=resource, started_on=today_date
    )
    # つなぐシート: one from the case to the agency the consent covers (waiting), one from
    # another uncased consultation that the other hub accepted.
    sheet = send_sheet(actor=users["receiving"], to=consent_agency, case=case)
    taken = send_sheet(
        actor=users["receiving"],
        to=other_hub,
        consultation=make_consultation(
            actor=users["receiving"],
            members=[member_data(family_name="中村")],
            outcome=Consultation.Outcome.CONTINUING,
        ),
    )
    referral_services.referral_accept(actor=users["other_hub"], referral=taken)
    engagement = outreach.outreach_start(
        actor=users["receiving"],
        household=case.household,
        started_on=today_date,
        concern="訪問しても会えない",
    )

    # A numbered copy of the meeting's papers, issued to the pledged attendee.
    packet_job = ReportJob.objects.create(
        kind=ReportJob.Kind.MEETING_PACKET,
        meeting=meeting,
        requested_by=secretariat,
        status=ReportJob.Status.DONE,
    )
    issued = ReportFile.objects.create(
        job=packet_job,
        label="会議資料 No.1",
        filename="kaigi-shiryo-No1.pdf",
        content_type="application/pdf",
        path="reports/none.pdf",
        size=1,
        sha256="0" * 64,
        meeting=meeting,
        attendee=meeting.attendees.get(user=users["pledged"]),
        copy_number=1,
        recipient_name="w_pledged",
        copy_status=ReportFile.CopyStatus.ISSUED,
    )
    assign_perm("reports.download_reportfile", secretariat, issued)
    assign_perm("reports.download_reportfile", users["pledged"], issued)

    # Each persona's client, logged in with a verified second factor.
    clients = {"anonymous": Client()}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        verify_client(client, user)
        clients[name] = client

    m = {"pk": meeting.pk}
    b = {"pk": body.pk}
    member_kwargs = {"household_pk": case.household_id, "person_pk": person.pk}
    today = timezone.localdate()
    pledge_row = body.members.get(user=users["pledged"]).pledges.get()
    kwargs = {
        "cases:case_edit": {"pk": case.pk},
        "cases:record_new": {"pk": case.pk},
        "cases:record_correct": {"pk": case.pk, "record_pk": record.pk},
        "cases:record_cancel": {"pk": case.pk, "record_pk": record.pk},
        "cases:case_suspend": {"pk": case.pk},
        "cases:case_close": {"pk": case.pk},
        "cases:assessment_edit": {"pk": case.pk},
        "cases:plan_new": {"pk": paused.pk},
        "cases:plan_edit": {"pk": case.pk, "plan_pk": draft.pk},
        "cases:plan_approve": {"pk": case.pk, "plan_pk": draft.pk},
        "cases:plan_revise": {"pk": second_case.pk, "plan_pk": other_plan.pk},
        "cases:plan_task_new": {"pk": case.pk, "plan_pk": draft.pk},
        "cases:plan_task_remove": {"pk": case.pk, "plan_pk": draft.pk, "task_pk": draft_task.pk},
        "cases:plan_task_report": {
            "pk": case.pk,
            "plan_pk": first_plan.pk,
            "task_pk": reported.pk,
        },
        "cases:plan_stakeholder_new": {"pk": case.pk, "plan_pk": draft.pk},
        "cases:plan_stakeholder_remove": {
            "pk": case.pk,
            "plan_pk": draft.pk,
            "stakeholder_pk": stakeholder.pk,
        },
        "cases:case_resume": {"pk": paused.pk},
        "cases:case_reopen": {"pk": closed.pk},
        "cases:case_access": {"pk": case.pk},
        "cases:case_access_revoke": {"pk": case.pk, "access_pk": partner_access.pk},
        "cases:emergency_new": {"pk": case.household_id},
        "cases:emergency_approve": {"pk": pending.pk},
        "cases:emergency_end": {"pk": pending.pk},
        "cases:dv_measure_new": {"pk": handed.household_id},
        "cases:dv_measure_end": {"pk": handed.household_id, "measure_pk": measure.pk},
        "cases:case_open": {"consultation_pk": handed.pk},
        "cases:household_edit": {"pk": case.household_id},
        "cases:household_merge": {"pk": case.household_id},
        "cases:household_split": {"pk": case.household_id},
        "cases:person_merge": {"pk": case.household_id},
        "cases:person_edit": {"household_pk": case.household_id, "pk": person.pk},
        "cases:person_add": {"household_pk": case.household_id},
        "consent:consent_new": member_kwargs,
        "consent:consent_withdraw": {**member_kwargs, "pk": consent.pk},
        "meetings:meeting_edit": m,
        "meetings:meeting_attendees": m,
        "meetings:attendee_remove": {
            **m,
            "attendee_pk": meeting.attendees.get(user=users["expired"]).pk,
        },
        "meetings:agenda_build": m,
        "meetings:item_detail": {**m, "item_pk": item.pk},
        "meetings:item_remove": {**m, "item_pk": concern.pk},
        "meetings:decision_remove": {**m, "item_pk": item.pk, "decision_pk": decision.pk},
        "meetings:decision_report": {"pk": assigned.pk},
        "meetings:issue_add": m,
        "meetings:meeting_recheck": m,
        "meetings:meeting_close": m,
        "meetings:body_edit": b,
        "meetings:member_add": b,
        "meetings:pledge_new": {**b, "member_pk": adhoc_member.pk},
        "meetings:pledge_revoke": {
            **b,
            "member_pk": pledge_row.member_id,
            "pledge_pk": pledge_row.pk,
        },
        "meetings:handling_end": {**b, "handling_pk": body.handlings.get().pk},
        "meetings:proposal_new": {"household_pk": case.household_id},
        "meetings:proposal_forward": {"pk": routed.pk},
        "meetings:proposal_decline": {"pk": proposed.pk},
        "meetings:proposal_withdraw": {"pk": proposed.pk},
        "staff:transfer": {"pk": transfer_target.pk},
        "accounts:password_set": {"uidb64": "MQ", "token": "made-up-token"},
        "staff:handover": {"pk": coordinator.pk},
        "referrals:referral_new_from_consultation": {"consultation_pk": handed.pk},
        "referrals:referral_new_from_case": {"case_pk": case.pk},
        "referrals:referral_accept": {"pk": sheet.pk},
        "referrals:referral_decline": {"pk": sheet.pk},
        "referrals:referral_withdraw": {"pk": sheet.pk},
        "referrals:referral_complete": {"pk": taken.pk},
        "cases:outreach_contact_new": {"pk": engagement.pk},
        "cases:outreach_end": {"pk": engagement.pk},
        "cases:participation_new": {"pk": case.pk},
        "cases:participation_edit": {"pk": case.pk, "participation_pk": matched.pk},
        "resources:resource_edit": {"pk": resource.pk},
        "resources:resource_figures": {"pk": resource.pk},
        "reports:packet_request": m,
        "reports:copy_return": {"pk": issued.pk},
        "reports:copy_reissue": {"pk": issued.pk},
        "reports:disclosure_new": {"household_pk": case.household_id, "pk": person.pk},
        "reports:disclosure_draft": {"pk": disclosure.pk},
        "reports:disclosure_decide": {"pk": disclosure.pk},
    }
    case.refresh_from_db()  # its plans moved it on (and its version with it)
    query = {
        "cases:intake_form": f"?household={case.household_id}",
        # The merge page lists the records found by this name (the handed household).
        "cases:household_merge": "?q=高橋",
        "cases:outreach_new": f"?household={case.household_id}",
    }
    household = case.household
    data = {
        "cases:case_edit": {
            "version": case.version,
            "status": "assessment",
            "main_agency": case.main_agency_id,
            "lead_coordinator": coordinator.pk,
            "reason": "アセスメント開始",
        },
        "cases:case_access": {
            "agency": AgencyFactory(
                name="子育て支援課（書込み表）", kind=Agency.Kind.MUNICIPAL_DEPARTMENT
            ).pk,
            "reason": "児童福祉法に基づく役割分担",
            **date_post("valid_until", None),
        },
        "cases:case_access_revoke": {"reason": "支援終了"},
        "cases:record_new": {
            **once(),
            **date_post("occurred_on", today),
            "kind": "phone",
            "content": "電話で近況を確認した。",
        },
        "cases:record_correct": {
            "version": record.version,
            **date_post("occurred_on", today),
            "kind": "visit",
            "content": "訪問した（同居の母と面談）。",
            "reason": "聞き取りの追記",
        },
        "cases:record_cancel": {"reason": "別の世帯の記録だった"},
        "cases:case_suspend": {"reason": "refusal", "note": "支援を拒否された"},
        "cases:case_resume": {"note": "本人から連絡があった"},
        "cases:case_close": {
            "reason": "resolved",
            "improvement": "improved",
            "evaluation": "就労につながった。",
        },
        "cases:case_reopen": {"reason": "再び相談があった"},
        "cases:assessment_edit": {
            **date_post("assessed_on", today),
            "household_situation": "母と長男の二人世帯。",
            "strengths": "",
            "risks": "",
            "m0-work": "unknown",
            "m0-housing": "owned",
            "m0-insurance": "unknown",
            "m0-pension": "unknown",
        },
        "cases:plan_new": {
            "long_term_goal": "安心して暮らす",
            "short_term_goal": "連絡を取り戻す",
            **date_post("monitoring_on", today + dt.timedelta(days=30)),
            **date_post("agreed_on", None),
        },
        "cases:plan_edit": {
            "version": 2,
            "long_term_goal": "安心して暮らす（改訂）",
            "short_term_goal": "通院の再開",
            "urgent": "on",
            **date_post("monitoring_on", today + dt.timedelta(days=60)),
            **date_post("agreed_on", None),
        },
        "cases:plan_approve": {},
        "cases:plan_revise": {},
        "cases:plan_task_new": {
            "agency": window.pk,
            "content": "家計の相談に同行",
            **date_post("due_on", None),
        },
        "cases:plan_task_remove": {},
        "cases:plan_task_report": {"done": "on", "report": "訪問し面談した"},
        "cases:plan_stakeholder_new": {"kind": "company", "agency": "", "name": "スーパー丸山"},
        "cases:plan_stakeholder_remove": {},
        "cases:emergency_new": {
            "agency": nobody.pk,
            "legal_basis": "27_1_1",
            "reason": "警察からの照会",
            "consent_obstacle": "本人と連絡が取れない",
            "days": "2",
        },
        "cases:emergency_approve": {},
        "cases:emergency_end": {"reason": "不要になった"},
        "cases:dv_measure_new": {
            "person": handed.person_id,
            **date_post("valid_from", today),
            **date_post("valid_until", None),
            "note": "住民票の閲覧制限",
        },
        "cases:dv_measure_end": {"reason": "措置の終了"},
        "cases:case_open": {
            "subjects": [handed.person_id],
            "main_agency": window.pk,
            "lead_coordinator": coordinator.pk,
        },
        "cases:intake_form": {
            "c-consent_state": "refused",
            **date_post("c-received_date", today),
            "c-received_time": "00:01",
            "c-channel": "phone",
            "c-consulter": "self",
            "c-issues": [issue().pk],
            "c-main_issue": issue().pk,
            "c-summary": "近況の相談",
            "c-outcome": Consultation.Outcome.CONTINUING,
            "s-subject": str(person.pk),
            "m-TOTAL_FORMS": "0",
            "m-INITIAL_FORMS": "0",
            "m-MIN_NUM_FORMS": "0",
            "m-MAX_NUM_FORMS": "20",
            "save": "1",
        },
        "cases:household_merge": {
            "target": handed.household_id,
            "reason": "同じ世帯だった",
            "confirm": "on",
        },
        "cases:household_split": {"members": [leaver.pk], "reason_kind": "moved_out"},
        "cases:person_merge": {
            "source": leaver.pk,
            "target": person.pk,
            "reason": "同じ人だった",
            "confirm": "on",
        },
        "cases:household_edit": {
            "version": household.version,
            "postal_code": household.postal_code,
            "address": household.address,
            "phone": "0561-99-9999",
            "notes": "",
        },
        "cases:person_edit": {
            **{
                k: v
                for k, v in member_data().items()
                if k not in ("birth_date", "phone", "address")
            },
            "birth_date_0": "西暦",
            "birth_date_1": "1970",
            "birth_date_2": "5",
            "birth_date_3": "5",
            "phone": "090-9999-0000",
            "address": "",
            "notes": "",
            "version": person.version,
        },
        "cases:person_add": {
            **{k: v for k, v in member_data(given_name="次郎").items() if k != "birth_date"},
            "relation": "child",
            "birth_date_0": "",
            "notes": "",
        },
        "consent:consent_new": {
            "given_by": "self",
            **once(),
            "proxy_name": "",
            "agencies": [nobody.pk],
            "purposes": ["sharing"],
            "method": "written",
            "witness": "",
            **date_post("obtained_on", today),
            **date_post("valid_until", None),
        },
        "consent:consent_withdraw": {**date_post("withdrawn_on", today), "reason": "本人から"},
        "meetings:meeting_new": {
            "bodies": [body.pk],
            **date_post("date", today + dt.timedelta(days=14)),
            "start_time": "14:00",
            "kind": "regular",
            "place": "第2会議室",
        },
        "meetings:meeting_edit": {
            "bodies": [body.pk],
            **date_post("date", today),
            "start_time": "15:00",
            "kind": "regular",
            "place": "第3会議室",
        },
        "meetings:meeting_attendees": {
            "form": "adhoc",
            "name": "民生委員 乙",
            "agency": nobody.pk,
            "title": "民生委員",
        },
        "meetings:attendee_remove": {},
        "meetings:agenda_build": {"body": body.pk, "proposal": second_pending.pk},
        "meetings:proposal_new": {"body": body.pk, "purpose": "sharing", "reason": "見守りの分担"},
        "meetings:proposal_decline": {"reason": "次回に回す"},
        "meetings:item_detail": {"form": "minutes", "minutes": "見守りを続ける。", "version": 1},
        "meetings:item_remove": {},
        "meetings:decision_remove": {},
        "meetings:decision_report": {"done": "on", "report": "訪問した"},
        "meetings:issue_add": {"content": "移動手段のない高齢者が多い。"},
        "meetings:meeting_recheck": {},
        "meetings:meeting_close": {},
        "meetings:body_new": {"name": "新しい支援会議", "kind": body.kind, "chair": ""},
        "meetings:body_edit": {"name": "支援会議（改称）", "kind": body.kind, "chair": ""},
        "meetings:member_add": {"user": "", "name": "民生委員 丙", "agency": nobody.pk},
        "meetings:pledge_new": {**date_post("signed_on", today), **date_post("valid_until", None)},
        "meetings:pledge_revoke": {"reason": "異動"},
        "meetings:handling_end": {"reason": "見守り体制が整った"},
        "referrals:referral_new_from_consultation": {
            "to_agency": other_hub.pk,
            "issues": [issue().pk],
            **sheet_data(),
        },
        "referrals:referral_new_from_case": {
            "to_agency": other_hub.pk,
            "person": person.pk,
            "issues": [issue().pk],
            **sheet_data(),
        },
        "referrals:referral_accept": {},
        "referrals:referral_decline": {"reason": "定員に空きがない"},
        "referrals:referral_withdraw": {"reason": "記入誤り"},
        "referrals:referral_complete": {"note": "利用開始"},
        "staff:transfer": {"agency": window.pk, "reason": "人事異動"},
        "staff:handover": {"successor": second_coordinator.pk, "reason": "異動"},
        "cases:participation_new": {
            "person": person.pk,
            "resource": resource.pk,
            **date_post("started_on", today),
            "status": "participating",
            "outcome": "週1回通っている",
            **date_post("ended_on", None),
            "note": "",
        },
        "cases:participation_edit": {
            "version": matched.version,
            **date_post("started_on", today),
            "status": "participating",
            "outcome": "品出しの体験を始めた",
            **date_post("ended_on", None),
            "note": "",
        },
        "resources:resource_new": {"name": "若葉子ども食堂", "kind": "kodomo_shokudo"},
        "resources:resource_edit": {
            "name": "丸山商店",
            "kind": "business",
            "offers": "就労体験の受け入れ（品出し）",
            "is_active": "on",
        },
        "resources:resource_figures": {
            "fiscal_year": str(fiscal_year(timezone.now())),
            "participants": "12",
            "citizens_running": "2",
            "agencies_count": "1",
        },
        "reports:annual_request": {"fiscal_year": "2025"},
        "reports:disclosure_new": {**date_post("received_on", today), "note": "窓口で請求"},
        "reports:disclosure_decide": {
            "decision": "partial",
            **date_post("decided_on", today),
            "withheld_note": "通報者の情報",
        },
        "reports:national_request": {"fiscal_year": "2025"},
        "reports:targets": {
            "fiscal_year": str(fiscal_year(timezone.now())),
            "target": "90",
            "note": "実施計画の目標",
        },
        "login": {"username": "w_none", "password": TEST_PASSWORD},
        "accounts:password_change": {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
        "accounts:mfa_setup": {},
        "accounts:mfa_verify": {},
        "accounts:mfa_recovery_codes": {},
        "accounts:mfa_reenrol": {"token": "000000"},
        "accounts:password_set": {"new_password1": "x" * 20, "new_password2": "x" * 20},
        "cases:outreach_new": {
            **date_post("started_on", today),
            "concern": "民生委員から、新聞が溜まっていると連絡があった。",
        },
        "cases:outreach_contact_new": {
            **date_post("contacted_on", today),
            "method": "visit",
            "with_whom": "本人",
            "what_happened": "玄関先で話せた。",
        },
        "cases:outreach_end": {
            **date_post("ended_on", today),
            "end_reason": "相談受付につながった",
        },
    }
    cookies = {name: copy.deepcopy(client.cookies) for name, client in clients.items()}
    return {"clients": clients, "cookies": cookies, "kwargs": kwargs, "query": query, "data": data}


def fingerprint() -> tuple[int, ...]:
    """Every service write leaves a history row or a timeline event: their counts
    change with any write to case content, master data or meetings (a report job,
    which keeps no history, is counted itself)."""
    counts = [
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    ]
    return (*counts, CaseEvent.objects.count(), ReportJob.objects.count())


def denied_count() -> int:
    return AccessEvent.objects.filter(action=AccessEvent.Action.DENIED).count()


@pytest.fixture
def cell(world, db):
    """A savepoint per cell: whatever a cell writes is rolled back after it."""
    return world


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", [r.url for r in ROWS])
def test_write_matrix(cell, url_name, persona):
    spec = ROW_BY_URL[url_name]
    want = spec.expected[PERSONAS.index(persona)]
    url = reverse(url_name, kwargs=cell["kwargs"].get(url_name, {}))
    url += cell["query"].get(url_name, "")
    client = cell["clients"][persona]
    # A cell that logged out or changed a password rolled that back in the database;
    # the client gets its original session cookie back.
    client.cookies = copy.deepcopy(cell["cookies"][persona])
    before, denied_before = fingerprint(), denied_count()
    # Every request is a fresh page: a create form's one-time token is new each time.
    data = {**cell["data"].get(url_name, {}), **once(), "c-form_token": once()["form_token"]}
    response = client.post(url, data)
    status = response.status_code
    if want == OK:
        assert status == spec.ok_status, f"{persona} POST {url}: {status}"
        if spec.changes:
            assert fingerprint() != before, f"{persona} POST {url} changed nothing"
        return
    assert status == want, f"{persona} POST {url}: {status}, want {want}"
    if persona == "anonymous":
        if want == L and url_name != "login":
            assert response["Location"].startswith(reverse("login"))
        return
    if status in (403, 404):
        assert fingerprint() == before, f"{persona} POST {url} was refused but wrote"
        if spec.logs_denial:
            assert denied_count() == denied_before + 1, f"{persona} POST {url}: no denied event"


@pytest.mark.django_db
def test_every_post_url_has_a_row(login, coordinator):
    """A routed URL that accepts POST needs a row; every other URL refuses POST (405)
    before it looks at anything, so a read view cannot be made to act by a POST."""
    http = login(coordinator)
    names = {resolve(u).view_name: u for u in routed_urls() if not u.startswith("/admin/")}
    accepting = {
        name
        for name, sample in names.items()
        if name not in ROW_BY_URL and http.post(sample).status_code != 405
    }
    assert not accepting, f"POST URLs without a row in the write matrix: {sorted(accepting)}"
    assert not set(ROW_BY_URL) - set(names), "rows for URLs that no longer exist"


def test_the_world_reaches_each_persona_by_its_basis(world, db):
    from agencies.models import User
    from cases.permissions import access_rows_for
    from cases.selectors import case_get_for_user

    case_pk = world["kwargs"]["cases:case_edit"]["pk"]
    expected = {
        "none": set(),
        "receiving": {CaseAccess.Basis.RECEIVING_AGENCY},
        "consent": {CaseAccess.Basis.CONSENT},
        "partner": {CaseAccess.Basis.CONSENT, CaseAccess.Basis.COLLABORATION_PARTNER},
        "managing": {CaseAccess.Basis.COLLABORATION, CaseAccess.Basis.CONSENT},
        "other_hub": set(),
        "pledged": {CaseAccess.Basis.SUPPORT_MEETING},
        "expired": set(),
        "emergency": {CaseAccess.Basis.EMERGENCY},
        "secretariat": set(),
        "manager": set(),
        "admin": set(),
    }
    for persona, bases in expected.items():
        user = User.objects.get(username=f"w_{persona}")
        got = set(access_rows_for(user).filter(case_id=case_pk).values_list("basis", flat=True))
        assert got == bases, persona
        if bases:
            assert case_get_for_user(user=user, pk=case_pk).pk == case_pk
