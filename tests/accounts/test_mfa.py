"""TOTP second factor: required for every role that sees case content when
KASANE_REQUIRE_MFA is on; setup by QR code, verification, recovery codes.

Codes are computed from the device key and never reuse a time step (tests/accounts/otp.py).
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import AccessEvent

from .otp import next_totp_code, used_totp_code

pytestmark = pytest.mark.django_db

SETUP = "/accounts/mfa/setup/"
VERIFY = "/accounts/mfa/verify/"
CODES = "/accounts/mfa/recovery-codes/"


def unthrottle(device) -> None:
    """django-otp makes the next try wait after a wrong code (1 s, 2 s, …)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )


# --- Enforcement ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "secretariat"])
def test_case_roles_without_a_device_are_sent_to_setup(request, unverified, persona):
    user = request.getfixturevalue(persona)
    response = unverified(user).get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"


def test_a_user_with_a_device_is_sent_to_verify(unverified, coordinator, totp_device):
    response = unverified(coordinator).get(reverse("cases:case_list") + "?q=x")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fcases%2F%3Fq%3Dx"


def test_unverified_users_reach_nothing_else(unverified, coordinator, case):
    client = unverified(coordinator)
    for url in [reverse("cases:case_detail", args=[case.pk]), "/accounts/password/", CODES]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
    assert client.post(reverse("cases:intake_start")).status_code == 302


def test_htmx_requests_of_unverified_users_get_a_full_page_redirect(unverified, coordinator):
    response = unverified(coordinator).get("/cases/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == SETUP


def test_unverified_users_may_use_the_mfa_pages_and_log_out(unverified, coordinator):
    client = unverified(coordinator)
    assert client.get(SETUP).status_code == 200
    assert client.get("/accounts/session/status/", HTTP_X_KASANE_POLL="1").status_code == 200
    assert client.get("/healthz/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_verified_case_role_passes(login, coordinator):
    assert login(coordinator).get("/").status_code == 200


def test_the_manager_is_not_forced(unverified, manager):
    assert unverified(manager).get("/").status_code == 200


def test_the_admin_role_must_use_a_second_factor(unverified, admin_user):
    """The admin manages everyone's account: it needs the second factor like the case
    roles (a stolen administrator password alone reaches nothing)."""
    response = unverified(admin_user).get("/admin/")
    assert response.status_code == 302
    assert "/accounts/mfa/" in response["Location"]


def test_a_manager_who_set_up_a_device_must_use_it(unverified, manager):
    TOTPDevice.objects.create(user=manager, name="認証アプリ", confirmed=True)
    response = unverified(manager).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_an_unconfirmed_device_does_not_count(unverified, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="x", confirmed=False)
    client = unverified(coordinator)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get("/")["Location"].startswith(SETUP)


def test_with_mfa_off_nobody_is_forced(unverified, coordinator, settings):
    settings.KASANE_REQUIRE_MFA = False
    assert unverified(coordinator).get("/").status_code == 200


def test_the_login_page_says_when_mfa_is_off(client, settings):
    settings.KASANE_REQUIRE_MFA = False
    assert "デモ環境のため二要素認証は無効です" in client.get("/accounts/login/").content.decode()
    settings.KASANE_REQUIRE_MFA = True
    assert "二要素認証は無効" not in client.get("/accounts/login/").content.decode()


# --- Setup ------------------------------------------------------------------------


def test_setup_shows_a_qr_code_and_the_secret(unverified, coordinator):
    response = unverified(coordinator).get(SETUP)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=coordinator)
    assert not device.confirmed
    assert '<svg role="img" aria-label="二要素認証の設定用QRコード"' in html
    # Inline markup, no image service: the only URL on the page is the SVG namespace.
    assert "<img " not in html
    assert set(re.findall(r"https?://[^\"' <]+", html)) == {"http://www.w3.org/2000/svg"}
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # A reload shows the same secret: a code scanned a moment ago still works.
    unverified(coordinator).get(SETUP)
    assert TOTPDevice.objects.get(user=coordinator).key == device.key


def test_setup_is_confirmed_with_a_code_and_gives_ten_recovery_codes(unverified, coordinator):
    client = unverified(coordinator)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    response = client.post(SETUP, {"token": next_totp_code(device), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == CODES
    device.refresh_from_db()
    assert device.confirmed
    tokens = list(
        StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)
    )
    assert len(tokens) == 10 == len(set(tokens))
    # Shown once…
    html = client.get(CODES).content.decode()
    assert all(token in html for token in tokens)
    assert 'href="/cases/"' in html
    # …and never again.
    html = client.get(CODES).content.decode()
    assert not any(token in html for token in tokens)
    assert "残り <strong>10個</strong>" in html
    # The session is verified: the rest of the system opens.
    assert client.get("/").status_code == 200


def test_a_wrong_setup_code_is_an_error_at_the_field(unverified, coordinator):
    client = unverified(coordinator)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=coordinator)
    wrong = f"{(int(next_totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert "確認コードが正しくありません" in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_token_error"' in html
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.LOGIN_FAILED, user=coordinator
    ).exists()


