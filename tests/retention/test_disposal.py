"""保存年限と廃棄: what is past its 保存年限, the second person, what execution deletes
(with its history) and what it never touches."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from agencies.models import AccessEvent
from agencies.roles import Role
from cases.models import (
    Case,
    CaseEvent,
    Consultation,
    DvSupportMeasure,
    Household,
    OutreachContact,
    OutreachEngagement,
    Person,
)
from cases.services import outreach, support
from consent.models import Consent
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting
from reports.models import DisclosureRequest, ReportFile, ReportJob
from reports.services import disclosure_decide, disclosure_request_record
from retention import services as retention_services
from retention.disposal import CONTENT_MODELS, content_of, is_historical
from retention.models import DisposalItem, DisposalPlan, RecordKind
from retention.rules import retained_until, retention_years_all
from retention.selectors import disposal_candidates
from retention.services import (
    disposal_plan_approve,
    disposal_plan_cancel,
    disposal_plan_execute,
    disposal_plan_list,
)
from tests.factories import (
    close_case,
    make_consultation,
    member_data,
    open_case,
    user_with_role,
)
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge, propose

from .helpers import (
    close,
    closed_case,
    ended_outreach,
    full_case,
    history_rows,
    received_in,
    tokyo,
)

pytestmark = pytest.mark.django_db

M2M_HISTORIES = ("HistoricalCase_subjects", "HistoricalConsultation_issues")
NOW = tokyo(2024, 4, 1, 9, 0)  # 令和6年度 has begun: 平成30年度's closures are past 5 years


@pytest.fixture
def manager2(hub):
    return user_with_role(Role.MANAGER, agency=hub, username="manager2")


def approved(manager, manager2, *, now=NOW) -> DisposalPlan:
    listing = disposal_plan_list(actor=manager, now=now)
    assert listing.plan is not None, listing.held_back
    return disposal_plan_approve(actor=manager2, plan=listing.plan)


def history_of(model, ids) -> int:
    return model.history.model.objects.filter(**{f"{model._meta.pk.attname}__in": ids}).count()


# -- 保存年限 ------------------------------------------------------------------------


def test_it_counts_from_the_end_of_the_fiscal_year_of_closure(
    staff_assigned, coordinator, settings
):
    # 31 March 2019 closes 平成30年度; 1 April 00:30 in Tokyo is still 31 March in UTC
    # but already 令和元年度: the 年度 boundary is midnight in Asia/Tokyo.
    march = closed_case(
        window=staff_assigned, coordinator=coordinator, at=tokyo(2019, 3, 31, 23, 30)
    )
    april = closed_case(
        window=staff_assigned,
        coordinator=coordinator,
        at=tokyo(2019, 4, 1, 0, 30),
        family_name="佐藤",
    )
    assert april.closures.get().closed_at.astimezone(dt.UTC).date() == dt.date(2019, 3, 31)

    def listed(now):
        return [(c.number, c.retained_until) for c in disposal_candidates(now=now)]

    assert listed(tokyo(2024, 3, 31, 23, 59)) == []
    assert listed(tokyo(2024, 4, 1, 0, 0)) == [(march.number, dt.date(2024, 3, 31))]
    assert listed(tokyo(2025, 3, 31, 23, 59)) == [(march.number, dt.date(2024, 3, 31))]
    assert listed(tokyo(2025, 4, 1)) == [
        (march.number, dt.date(2024, 3, 31)),
        (april.number, dt.date(2025, 3, 31)),
    ]
    settings.KASANE_RETENTION_CASE_YEARS = 3
    assert listed(tokyo(2022, 4, 1)) == [(march.number, dt.date(2022, 3, 31))]
    assert retained_until(start_year=2018, years=5) == dt.date(2024, 3, 31)


def test_a_consultation_that_never_became_a_case_counts_from_its_own_fiscal_year(
    staff_assigned, coordinator, settings
):
    settings.KASANE_RETENTION_CONSULTATION_YEARS = 3
    old = received_in(make_consultation(actor=staff_assigned), tokyo(2019, 3, 31, 23, 0))
    newer = received_in(
        make_consultation(actor=staff_assigned, members=[member_data(family_name="高橋")]),
        tokyo(2019, 4, 1, 0, 10),
    )
    # One that became a case goes with its case, never on its own.
    cased = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2023, 1, 1))
    received_in(cased.consultations.get(), tokyo(2018, 5, 1))
    listed = [(c.kind, c.record_id) for c in disposal_candidates(now=tokyo(2022, 4, 1))]
    assert listed == [("consultation", str(old.pk))]
    listed = [c.record_id for c in disposal_candidates(now=tokyo(2023, 4, 1))]
    assert listed == [str(old.pk), str(newer.pk)]


# -- listing, the second person, the states -----------------------------------------


def test_listing_deletes_nothing_and_keeps_no_personal_data(
    staff_assigned, coordinator, secretariat, manager, settings, tmp_path
):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    case = full_case(
        window=staff_assigned,
        coordinator=coordinator,
        secretariat=secretariat,
        at=tokyo(2018, 6, 1),
    )
    content = content_of(case_ids=[case.pk], consultation_ids=[])
    before = {model: model._base_manager.count() for model in CONTENT_MODELS}
    histories = history_rows()

    listing = disposal_plan_list(actor=manager, now=NOW)

    assert {model: model._base_manager.count() for model in CONTENT_MODELS} == before
    assert history_rows() == histories
    assert all(content.ids[model] for model in (Case, Consultation, CaseEvent))
    item = listing.plan.items.get()
    assert (item.kind, item.number, item.status) == ("case", case.number, "listed")
    assert (item.fiscal_year, item.ended_on) == (2018, dt.date(2018, 6, 1))
    written = json.dumps(
        list(DisposalItem.history.values()) + list(DisposalPlan.history.values()),
        default=str,
        ensure_ascii=False,
    )
    assert "佐々木" not in written and "ささき" not in written


def test_listing_twice_does_not_list_a_record_again_and_nothing_makes_no_plan(
    staff_assigned, coordinator, manager
):
    closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    first = disposal_plan_list(actor=manager, now=NOW)
    assert first.plan.items.count() == 1
    second = disposal_plan_list(actor=manager, now=NOW)
    assert second.plan is None and second.held_back == []
    assert DisposalPlan.objects.count() == 1


def test_the_lister_may_not_approve_and_another_manager_may(
    staff_assigned, coordinator, manager, manager2
):
    closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan = disposal_plan_list(actor=manager, now=NOW).plan
    with pytest.raises(PermissionDenied, match="一覧を作成した本人は承認できません"):
        disposal_plan_approve(actor=manager, plan=plan)
    plan.refresh_from_db()
    assert plan.status == DisposalPlan.Status.LISTED and plan.approved_by is None
    # The database refuses it as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        DisposalPlan.objects.filter(pk=plan.pk).update(approved_by=manager)

    disposal_plan_approve(actor=manager2, plan=plan)
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (DisposalPlan.Status.APPROVED, manager2)
    assert [h.history_user for h in plan.history.order_by("history_date")] == [manager, manager2]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.SECRETARIAT])
def test_only_managers_list_approve_execute_and_cancel(
    staff_assigned, coordinator, manager, manager2, hub, role
):
    other = user_with_role(role, agency=hub, username=f"other_{role}")
    closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    with pytest.raises(PermissionDenied):
        disposal_plan_list(actor=other, now=NOW)
    assert not DisposalPlan.objects.exists()
    plan = disposal_plan_list(actor=manager, now=NOW).plan
    with pytest.raises(PermissionDenied):
        disposal_plan_approve(actor=other, plan=plan)
    disposal_plan_approve(actor=manager2, plan=plan)
    for refused in (
        lambda: disposal_plan_execute(actor=other, plan=plan, now=NOW),
        lambda: disposal_plan_cancel(actor=other, plan=plan, reason="やめる"),
    ):
        with pytest.raises(PermissionDenied):
            refused()
    plan.refresh_from_db()
    assert plan.status == DisposalPlan.Status.APPROVED
    assert Case.objects.count() == 1


def test_a_plan_is_executed_only_once_approved_and_never_once_cancelled(
    staff_assigned, coordinator, manager, manager2
):
    case = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan = disposal_plan_list(actor=manager, now=NOW).plan
    with pytest.raises(ValidationError, match="承認を受けてから"):
        disposal_plan_execute(actor=manager, plan=plan, now=NOW)
    with pytest.raises(ValidationError, match="理由を入力"):
        disposal_plan_cancel(actor=manager2, plan=plan, reason="  ")
    disposal_plan_cancel(actor=manager2, plan=plan, reason="監査の前なので延期")
    with pytest.raises(ValidationError):
        disposal_plan_approve(actor=manager2, plan=plan)
    with pytest.raises(ValidationError):
        disposal_plan_execute(actor=manager, plan=plan, now=NOW)
    assert Case.objects.filter(pk=case.pk).exists()
    # A cancelled plan frees its records for the next list.
    assert disposal_plan_list(actor=manager, now=NOW).plan.items.get().record_id == str(case.pk)


# -- execution ----------------------------------------------------------------------


def test_execution_deletes_the_case_content_with_its_history_and_keeps_the_record(
    staff_assigned,
    coordinator,
    secretariat,
    manager,
    manager2,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    case = full_case(
        window=staff_assigned,
        coordinator=coordinator,
        secretariat=secretariat,
        at=tokyo(2018, 6, 1),
    )
    household = case.household
    persons = list(Person.all_objects.filter(household=household).values_list("pk", flat=True))
    assert len(persons) == 2
    content = content_of(case_ids=[case.pk], consultation_ids=[])
    # A row of every kind of content but アウトリーチ and 中断 (tested on their own).
    empty = {model.__name__ for model in CONTENT_MODELS if not content.ids[model]}
    assert empty == {"OutreachContact", "OutreachEngagement", "CaseSuspension"}
    meeting = Meeting.objects.get()
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.MEETING_PACKET, meeting=meeting, requested_by=secretariat
    )
    (tmp_path / "packet.pdf").write_bytes(b"%PDF")
    packet = ReportFile.objects.create(
        job=job,
        label="会議資料 No.1",
        filename="p.pdf",
        content_type="application/pdf",
        path="packet.pdf",
        size=4,
        sha256="0" * 64,
        meeting=meeting,
        copy_number=1,
    )
    log = AccessEvent.objects.count()
    scan = Path(Consent.objects.get().document.path)
    assert scan.exists() and scan.is_relative_to(tmp_path)
    assert all(apps.get_model("cases", m2m).objects.exists() for m2m in M2M_HISTORIES)

    plan = approved(manager, manager2)
    with django_capture_on_commit_callbacks(execute=True):
        plan, done = disposal_plan_execute(actor=manager, plan=plan, now=NOW)

    assert done
    for model, ids in content.ids.items():
        assert not model._base_manager.filter(pk__in=ids).exists(), model
        if hasattr(model, "history"):
            assert history_of(model, ids) == 0, model
    # The many-to-many history too (対象者 of the case, 相談内容 of the consultation).
    for m2m in M2M_HISTORIES:
        assert apps.get_model("cases", m2m).objects.count() == 0, m2m
    assert not Household.objects.filter(pk=household.pk).exists()
    assert not Person.all_objects.filter(pk__in=persons).exists()
    assert history_of(Person, persons) == 0 and history_of(Household, [household.pk]) == 0
    assert not Consent.objects.exists() and not DvSupportMeasure.objects.exists()
    assert not scan.exists()  # the scanned 同意書 too
    assert Consent.history.count() == 0
    # The meeting stays; the bytes of the packet that held the case are gone, its row stays.
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    packet.refresh_from_db()
    assert packet.purged_at is not None and not (tmp_path / "packet.pdf").exists()
    # The 廃棄記録: counts only, and the access log kept (and told).
    item = plan.items.get()
    assert item.status == DisposalItem.Status.DISPOSED
    assert item.counts["ケース"] == 1 and item.counts["世帯"] == 1 and item.counts["世帯員"] == 2
    assert item.counts["支援経過記録"] == 1 and item.counts["変更履歴"] > 20
    assert AccessEvent.objects.count() == log + 1
    purge = AccessEvent.objects.latest("at")
    assert (purge.action, purge.user, purge.detail) == (
        AccessEvent.Action.PURGE,
        manager,
        {"disposed": 1, "skipped": 0},
    )
    assert DisposalPlan.objects.get().status == DisposalPlan.Status.EXECUTED


def test_execution_is_idempotent(staff_assigned, coordinator, manager, manager2):
    closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan, done = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)
    assert done
    counts = plan.items.get().counts
    events, histories = AccessEvent.objects.count(), history_rows()
    again, done = disposal_plan_execute(actor=manager2, plan=plan, now=NOW)
    assert not done
    assert again.executed_by == manager and again.items.get().counts == counts
    assert AccessEvent.objects.count() == events and history_rows() == histories


def test_an_open_case_of_the_same_household_and_its_people_are_untouched(
    staff_assigned, coordinator, manager, manager2
):
    old = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    household = old.household
    current = open_case(
        make_consultation(actor=staff_assigned, household=household), actor=coordinator
    )
    kept = {
        "consultations": set(current.consultations.values_list("pk", flat=True)),
        "events": current.events.count(),
        "persons": set(Person.all_objects.filter(household=household).values_list("pk", flat=True)),
        "history": Person.history.filter(household_id=household.pk).count(),
    }

    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)

    assert plan.items.get().status == DisposalItem.Status.DISPOSED
    assert not Case.objects.filter(pk=old.pk).exists()
    assert Case.objects.filter(pk=current.pk, status=current.status).exists()
    assert set(current.consultations.values_list("pk", flat=True)) == kept["consultations"]
    assert current.events.count() == kept["events"]
    assert Household.objects.filter(pk=household.pk).exists()
    assert (
        set(Person.all_objects.filter(household=household).values_list("pk", flat=True))
        == (kept["persons"])
    )
    assert Person.history.filter(household_id=household.pk).count() == kept["history"]


def test_a_case_reopened_since_the_list_is_skipped_with_its_reason(
    staff_assigned, coordinator, manager, manager2
):
    case = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan = approved(manager, manager2)
    support.case_reopen(actor=coordinator, case=case, reason="再び相談があった")

    plan, _ = disposal_plan_execute(actor=manager, plan=plan, now=NOW)

    item = plan.items.get()
    assert (item.status, item.skip_reason) == (
        "skipped",
        "ケースが再開されている（終結していない）",
    )
    assert item.counts == {}
    assert Case.objects.filter(pk=case.pk).exists()

    # Closed again since: not the closure that was approved.
    close(case, actor=coordinator, at=tokyo(2018, 7, 1))
    plan = approved(manager, manager2)
    support.case_reopen(actor=coordinator, case=case, reason="再び相談があった")
    close(case, actor=coordinator, at=tokyo(2018, 8, 1))
    plan, _ = disposal_plan_execute(actor=manager, plan=plan, now=NOW)
    assert plan.items.get().skip_reason == "一覧の作成後に再開され、終結し直している"
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_pending_disclosure_request_holds_the_case_back(
    staff_assigned, coordinator, manager, manager2
):
    consultation = make_consultation(actor=staff_assigned)
    case = open_case(consultation, actor=coordinator)
    request = disclosure_request_record(
        actor=coordinator, person=consultation.person, received_on=dt.date(2024, 1, 10)
    )
    close(case, actor=coordinator, at=tokyo(2018, 6, 1))

    listing = disposal_plan_list(actor=manager, now=NOW)
    assert listing.plan is None
    assert [(c.number, r) for c, r in listing.held_back] == [
        (case.number, ["処理中の開示請求がある"])
    ]

    # Decided: the case goes, the person the request names stays (and their household).
    disclosure_decide(
        actor=coordinator, disclosure=request, decision="full", decided_on=dt.date(2024, 2, 1)
    )
    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)
    assert plan.items.get().status == DisposalItem.Status.DISPOSED
    assert not Case.objects.filter(pk=case.pk).exists()
    assert Person.all_objects.filter(pk=consultation.person_id).exists()
    assert DisclosureRequest.objects.filter(pk=request.pk).exists()


def test_a_disclosure_request_received_after_the_list_is_checked_at_execution(
    staff_assigned, coordinator, manager, manager2
):
    case = closed_case(window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 6, 1))
    plan = approved(manager, manager2)
    DisclosureRequest.objects.create(
        person=case.subjects.get(), received_on=dt.date(2024, 3, 1), recorded_by=coordinator
    )

    plan, _ = disposal_plan_execute(actor=manager, plan=plan, now=NOW)

    item = plan.items.get()
    assert (item.status, item.skip_reason) == ("skipped", "処理中の開示請求がある")
    assert Case.objects.filter(pk=case.pk).exists()


def test_an_uncased_consultation_goes_with_its_household(staff_assigned, manager, manager2):
    consultation = received_in(
        make_consultation(actor=staff_assigned, outcome=Consultation.Outcome.INFO_ONLY),
        tokyo(2018, 5, 1),
    )
    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)
    item = plan.items.get()
    assert (item.kind, item.status, item.number) == ("consultation", "disposed", "")
    assert item.counts["相談受付"] == 1 and item.counts["世帯"] == 1
    assert not Consultation.objects.filter(pk=consultation.pk).exists()
    assert history_of(Consultation, [consultation.pk]) == 0


# -- nothing left behind ------------------------------------------------------------


def test_every_model_that_refers_to_case_content_is_part_of_it():
    """A new model with a foreign key to a case, a consultation or their content must
    be disposed of with them (or deliberately hold them back): add it to
    CONTENT_MODELS. History rows and a model's own many-to-many rows go with it."""
    content = set(CONTENT_MODELS)
    missing = []
    for model in CONTENT_MODELS:
        for rel in model._meta.get_fields(include_hidden=True):
            if not rel.auto_created or rel.concrete or rel.many_to_many:
                continue
            related = rel.related_model
            if is_historical(related) or related._meta.auto_created is model:
                continue
            if related not in content:
                missing.append(f"{related.__name__}.{rel.field.name} → {model.__name__}")
    assert missing == []


