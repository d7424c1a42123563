"""Create forms are idempotent under double submit: each carries a one-time token
(a hidden field), and the create runs in the transaction that records the token's use.
A second request with the same token — even one racing the first — creates nothing and
is sent to what the first one created."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone

from .models import FormSubmission, User

T = TypeVar("T")

ALREADY_SUBMITTED = "この内容はすでに登録されています（同じ画面からの二度目の送信は登録しません）。"


class AlreadySubmitted(Exception):
    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class SubmitOnceField(forms.UUIDField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault("label", "送信の確認")
        kwargs.setdefault(
            "error_messages",
            {
                "required": "画面が古くなっています。開き直してから、もう一度入力してください。",
                "invalid": "画面が古くなっています。開き直してから、もう一度入力してください。",
            },
        )
        super().__init__(**kwargs)


def already_submitted_response(request: HttpRequest, done: AlreadySubmitted, *, fallback: str):
    """Where a second submit lands: what the first one created, with a word why."""
    messages.info(request, ALREADY_SUBMITTED)
    return redirect(done.url or fallback)


def require_unused(*, user: User, token: uuid.UUID) -> None:
    """For a form of several steps (the intake's duplicate check): a token already used
    sends the user to what it created before any step runs again."""
    earlier = FormSubmission.objects.filter(token=token, user=user).first()
    if earlier is not None:
        raise AlreadySubmitted(earlier.result_url)


def submit_once(
    *, user: User, token: uuid.UUID, create: Callable[[], T], url_of: Callable[[T], str]
) -> T:
    """Run ``create`` once per token. Raises ``AlreadySubmitted`` (with the first
    result's URL) for a token already used; a create that fails leaves the token
    unused, so the user can correct the form and send it again."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(token=token, user=user)
        except IntegrityError:
            earlier = FormSubmission.objects.filter(token=token, user=user).first()
            raise AlreadySubmitted(earlier.result_url if earlier else "") from None
        result = create()
        FormSubmission.objects.filter(token=token).update(result_url=url_of(result))
        return result


def form_submissions_purge(*, keep_days: int = 30) -> int:
    """Forget used tokens after a month: a page left open that long is opened again."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
