"""Settings for the Finsam planning tool.

Configuration comes from the environment: DATABASE_URL, SECRET_KEY, DEBUG,
ALLOWED_HOSTS. DEBUG is off unless set.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes take type arguments at run time too (QuerySet[Member],
# BaseFormSet[MemberRowForm]), as mypy with django-stubs writes them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG")
# pytest sets PYTEST_VERSION; tests run over plain http on localhost.
TESTING = bool(os.environ.get("PYTEST_VERSION"))


def _local_secret_key() -> str:
    """Without SECRET_KEY in the environment, use a random key kept in a local file
    (git-ignored), so that manage.py commands work and no key is ever shared."""
    import secrets

    path = BASE_DIR / ".secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()

ALLOWED_HOSTS = [h.strip() for h in (os.environ.get("ALLOWED_HOSTS") or "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "finsam",
    # After django_otp: its admin replaces django-otp's device pages (finsam/twofactor/admin.py).
    "finsam.twofactor",
    # The layers, bottom to top (README, "Kodens uppbyggnad"; pyproject.toml's
    # import-linter contract): finsam, plans, interventions, budgets, documents.
    "plans",
    "interventions",
    "budgets",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "finsam.middleware.ContentSecurityPolicyMiddleware",
    "finsam.middleware.RejectNullCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # htmx gets 401 instead of the login page; a POST's `next` is the page it came from.
    "finsam.middleware.LoginRequiredResponseMiddleware",
    "finsam.middleware.SessionLifetimeMiddleware",
    # Two-factor login: request.user.is_verified(), then no page until the code is given.
    "django_otp.middleware.OTPMiddleware",
    "finsam.twofactor.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A write refused because its plan year is fastställd: the 409 page, never a 500.
    "plans.middleware.PlanFrozenMiddleware",
    # Last, as django-axes asks: turns a lockout into the page below.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finsam.urls"

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
            ],
            "builtins": ["finsam.templatetags.money"],
        },
    },
]

WSGI_APPLICATION = "finsam.wsgi.application"

# Database: DATABASE_URL, or an SQLite file in the project folder. An empty
# DATABASE_URL makes dj-database-url return {}, hence `or`.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait (up to
    # the timeout) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory: threads (tests/security/test_concurrency.py) need their own
    # connections to one database; one file per test process.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(
        tempfile.gettempdir(), f"finsam-test-{os.getpid()}.sqlite3"
    )

# The cache holds the plan PDFs (documents/pdf.py). Local memory is per process, so a
# server with several workers shares a file cache (FINSAM_CACHE_DIR, by default
# var/cache in the project folder); the tests keep local memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if TESTING
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("FINSAM_CACHE_DIR") or str(BASE_DIR / "var" / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before the others.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
# A refused form whose session (and so its cookies) is gone is a logout, not an attack.
CSRF_FAILURE_VIEW = "finsam.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# Off on purpose: with it on, years render as "2 027". Money is formatted by
# the `kr` filter in finsam/templatetags/money.py.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# A 300-line budget with six columns posts well over Django's default 1000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# Sessions: end after 30 minutes idle, and never live longer than 12 hours
# (finsam.middleware.SessionLifetimeMiddleware). Activity moves the expiry by saving
# the session at most once a minute (SESSION_REFRESH_INTERVAL), not on every request
# (a database write per page view); so a session lives 30 to 31 minutes after its
# last request.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_REFRESH_INTERVAL = timedelta(minutes=1)
SESSION_COOKIE_AGE = int((SESSION_IDLE_TIMEOUT + SESSION_REFRESH_INTERVAL).total_seconds())
SESSION_SAVE_EVERY_REQUEST = False
SESSION_MAX_LIFETIME = timedelta(hours=12)
# The editors warn this long before the idle limit, with a button that renews the session.
SESSION_IDLE_WARNING = timedelta(minutes=2)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by finsam.middleware.ContentSecurityPolicyMiddleware: no
# inline script or style anywhere, so templates use static files and data-attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Login throttling (django-axes): five failures lock the username, and separately
# the address, for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
# Behind N proxies that append to X-Forwarded-For, the client's address is the N:th
# from the right; 0 (no proxy) uses REMOTE_ADDR. See finsam.audit.client_address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
AXES_CLIENT_IP_CALLABLE = "finsam.audit.client_address"

# Two-factor login (finsam/twofactor, django-otp): a TOTP app with single-use backup
# codes, required for förbundschefer and site staff, optional for the other roles.
# Only a DEBUG server may turn the requirement off (the demo users of `make run` have
# no device; there it is off unless FINSAM_OTP_REQUIRED=1). The tests turn it off in
# tests/conftest.py and on where they test it (tests/security/test_two_factor.py).
FINSAM_OTP_REQUIRED = _env_bool("FINSAM_OTP_REQUIRED", default=not DEBUG)
if not FINSAM_OTP_REQUIRED and not DEBUG:
    raise ImproperlyConfigured("FINSAM_OTP_REQUIRED=0 är tillåtet bara med DEBUG=1.")
# Wrong codes per user, over the app and the backup codes together: five in 15 minutes
# or twenty in a day lock the code step for the rest of that window.
FINSAM_OTP_FAILURE_LIMITS = [(5, timedelta(minutes=15)), (20, timedelta(days=1))]
# django-otp's own per-device delay is off: it would refuse a right code typed just
# after a wrong one, with no message; the limits above count instead.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = "Finsam planering"

if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One JSON object per line (finsam/logs.py): what a user typed is escaped, so a
    # newline in a user name cannot forge a line of its own.
    "formatters": {"json": {"()": "finsam.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Who did what (finsam/audit.py); never a password or token.
        "finsam.audit": {"level": "INFO"},
        # Django's own console handler writes plain text: through the root's instead.
        "django": {"handlers": [], "level": "WARNING"},
    },
}


# --- Hardening (issue 13): throttling, request size, caching, demo -------------------
# A successful login resets only its own username's failures (finsam/throttling.py),
# never the address's: another account's correct password no longer clears them. The
# lock page says when to try again.
AXES_HANDLER = "finsam.throttling.OwnUserResetHandler"
AXES_LOCKOUT_CALLABLE = "finsam.throttling.lockout_response"
AXES_USERNAME_CALLABLE = "finsam.throttling.client_username"
# Every request body at most 6 MB (the largest upload is a 5 MB Excel file), refused
# with 413 by its Content-Length before the CSRF check or anything reads it.
REQUEST_BODY_MAX_BYTES = 6 * 1024 * 1024
# Right after the security headers' middleware, so the 413 page gets them too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("finsam.middleware.ContentSecurityPolicyMiddleware") + 1,
    "finsam.protection.RequestBodyLimitMiddleware",
)
# Cache-Control: no-store on every response to a logged-in user.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "finsam.protection.NoStoreForUsersMiddleware",
)
# load_demo gives the demo users the README's password only on a developer's machine
# (DEBUG) or in the tests; otherwise FINSAM_DEMO_PASSWORD, or it refuses.
DEMO_PUBLISHED_PASSWORD_ALLOWED = DEBUG or TESTING


# --- Background work (issue 13): PDFs render in a worker, never in a web request -----
# django-tasks (the backport of Django 6's Tasks framework). The database backend
# (django-tasks-db) needs nothing beside the database: `manage.py db_worker` runs the
# tasks (`make run` starts it beside the server). FINSAM_TASKS=rq puts them in RQ on
# Redis instead (FINSAM_REDIS_URL), run by `manage.py rqworker --job-class
# django_tasks_rq.Job default`; then the PDF cache is in that Redis too, so that
# workers on several machines share it. The tests run tasks at once, in the request
# (ImmediateBackend), unless a test says otherwise.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
FINSAM_TASKS = (os.environ.get("FINSAM_TASKS") or "database").strip().lower()
FINSAM_REDIS_URL = os.environ.get("FINSAM_REDIS_URL") or "redis://127.0.0.1:6379/0"
RQ_QUEUES = {"default": {"URL": FINSAM_REDIS_URL, "DEFAULT_TIMEOUT": 600}}
TASKS: dict[str, dict[str, Any]]
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif FINSAM_TASKS == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": FINSAM_REDIS_URL,
        }
    }
elif FINSAM_TASKS == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured("FINSAM_TASKS ska vara database eller rq.")

# A PDF's limits (documents/pdf_render.py). The rendering runs in a child process of the
# worker, stopped when it has used the time limit in processor time (or five times
# it on the clock, however busy the machine); the size limits refuse before it starts. A
# section's limit is for its text as HTML (a 10 000-row Markdown table is about 700 kB;
# the longest demo section is about 2 kB; 200 kB renders in about 10 s), the document's
# for all of it (the demo plans are 45–80 kB).
# Seconds as a Decimal, as every number in the app; documents/pdf_render.py turns it into
# the float the operating system's limits take.
PDF_RENDER_TIME_LIMIT = Decimal(os.environ.get("FINSAM_PDF_TIME_LIMIT") or "60")
PDF_MAX_SECTION_BYTES = 200_000
PDF_MAX_DOCUMENT_BYTES = 3_000_000
# The render process runs at a lower priority than the web server's (not in the
# tests, whose backend renders in the request itself, beside others' work).
PDF_RENDER_NICENESS = 0 if TESTING else 10
# The queue of the PDF and adoption tasks (a worker serves "default" unless told).
PDF_TASK_QUEUE = "default"
# Queue the plan's PDF after every save (documents/pdf_tasks.py). The tests' backend runs
# a task at once, in the saving request; so there it is off, but for the tests of it.
PDF_QUEUE_AFTER_SAVE = not TESTING

# --- Mail and one-time links (issue 15) ---------------------------------------------
# Invitations and "Glömt lösenordet?" go through Django's mail API. The server comes from
# the environment; a DEBUG server without EMAIL_HOST prints mails on the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Finsam planering <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_SUBJECT_PREFIX = ""
# How long a link works (finsam/tokens.py). Django itself checks PASSWORD_RESET_TIMEOUT,
# so it is the longest of them.
FINSAM_INVITATION_VALIDITY = timedelta(days=7)
FINSAM_PASSWORD_RESET_VALIDITY = timedelta(hours=24)
PASSWORD_RESET_TIMEOUT = int(
    max(FINSAM_INVITATION_VALIDITY, FINSAM_PASSWORD_RESET_VALIDITY).total_seconds()
)