def test_an_outreach_still_going_holds_its_consultation_back_and_an_ended_one_goes_with_it(
    staff_assigned, manager, manager2
):
    engagement = outreach.outreach_start(
        actor=staff_assigned,
        household=None,
        household_data={"address": "架空市若葉町2-3-4"},
        person_data=member_data(family_name="小林"),
        started_on=dt.date(2018, 4, 10),
        concern="訪問しても会えない",
    )
    contact = outreach.outreach_contact_add(
        actor=staff_assigned,
        engagement=engagement,
        contacted_on=dt.date(2018, 4, 20),
        method="visit",
        what_happened="不在。手紙を置いた。",
    )
    consultation = received_in(
        make_consultation(
            actor=staff_assigned,
            household=engagement.household,
            outcome=Consultation.Outcome.CONTINUING,
        ),
        tokyo(2018, 5, 1),
    )
    outreach.outreach_link_consultation(
        actor=staff_assigned, engagement=engagement, consultation=consultation
    )

    listing = disposal_plan_list(actor=manager, now=NOW)
    assert listing.plan is None
    assert [reasons for _, reasons in listing.held_back] == [["伴走中のアウトリーチがある"]]

    outreach.outreach_end(
        actor=staff_assigned, engagement=engagement, ended_on=dt.date(2018, 6, 1), end_reason="転居"
    )
    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)
    counts = plan.items.get().counts
    assert (counts["アウトリーチ"], counts["相談受付"], counts["世帯"]) == (1, 1, 1)
    assert not OutreachEngagement.objects.filter(pk=engagement.pk).exists()
    assert history_of(OutreachContact, [contact.pk]) == 0


