import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import verify_client


@pytest.fixture
def unverified(db):
    """unverified(user) → a new client logged in with the password only."""

    def _client(user):
        client = Client()
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def verified(db):
    """verified(user) → a new client logged in and past the second factor — a second
    browser of the same user, next to the ``login`` fixture's client."""

    def _client(user):
        client = Client()
        client.force_login(user)
        verify_client(client, user)
        return client

    return _client


@pytest.fixture
def totp_device(coordinator):
    return TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
