from django.contrib.auth import views as auth_views
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from . import health
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for the load balancer and the compose health check: the database, Redis
    and the Celery workers, one word each (agencies.health). No login, no personal data;
    200 while the database answers, 503 when it does not."""
    body, status = health.health()
    return JsonResponse(body, status=status)