def test_a_meeting_not_yet_held_or_an_open_proposal_holds_the_case_back(
    staff_assigned, coordinator, secretariat, manager, manager2
):
    consultation = make_consultation(actor=staff_assigned)
    case = open_case(consultation, actor=coordinator)
    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    meeting = make_meeting(secretariat, [body])
    item = add_item(secretariat, meeting, body, case=case)
    proposal = propose(body, case=case)
    close(case, actor=coordinator, at=tokyo(2018, 6, 1))

    listing = disposal_plan_list(actor=manager, now=NOW)
    assert [reasons for _, reasons in listing.held_back] == [
        ["開催前の会議の議題になっている", "処理中の議題の申出がある"]
    ]
    # Held, and the proposal withdrawn: the item is the minutes of a held meeting, and goes.
    meeting_services.proposal_withdraw(actor=coordinator, proposal=proposal)
    attend(secretariat, meeting, secretariat)
    meeting_services.meeting_close(actor=secretariat, meeting=meeting)
    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)
    assert plan.items.get().status == DisposalItem.Status.DISPOSED
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert not AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_record_that_cannot_be_deleted_is_skipped_and_keeps_its_files(
    staff_assigned,
    coordinator,
    secretariat,
    manager,
    manager2,
    settings,
    tmp_path,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """A reference nobody foresaw (PROTECT) rolls back that record alone: its rows, and
    the bytes of the packet that held it, stay; the other records of the plan go."""
    settings.KASANE_PRIVATE_ROOT = tmp_path
    case = full_case(
        window=staff_assigned,
        coordinator=coordinator,
        secretariat=secretariat,
        at=tokyo(2018, 6, 1),
    )
    other = closed_case(
        window=staff_assigned, coordinator=coordinator, at=tokyo(2018, 7, 1), family_name="小川"
    )
    meeting = Meeting.objects.get()
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.MEETING_PACKET, meeting=meeting, requested_by=secretariat
    )
    (tmp_path / "packet.pdf").write_bytes(b"%PDF")
    packet = ReportFile.objects.create(
        job=job,
        label="会議資料 No.1",
        filename="p.pdf",
        content_type="application/pdf",
        path="packet.pdf",
        size=4,
        sha256="0" * 64,
        meeting=meeting,
        copy_number=1,
    )
    plan = approved(manager, manager2)
    real_delete = retention_services.content_delete

    def unforeseen(content, counts):
        if case.pk in content.ids[Case]:
            raise ProtectedError("unforeseen", {meeting})
        real_delete(content, counts)

    monkeypatch.setattr(retention_services, "content_delete", unforeseen)
    with django_capture_on_commit_callbacks(execute=True):
        plan, _ = disposal_plan_execute(actor=manager, plan=plan, now=NOW)

    results = {item.number: (item.status, item.skip_reason) for item in plan.items.all()}
    assert results == {
        case.number: ("skipped", "削除できない参照がある（会議）"),
        other.number: ("disposed", ""),
    }
    assert Case.objects.filter(pk=case.pk).exists() and not Case.objects.filter(pk=other.pk)
    packet.refresh_from_db()
    assert packet.purged_at is None and (tmp_path / "packet.pdf").exists()


