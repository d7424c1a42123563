"""The one-time token of create forms: used once, forgotten after a month."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from agencies.models import FormSubmission
from agencies.submissions import AlreadySubmitted, form_submissions_purge, submit_once

pytestmark = pytest.mark.django_db


def test_a_token_runs_its_create_once_and_a_failed_create_leaves_it_unused(coordinator):
    token = uuid.uuid4()
    calls = []

    def failing():
        raise ValueError("refused")

    with pytest.raises(ValueError):
        submit_once(user=coordinator, token=token, create=failing, url_of=str)
    assert not FormSubmission.objects.exists()
    assert (
        submit_once(
            user=coordinator,
            token=token,
            create=lambda: calls.append(1) or "done",
            url_of=lambda r: "/x/",
        )
        == "done"
    )
    with pytest.raises(AlreadySubmitted) as again:
        submit_once(user=coordinator, token=token, create=lambda: calls.append(2), url_of=str)
    assert again.value.url == "/x/"
    assert calls == [1]


def test_another_users_token_is_not_theirs_to_follow(coordinator, staff_assigned):
    token = uuid.uuid4()
    submit_once(user=coordinator, token=token, create=lambda: 1, url_of=lambda _r: "/mine/")
    with pytest.raises(AlreadySubmitted) as other:
        submit_once(user=staff_assigned, token=token, create=lambda: 2, url_of=str)
    assert other.value.url == ""


def test_tokens_older_than_a_month_are_purged(coordinator):
    old, new = uuid.uuid4(), uuid.uuid4()
    FormSubmission.objects.create(token=old, user=coordinator)
    FormSubmission.objects.create(token=new, user=coordinator)
    FormSubmission.objects.filter(token=old).update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )
    assert form_submissions_purge() == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == [new]
