"""支援プラン, 役割分担, 関係者, the assessment, and 重層的支援会議 decisions as tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent, Agency
from agencies.roles import Role
from cases import selectors
from cases.models import Assessment, CaseEvent, PlanTask, SupportPlan
from cases.models.plans import NATIONAL_REPORT_FIELDS
from cases.services import plans
from core.japanese import fiscal_year
from meetings import services as meeting_services
from meetings.models import MeetingBody
from tests.factories import (
    AgencyFactory,
    date_post,
    issue,
    make_consent,
    make_consultation,
    open_case,
    user_with_role,
)
from tests.meetings.helpers import add_item, attend, make_body, make_meeting

pytestmark = pytest.mark.django_db


def plan_data(**overrides) -> dict:
    data = {
        "long_term_goal": "母子が地域で安心して暮らせる",
        "short_term_goal": "家計の立て直しと長男の通院再開",
        "urgent": False,
        "monitoring_on": timezone.localdate() + dt.timedelta(days=90),
        "person_wishes": "",
        "agreed_on": None,
    }
    data.update(overrides)
    return data


@pytest.fixture
def plan(case, coordinator):
    return plans.plan_create(actor=coordinator, case=case, data=plan_data())


def test_it_drafts_a_plan_with_history_and_a_timeline_line(plan, case, coordinator):
    assert plan.number == 1 and plan.status == SupportPlan.Status.DRAFT
    assert plan.history.get().history_user == coordinator
    assert case.events.filter(kind=CaseEvent.Kind.PLAN_SAVED).exists()
    with pytest.raises(ValidationError):
        plans.plan_create(actor=coordinator, case=case, data=plan_data())


def test_only_the_managing_coordinators_draft_and_approve(case, staff_assigned, plan):
    with pytest.raises(PermissionDenied):
        plans.plan_create(actor=staff_assigned, case=case, data=plan_data())
    with pytest.raises(PermissionDenied):
        plans.plan_approve(actor=staff_assigned, plan=plan)
    with pytest.raises(PermissionDenied):
        plans.plan_task_add(actor=staff_assigned, plan=plan, content="x", stakeholder_name="家族")


def test_a_task_goes_only_to_an_agency_with_a_working_basis(
    plan, coordinator, assigned_agency, case
):
    stranger = AgencyFactory(name="ハローワーク（プラン）", kind=Agency.Kind.OTHER)
    with pytest.raises(ValidationError) as refused:
        plans.plan_task_add(actor=coordinator, plan=plan, agency=stranger, content="就労支援")
    assert "根拠" in str(refused.value)
    assert not plan.tasks.exists()
    plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[stranger])
    plans.plan_task_add(actor=coordinator, plan=plan, agency=stranger, content="就労支援")
    plans.plan_task_add(actor=coordinator, plan=plan, stakeholder_name="民生委員", content="声かけ")
    assert plan.tasks.count() == 3
    # A task creates no access: the agencies reach the case by their own bases only.
    assert not case.accesses.filter(basis="partner").exists()


def test_approval_needs_the_meeting_or_urgency_and_a_task(plan, coordinator, assigned_agency):
    with pytest.raises(ValidationError) as before_meeting:
        plans.plan_approve(actor=coordinator, plan=plan)
    assert "協議" in str(before_meeting.value)
    plans.plan_update(
        actor=coordinator, plan=plan, data={"urgent": True}, expected_version=plan.version
    )
    with pytest.raises(ValidationError):
        plans.plan_approve(actor=coordinator, plan=plan)  # no task yet
    plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
    approved = plans.plan_approve(actor=coordinator, plan=plan)
    assert approved.status == SupportPlan.Status.APPROVED
    assert approved.awaits_discussion


def _plan_meeting(secretariat, coordinator, case, *, purpose="plan"):
    body = make_body(secretariat, kind=MeetingBody.Kind.GUIDELINE, name="重層的支援会議（プラン）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[coordinator.agency])
    meeting = make_meeting(secretariat, [body], date=timezone.localdate())
    attend(secretariat, meeting, coordinator)
    item = add_item(secretariat, meeting, body, case=case, purpose=purpose)
    return meeting, item


def test_a_held_meeting_discusses_the_plan_and_its_decision_becomes_a_task(
    plan, case, coordinator, secretariat, assigned_agency
):
    meeting, item = _plan_meeting(secretariat, coordinator, case)
    decision = meeting_services.decision_add(
        actor=secretariat,
        item=item,
        content="家計改善支援につなぐ",
        assignee_agency=assigned_agency,
        due_on=timezone.localdate() + dt.timedelta(days=30),
    )
    assert "役割分担に加えました" in decision.plan_note
    task = plan.tasks.get(decision_id=decision.pk)
    assert task.agency == assigned_agency and task.content == "家計改善支援につなぐ"
    meeting_services.meeting_close(actor=secretariat, meeting=meeting)
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.DISCUSSED
    assert plan.discussed_item_id == item.pk and plan.discussed_on == meeting.date
    plans.plan_approve(actor=coordinator, plan=plan)
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.APPROVED and not plan.awaits_discussion


def test_a_support_meeting_decision_stays_off_the_plan(plan, case, secretariat, assigned_agency):
    from tests.meetings.helpers import pledge

    body = make_body(secretariat, name="支援会議（プラン外）")
    pledge(secretariat, body, secretariat)
    meeting = make_meeting(secretariat, [body])
    item = add_item(secretariat, meeting, body, case=case)
    decision = meeting_services.decision_add(
        actor=secretariat, item=item, content="見守りを分担", assignee_agency=assigned_agency
    )
    assert decision.plan_note == ""
    assert not plan.tasks.exists()


def test_an_agency_reports_on_its_own_task_only(
    plan, case, coordinator, staff_assigned, assigned_agency
):
    other = AgencyFactory(name="社会福祉協議会（報告）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[other])
    other_staff = user_with_role(Role.AGENCY_STAFF, agency=other, username="other_reporter")
    own = plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="訪問")
    plans.plan_update(actor=coordinator, plan=plan, data={"urgent": True}, expected_version=1)
    plans.plan_approve(actor=coordinator, plan=plan)
    with pytest.raises(PermissionDenied):
        plans.plan_task_report(actor=other_staff, task=own, done=True, report="他機関から")
    plans.plan_task_report(actor=staff_assigned, task=own, done=True, report="訪問し面談した")
    own.refresh_from_db()
    assert own.status == PlanTask.Status.DONE and own.reported_by == staff_assigned
    assert case.events.filter(kind=CaseEvent.Kind.TASK_REPORTED).exists()
    assert list(selectors.tasks_for_agency(user=staff_assigned)) == []  # done: off the list


def test_my_tasks_lists_exactly_the_agencys_open_tasks_of_approved_plans(
    plan, case, coordinator, staff_assigned, assigned_agency, staff_unassigned, login
):
    mine = plans.plan_task_add(
        actor=coordinator, plan=plan, agency=assigned_agency, content="通院同行"
    )
    plans.plan_task_add(actor=coordinator, plan=plan, stakeholder_name="叔母", content="買い物")
    assert list(selectors.tasks_for_agency(user=staff_assigned)) == []  # not approved yet
    plans.plan_update(actor=coordinator, plan=plan, data={"urgent": True}, expected_version=1)
    plans.plan_approve(actor=coordinator, plan=plan)
    assert list(selectors.tasks_for_agency(user=staff_assigned)) == [mine]
    assert list(selectors.tasks_for_agency(user=staff_unassigned)) == []
    body = login(staff_assigned).get(reverse("cases:my_tasks")).content.decode()
    assert "通院同行" in body and "買い物" not in body


def test_a_new_version_keeps_the_old_until_it_is_approved(plan, coordinator, assigned_agency):
    plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
    plans.plan_stakeholder_add(
        actor=coordinator, plan=plan, kind="resident", agency=None, name="民生委員 山田"
    )
    plans.plan_update(actor=coordinator, plan=plan, data={"urgent": True}, expected_version=1)
    plans.plan_approve(actor=coordinator, plan=plan)
    second = plans.plan_revise(actor=coordinator, plan=plan)
    assert second.number == 2 and second.status == SupportPlan.Status.DRAFT
    assert [t.content for t in second.tasks.all()] == ["見守り"]
    assert second.stakeholders.count() == 1
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.APPROVED
    with pytest.raises(ValidationError):
        plans.plan_update(
            actor=coordinator,
            plan=plan,
            data={"short_term_goal": "上書き"},
            expected_version=plan.version,
        )
    plans.plan_update(actor=coordinator, plan=second, data={"urgent": True}, expected_version=1)
    plans.plan_approve(actor=coordinator, plan=second)
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.SUPERSEDED
    assert plan.short_term_goal == plan_data()["short_term_goal"]


def test_stakeholders_are_counted_once_per_fiscal_year_however_many_plans_name_them(
    coordinator, staff_assigned, assigned_agency
):
    for family in ("一", "二"):
        case = open_case(
            make_consultation(actor=staff_assigned, members=[{**_member(), "family_name": family}]),
            actor=coordinator,
            main_agency=assigned_agency,
        )
        plan = plans.plan_create(actor=coordinator, case=case, data=plan_data(urgent=True))
        plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
        plans.plan_stakeholder_add(
            actor=coordinator, plan=plan, kind="agency", agency=assigned_agency, name=""
        )
        # The same resident, typed with a full-width space once.
        name = "民生委員　山田" if family == "一" else "民生委員 山田"
        plans.plan_stakeholder_add(
            actor=coordinator, plan=plan, kind="resident", agency=None, name=name
        )
        plans.plan_approve(actor=coordinator, plan=plan)
    result = selectors.stakeholder_count(fiscal_year=fiscal_year(timezone.now()))
    assert result.count == 2
    assert result.by_kind == {"agency": 1, "resident": 1}
    assert "1年度に1回" in result.how


def _member():
    from tests.factories import member_data

    return member_data()


def test_the_assessment_is_written_per_member_and_marks_the_national_items(
    case, coordinator, staff_assigned
):
    person = case.subjects.get()
    with pytest.raises(PermissionDenied):
        plans.assessment_save(
            actor=staff_assigned,
            case=case,
            data={"household_situation": "x", "assessed_on": timezone.localdate()},
            members={},
            expected_version=None,
        )
    assessment = plans.assessment_save(
        actor=coordinator,
        case=case,
        data={
            "household_situation": "80代の母と50代の長男。長男はひきこもり。",
            "strengths": "近所の支え",
            "risks": "",
            "assessed_on": timezone.localdate(),
        },
        members={person: {"work": "unemployed", "housing": "owned", "issues": [issue()]}},
        expected_version=None,
    )
    row = assessment.members.get()
    assert row.work == "unemployed" and list(row.issues.all()) == [issue()]
    assert Assessment.objects.get().history.get().history_user == coordinator
    for label, name in NATIONAL_REPORT_FIELDS:
        from django.apps import apps

        apps.get_model(label)._meta.get_field(name)  # every declared item exists


def test_the_pages_walk_a_plan_from_draft_to_print(case, coordinator, assigned_agency, login):
    client = login(coordinator)
    detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:plan_new", args=[case.pk]) in detail
    response = client.post(
        reverse("cases:plan_new", args=[case.pk]),
        {
            "long_term_goal": "安心して暮らす",
            "short_term_goal": "通院の再開",
            "person_wishes": "",
            "urgent": "on",
            **date_post("monitoring_on", timezone.localdate() + dt.timedelta(days=60)),
            **date_post("agreed_on", None),
        },
    )
    assert response.status_code == 302
    plan = SupportPlan.objects.get(case=case)
    bad = client.post(
        reverse("cases:plan_task_new", args=[case.pk, plan.pk]), {"content": "", "agency": ""}
    )
    assert "支援内容を入力してください" in bad.content.decode()
    client.post(
        reverse("cases:plan_task_new", args=[case.pk, plan.pk]),
        {"agency": assigned_agency.pk, "content": "見守り訪問", **date_post("due_on", None)},
    )
    client.post(reverse("cases:plan_approve", args=[case.pk, plan.pk]))
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.APPROVED
    printed = client.get(reverse("cases:plan_print", args=[case.pk, plan.pk])).content.decode()
    assert "見守り訪問" in printed and "本人氏名（署名）" in printed
    assert AccessEvent.objects.filter(action=AccessEvent.Action.PRINT, user=coordinator).exists()


def test_a_plan_of_another_case_answers_404(case, coordinator, staff_assigned, login):
    other = open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    foreign = plans.plan_create(actor=coordinator, case=other, data=plan_data())
    url = reverse("cases:plan_detail", args=[case.pk, foreign.pk])
    assert login(coordinator).get(url).status_code == 404


def test_the_work_moves_the_case_forward_never_back(case, coordinator, assigned_agency):
    from cases.models import Case

    plans.assessment_save(
        actor=coordinator,
        case=case,
        data={"household_situation": "二人世帯", "assessed_on": timezone.localdate()},
        members={},
        expected_version=None,
    )
    case.refresh_from_db()
    assert case.status == Case.Status.ASSESSMENT
    plan = plans.plan_create(actor=coordinator, case=case, data=plan_data(urgent=True))
    case.refresh_from_db()
    assert case.status == Case.Status.PLANNING
    plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
    plans.plan_approve(actor=coordinator, plan=plan)
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT
    # A later assessment does not move it back.
    assessment = Assessment.objects.get(case=case)
    plans.assessment_save(
        actor=coordinator,
        case=case,
        data={"household_situation": "更新", "assessed_on": timezone.localdate()},
        members={},
        expected_version=assessment.version,
    )
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPORT


def test_a_closed_case_takes_no_task_report_or_removal(
    case, coordinator, staff_assigned, assigned_agency
):
    from cases.services import support

    plan = plans.plan_create(actor=coordinator, case=case, data=plan_data(urgent=True))
    task = plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="訪問")
    plans.plan_approve(actor=coordinator, plan=plan)
    support.case_close(
        actor=coordinator, case=case, reason="resolved", improvement="improved", evaluation="解決"
    )
    with pytest.raises(ValidationError):
        plans.plan_task_report(actor=staff_assigned, task=task, done=True, report="終結後")
    task.refresh_from_db()
    assert task.reported_at is None


def test_only_the_secretariat_writes_a_meetings_discussion_or_decision_into_a_plan(
    plan, case, coordinator, assigned_agency
):
    import uuid

    with pytest.raises(PermissionDenied):
        plans.plan_discussed_record(
            actor=coordinator,
            case=case,
            item_id=uuid.uuid4(),
            held_on=timezone.localdate(),
            body_name="重層的支援会議",
        )
    with pytest.raises(PermissionDenied):
        plans.plan_task_from_decision(
            actor=coordinator,
            case=case,
            decision_id=1,
            content="家計相談",
            agency=assigned_agency,
            stakeholder_name="",
            due_on=None,
        )
    plan.refresh_from_db()
    assert plan.status == SupportPlan.Status.DRAFT and not plan.tasks.exists()