# -- アウトリーチ that never became a consultation ------------------------------------


def test_every_record_kind_has_its_retention_setting(settings):
    settings.KASANE_RETENTION_OUTREACH_YEARS = 7
    assert retention_years_all() == {"case": 5, "consultation": 5, "outreach": 7}
    assert set(retention_years_all()) == set(RecordKind.values)


def test_an_ended_outreach_counts_from_the_fiscal_year_it_ended(
    staff_assigned, coordinator, settings
):
    march = ended_outreach(actor=staff_assigned, ended_on=dt.date(2019, 3, 31))
    april = ended_outreach(
        actor=staff_assigned,
        ended_on=dt.date(2019, 4, 1),
        family_name="佐藤",
        family_name_kana="さとう",
    )
    # Still 伴走中: never listed, however old.
    going = outreach.outreach_start(
        actor=staff_assigned,
        household=None,
        household_data={},
        person_data=member_data(family_name="石井"),
        started_on=dt.date(2015, 4, 1),
        concern="訪問しても会えない",
    )
    # Became a consultation: goes with it (listed as the consultation), never on its own.
    linked = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1), family_name="高橋")
    consultation = received_in(
        make_consultation(actor=staff_assigned, household=linked.household), tokyo(2018, 5, 1)
    )
    outreach.outreach_link_consultation(
        actor=staff_assigned, engagement=linked, consultation=consultation
    )

    def listed(now):
        return [
            (c.record_id, c.fiscal_year, c.retained_until)
            for c in disposal_candidates(now=now)
            if c.kind == RecordKind.OUTREACH
        ]

    old = (str(march.pk), 2018, dt.date(2024, 3, 31))
    assert listed(tokyo(2024, 3, 31, 23, 59)) == []
    assert listed(tokyo(2024, 4, 1, 0, 0)) == [old]
    assert listed(tokyo(2025, 3, 31, 23, 59)) == [old]
    assert listed(tokyo(2025, 4, 1)) == [old, (str(april.pk), 2019, dt.date(2025, 3, 31))]
    everything = {c.record_id for c in disposal_candidates(now=tokyo(2040, 4, 1))}
    assert str(going.pk) not in everything and str(linked.pk) not in everything
    assert str(consultation.pk) in everything
    # Its own setting, not the consultation's.
    settings.KASANE_RETENTION_OUTREACH_YEARS = 3
    assert listed(tokyo(2022, 4, 1)) == [(str(march.pk), 2018, dt.date(2022, 3, 31))]


