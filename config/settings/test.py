"""Settings for pytest."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KASANE_ALLOW_DEMO_SEED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Eager unless a test explicitly targets the real worker (KASANE_CELERY_WORKER).
CELERY_TASK_ALWAYS_EAGER = not env.bool("KASANE_CELERY_WORKER", default=False)

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# CI runs with the second factor on, as production does.
KASANE_REQUIRE_MFA = env.bool("KASANE_REQUIRE_MFA", default=True)

# Nothing opens the access log's append-only triggers here: the test runner empties
# tables as the owner of the test database (TRUNCATE by the owner is the purge path).

# Reports run at once after commit, except against the real worker (tests/celery).
KASANE_REPORT_RUNNER = "celery" if env.bool("KASANE_CELERY_WORKER", default=False) else "eager"
# Generated files of the tests: one folder the test process and the CI worker share.
KASANE_PRIVATE_ROOT = BASE_DIR / ".test-private"  # noqa: F405
