"""Sending and answering つなぐシート in tests, through the services."""

from __future__ import annotations

import contextlib
from unittest import mock

from cases.models import Consultation
from referrals import services
from tests.factories import issue, make_consultation


def sheet_data(**overrides) -> dict:
    data = {
        "urgency": "normal",
        "situation": "母の介護と息子のひきこもり。",
        "actions_taken": "訪問して話を聞いた。",
        "reason": "複数の課題があるため。",
        "considerations": "午前中は連絡がつきにくい。",
    }
    data.update(overrides)
    return data


def send(*, actor, to, consultation=None, case=None, person=None, notes=None, **data):
    if case is not None and person is None:
        person = case.subjects.order_by("created_at").first()
    return services.referral_send(
        actor=actor,
        to_agency=to,
        data=sheet_data(**data),
        issues=[issue()],
        consultation=consultation,
        case=case,
        person=person,
        member_notes=notes or {},
    )


def window_consultation(actor, **overrides) -> Consultation:
    """A consultation its window keeps (継続相談): not handed to 多機関協働 by its outcome."""
    overrides.setdefault("outcome", Consultation.Outcome.CONTINUING)
    return make_consultation(actor=actor, **overrides)


@contextlib.contextmanager
def frozen(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