def test_setup_cannot_replace_a_confirmed_device(unverified, coordinator, totp_device):
    client = unverified(coordinator)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert client.post(SETUP, {"token": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1


# --- Verification -----------------------------------------------------------------


def test_verify_with_a_code(unverified, coordinator, totp_device):
    client = unverified(coordinator)
    response = client.post(VERIFY, {"token": next_totp_code(totp_device), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_verify_refuses_an_outside_next_url(unverified, coordinator, totp_device):
    client = unverified(coordinator)
    code = next_totp_code(totp_device)
    response = client.post(VERIFY, {"token": code, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_reused_code_is_refused(unverified, coordinator, totp_device):
    first = unverified(coordinator)
    assert first.post(VERIFY, {"token": next_totp_code(totp_device)}).status_code == 302
    # Another browser, the same code within its time step: refused.
    second = unverified(coordinator)
    response = second.post(VERIFY, {"token": used_totp_code(totp_device)})
    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert second.get("/")["Location"].startswith(VERIFY)
    # The next step's code is accepted (after the throttle pause).
    unthrottle(totp_device)
    assert second.post(VERIFY, {"token": next_totp_code(totp_device)}).status_code == 302


def test_wrong_codes_are_throttled(unverified, coordinator, totp_device):
    client = unverified(coordinator)
    client.post(
        VERIFY, {"token": "000000" if next_totp_code(totp_device) != "000000" else "111111"}
    )
    response = client.post(VERIFY, {"token": next_totp_code(totp_device)})
    assert "しばらく入力できません" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once(unverified, coordinator, totp_device):
    from agencies.accounts import recovery_codes_replace

    codes = recovery_codes_replace(user=coordinator)
    first = unverified(coordinator)
    response = first.post(VERIFY, {"token": codes[0].upper()})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9
    second = unverified(coordinator)
    response = second.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200
    assert second.get("/").status_code == 302
    unthrottle(StaticDevice.objects.get(user=coordinator))
    assert second.post(VERIFY, {"token": codes[1]}).status_code == 302


def test_recovery_codes_can_be_replaced(login, coordinator):
    from agencies.accounts import recovery_codes_replace

    old = recovery_codes_replace(user=coordinator)
    client = login(coordinator)
    assert client.post(CODES).status_code == 302
    html = client.get(CODES).content.decode()
    new = list(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True))
    assert len(new) == 10
    assert not set(old) & set(new)
    assert all(token in html for token in new)


def test_a_verified_session_survives_only_while_the_device_exists(login, coordinator):
    client = login(coordinator)
    assert client.get("/").status_code == 200
    TOTPDevice.objects.filter(user=coordinator).delete()
    assert client.get("/")["Location"].startswith(SETUP)


def test_throttle_pause_is_short(totp_device):
    # Guards the unthrottle helper's assumption: a single failure waits about a second.
    totp_device.throttle_increment()
    allowed, data = totp_device.verify_is_allowed()
    assert not allowed
    assert data["locked_until"] - totp_device.throttling_failure_timestamp <= dt.timedelta(
        seconds=1
    )
