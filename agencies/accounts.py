"""Account security: second factor (TOTP + recovery codes), password change, session
timeouts and the lockout page (OWASP ASVS 5.0 level 2; DESIGN.md "Security and privacy").

The middleware that enforces these lives in ``agencies.middleware``; the auth events
are written to the access log by ``agencies.signals``.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import qrcode
from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from core.saving import model_save

from .audit import Action, access_event_record
from .forms import LoginForm
from .models import User
from .roles import Role

# --- Second factor -----------------------------------------------------------------

# Roles that see case content must use a second factor (DESIGN.md: "TOTP second factor
# for every role that sees case content"), and so does the admin role: it manages the
# accounts of all of them. manager sees aggregate figures only: optional, but a manager
# who sets up a device is asked for it like everyone else.
MFA_ROLES = frozenset({Role.COORDINATOR, Role.AGENCY_STAFF, Role.SECRETARIAT, Role.ADMIN})

# What an unverified user may still reach: the second-factor pages themselves, the
# session endpoints those pages use, logging out, and the public pages.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "healthz",
        "accounts:mfa_setup",
        "accounts:mfa_verify",
        "accounts:session_keepalive",
        "accounts:session_status",
        "accounts:password_set",
        "accounts:password_set_done",
    }
)

RECOVERY_CODES_SESSION_KEY = "kasane_new_recovery_codes"
MFA_NEXT_SESSION_KEY = "kasane_mfa_next"
TOTP_DEVICE_NAME = "認証アプリ"
STATIC_DEVICE_NAME = "リカバリーコード"
THROTTLED_MESSAGE = (
    "確認コードの誤りが続いたため、しばらく入力できません。数秒待ってからもう一度入力してください。"
)


def mfa_required_for(user: User) -> bool:
    """Whether this user must pass the second factor before anything else."""
    if not settings.KASANE_REQUIRE_MFA or not user.is_authenticated:
        return False
    return user.has_role(*MFA_ROLES) or user_has_device(user, confirmed=True)


def totp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose QR code the setup page shows. Reused across reloads
    so that a code scanned a minute ago still matches."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by(
        "-id"
    ).first() or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device_id: int, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the setup device with a code from the app and issue fresh recovery codes.

    Raises ``forms.ValidationError`` for a wrong code — after the transaction, so that
    the failure count django-otp throttles on is kept. Only possible while the user has
    no confirmed device: a stolen password must not be enough to replace a factor.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id).first()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            error = "二要素認証はすでに設定されています。"
        elif device is None or device.confirmed:
            error = "設定の有効期限が切れました。このページを開き直して、もう一度設定してください。"
        elif not device.verify_is_allowed()[0]:
            error = THROTTLED_MESSAGE
        elif not device.verify_token(token):
            error = "確認コードが正しくありません。認証アプリの最新の6桁を入力してください。"
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            return device, recovery_codes_replace(user=user)
    raise forms.ValidationError(error)


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
    codes = []
    for _ in range(settings.KASANE_MFA_RECOVERY_CODES):
        code = StaticToken.random_token()
        StaticToken.objects.create(device=device, token=code)
        codes.append(code)
    return codes


def recovery_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _raise_if_throttled(device: Device) -> None:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(THROTTLED_MESSAGE)


def mfa_token_verify(*, user: User, token: str) -> Device:
    """The device that accepts ``token`` — a 6-digit code from the app or a recovery
    code (consumed). Raises ``forms.ValidationError`` otherwise.

    The kind of device is chosen by the shape of the token, so that a mistyped app code
    does not count as a failure against the recovery codes (and the other way round).
    """
    token = "".join(token.split()).replace("-", "").lower()
    if token.isdigit() and len(token) == 6:
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.devices_for_user(user, confirmed=True))
    for device in devices:
        _raise_if_throttled(device)
    with transaction.atomic():
        for device in devices:
            locked = type(device).objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                return locked
    raise forms.ValidationError("確認コードが正しくありません。")


@transaction.atomic
def _devices_delete(user: User) -> int:
    deleted = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        deleted += devices.count()
        devices.delete()
    return deleted


def password_set_link(*, request: HttpRequest, user: User) -> str:
    """The one-time link to set one's own password: valid for PASSWORD_RESET_TIMEOUT and
    only until a password is set (the token is bound to the password hash)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:password_set", args=[uid, token]))


