"""Fixtures for the meeting tests: a 支援会議 body and a 重層的支援会議 body, held
jointly today; the secretariat is a pledged member of the 支援会議."""

import pytest

from meetings.models import MeetingBody
from tests.meetings.helpers import make_body, make_meeting, pledge


@pytest.fixture
def support_body(secretariat):
    body = make_body(secretariat, kind=MeetingBody.Kind.SOCIAL_WELFARE_ACT, name="支援会議")
    pledge(secretariat, body, secretariat)
    return body


@pytest.fixture
def consent_body(secretariat):
    return make_body(secretariat, kind=MeetingBody.Kind.GUIDELINE, name="重層的支援会議")


@pytest.fixture
def joint_meeting(secretariat, support_body, consent_body):
    return make_meeting(secretariat, [consent_body, support_body])
