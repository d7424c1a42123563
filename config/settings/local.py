"""The local demo: `make run` on a bare machine (SQLite, tasks in-process)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-demo-only-not-a-secret-kasane")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
KASANE_ALLOW_DEMO_SEED = env.bool("KASANE_ALLOW_DEMO_SEED", default=True)

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo runs without a second factor; the login page says so.
KASANE_REQUIRE_MFA = env.bool("KASANE_REQUIRE_MFA", default=False)
