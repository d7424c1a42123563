"""Double submit for real: two requests with the same form token at the same moment
(two browsers' worth of clients, two threads, two database connections) create one
object. A barrier lets both through form validation together into ``submit_once``; the
create itself is slowed so the second arrives while the first's transaction is open —
it then waits on the token's unique index and is sent to what the first created."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies import submissions
from agencies.models import FormSubmission
from conftest import require_postgres
from core.japanese import fiscal_year
from referrals.models import Referral
from reports.models import ReportJob
from tests.factories import issue, once, verify_client
from tests.referrals.helpers import sheet_data, window_consultation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def _client(user, settings) -> Client:
    client = Client()
    client.force_login(user)
    if settings.KASANE_REQUIRE_MFA:
        verify_client(client, user)
    return client


def post_together(view_module: str, clients: list[Client], url: str, data: dict) -> list:
    """POST ``data`` from every client at once; the responses, in the clients' order."""
    barrier = threading.Barrier(len(clients), timeout=TIMEOUT)
    real = submissions.submit_once

    def submit_once_together(*, create, **kwargs):
        barrier.wait()  # every request has passed validation: now all of them at once

        def slow_create():
            time.sleep(0.5)  # the others arrive while this transaction is open
            return create()

        return real(create=slow_create, **kwargs)

    responses: list = [None] * len(clients)
    errors: list = []

    def send(index: int, client: Client) -> None:
        try:
            responses[index] = client.post(url, data)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(i, c), name=f"double-submit-{i}", daemon=True)
        for i, c in enumerate(clients)
    ]
    with mock.patch(f"{view_module}.submit_once", submit_once_together):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a request did not finish"
    assert not errors, errors
    return responses


def test_two_simultaneous_posts_of_a_tsunagu_sheet_send_one(settings, staff_assigned, hub):
    require_postgres()
    consultation = window_consultation(staff_assigned)
    url = reverse("referrals:referral_new_from_consultation", args=[consultation.pk])
    data = {"to_agency": hub.pk, "issues": [issue().pk], **sheet_data(), **once()}
    clients = [_client(staff_assigned, settings) for _ in range(2)]

    responses = post_together("referrals.views", clients, url, data)

    referral = Referral.objects.get()  # exactly one
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, detail)] * 2
    assert FormSubmission.objects.get().result_url == detail


def test_two_simultaneous_report_requests_make_one_job(settings, manager):
    require_postgres()
    url = reverse("reports:annual_request")
    data = {"fiscal_year": fiscal_year(timezone.now()) - 1, **once()}
    clients = [_client(manager, settings) for _ in range(2)]

    # The job is what is counted here; its rendering is not (tests/reports has it).
    with mock.patch("reports.services.report_job_enqueue", return_value=True):
        responses = post_together("reports.views", clients, url, data)

    job = ReportJob.objects.get()  # exactly one
    detail = reverse("reports:job_detail", args=[job.pk])
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, detail)] * 2
    assert FormSubmission.objects.get().result_url == detail
