from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.shortcuts import resolve_url


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
    """Every refused attempt at case data (404 or 403 raised under the case URLs) is
    written to the access log — the view ids of another agency's case included."""

    CASE_NAMESPACES = frozenset({"cases"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from .audit import Action, access_event_record

        if not isinstance(exception, Http404 | PermissionDenied):
            return None
        match = request.resolver_match
        if match is None or match.namespace not in self.CASE_NAMESPACES:
            return None
        access_event_record(
            action=Action.DENIED,
            request=request,
            object_type=match.view_name,
            object_id=str(next(iter(match.kwargs.values()), ""))[:64],
            status_code=404 if isinstance(exception, Http404) else 403,
            kwargs={k: str(v) for k, v in match.kwargs.items()},
            query=request.GET.urlencode()[:200],
        )
        return None
