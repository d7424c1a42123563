"""支援経過記録: who writes, who reads (閲覧制限), correction with history, 取消."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent
from agencies.roles import Role
from cases import selectors
from cases.models import CaseEvent, SupportRecord
from cases.permissions import case_needs
from cases.services import support
from tests.factories import (
    AgencyFactory,
    date_post,
    make_consent,
    make_consultation,
    once,
    open_case,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def add(actor, case, **overrides) -> SupportRecord:
    data = {
        "occurred_on": timezone.localdate(),
        "kind": SupportRecord.Kind.VISIT,
        "content": "自宅を訪問。母は在宅、本人は部屋から出てこなかった。",
        "restricted": False,
    }
    data.update(overrides)
    return support.support_record_add(actor=actor, case=case, **data)


@pytest.fixture
def consent_staff(case, coordinator):
    """Staff of an agency the subject's consent covers: 同意 → view and work."""
    agency = AgencyFactory(name="社会福祉協議会（経過）")
    make_consent(actor=coordinator, person=case.subjects.get(), agencies=[agency])
    return user_with_role(Role.AGENCY_STAFF, agency=agency, username="consent_staff")


def test_it_records_for_the_writers_agency_with_history_and_a_timeline_line(case, staff_assigned):
    record = add(staff_assigned, case)

    assert record.agency == staff_assigned.agency
    assert record.author == staff_assigned
    first = record.history.get()
    assert first.history_user == staff_assigned
    event = case.events.get(kind=CaseEvent.Kind.RECORD_ADDED)
    assert "訪問" in event.message
    assert "部屋から出てこなかった" not in event.message  # the timeline never carries content


def test_it_refuses_a_writer_without_work(case, staff_unassigned, coordinator):
    with pytest.raises(PermissionDenied):
        add(staff_unassigned, case)
    assert not SupportRecord.objects.exists()


