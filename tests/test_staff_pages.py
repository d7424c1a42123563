import pytest
from django.urls import reverse

from agencies.roles import Role
from cases.models import Case
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_the_admin_moves_a_user_and_their_old_view_ends(
    login, case, admin_user, staff_assigned, other_agency
):
    client = login(admin_user)
    assert case.number not in client.get(reverse("staff:list")).content.decode()
    url = reverse("staff:transfer", args=[staff_assigned.pk])
    response = client.post(url, {"agency": other_agency.pk, "reason": "4月の人事異動"})
    assert response.status_code == 302
    staff_assigned.refresh_from_db()
    assert staff_assigned.agency == other_agency
    assert (
        login(staff_assigned).get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    )


@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "manager", "secretariat"])
def test_only_the_admin_role_reaches_staff_transfer(request, login, persona, staff_assigned):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("staff:list")).status_code == 403
    assert client.get(reverse("staff:transfer", args=[staff_assigned.pk])).status_code == 403


def test_a_coordinator_hands_over_their_cases(login, case, coordinator, hub):
    successor = user_with_role(Role.COORDINATOR, agency=hub, username="successor")
    client = login(coordinator)
    url = reverse("staff:handover", args=[coordinator.pk])
    assert "1 件" in client.get(url).content.decode()
    response = client.post(url, {"successor": successor.pk, "reason": "退職"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).lead_coordinator == successor


def test_agency_staff_cannot_hand_over(login, case, coordinator, staff_assigned):
    url = reverse("staff:handover", args=[coordinator.pk])
    assert login(staff_assigned).get(url).status_code == 403


def test_a_coordinator_cannot_hand_over_a_colleagues_cases(login, case, coordinator, hub):
    colleague = user_with_role(Role.COORDINATOR, agency=hub, username="colleague")
    url = reverse("staff:handover", args=[colleague.pk])
    assert login(coordinator).get(url).status_code == 403


def test_the_admin_hands_over_any_coordinators_cases(login, case, coordinator, admin_user, hub):
    successor = user_with_role(Role.COORDINATOR, agency=hub, username="successor")
    url = reverse("staff:handover", args=[coordinator.pk])
    response = login(admin_user).post(url, {"successor": successor.pk, "reason": "退職"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).lead_coordinator == successor
