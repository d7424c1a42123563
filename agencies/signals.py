"""Authentication events → the access log (login, failed login, logout, lockout).

Writing the row is part of the request: if it fails, the login fails with it.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .accounts import session_start
from .audit import Action, access_event_record
from .models import User


def _real(request: HttpRequest | None) -> HttpRequest | None:
    """The test client's ``force_login`` sends a bare HttpRequest (no method, no path):
    record the event without request details then."""
    if request is None or not getattr(request, "method", None):
        return None
    return request


def _user_named(username: str) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).select_related("agency").first()


@receiver(user_logged_in, dispatch_uid="kasane_login")
def record_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request.session)
    access_event_record(action=Action.LOGIN, request=_real(request), user=user)


@receiver(user_login_failed, dispatch_uid="kasane_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username") or "")[:150]
    access_event_record(
        action=Action.LOGIN_FAILED,
        request=_real(request),
        user=_user_named(username),
        username=username,
    )


@receiver(user_logged_out, dispatch_uid="kasane_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "kasane_logout_reason", "user")
    access_event_record(action=Action.LOGOUT, request=_real(request), user=user, reason=reason)


@receiver(user_locked_out, dispatch_uid="kasane_locked_out")
def record_locked_out(sender, request, username, ip_address=None, **kwargs) -> None:
    username = str(username or "")[:150]
    access_event_record(
        action=Action.LOCKED_OUT,
        request=_real(request),
        user=_user_named(username),
        username=username,
    )
