from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme


class AllowListLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Deny by default: only URL names in ``KASANE_PUBLIC_URL_NAMES`` are public.

    Django's own middleware trusts a ``login_required = False`` marker on any view
    (the admin's login view carries one); here one allow-list is the only truth.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in settings.KASANE_PUBLIC_URL_NAMES:
            return None
        return self.handle_no_permission(request, view_func)

    def get_login_url(self, view_func) -> str:
        # One login page for everything, the admin's included.
        return resolve_url(settings.LOGIN_URL)


class CaseDataDeniedLogMiddleware:
    """Every refused attempt by a logged-in user is written to the access log, for
    every URL and method: a 404 or 403 raised by a view (the ids of another agency's
    case included), a 403 answered, and a method the URL does not take (405)."""

    ANSWERED_REFUSALS = frozenset({403, 405})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._kasane_denied_logged = False
        response = self.get_response(request)
        if (
            response.status_code in self.ANSWERED_REFUSALS
            and not request._kasane_denied_logged
            and _is_authenticated(request)
        ):
            self._record(request, status_code=response.status_code)
        return response

    def _record(self, request, *, status_code: int) -> None:
        from .audit import Action, access_event_record

        match = request.resolver_match
        kwargs = match.kwargs if match is not None else {}
        access_event_record(
            action=Action.DENIED,
            request=request,
            object_type=match.view_name if match is not None else "",
            object_id=str(next(iter(kwargs.values()), ""))[:64],
            status_code=status_code,
            kwargs={k: str(v) for k, v in kwargs.items()},
        )
        request._kasane_denied_logged = True

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if not isinstance(exception, Http404 | PermissionDenied):
            return None
        if request.resolver_match is None or not _is_authenticated(request):
            return None
        self._record(request, status_code=404 if isinstance(exception, Http404) else 403)
        return None


class NoStoreForAuthenticatedMiddleware:
    """Every response to a logged-in user may hold personal data: no browser or proxy
    may keep it (the back button on a shared PC at a window). The login page too, and
    the response that logs a user out. Static files never reach here (WhiteNoise)."""

    NO_STORE_URL_NAMES = frozenset({"login"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_authenticated = _is_authenticated(request)
        response = self.get_response(request)
        match = request.resolver_match
        if (
            was_authenticated
            or _is_authenticated(request)
            or (match is not None and match.view_name in self.NO_STORE_URL_NAMES)
        ):
            add_never_cache_headers(response)
        return response


def _is_authenticated(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class MFARequiredMiddleware:
    """When ``KASANE_REQUIRE_MFA`` is on, a user who must use a second factor reaches
    nothing but the second-factor pages until this session is verified: setup if they
    have no device yet, otherwise verification. An allow-list of URL names, as in
    ``AllowListLoginRequiredMiddleware``; runs after it, so only for logged-in users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django_otp import user_has_device

        from .accounts import MFA_EXEMPT_URL_NAMES, mfa_required_for

        user = request.user
        if not settings.KASANE_REQUIRE_MFA or not user.is_authenticated:
            return None
        if user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in MFA_EXEMPT_URL_NAMES:
            return None
        if not mfa_required_for(user):
            return None
        name = "accounts:mfa_verify" if user_has_device(user) else "accounts:mfa_setup"
        url = resolve_url(name)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return _redirect(request, url)


class SessionTimeoutMiddleware:
    """Idle timeout (30 minutes) and absolute timeout (12 hours) of a login.

    Every request counts as activity except background polling (``X-Kasane-Poll: 1``),
    so a page left open does not keep itself alive. A timed-out user is logged out
    (the access log records why) and sent to the login page with the reason; after
    logging in again they come back to the page they were on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .accounts import is_poll, session_timed_out, session_touch

        if _is_authenticated(request):
            reason = session_timed_out(request.session)
            if reason is not None:
                return self._end(request, reason)
            if not is_poll(request):
                session_touch(request.session)
        return self.get_response(request)

    def _end(self, request, reason: str):
        from .accounts import TIMEOUT_MESSAGES

        back_to = _page_to_return_to(request)
        request.kasane_logout_reason = f"timeout_{reason}"
        logout(request)
        messages.warning(request, TIMEOUT_MESSAGES[reason])
        login_url = resolve_url(settings.LOGIN_URL)
        if back_to:
            login_url = f"{login_url}?{urlencode({'next': back_to})}"
        if _wants_json(request):
            return JsonResponse(
                {"authenticated": False, "reason": reason, "login_url": login_url}, status=401
            )
        return _redirect(request, login_url)


def _wants_json(request) -> bool:
    from .accounts import is_poll

    return is_poll(request) or request.headers.get("Accept", "").startswith("application/json")


def _page_to_return_to(request) -> str:
    """Where to come back after logging in again: this page for a plain GET; for a
    form POST, an htmx or a background request the page it came from (a form's draft
    is kept in the browser), if that page is ours."""
    plain_get = request.method == "GET" and not request.headers.get("HX-Request")
    if plain_get and not _wants_json(request):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def _redirect(request, url: str):
    """A redirect that htmx follows with a full page load instead of swapping the
    login page into a fragment."""
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)
