"""Gate 3, emergency basis: a reason, a second coordinator, at most 14 days."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from cases import selectors, services
from cases.models import CaseAccess, EmergencyAccessRequest
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_coordinator(hub):
    return user_with_role(Role.COORDINATOR, agency=hub, username="coordinator2")


def ask(case, actor, agency, **kwargs):
    data = {
        "legal_basis": "life",
        "reason": "本人が自宅で倒れている恐れがあり安否確認が必要",
        "days": 3,
    }
    data.update(kwargs)
    return services.emergency_access_request(actor=actor, case=case, agency=agency, **data)


def test_a_request_alone_opens_nothing(case, coordinator, other_agency, staff_unassigned):
    request = ask(case, coordinator, other_agency)
    assert request.is_pending
    assert request.history.get().history_user == coordinator
    assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_a_second_coordinator_approves_and_access_ends_by_itself(
    case, coordinator, second_coordinator, other_agency, staff_unassigned
):
    request = ask(case, coordinator, other_agency)
    access = services.emergency_access_approve(actor=second_coordinator, request=request)
    assert access.basis == CaseAccess.Basis.EMERGENCY
    assert access.approved_by == second_coordinator
    assert list(selectors.cases_visible_to(staff_unassigned)) == [case]
    after = timezone.now() + dt.timedelta(days=3, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        assert not selectors.cases_visible_to(staff_unassigned).exists()


def test_the_requester_cannot_approve_their_own_request(case, coordinator, other_agency):
    request = ask(case, coordinator, other_agency)
    with pytest.raises(ValidationError, match="別の調整役"):
        services.emergency_access_approve(actor=coordinator, request=request)


def test_the_database_refuses_self_approval_too(case, coordinator, other_agency):
    request = ask(case, coordinator, other_agency)
    request.approved_by = coordinator
    with pytest.raises(IntegrityError), transaction.atomic():
        request.save()


def test_a_reason_is_required_and_the_period_is_at_most_14_days(case, coordinator, other_agency):
    with pytest.raises(ValidationError):
        ask(case, coordinator, other_agency, reason=" ")
    with pytest.raises(ValidationError):
        ask(case, coordinator, other_agency, days=15)
    assert not EmergencyAccessRequest.objects.exists()


def test_agency_staff_can_neither_ask_nor_approve(case, coordinator, staff_assigned, other_agency):
    with pytest.raises(PermissionDenied):
        ask(case, staff_assigned, other_agency)
    request = ask(case, coordinator, other_agency)
    with pytest.raises(PermissionDenied):
        services.emergency_access_approve(actor=staff_assigned, request=request)


def test_the_two_step_flow_on_the_access_page(
    login, case, coordinator, second_coordinator, other_agency
):
    access_url = reverse("cases:case_access", args=[case.pk])
    client = login(coordinator)
    client.post(
        reverse("cases:emergency_request", args=[case.pk]),
        {
            "e-agency": other_agency.pk,
            "e-legal_basis": "law",
            "e-reason": "警察からの照会（法令）",
            "e-days": "2",
        },
    )
    request = EmergencyAccessRequest.objects.get()
    page = client.get(access_url).content.decode()
    assert "承認待ち" in page
    approve = reverse("cases:emergency_approve", args=[case.pk, request.pk])
    client.post(approve)
    assert EmergencyAccessRequest.objects.get().is_pending
    login(second_coordinator).post(approve)
    assert not EmergencyAccessRequest.objects.get().is_pending
