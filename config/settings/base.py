"""Settings shared by every environment; values come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "agencies.admin_site.KasaneAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "agencies",
    "cases",
    "referrals",
    "consent",
    "meetings",
    "reports",
    "retention",
    "staff",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.middleware.NoStoreForAuthenticatedMiddleware",
    "agencies.middleware.AllowListLoginRequiredMiddleware",
    "agencies.middleware.MFARequiredMiddleware",
    "agencies.middleware.CaseDataDeniedLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "agencies.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a lockout into the Japanese login page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.context_processors.kasane",
                "agencies.accounts.account_context",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Unset DATABASE_URL → a SQLite file, so the local demo runs on a bare machine.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests: a new PostgreSQL backend costs ≈10 ms a request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The only URL names an anonymous visitor may reach; everything else needs a login.
KASANE_PUBLIC_URL_NAMES = frozenset(
    {"login", "healthz", "accounts:password_set", "accounts:password_set_done"}
)
# Mail: the one-time links to set a password go to the user's own address. Locally they
# are printed to the terminal; production sends through EMAIL_URL (smtp://…).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="kasane@localhost")
# A one-time link to set one's own password (new account, or after an administrator
# reset it) works for 3 days, and only until the password is set.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# guardian: an anonymous user never holds object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic writes here (the image: /app/staticfiles; scripts/prod_check.sh: a temp dir).
STATIC_ROOT = Path(env("KASANE_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
# Generated reports and scanned documents: outside MEDIA_ROOT, served only by checked views.
KASANE_PRIVATE_ROOT = Path(env("KASANE_PRIVATE_ROOT", default=str(BASE_DIR / "private")))

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Celery: without REDIS_URL tasks run in-process, so `make run` needs no broker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis redelivers a task not acknowledged within this many seconds (a worker that died
# holding it). It must be longer than the longest task's hard time limit, or a slow
# report would run twice at once (harmless — the job row keeps one result — but wasted).
# A broker that does not answer within KASANE_BROKER_CONNECT_TIMEOUT seconds is down: a
# report request then leaves its job 待機 for the sweep instead of making the user wait.
KASANE_BROKER_CONNECT_TIMEOUT = env.float("KASANE_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = KASANE_BROKER_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("KASANE_BROKER_VISIBILITY_TIMEOUT", default=60 * 60),
    "socket_connect_timeout": KASANE_BROKER_CONNECT_TIMEOUT,
}

# Reports (meeting packets, the annual evaluation): who runs them. "celery" with Redis;
# without REDIS_URL a background thread of the web process, so a request never waits
# for a render; "eager" (tests) runs them at once after commit.
KASANE_REPORT_RUNNER = env("KASANE_REPORT_RUNNER", default="celery" if REDIS_URL else "thread")
if KASANE_REPORT_RUNNER not in {"celery", "thread", "eager"}:
    raise ImproperlyConfigured("KASANE_REPORT_RUNNER must be celery, thread or eager.")
KASANE_REPORT_SOFT_TIME_LIMIT = env.int("KASANE_REPORT_SOFT_TIME_LIMIT", default=10 * 60)
KASANE_REPORT_TIME_LIMIT = env.int("KASANE_REPORT_TIME_LIMIT", default=12 * 60)
# How long generated files are kept before the purge deletes them (their records stay).
KASANE_PACKET_RETENTION_DAYS = env.int("KASANE_PACKET_RETENTION_DAYS", default=30)
KASANE_REPORT_RETENTION_DAYS = env.int("KASANE_REPORT_RETENTION_DAYS", default=90)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# seed_demo refuses to run unless this is on; production settings force it off.
KASANE_ALLOW_DEMO_SEED = env.bool("KASANE_ALLOW_DEMO_SEED", default=False)
KASANE_DEMO_PASSWORD = env("DEMO_PASSWORD", default="kasane-demo-pw")
KASANE_PAGE_SIZE = 25
# A つなぐシート unanswered this many days after it was sent is flagged 回答期限超過.
REFERRAL_ANSWER_DAYS = env.int("REFERRAL_ANSWER_DAYS", default=7)
if REFERRAL_ANSWER_DAYS < 1:
    raise ImproperlyConfigured("REFERRAL_ANSWER_DAYS must be a whole number of days, 1 or more.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # WeasyPrint logs every layout step at INFO; only its warnings are worth reading.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Behind the municipal reverse proxy, take the client address from X-Forwarded-For.
KASANE_TRUST_X_FORWARDED_FOR = env.bool("KASANE_TRUST_X_FORWARDED_FOR", default=False)
# How long access-log rows are kept before `purge_access_log` may delete them.
KASANE_ACCESS_LOG_RETENTION_DAYS = env.int("KASANE_ACCESS_LOG_RETENTION_DAYS", default=365 * 5)
# 保存年限 of case content, in years, counted from the end of the 年度 (31 March, Asia/Tokyo)
# in which a case was closed (終結) — or, for a consultation that never became a case, in
# which it was received — or, for an アウトリーチ that ended without becoming a consultation,
# in which it ended. `dispose_records` lists what is past it (retention/rules.py).
KASANE_RETENTION_CASE_YEARS = env.int("KASANE_RETENTION_CASE_YEARS", default=5)
KASANE_RETENTION_CONSULTATION_YEARS = env.int("KASANE_RETENTION_CONSULTATION_YEARS", default=5)
KASANE_RETENTION_OUTREACH_YEARS = env.int("KASANE_RETENTION_OUTREACH_YEARS", default=5)
for _name in (
    "KASANE_RETENTION_CASE_YEARS",
    "KASANE_RETENTION_CONSULTATION_YEARS",
    "KASANE_RETENTION_OUTREACH_YEARS",
):
    if not 1 <= vars()[_name] <= 100:
        raise ImproperlyConfigured(f"{_name} must be a whole number of years from 1 to 100.")

CELERY_BEAT_SCHEDULE = {
    # Gate 1 again for every scheduled meeting, so that a consent that expired since
    # the agenda was built flags its item before the papers go out.
    "upcoming-meetings-recheck": {
        "task": "meetings.tasks.upcoming_meetings_recheck_task",
        "schedule": 60 * 60,
    },
    # The outbox: jobs whose enqueue failed (Redis down) or whose worker died.
    "report-jobs-sweep": {
        "task": "reports.tasks.report_jobs_sweep_task",
        "schedule": 60,
    },
    "report-files-purge": {
        "task": "reports.tasks.report_files_purge_task",
        "schedule": 6 * 60 * 60,
    },
    "form-submissions-purge": {
        "task": "agencies.tasks.form_submissions_purge_task",
        "schedule": 24 * 60 * 60,
    },
}

# Accounts (OWASP ASVS 5.0 level 2; DESIGN.md "Security and privacy").
# Lockout: 5 failures lock the *user name* for 30 minutes — never the IP, since a
# city hall's staff share one address. The lock lasts 30 minutes from the 5th
# failure; attempts during it are refused and logged but do not extend it.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" among the parameters. Deliberately not: one city
# hall's staff share one IP, so an IP lock would lock them all out. Failures are summed
# over every attempt with the user name, whatever the IP, User-Agent or cookie, so
# rotating those does not get more tries (tests/accounts/test_lockout.py).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "agencies.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "agencies.accounts.lockout_response"
# Successful logins are in our own access log (with its retention purge), not twice.
AXES_DISABLE_ACCESS_LOG = True

# TOTP second factor for every role that sees case content (agencies.accounts.MFA_ROLES).
KASANE_REQUIRE_MFA = env.bool("KASANE_REQUIRE_MFA", default=True)
OTP_TOTP_ISSUER = "Kasane"
KASANE_MFA_RECOVERY_CODES = 10

# Sessions: idle 30 minutes, absolute 12 hours (SESSION_COOKIE_AGE above), warned
# two minutes ahead. The cookie also ends with the browser: PCs at a window are shared.
KASANE_SESSION_IDLE_SECONDS = env.int("KASANE_SESSION_IDLE_SECONDS", default=30 * 60)
KASANE_SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
KASANE_SESSION_WARNING_SECONDS = 2 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy: no external host at all (LGWAN reaches no internet), no
# inline script or style. The QR code of the TOTP setup is inline SVG markup.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# django-axes logs every login at INFO; the access log already has them. Keep its warnings.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
