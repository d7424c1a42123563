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