def test_an_ended_outreach_goes_with_its_contacts_and_household_and_leaves_no_personal_data(
    staff_assigned, manager, manager2
):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1), contacts=2)
    household = engagement.household
    contacts = list(engagement.contacts.values_list("pk", flat=True))
    persons = list(Person.all_objects.filter(household=household).values_list("pk", flat=True))
    assert len(contacts) == 2 and len(persons) == 1
    content = content_of(case_ids=[], consultation_ids=[], engagement_ids=[engagement.pk])
    assert content.ids[OutreachEngagement] == [engagement.pk]
    assert content.household_ids == {household.pk}

    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)

    item = plan.items.get()
    assert (item.kind, item.status, item.number) == ("outreach", "disposed", "")
    assert (item.fiscal_year, item.ended_on, item.retained_until) == (
        2018,
        dt.date(2018, 6, 1),
        dt.date(2024, 3, 31),
    )
    assert item.label == f"平成30年度（ID {str(engagement.pk)[:8]}）"
    history = item.counts.pop("変更履歴")
    assert item.counts == {"アウトリーチ": 1, "アウトリーチの接触記録": 2, "世帯": 1, "世帯員": 1}
    assert history >= 5
    assert plan.retention_years == {"case": 5, "consultation": 5, "outreach": 5}
    assert not OutreachEngagement.objects.filter(pk=engagement.pk).exists()
    assert not OutreachContact.objects.filter(pk__in=contacts).exists()
    assert not Household.objects.filter(pk=household.pk).exists()
    assert not Person.all_objects.filter(pk__in=persons).exists()
    assert history_of(OutreachEngagement, [engagement.pk]) == 0
    assert history_of(OutreachContact, contacts) == 0
    assert history_of(Person, persons) == 0 and history_of(Household, [household.pk]) == 0
    written = json.dumps(
        list(DisposalItem.history.values())
        + list(DisposalPlan.history.values())
        + list(AccessEvent.objects.filter(action=AccessEvent.Action.PURGE).values()),
        default=str,
        ensure_ascii=False,
    )
    for personal in ("小林", "こばやし", "若葉町", "ごみが積まれて", "姉", "転居"):
        assert personal not in written, personal


