"""Production: everything from the environment, nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Refuse to start rather than sign sessions with a key anyone can read: empty, short,
# or the placeholder of .env.example (or any of the well-known example values).
KNOWN_EXAMPLE_KEYS = frozenset(
    {"change-me", "changeme", "secret", "django-insecure", "local-demo-only-not-a-secret-kasane"}
)
if (
    len(SECRET_KEY) < 50
    or SECRET_KEY.lower() in KNOWN_EXAMPLE_KEYS
    or SECRET_KEY.startswith("django-insecure")
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a long random string of 50 characters or more, not the "
        'example value (python3 -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
KASANE_ALLOW_DEMO_SEED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_NAME = "__Secure-sessionid"
CSRF_COOKIE_NAME = "__Secure-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Required in production (DESIGN.md); only an explicit environment value turns it off.
KASANE_REQUIRE_MFA = env.bool("KASANE_REQUIRE_MFA", default=True)
