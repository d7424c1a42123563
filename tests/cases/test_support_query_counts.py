"""The new pages ask the database the same number of times for 1 row as for 30."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.services import plans, support

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_records(case, actor, n):
    for i in range(n):
        support.support_record_add(
            actor=actor,
            case=case,
            occurred_on=timezone.localdate(),
            kind="phone",
            content=f"電話{i}",
            restricted=i % 3 == 0,
        )


def test_record_pages_and_the_case_page_are_constant_in_records(case, staff_assigned, login):
    client = login(staff_assigned)
    urls = [
        reverse("cases:record_list", args=[case.pk]),
        reverse("cases:record_print", args=[case.pk]),
        reverse("cases:case_detail", args=[case.pk]),
    ]
    add_records(case, staff_assigned, 1)
    few = [queries(client, url) for url in urls]
    add_records(case, staff_assigned, 29)
    many = [queries(client, url) for url in urls]
    assert few == many


def test_plan_pages_and_my_tasks_are_constant_in_tasks(case, coordinator, assigned_agency, login):
    plan = plans.plan_create(
        actor=coordinator,
        case=case,
        data={
            "long_term_goal": "安心",
            "short_term_goal": "通院",
            "urgent": True,
            "monitoring_on": timezone.localdate() + dt.timedelta(days=30),
        },
    )

    def add(n, start):
        for i in range(start, start + n):
            plans.plan_task_add(
                actor=coordinator, plan=plan, agency=assigned_agency, content=f"t{i}"
            )
            plans.plan_stakeholder_add(
                actor=coordinator, plan=plan, kind="resident", agency=None, name=f"住民{i}"
            )

    client = login(coordinator)
    urls = [
        reverse("cases:plan_detail", args=[case.pk, plan.pk]),
        reverse("cases:plan_print", args=[case.pk, plan.pk]),
    ]
    add(1, 0)
    few = [queries(client, url) for url in urls]
    add(29, 1)
    many = [queries(client, url) for url in urls]
    assert few == many


def test_my_tasks_is_constant_in_tasks(coordinator, staff_assigned, assigned_agency, login):
    from tests.factories import make_consultation, member_data, open_case

    client = login(staff_assigned)
    url = reverse("cases:my_tasks")

    def approved_plan_with_task(name):
        case = open_case(
            make_consultation(actor=staff_assigned, members=[member_data(family_name=name)]),
            actor=coordinator,
        )
        plan = plans.plan_create(
            actor=coordinator,
            case=case,
            data={
                "long_term_goal": "安心",
                "short_term_goal": "通院",
                "urgent": True,
                "monitoring_on": timezone.localdate() + dt.timedelta(days=30),
            },
        )
        plans.plan_task_add(actor=coordinator, plan=plan, agency=assigned_agency, content="見守り")
        plans.plan_approve(actor=coordinator, plan=plan)

    approved_plan_with_task("一")
    few = queries(client, url)
    for i in range(9):
        approved_plan_with_task(f"名{i}")
    assert queries(client, url) == few
