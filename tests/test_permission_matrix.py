"""The URL × role permission matrix (DESIGN.md "Deny by default").

Every URL name the project routes must have a row here — a new URL without one fails
`test_every_routed_url_has_a_row`. Each row gives the status each persona gets.
Personas: anonymous, coordinator, staff of the assigned agency, staff of an
unassigned agency, secretariat, manager, admin. 404 means "invisible, as if it did
not exist"; 403 "visible or known, but not allowed".
"""

from __future__ import annotations

import copy
import datetime as dt
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from agencies.services import resource_save
from cases import services
from cases.services import outreach, participation, plans, support
from meetings.models import Meeting
from tests.factories import (
    AgencyFactory,
    make_consent,
    make_consultation,
    open_case,
    user_with_role,
    verify_client,
)
from tests.meetings.helpers import matrix_objects
from tests.reports.helpers import report_objects
from tests.test_url_protection import routed_urls

PERSONAS = (
    "anonymous",
    "coordinator",
    "staff_assigned",
    "staff_unassigned",
    "secretariat",
    "manager",
    "admin_user",
)
LOGIN = 302  # anonymous: redirected to the login page

# url name                        method  anon   coord assigned unassigned secr  mgr   admin
MATRIX: dict[str, tuple[str, tuple[int, ...]]] = {
    "home":                         ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "login":                        ("GET",  (200,   302, 302, 302, 302, 302, 302)),
    "logout":                       ("POST", (LOGIN, 302, 302, 302, 302, 302, 302)),
    "healthz":                      ("GET",  (200,   200, 200, 200, 200, 200, 200)),
    "accounts:password_change":     ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    # The personas are signed in with a verified second factor: setup and verify
    # send them on; the recovery-code page is theirs.
    "accounts:mfa_setup":           ("GET",  (LOGIN, 302, 302, 302, 302, 302, 302)),
    "accounts:mfa_verify":          ("GET",  (LOGIN, 302, 302, 302, 302, 302, 302)),
    "accounts:mfa_recovery_codes":  ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "accounts:session_keepalive":   ("POST", (LOGIN, 200, 200, 200, 200, 200, 200)),
    "accounts:session_status":      ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "accounts:mfa_reenrol":         ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    # The one-time link is public (the user is not logged in yet); a made-up token
    # shows only 「このリンクは使えません」.
    "accounts:password_set":        ("GET",  (200,   200, 200, 200, 200, 200, 200)),
    "accounts:password_set_done":   ("GET",  (200,   200, 200, 200, 200, 200, 200)),
    "cases:case_list":              ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:consultation_list":      ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:household_list":         ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:intake_start":           ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:intake_form":            ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:case_detail":            ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:case_edit":              ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:case_access":            ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:case_access_revoke":     ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "cases:case_history":           ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:case_timeline":          ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    # 支援経過: read by everyone with access, written by those who work the case.
    "cases:record_list":            ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:record_print":           ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:record_new":             ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:record_detail":          ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:record_correct":         ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:record_cancel":          ("POST", (LOGIN, 302, 302, 404, 404, 404, 404)),
    # アセスメント and 支援プラン: read with the case; written by the managing coordinators.
    "cases:assessment_detail":      ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:assessment_edit":        ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:plan_new":               ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:plan_detail":            ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:plan_print":             ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:plan_edit":              ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:plan_approve":           ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "cases:plan_revise":            ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "cases:plan_task_new":          ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:plan_task_remove":       ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "cases:plan_stakeholder_new":   ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:plan_stakeholder_remove": ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    # 役割分担: the agency it is assigned to reports (an empty report is refused with a
    # message on the plan page).
    "cases:plan_task_report":       ("POST", (LOGIN, 302, 302, 404, 404, 404, 404)),
    "cases:my_tasks":               ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:monitoring_due":         ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    # 中断・終結・再開: the managing coordinators.
    "cases:case_suspend":           ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:case_resume":            ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:case_close":             ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:case_reopen":            ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    # Break-glass: the managing coordinators provide; any coordinator confirms or ends.
    "cases:emergency_new":          ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:emergency_list":         ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    "cases:emergency_approve":      ("POST", (LOGIN, 302, 404, 404, 404, 404, 404)),
    "cases:emergency_end":          ("POST", (LOGIN, 302, 404, 404, 404, 404, 404)),
    # DV等支援措置: the managing coordinators record and end it (on an uncased household
    # here, which its window manages too — but only a coordinator may).
    "cases:dv_measure_new":         ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:dv_measure_end":         ("POST", (LOGIN, 302, 404, 404, 404, 404, 404)),
    "cases:consultation_detail":    ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:case_open":              ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:household_detail":       ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:household_edit":         ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    # 統合・分離: manage on the household (統合 by coordinators only).
    "cases:household_merge":        ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:household_split":        ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:person_merge":           ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    # The receiving window works the case (contact details) but does not manage it.
    "cases:person_add":             ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "cases:person_edit":            ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "consent:person_consents":      ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "consent:consent_new":          ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "consent:consent_withdraw":     ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "consent:consent_document":     ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "consent:consents_expiring":    ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    "staff:list":                   ("GET",  (LOGIN, 403, 403, 403, 403, 403, 200)),
    "staff:transfer":               ("GET",  (LOGIN, 403, 403, 403, 403, 403, 200)),
    "staff:handover":               ("GET",  (LOGIN, 200, 403, 403, 403, 403, 200)),
    # Meetings (非公開): the secretariat manages; attendees read (the coordinator holds a
    # pledge for the 支援会議 on the agenda, the assigned agency's staff does not);
    # managers and administrators see nothing. Body pages are the secretariat's alone.
    "meetings:meeting_list":        ("GET",  (LOGIN, 200, 200, 200, 200, 403, 403)),
    "meetings:meeting_new":         ("GET",  (LOGIN, 403, 403, 403, 200, 403, 403)),
    "meetings:meeting_detail":      ("GET",  (LOGIN, 200, 200, 404, 200, 404, 404)),
    "meetings:meeting_edit":        ("GET",  (LOGIN, 403, 403, 404, 200, 404, 404)),
    "meetings:meeting_attendees":   ("GET",  (LOGIN, 403, 403, 404, 200, 404, 404)),
    "meetings:attendee_remove":     ("POST", (LOGIN, 403, 403, 404, 302, 404, 404)),
    "meetings:agenda_build":        ("GET",  (LOGIN, 403, 403, 404, 200, 404, 404)),
    "meetings:item_detail":         ("GET",  (LOGIN, 200, 404, 404, 200, 404, 404)),
    "meetings:item_remove":         ("POST", (LOGIN, 403, 404, 404, 302, 404, 404)),
    "meetings:decision_remove":     ("POST", (LOGIN, 403, 404, 404, 302, 404, 404)),
    # A 支援会議 decision assigned to the hub: its pledged members (the coordinator and the
    # secretariat here) report; an empty report is refused with a message.
    "meetings:my_decisions":        ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "meetings:decision_report":     ("POST", (LOGIN, 302, 404, 404, 302, 404, 404)),
    "meetings:issue_add":           ("POST", (LOGIN, 403, 403, 404, 302, 404, 404)),
    "meetings:meeting_recheck":     ("POST", (LOGIN, 403, 403, 404, 302, 404, 404)),
    "meetings:meeting_close":       ("POST", (LOGIN, 403, 403, 404, 302, 404, 404)),
    "meetings:meeting_papers":      ("GET",  (LOGIN, 200, 200, 404, 200, 404, 404)),
    # 議題の申出: a window and the coordinators propose; the secretariat decides.
    "meetings:proposal_list":       ("GET",  (LOGIN, 200, 200, 200, 200, 403, 403)),
    "meetings:proposal_new":        ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "meetings:proposal_forward":    ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "meetings:proposal_decline":    ("POST", (LOGIN, 403, 404, 404, 302, 404, 404)),
    "meetings:proposal_withdraw":   ("POST", (LOGIN, 302, 404, 404, 403, 404, 404)),
    "meetings:body_list":           ("GET",  (LOGIN, 403, 403, 403, 200, 403, 403)),
    "meetings:body_new":            ("GET",  (LOGIN, 403, 403, 403, 200, 403, 403)),
    "meetings:body_detail":         ("GET",  (LOGIN, 404, 404, 404, 200, 404, 404)),
    "meetings:body_edit":           ("GET",  (LOGIN, 404, 404, 404, 200, 404, 404)),
    "meetings:member_add":          ("GET",  (LOGIN, 404, 404, 404, 200, 404, 404)),
    "meetings:pledge_new":          ("GET",  (LOGIN, 404, 404, 404, 200, 404, 404)),
    "meetings:pledge_revoke":       ("POST", (LOGIN, 404, 404, 404, 302, 404, 404)),
    "meetings:pledge_document":     ("GET",  (LOGIN, 404, 404, 404, 200, 404, 404)),
    "meetings:handling_end":        ("POST", (LOGIN, 404, 404, 404, 302, 404, 404)),
    # つなぐシート: the window that took the consultation sends it to the hub; the hub's
    # coordinators answer; the sender withdraws; nobody else sees the sheet.
    "referrals:referral_list":      ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "referrals:referral_monthly":   ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    "referrals:referral_new_from_consultation": ("GET", (LOGIN, 200, 200, 404, 404, 404, 404)),
    "referrals:referral_new_from_case": ("GET", (LOGIN, 200, 200, 404, 404, 404, 404)),
    "referrals:referral_detail":    ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "referrals:referral_accept":    ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    # Without a reason the form answers with its error.
    "referrals:referral_decline":   ("POST", (LOGIN, 200, 403, 404, 404, 404, 404)),
    "referrals:referral_complete":  ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    "referrals:referral_withdraw":  ("POST", (LOGIN, 403, 302, 404, 404, 404, 404)),
    # アウトリーチ: the list and a new one for the case roles; an engagement on the case's
    # household, which whoever works the case works.
    "cases:outreach_list":          ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:outreach_new":           ("GET",  (LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:outreach_detail":        ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:outreach_contact_new":   ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:outreach_end":           ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    # 参加支援: read on the case page; written by those who work the case.
    "cases:participation_new":      ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    "cases:participation_edit":     ("GET",  (LOGIN, 200, 200, 404, 404, 404, 404)),
    # 社会資源 (no personal data): read by the case roles and the managers, kept by the
    # coordinators (the admin role keeps it in the Django admin).
    "resources:resource_list":      ("GET",  (LOGIN, 200, 200, 200, 403, 200, 403)),
    "resources:resource_detail":    ("GET",  (LOGIN, 200, 200, 200, 403, 200, 403)),
    "resources:resource_new":       ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    "resources:resource_edit":      ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    "resources:resource_figures":   ("GET",  (LOGIN, 200, 403, 403, 403, 403, 403)),
    # 帳票: the annual file is the managers' (its job page too); a meeting's packets
    # page and its copies the secretariat's (the copy's recipient, the coordinator
    # here, may download it but not mark or reissue it). Empty request forms send the
    # allowed back with a message.
    "reports:index":                ("GET",  (LOGIN, 200, 200, 200, 200, 200, 200)),
    "reports:annual_request":       ("POST", (LOGIN, 403, 403, 403, 403, 302, 403)),
    "reports:national_request":     ("POST", (LOGIN, 302, 403, 403, 403, 403, 403)),
    "reports:meeting_packets":      ("GET",  (LOGIN, 403, 403, 404, 200, 404, 404)),
    "reports:packet_request":       ("POST", (LOGIN, 403, 403, 404, 302, 404, 404)),
    "reports:copy_return":          ("POST", (LOGIN, 403, 404, 404, 302, 404, 404)),
    "reports:copy_reissue":         ("POST", (LOGIN, 403, 404, 404, 302, 404, 404)),
    # 開示請求: the coordinators who manage the person (an empty form: 400; the draft
    # button without its token goes back with a message).
    "reports:disclosure_list":      ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "reports:disclosure_new":       ("POST", (LOGIN, 400, 403, 404, 404, 404, 404)),
    "reports:disclosure_draft":     ("POST", (LOGIN, 302, 403, 404, 404, 404, 404)),
    # One request: its page and its 開示決定 (an empty form: 400, refused and logged).
    "reports:disclosure_detail":    ("GET",  (LOGIN, 200, 403, 404, 404, 404, 404)),
    "reports:disclosure_decide":    ("POST", (LOGIN, 400, 403, 404, 404, 404, 404)),
    "reports:job_detail":           ("GET",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    "reports:job_status":           ("GET",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    "reports:file_download":        ("GET",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    # 成果指標の目標値 (no personal data): the managers set them.
    "reports:targets":              ("GET",  (LOGIN, 403, 403, 403, 403, 200, 403)),
    # 廃棄記録: the managers' (read-only; the disposal itself is a server command).
    "retention:plans":              ("GET",  (LOGIN, 403, 403, 403, 403, 200, 403)),
    "retention:plan_detail":        ("GET",  (LOGIN, 404, 404, 404, 404, 200, 404)),
}  # fmt: skip

# The Django admin (master data only) is one row for its whole namespace: only the
# admin role (is_staff) gets in. Others are sent to /admin/login/, which answers
# 403 to a signed-in user (and sends anonymous visitors to the one login page).
ADMIN_NAMESPACE_ROW = (LOGIN, 403, 403, 403, 403, 403, None)  # None: any status below 500


def test_every_routed_url_has_a_row():
    from django.urls import resolve

    names = {resolve(url).view_name for url in routed_urls()}
    missing = {n for n in names if not n.startswith("admin:")} - set(MATRIX)
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"
    assert not set(MATRIX) - names, "rows for URLs that no longer exist"


def consent_objects(case, coordinator) -> dict[str, dict]:
    """A consent with a scanned document, for the consent URLs."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    person = case.subjects.get()
    consent = make_consent(
        actor=coordinator,
        person=person,
        agencies=[coordinator.agency],
        purpose_sharing=False,
        document=SimpleUploadedFile("scan.pdf", b"%PDF-1.7 test"),
    )
    member = {"household_pk": case.household_id, "person_pk": person.pk}
    return {
        "consent:person_consents": member,
        "consent:consent_new": member,
        "consent:consent_withdraw": {**member, "pk": consent.pk},
        "consent:consent_document": {**member, "pk": consent.pk},
    }


def disclosure_objects(case, coordinator) -> dict[str, dict]:
    from reports.services import disclosure_request_record

    person = case.subjects.get()
    disclosure = disclosure_request_record(
        actor=coordinator, person=person, received_on=timezone.localdate()
    )
    member = {"household_pk": case.household_id, "pk": person.pk}
    return {
        "reports:disclosure_list": member,
        "reports:disclosure_new": member,
        "reports:disclosure_draft": {"pk": disclosure.pk},
        "reports:disclosure_detail": {"pk": disclosure.pk},
        "reports:disclosure_decide": {"pk": disclosure.pk},
    }


def disposal_plan(manager):
    """A 廃棄記録 as a listing leaves it (nothing in the world is past its 保存年限)."""
    from retention.models import DisposalPlan

    return DisposalPlan.objects.create(listed_by=manager, listed_at=timezone.now())


def referral_objects(coordinator, staff_assigned, *, case, uncased) -> dict[str, dict]:
    """A sheet the window sent to the hub (waiting), and one the hub accepted."""
    from referrals import services as referral_services
    from tests.referrals.helpers import send, window_consultation

    hub = coordinator.agency
    waiting = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    taken = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    referral_services.referral_accept(actor=coordinator, referral=taken)
    return {
        "referrals:referral_new_from_consultation": {"consultation_pk": uncased.pk},
        "referrals:referral_new_from_case": {"case_pk": case.pk},
        "referrals:referral_detail": {"pk": waiting.pk},
        "referrals:referral_accept": {"pk": waiting.pk},
        "referrals:referral_decline": {"pk": waiting.pk},
        "referrals:referral_complete": {"pk": taken.pk},
        "referrals:referral_withdraw": {"pk": waiting.pk},
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The personas and the assigned agency's case with its nested objects, built once
    for the module (each cell runs in its own savepoint and leaves it as it found it)."""
    private = override_settings(KASANE_PRIVATE_ROOT=tmp_path_factory.mktemp("private"))
    with django_db_blocker.unblock(), private, transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> dict:
    from conftest import ensure_migration_seed_data

    ensure_migration_seed_data()
    hub = AgencyFactory(name="福祉総務課（表）", is_collaboration_hub=True)
    assigned_agency = AgencyFactory(name="地域包括支援センター（表）")
    other_agency = AgencyFactory(name="障がい者基幹相談支援センター（表）")
    users = {
        "coordinator": user_with_role(Role.COORDINATOR, agency=hub, username="m_coordinator"),
        "staff_assigned": user_with_role(
            Role.AGENCY_STAFF, agency=assigned_agency, username="m_staff_assigned"
        ),
        "staff_unassigned": user_with_role(
            Role.AGENCY_STAFF, agency=other_agency, username="m_staff_unassigned"
        ),
        "secretariat": user_with_role(Role.SECRETARIAT, agency=hub, username="m_secretariat"),
        "manager": user_with_role(Role.MANAGER, agency=hub, username="m_manager"),
        "admin_user": user_with_role(
            Role.ADMIN, agency=hub, username="m_admin_user", is_staff=True
        ),
    }
    coordinator, staff_assigned = users["coordinator"], users["staff_assigned"]
    consultation = make_consultation(actor=staff_assigned)
    case = open_case(consultation, actor=coordinator, main_agency=assigned_agency)
    uncased = make_consultation(actor=staff_assigned)
    consent_kwargs = consent_objects(case, coordinator)
    emergency = services.emergency_access_request(
        actor=coordinator,
        case=case,
        agency=staff_assigned.agency,
        legal_basis="27_1_1",
        reason="照会",
        consent_obstacle="連絡が取れない",
        days=1,
    )
    measure = services.dv_measure_set(
        actor=coordinator, person=uncased.person, valid_from=dt.date(2026, 4, 1)
    )
    record = support.support_record_add(
        actor=staff_assigned,
        case=case,
        occurred_on=dt.date(2026, 4, 1),
        kind="visit",
        content="訪問した。",
    )
    plan = plans.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "安心して暮らす",
            "short_term_goal": "通院の再開",
            "urgent": True,
            "monitoring_on": dt.date(2026, 12, 1),
        },
    )
    task = plans.plan_task_add(
        actor=coordinator, plan=plan, agency=assigned_agency, content="見守り訪問"
    )
    stakeholder = plans.plan_stakeholder_add(
        actor=coordinator, plan=plan, kind="resident", agency=None, name="民生委員 甲"
    )
    plans.plan_approve(actor=coordinator, plan=plan)
    engagement = outreach.outreach_start(
        actor=staff_assigned,
        household=case.household,
        started_on=dt.date(2026, 4, 1),
        concern="訪問しても会えない",
    )
    resource = resource_save(actor=coordinator, data={"name": "丸山商店", "kind": "business"})
    matched = participation.participation_add(
        actor=staff_assigned,
        case=case,
        person=case.subjects.get(),
        resource=resource,
        started_on=dt.date(2026, 4, 1),
    )
    on_plan = {"pk": case.pk, "plan_pk": plan.pk}
    on_case = {"pk": case.pk}
    on_record = {"pk": case.pk, "record_pk": record.pk}
    objects = {
        **{
            name: on_case
            for name in (
                "cases:record_list",
                "cases:record_print",
                "cases:record_new",
                "cases:case_suspend",
                "cases:case_resume",
                "cases:case_close",
                "cases:case_reopen",
            )
        },
        "cases:assessment_detail": on_case,
        "cases:assessment_edit": on_case,
        "cases:plan_new": on_case,
        **{
            name: on_plan
            for name in (
                "cases:plan_detail",
                "cases:plan_print",
                "cases:plan_edit",
                "cases:plan_approve",
                "cases:plan_revise",
                "cases:plan_task_new",
                "cases:plan_stakeholder_new",
            )
        },
        "cases:plan_task_remove": {**on_plan, "task_pk": task.pk},
        "cases:plan_task_report": {**on_plan, "task_pk": task.pk},
        "cases:plan_stakeholder_remove": {**on_plan, "stakeholder_pk": stakeholder.pk},
        "cases:participation_new": on_case,
        "cases:participation_edit": {"pk": case.pk, "participation_pk": matched.pk},
        "resources:resource_detail": {"pk": resource.pk},
        "resources:resource_edit": {"pk": resource.pk},
        "resources:resource_figures": {"pk": resource.pk},
        "cases:record_detail": on_record,
        "cases:record_correct": on_record,
        "cases:record_cancel": on_record,
        **referral_objects(coordinator, staff_assigned, case=case, uncased=uncased),
        "cases:dv_measure_new": {"pk": uncased.household_id},
        "cases:dv_measure_end": {"pk": uncased.household_id, "measure_pk": measure.pk},
        "cases:case_detail": {"pk": case.pk},
        "cases:case_edit": {"pk": case.pk},
        "cases:case_access": {"pk": case.pk},
        "cases:case_access_revoke": {"pk": case.pk, "access_pk": case.accesses.first().pk},
        "cases:case_history": {"pk": case.pk},
        "cases:case_timeline": {"pk": case.pk},
        "cases:emergency_new": {"pk": case.household_id},
        "cases:emergency_approve": {"pk": emergency.pk},
        "cases:emergency_end": {"pk": emergency.pk},
        "cases:consultation_detail": {"pk": consultation.pk},
        "cases:case_open": {"consultation_pk": uncased.pk},
        "cases:household_detail": {"pk": case.household_id},
        "cases:household_edit": {"pk": case.household_id},
        "cases:household_merge": {"pk": case.household_id},
        "cases:household_split": {"pk": case.household_id},
        "cases:person_merge": {"pk": case.household_id},
        "cases:person_add": {"household_pk": case.household_id},
        "cases:person_edit": {
            "household_pk": case.household_id,
            "pk": case.household.members.first().pk,
        },
        **consent_kwargs,
        **{
            name: {"pk": engagement.pk}
            for name in (
                "cases:outreach_detail",
                "cases:outreach_contact_new",
                "cases:outreach_end",
            )
        },
        "staff:transfer": {"pk": staff_assigned.pk},
        "accounts:password_set": {"uidb64": "MQ", "token": "made-up-token"},
        "staff:handover": {"pk": coordinator.pk},
        **disclosure_objects(case, coordinator),
        "retention:plan_detail": {"pk": disposal_plan(users["manager"]).pk},
    }
    objects.update(
        matrix_objects(
            secretariat=users["secretariat"],
            coordinator=coordinator,
            staff_assigned=staff_assigned,
            case=case,
        )
    )
    objects.update(
        report_objects(
            manager=users["manager"],
            secretariat=users["secretariat"],
            recipient=coordinator,
            meeting=Meeting.objects.get(pk=objects["meetings:meeting_detail"]["pk"]),
        )
    )
    cookies = {"anonymous": SimpleCookie()}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        verify_client(client, user)
        cookies[name] = client.cookies
    return {"objects": objects, "cookies": cookies}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_matrix(world, db, persona, url_name):
    method, expected = MATRIX[url_name]
    url = reverse(url_name, kwargs=world["objects"].get(url_name, {}))
    http = Client()
    http.cookies = copy.deepcopy(world["cookies"][persona])
    response = http.post(url) if method == "POST" else http.get(url)
    want = expected[PERSONAS.index(persona)]
    assert response.status_code == want, f"{persona} {method} {url}"
    if persona == "anonymous" and want == LOGIN and url_name != "login":
        assert response["Location"].startswith(reverse("login"))


def _client_for(persona, request, client, login):
    if persona == "anonymous":
        return client
    return login(request.getfixturevalue(persona))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_namespace(request, client, login, persona):
    http = _client_for(persona, request, client, login)
    want = ADMIN_NAMESPACE_ROW[PERSONAS.index(persona)]
    for url in sorted({u for u in routed_urls() if u.startswith("/admin/")}):
        response = http.get(url, follow=True)
        if want is None:
            assert response.status_code < 500, url
        else:
            assert response.status_code == (200 if want == LOGIN else want), f"{persona} {url}"
            assert response.redirect_chain or url == "/admin/login/" or want == 403, url
            if want == LOGIN:
                assert response.redirect_chain[-1][0].startswith(reverse("login")), url


@pytest.mark.django_db
def test_an_unassigned_agency_sees_its_own_case(login, staff_unassigned, coordinator):
    """The other side of the 404 rows: the unassigned agency does see a case it holds."""
    case = open_case(make_consultation(actor=staff_unassigned), actor=coordinator)
    response = login(staff_unassigned).get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