@pytest.mark.parametrize("other", ["consultation", "outreach"])
def test_an_ended_outreach_keeps_a_household_another_record_refers_to(
    staff_assigned, manager, manager2, other
):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1))
    household = engagement.household
    if other == "consultation":
        kept = make_consultation(actor=staff_assigned, household=household)
    else:
        kept = outreach.outreach_start(
            actor=staff_assigned,
            household=household,
            started_on=dt.date(2024, 1, 10),
            concern="また様子が気になる",
        )
    persons = set(Person.all_objects.filter(household=household).values_list("pk", flat=True))
    person_history = history_of(Person, persons)

    plan, _ = disposal_plan_execute(actor=manager, plan=approved(manager, manager2), now=NOW)

    item = plan.items.get()
    assert (item.record_id, item.status) == (str(engagement.pk), "disposed")
    assert "世帯" not in item.counts and "世帯員" not in item.counts
    assert not OutreachEngagement.objects.filter(pk=engagement.pk).exists()
    assert type(kept).objects.filter(pk=kept.pk).exists()
    assert Household.objects.filter(pk=household.pk).exists()
    assert set(Person.all_objects.filter(household=household).values_list("pk", flat=True)) == (
        persons
    )
    assert history_of(Person, persons) == person_history


def test_a_pending_disclosure_request_holds_an_ended_outreach_back(
    staff_assigned, coordinator, manager
):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1))
    DisclosureRequest.objects.create(
        person=engagement.household.members.get(),
        received_on=dt.date(2024, 3, 1),
        recorded_by=coordinator,
    )
    listing = disposal_plan_list(actor=manager, now=NOW)
    assert listing.plan is None
    assert [(c.kind, c.record_id, r) for c, r in listing.held_back] == [
        ("outreach", str(engagement.pk), ["処理中の開示請求がある"])
    ]