def test_it_refuses_a_future_date_an_empty_text_and_a_closed_case(
    case, staff_assigned, coordinator
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as future:
        add(staff_assigned, case, occurred_on=tomorrow)
    assert "未来" in str(future.value)
    with pytest.raises(ValidationError):
        add(staff_assigned, case, content="   ")
    support.case_close(
        actor=coordinator, case=case, reason="resolved", improvement="improved", evaluation="解決"
    )
    with pytest.raises(ValidationError) as closed:
        add(staff_assigned, case)
    assert "終結" in str(closed.value)
    assert not SupportRecord.objects.exists()


def test_a_restricted_record_is_read_by_the_managing_coordinators_and_its_agency_only(
    case, staff_assigned, coordinator, consent_staff
):
    open_record = add(staff_assigned, case)
    restricted = add(staff_assigned, case, restricted=True, content="虐待の疑いについての記録")

    def visible(user):
        needs = case_needs(user, case)
        return set(selectors.support_records_for_user(user=user, case=case, needs=needs))

    assert visible(coordinator) == {open_record, restricted}
    assert visible(staff_assigned) == {open_record, restricted}
    assert visible(consent_staff) == {open_record}
    with pytest.raises(Exception) as exc:
        selectors.support_record_get_for_user(user=consent_staff, case=case, pk=restricted.pk)
    assert exc.typename == "Http404"


def test_the_case_page_and_the_list_hide_a_restricted_record_from_other_agencies(
    case, staff_assigned, consent_staff, login
):
    add(staff_assigned, case, restricted=True, content="制限付きの内容ABC")
    add(staff_assigned, case, content="誰でも読める内容XYZ")
    client = login(consent_staff)
    for url in (
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:record_list", args=[case.pk]),
    ):
        body = client.get(url).content.decode()
        assert "誰でも読める内容XYZ" in body
        assert "制限付きの内容ABC" not in body


def test_a_correction_keeps_the_earlier_text_and_names_the_reason(case, staff_assigned):
    record = add(staff_assigned, case, content="最初の内容")
    changed = support.support_record_correct(
        actor=staff_assigned,
        record=record,
        data={"content": "直した内容"},
        expected_version=record.version,
        reason="聞き取りの誤り",
    )
    assert changed == ["内容"]
    versions = list(record.history.order_by("history_date"))
    assert [v.content for v in versions] == ["最初の内容", "直した内容"]
    assert versions[-1].history_change_reason == "修正: 聞き取りの誤り"
    assert case.events.filter(kind=CaseEvent.Kind.RECORD_CORRECTED).count() == 1


def test_a_correction_from_a_stale_page_is_refused_not_overwritten(case, staff_assigned):
    record = add(staff_assigned, case, content="最初")
    support.support_record_correct(
        actor=staff_assigned,
        record=record,
        data={"content": "二回目"},
        expected_version=1,
        reason="追記",
    )
    from cases.services import EditConflict

    with pytest.raises(EditConflict):
        support.support_record_correct(
            actor=staff_assigned,
            record=SupportRecord.objects.get(pk=record.pk),
            data={"content": "古い画面から"},
            expected_version=1,
            reason="古い画面",
        )
    assert SupportRecord.objects.get(pk=record.pk).content == "二回目"


def test_another_working_agency_may_not_correct_or_cancel_but_the_coordinator_may(
    case, staff_assigned, consent_staff, coordinator
):
    record = add(staff_assigned, case)
    with pytest.raises(PermissionDenied):
        support.support_record_correct(
            actor=consent_staff,
            record=record,
            data={"content": "他機関の書換え"},
            expected_version=1,
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        support.support_record_cancel(actor=consent_staff, record=record, reason="x")
    support.support_record_cancel(actor=coordinator, record=record, reason="別ケースの記録")
    record.refresh_from_db()
    assert record.is_cancelled and record.cancel_reason == "別ケースの記録"
    assert SupportRecord.objects.filter(pk=record.pk).exists()  # never deleted
    with pytest.raises(ValidationError):
        support.support_record_cancel(actor=coordinator, record=record, reason="二度目")
    with pytest.raises(ValidationError):
        support.support_record_correct(
            actor=coordinator,
            record=record,
            data={"content": "取消後"},
            expected_version=record.version,
            reason="x",
        )


def test_the_form_records_once_and_keeps_a_draft(case, staff_assigned, login):
    client = login(staff_assigned)
    url = reverse("cases:record_new", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'data-draft="record-new"' in page
    data = {
        **once(),
        **date_post("occurred_on", timezone.localdate()),
        "kind": "phone",
        "content": "電話で近況を確認。",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the double click
    assert SupportRecord.objects.filter(case=case).count() == 1


def test_the_form_answers_bad_input_in_japanese(case, staff_assigned, login):
    client = login(staff_assigned)
    url = reverse("cases:record_new", args=[case.pk])
    response = client.post(
        url,
        {**once(), **date_post("occurred_on", dt.date(1999, 12, 31)), "kind": "x", "content": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "以降の日付" in body
    assert "内容" in body and "入力してください" in body
    assert not SupportRecord.objects.exists()


def test_a_record_of_another_case_answers_404_under_this_case(
    case, staff_assigned, coordinator, login
):
    other_case = open_case(make_consultation(actor=staff_assigned), actor=coordinator)
    foreign = add(staff_assigned, other_case)
    client = login(coordinator)
    for name in ("cases:record_detail", "cases:record_correct"):
        assert client.get(reverse(name, args=[case.pk, foreign.pk])).status_code == 404
    response = client.post(
        reverse("cases:record_cancel", args=[case.pk, foreign.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert not SupportRecord.objects.get(pk=foreign.pk).is_cancelled


def test_the_print_leaves_out_restricted_and_cancelled_records_and_is_logged(
    case, staff_assigned, coordinator, login
):
    add(staff_assigned, case, content="印刷される内容")
    add(staff_assigned, case, content="制限の内容", restricted=True)
    gone = add(staff_assigned, case, content="取り消した内容")
    support.support_record_cancel(actor=staff_assigned, record=gone, reason="誤記")
    client = login(coordinator)
    body = client.get(reverse("cases:record_print", args=[case.pk])).content.decode()
    assert "印刷される内容" in body
    assert "制限の内容" not in body
    assert "取り消した内容" not in body
    assert AccessEvent.objects.filter(action=AccessEvent.Action.PRINT, user=coordinator).exists()


def test_the_record_page_shows_every_version(case, staff_assigned, login):
    record = add(staff_assigned, case, content="版1の内容")
    support.support_record_correct(
        actor=staff_assigned,
        record=record,
        data={"content": "版2の内容"},
        expected_version=1,
        reason="追記",
    )
    body = (
        login(staff_assigned)
        .get(reverse("cases:record_detail", args=[case.pk, record.pk]))
        .content.decode()
    )
    assert "版1の内容" in body and "版2の内容" in body and "修正: 追記" in body
