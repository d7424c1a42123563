import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


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
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _client


@pytest.fixture
def totp_device(coordinator):
    return TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