def _link(engagement, actor, coordinator):
    consultation = make_consultation(actor=actor, household=engagement.household)
    outreach.outreach_link_consultation(
        actor=actor, engagement=engagement, consultation=consultation
    )


def _reopen(engagement, actor, coordinator):
    # No service goes back to 伴走中 today; the execution must not rely on that.
    OutreachEngagement.objects.filter(pk=engagement.pk).update(status="active", ended_on=None)


def _end_again(engagement, actor, coordinator):
    OutreachEngagement.objects.filter(pk=engagement.pk).update(ended_on=dt.date(2018, 9, 1))


def _disclosure(engagement, actor, coordinator):
    DisclosureRequest.objects.create(
        person=engagement.household.members.get(),
        received_on=dt.date(2024, 3, 1),
        recorded_by=coordinator,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_link, "一覧の作成後に相談受付につながった"),
        (_reopen, "アウトリーチが再開されている（終了していない）"),
        (_end_again, "一覧の作成後に再開され、終了し直している"),
        (_disclosure, "処理中の開示請求がある"),
    ],
)
def test_an_outreach_changed_since_the_list_is_skipped_with_its_reason(
    staff_assigned, coordinator, manager, manager2, change, reason
):
    engagement = ended_outreach(actor=staff_assigned, ended_on=dt.date(2018, 6, 1))
    contact = engagement.contacts.get()
    plan = approved(manager, manager2)
    change(engagement, staff_assigned, coordinator)

    plan, _ = disposal_plan_execute(actor=manager, plan=plan, now=NOW)

    item = plan.items.get()
    assert (item.status, item.skip_reason, item.counts) == ("skipped", reason, {})
    assert OutreachEngagement.objects.filter(pk=engagement.pk).exists()
    assert OutreachContact.objects.filter(pk=contact.pk).exists()
    assert Household.objects.filter(pk=engagement.household_id).exists()


@pytest.mark.parametrize("case_open", [True, False])
def test_an_ended_outreach_an_open_case_went_through_stays_with_it(
    staff_assigned, coordinator, manager, case_open
):
    """An アウトリーチ of a household that had an open case wrote its lines on that case's
    timeline: while the case is open the engagement is held back; once the case is
    closed, the engagement is past its 保存年限 like any other."""
    consultation = make_consultation(actor=staff_assigned)
    case = open_case(consultation, actor=coordinator)
    engagement = ended_outreach(
        actor=staff_assigned, household=consultation.household, ended_on=dt.date(2018, 6, 1)
    )
    assert case.events.filter(parameters__engagement_id=str(engagement.pk)).exists()
    if not case_open:
        close_case(case, actor=coordinator)
    listing = disposal_plan_list(actor=manager, now=NOW)
    outreach_held = [
        reasons for candidate, reasons in listing.held_back if candidate.kind == "outreach"
    ]
    if case_open:
        assert outreach_held == [["継続中のケースが参照している（アウトリーチ）"]]
    else:
        assert outreach_held == []
        assert str(engagement.pk) in set(
            listing.plan.items.filter(kind="outreach").values_list("record_id", flat=True)
        )