def masked_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _require_email(user: User) -> None:
    if not user.email:
        raise ValidationError(
            f"{user.display_name}さんのメールアドレスが登録されていません。"
            "本人のメールアドレスを登録してから、もう一度行ってください。"
        )


def password_set_link_send(*, request: HttpRequest, user: User) -> None:
    """The one-time link goes to the user's own mail address — never to the
    administrator's screen, who could otherwise set the password themselves."""
    _require_email(user)
    link = password_set_link(request=request, user=user)
    send_mail(
        subject="【Kasane】パスワードの設定",
        message=(
            f"{user.display_name}さん\n\n"
            "Kasane のパスワードを設定してください。次のリンクは3日間有効で、1回だけ使えます。\n"
            f"{link}\n\n"
            "設定後の最初のログインで、スマートフォンの認証アプリによる二要素認証を設定します。\n"
            "心当たりがない場合は、このメールを破棄し、システム管理者に連絡してください。\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def credentials_reset(*, actor: User, user: User, request: HttpRequest) -> None:
    """A lost phone or a forgotten password: the administrator never sets or learns a
    password. The account stops working (no usable password, no second factor, every
    session ended with the old password hash) until the user sets their own password
    through the one-time link mailed to them and enrols TOTP again. In history (with
    the acting administrator) and in the access log."""
    if not actor.has_role(Role.ADMIN) or actor.pk == user.pk:
        raise PermissionDenied
    _require_email(user)
    user.set_unusable_password()
    user.credentials_reset_at = timezone.now()
    model_save(
        user,
        actor=actor,
        reason="パスワード・二要素認証を再設定（本人が設定するまで利用不可）",
        fields=["password", "credentials_reset_at"],
    )
    deleted = _devices_delete(user)
    access_event_record(
        action=Action.CREDENTIALS_RESET,
        request=request,
        user=actor,
        obj=user,
        devices_deleted=deleted,
    )
    password_set_link_send(request=request, user=user)


@transaction.atomic
def mfa_reenrol_service(*, user: User, token: str, request: HttpRequest) -> None:
    """A user replaces their own second factor (a new phone) after proving the current
    one: the code is checked, then the devices go and the setup page follows."""
    mfa_token_verify(user=user, token=token)
    _devices_delete(user)
    access_event_record(action=Action.MFA_REENROLLED, request=request, user=user, obj=user)


@transaction.atomic
def account_unlock(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """Clear the failed-login count of the user name (django-axes). Logged."""
    cleared = axes_reset(username=user.get_username())
    access_event_record(
        action=Action.ACCOUNT_UNLOCKED, request=request, user=actor, obj=user, attempts=cleared
    )
    return cleared


def qr_code_svg(data: str) -> SafeString:
    """The QR code as inline SVG markup: no image service, no CDN (LGWAN), and no
    inline style for the CSP to refuse."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=12, border=4)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-label="二要素認証の設定用QRコード" focusable="false" ',
        1,
    )
    return mark_safe(svg)


def secret_for_display(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- Sessions ----------------------------------------------------------------------

LOGIN_AT_SESSION_KEY = "kasane_login_at"
LAST_ACTIVITY_SESSION_KEY = "kasane_last_activity"
POLL_HEADER = "X-Kasane-Poll"

IDLE = "idle"
ABSOLUTE = "absolute"
TIMEOUT_MESSAGES = {
    IDLE: "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。",
    ABSOLUTE: (
        "ログインから12時間が経過したため、ログアウトしました。もう一度ログインしてください。"
    ),
}


def _now() -> float:
    return timezone.now().timestamp()


def session_start(session: SessionBase) -> None:
    now = _now()
    session[LOGIN_AT_SESSION_KEY] = now
    session[LAST_ACTIVITY_SESSION_KEY] = now


def session_touch(session: SessionBase) -> None:
    """Count this request as activity: the idle timer starts again."""
    session[LAST_ACTIVITY_SESSION_KEY] = _now()


def session_timed_out(session: SessionBase) -> str | None:
    """``"idle"``, ``"absolute"`` or ``None``. A session from before these keys existed
    starts its clocks now."""
    now = _now()
    if LOGIN_AT_SESSION_KEY not in session or LAST_ACTIVITY_SESSION_KEY not in session:
        session.setdefault(LOGIN_AT_SESSION_KEY, now)
        session.setdefault(LAST_ACTIVITY_SESSION_KEY, now)
    if now >= session[LOGIN_AT_SESSION_KEY] + settings.KASANE_SESSION_ABSOLUTE_SECONDS:
        return ABSOLUTE
    if now >= session[LAST_ACTIVITY_SESSION_KEY] + settings.KASANE_SESSION_IDLE_SECONDS:
        return IDLE
    return None


def session_expiry(session: SessionBase) -> dict[str, int]:
    """When this session ends, in Unix seconds — what session.js counts down to."""
    now = _now()
    login_at = session.get(LOGIN_AT_SESSION_KEY, now)
    last = session.get(LAST_ACTIVITY_SESSION_KEY, now)
    idle_at = int(last + settings.KASANE_SESSION_IDLE_SECONDS)
    absolute_at = int(login_at + settings.KASANE_SESSION_ABSOLUTE_SECONDS)
    return {
        "now": int(now),
        "idle_expires_at": idle_at,
        "absolute_expires_at": absolute_at,
        "expires_at": min(idle_at, absolute_at),
        "warning_seconds": settings.KASANE_SESSION_WARNING_SECONDS,
    }


def is_poll(request: HttpRequest) -> bool:
    return request.headers.get(POLL_HEADER) == "1"


def account_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: whether MFA is on (the login page says when it is not) and the
    session expiry that <body> hands to session.js."""
    context: dict[str, Any] = {"kasane_require_mfa": settings.KASANE_REQUIRE_MFA}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and hasattr(request, "session"):
        context["session_expiry"] = session_expiry(request.session)
    return context


# --- Lockout -----------------------------------------------------------------------

LOCKOUT_MESSAGE = (
    "ログインに5回続けて失敗したため、このユーザー名は30分間ログインできません。"
    "時間をおいてからもう一度お試しいただくか、システム管理者にロック解除を依頼してください。"
)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes' lockout answer: the login page again, with the reason in Japanese
    (not axes' bare English text). The form is unbound so nothing authenticates again."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": str(username)[:150]})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {"form": form, "next": next_url, "lockout_message": LOCKOUT_MESSAGE}
    return render(request, "registration/login.html", context, status=429)


# --- Forms -------------------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label="確認コード",
        max_length=20,
        help_text="認証アプリに表示されている6桁の数字を入力してください。",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        self.device: Device | None = None
        super().__init__(*args, **kwargs)


class SetupForm(TokenForm):
    def __init__(self, *args, totp_device: TOTPDevice, **kwargs):
        self.totp_device = totp_device
        self.recovery_codes: list[str] = []
        super().__init__(*args, **kwargs)

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        self.device, self.recovery_codes = totp_device_confirm(
            user=self.user, device_id=self.totp_device.pk, token=token
        )
        return token


class VerifyForm(TokenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.label = "確認コード（またはリカバリーコード）"
        field.help_text = (
            "認証アプリに表示されている6桁の数字を入力してください。"
            "スマートフォンが使えないときは、設定時に控えたリカバリーコード（英数字8文字）を入力できます。"
        )
        field.widget.attrs["inputmode"] = "text"

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        self.device = mfa_token_verify(user=self.user, token=token)
        return token


# --- Views -------------------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user, confirmed=True):
        # A factor exists: prove it, never replace it from here.
        if user.is_verified():
            return redirect("accounts:mfa_recovery_codes")
        return redirect(f"{reverse('accounts:mfa_verify')}?{request.GET.urlencode()}")
    device = totp_device_start(user=user)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = SetupForm(request.POST or None, user=user, totp_device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        request.session.cycle_key()
        request.session[RECOVERY_CODES_SESSION_KEY] = form.recovery_codes
        request.session[MFA_NEXT_SESSION_KEY] = _safe_next(request, next_url)
        messages.success(request, "二要素認証を設定しました。")
        return redirect("accounts:mfa_recovery_codes")
    if request.method == "POST":
        access_event_record(action=Action.LOGIN_FAILED, request=request, factor="totp_setup")
    context = {
        "form": form,
        "qr_svg": qr_code_svg(device.config_url),
        "secret": secret_for_display(device),
        "next": next_url,
    }
    return render(request, "accounts/mfa_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if user.is_verified():
        return redirect(_safe_next(request, next_url))
    if not user_has_device(user, confirmed=True):
        return redirect(f"{reverse('accounts:mfa_setup')}?{request.GET.urlencode()}")
    form = VerifyForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            otp_login(request, form.device)
            request.session.cycle_key()
            if isinstance(form.device, StaticDevice):
                remaining = recovery_codes_remaining(user=user)
                messages.warning(
                    request,
                    f"リカバリーコードを使用しました（残り{remaining}個）。"
                    "使ったコードは二度と使えません。必要に応じて再発行してください。",
                )
            return redirect(_safe_next(request, next_url))
        access_event_record(action=Action.LOGIN_FAILED, request=request, factor="otp")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New codes are shown once, right after they are made; afterwards only how many
    are left, and a button to replace them all."""
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:mfa_setup")
    if not user.is_verified():
        return redirect("accounts:mfa_verify")
    if request.method == "POST":
        request.session[RECOVERY_CODES_SESSION_KEY] = recovery_codes_replace(user=user)
        messages.success(request, "リカバリーコードを再発行しました。以前のコードは使えません。")
        return redirect("accounts:mfa_recovery_codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    next_url = request.session.pop(MFA_NEXT_SESSION_KEY, None) or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )
    context = {
        "codes": codes,
        "remaining": recovery_codes_remaining(user=user),
        "next": next_url,
    }
    return render(request, "accounts/mfa_recovery_codes.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: the new password's hash ends every other session of the user;
    this one is kept (``update_session_auth_hash``)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            "パスワードを変更しました。ほかの端末やブラウザでのログインは終了しました。",
        )
        return response


@login_required
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """「延長する」: the request itself is the activity (SessionTimeoutMiddleware)."""
    return JsonResponse(session_expiry(request.session))


@login_required
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Polled with ``X-Kasane-Poll: 1`` so it does not count as activity; tells a tab
    that another tab extended the session."""
    data = session_expiry(request.session)
    data["verified"] = bool(request.session.get(DEVICE_ID_SESSION_KEY))
    return JsonResponse(data)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The one-time link an administrator hands over (new account, or after a reset):
    the user sets their own password; the link then stops working. The second factor
    is set up at the first login that follows."""

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("accounts:password_set_done")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        access_event_record(
            action=Action.PASSWORD_SET, request=self.request, user=form.user, obj=form.user
        )
        return response


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_set_done.html"


class ReenrolForm(TokenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.label = "いまの確認コード（またはリカバリーコード）"
        field.help_text = "いま使っている認証アプリの6桁の数字です。"
        field.widget.attrs["inputmode"] = "text"


@login_required
@require_http_methods(["GET", "POST"])
def mfa_reenrol(request: HttpRequest) -> HttpResponse:
    """A new phone: prove the current second factor, then set up the new one."""
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:mfa_setup")
    if not user.is_verified():
        return redirect("accounts:mfa_verify")
    form = ReenrolForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            mfa_reenrol_service(user=user, token=form.cleaned_data["token"], request=request)
        except forms.ValidationError as exc:
            form.add_error("token", exc)
        else:
            messages.info(request, "新しい認証アプリで二要素認証を設定してください。")
            return redirect("accounts:mfa_setup")
    return render(request, "accounts/mfa_reenrol.html", {"form": form})
