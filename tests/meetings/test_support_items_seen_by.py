"""Gate 2 for many items at once (``support_items_seen_by``, used by the 開示請求 draft)
answers as ``may_see_support_item`` does item by item, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.roles import Role
from meetings.models import AgendaItem
from meetings.permissions import may_see_support_item, support_items_seen_by
from tests.factories import user_with_role
from tests.meetings.helpers import add_item, attend, consent, make_meeting, pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(secretariat, support_body, consent_body, joint_meeting, case, coordinator, hub):
    """Two 支援会議 items (today's joint meeting and an earlier one) and a 重層 item."""
    earlier = make_meeting(
        secretariat, [support_body], date=timezone.localdate() - dt.timedelta(days=20)
    )
    attend(secretariat, joint_meeting, coordinator)
    attend(secretariat, earlier, coordinator)
    consent(coordinator, case.subjects.get(), [hub])  # gate 1, for the 重層 item
    return [
        add_item(secretariat, joint_meeting, support_body, case=case),
        add_item(secretariat, earlier, support_body, case=case),
        add_item(secretariat, joint_meeting, consent_body, case=case, purpose="plan"),
    ]


def _one_by_one(user, items) -> set:
    return {
        item.pk
        for item in items
        if item.body.confidentiality_duty
        and may_see_support_item(user=user, meeting=item.meeting, body=item.body)
    }


def _loaded(items):
    return list(
        AgendaItem.objects.filter(pk__in=[i.pk for i in items]).select_related("meeting", "body")
    )


def test_it_agrees_with_the_item_by_item_rule(
    items, secretariat, support_body, coordinator, staff_unassigned, hub
):
    # The coordinator attends both, pledged 10 days ago: only today's item.
    pledge(
        secretariat,
        support_body,
        coordinator,
        signed_on=timezone.localdate() - dt.timedelta(days=10),
    )
    # A pledged secretariat colleague who attends nothing sees both, as the secretariat.
    colleague = user_with_role(Role.SECRETARIAT, agency=hub, username="colleague")
    pledge(
        secretariat,
        support_body,
        colleague,
        signed_on=timezone.localdate() - dt.timedelta(days=90),
    )
    loaded = _loaded(items)
    expected = {
        coordinator: {items[0].pk},
        secretariat: {items[0].pk, items[1].pk},
        colleague: {items[0].pk, items[1].pk},
        staff_unassigned: set(),  # neither attendee nor pledged
    }
    for user, seen in expected.items():
        assert support_items_seen_by(user=user, items=loaded) == seen, user
        assert _one_by_one(user, loaded) == seen, user


def test_a_pledged_member_who_does_not_attend_sees_nothing(items, secretariat, support_body, hub):
    outsider = user_with_role(Role.COORDINATOR, agency=hub, username="outsider")
    pledge(
        secretariat, support_body, outsider, signed_on=timezone.localdate() - dt.timedelta(days=90)
    )
    assert support_items_seen_by(user=outsider, items=_loaded(items)) == set()


def test_its_queries_do_not_grow_with_the_items(items, coordinator, secretariat, support_body):
    pledge(secretariat, support_body, coordinator)
    loaded = _loaded(items)
    with CaptureQueriesContext(connection) as all_items:
        support_items_seen_by(user=coordinator, items=loaded)
    with CaptureQueriesContext(connection) as one_item:
        support_items_seen_by(user=coordinator, items=loaded[:1])
    assert len(all_items) == len(one_item) == 2
