"""Each role's home shows what it can act on now — and the manager's and the
administrator's show no person."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.meetings.helpers import attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db


def test_the_secretariats_home_lists_meetings_ahead_gaps_and_expiring_pledges(
    login, secretariat, staff_assigned, coordinator
):
    body = make_body(secretariat, name="支援会議")
    pledge(secretariat, body, secretariat)
    today = timezone.localdate()
    pledge(secretariat, body, coordinator, valid_until=today + dt.timedelta(days=10))
    meeting = make_meeting(secretariat, [body], date=today + dt.timedelta(days=7))
    attend(secretariat, meeting, staff_assigned)  # a member without a pledge
    content = login(secretariat).get(reverse("home")).content.decode()
    assert "これからの会議" in content
    assert reverse("meetings:meeting_detail", args=[meeting.pk]) in content
    assert "誓約書のない出席者が1人います" in content
    assert coordinator.display_name in content  # the pledge that ends in 10 days


def test_the_managers_home_shows_counts_and_no_person(login, case, manager):
    content = login(manager).get(reverse("home")).content.decode()
    assert "相談受付件数</th><td>1件" in content
    person = case.subjects.get()
    for secret in (person.family_name, case.number, case.household.display_name):
        assert secret not in content


def test_the_admins_home_lists_locked_names_and_missing_second_factors(
    login, admin_user, staff_assigned
):
    AccessAttempt.objects.create(
        username="locked_user",
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=5,
        attempt_time=timezone.now(),
    )
    content = login(admin_user).get(reverse("home")).content.decode()
    assert "locked_user" in content
    assert staff_assigned.display_name in content  # no TOTP device yet
