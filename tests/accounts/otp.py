"""TOTP codes for tests, computed from the device key as an authenticator app would.

django-otp accepts a code once per time step (``last_t``) and within ``tolerance``
steps of the current one (shifted by the device's learned ``drift``). A helper that
ignored that would fail whenever two logins fall into the same 30 seconds.
"""

from __future__ import annotations

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def _step_now(device: TOTPDevice) -> int:
    return (int(time.time()) - device.t0) // device.step


def next_totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now and has not accepted before: the current step,
    or a later one still inside the tolerance window; waits for the clock if none is."""
    device.refresh_from_db()
    while True:
        base = _step_now(device)
        centre = base + device.drift
        step = max(centre, device.last_t + 1)
        if step <= centre + device.tolerance:
            break
        time.sleep(1)
    code = totp(device.bin_key, device.step, device.t0, device.digits, drift=step - base)
    return f"{code:0{device.digits}d}"


def used_totp_code(device: TOTPDevice) -> str:
    """The code of the step the device accepted last — refused from now on."""
    device.refresh_from_db()
    base = _step_now(device)
    code = totp(device.bin_key, device.step, device.t0, device.digits, drift=device.last_t - base)
    return f"{code:0{device.digits}d}"
