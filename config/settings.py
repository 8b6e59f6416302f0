"""Settings of IRL Ledger, read from the environment (see the README's configuration section)."""

import json
import os
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IRL_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
# The development key is for local runs only; production sets SECRET_KEY (see README).
# Its "django-insecure-" prefix makes `check --deploy` refuse it (security.W009).
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-dev-only-key-set-SECRET_KEY-in-production"
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "irls",
    "ledger",
    "parties",
    "reports",
    "banking",
    # Budget alerts (issue 16): thresholds of budget lines and forecast flags, e-mailed.
    "alerts",
    "api",
    # django-ninja: its static files (the API documentation page's Swagger UI, served
    # by whitenoise like ours) and templates.
    "ninja",
    # Background work: the tasks API (django_tasks), its database queue (django_tasks_db,
    # whose admin jobs/admin.py takes away: the Jobs pages show what users may see).
    "django_tasks",
    "django_tasks_db",
    "jobs",
    # Operations: backups and restores, request logs, error reporting (README: "Backups
    # and restore", "Production").
    "ops",
    "djmoney",
    # Not "import_export": its `import` and `export` commands would write to the books
    # without an audit event or an import batch. Only its library classes are used
    # (ledger/imports/resources.py), and they need no installed app.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files, hashed and compressed by collectstatic, served by the app's own processes
    # (no proxy configuration needed); it answers /static/ before any other middleware.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy, Permissions-Policy, no caching of pages and files.
    "config.middleware.SecurityHeadersMiddleware",
    # A NUL character in the address or a form: 400 before any view (PostgreSQL refuses it).
    "config.middleware.NullCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The web shell (layout, login, error pages) and every page template.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Connections are kept for a minute and checked before reuse (a restarted server).
        db: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        if db["ENGINE"] == "django.db.backends.sqlite3":
            db.update(_sqlite_options())
        elif os.environ.get("TEST_DB_NAME"):
            # Lets two test runs share one PostgreSQL server without clashing.
            db["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}
        return db
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "irl_ledger.sqlite3"),
        **_sqlite_options(),
    }


def _sqlite_options() -> dict[str, Any]:
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent posters queue
    # (up to `timeout` seconds) instead of failing with "database is locked" mid-way.
    test_name = os.environ.get("SQLITE_TEST_NAME") or str(VAR_DIR / f"test_{os.getpid()}.sqlite3")
    return {
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
        # A file (not :memory:) so that threads of the concurrency tests share the database.
        "TEST": {"NAME": test_name},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# English dates as Singapore writes them (config/formats/en/formats.py): 05/12/2026.
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Singapore"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` (run by `dev.py serve`) writes here; WhiteNoise serves it (see STORAGES).
# Only the hashed names are kept (every page names its files through the storage): half
# the files to compress at each start.
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Hand-written CSS of the web shell; nothing is fetched from the internet.
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ledger:home"
LOGOUT_REDIRECT_URL = "login"

# E-mail: the password-reset links the office head sends (People page) and the budget
# alerts (alerts/). Printed on the
# console in development (DEBUG=1); sent through SMTP (EMAIL_HOST, EMAIL_PORT...) otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IRL Ledger <irl-ledger@localhost>")
# The site's address, for the links of e-mails sent outside a request (budget alerts).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").strip()
# A password-reset link works for three days at most (and once).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# The book currency of every lab and the reporting currency of the CNRS.
BOOK_CURRENCY = "SGD"
REPORTING_CURRENCY = "EUR"
CURRENCIES = ["SGD", "EUR", "USD", "GBP", "JPY", "VND", "MYR", "AUD", "CHF"]
DEFAULT_CURRENCY = "SGD"

# Spreadsheet imports (ledger.imports): files over IMPORT_MAX_BYTES are refused before
# reading; a workbook whose parts inflate to more than IMPORT_MAX_UNCOMPRESSED is
# refused as a zip bomb; a sheet of more than IMPORT_MAX_ROWS rows is refused.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20_000_000))
IMPORT_MAX_UNCOMPRESSED = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED", 200_000_000))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 500_000))

# Supporting documents of entries (PDF, JPEG, PNG up to DOCUMENT_MAX_BYTES) are kept in
# the storage "documents": the folder DOCUMENTS_ROOT by default (var/documents), or any
# backend of Django's storage API, e.g. django-storages' S3 with
# DOCUMENTS_STORAGE_BACKEND=storages.backends.s3.S3Storage and
# DOCUMENTS_STORAGE_OPTIONS='{"bucket_name": "irl-documents"}' (a JSON object).
DOCUMENTS_ROOT = Path(os.environ.get("DOCUMENTS_ROOT", VAR_DIR / "documents"))
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))
_FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"
_DOCUMENTS_BACKEND = os.environ.get("DOCUMENTS_STORAGE_BACKEND", _FILE_SYSTEM)
_DOCUMENTS_OPTIONS: dict[str, Any] = json.loads(os.environ.get("DOCUMENTS_STORAGE_OPTIONS", "{}"))
if _DOCUMENTS_BACKEND == _FILE_SYSTEM:
    # No URL serves the folder: documents leave only through the download view.
    _DOCUMENTS_OPTIONS = {"location": DOCUMENTS_ROOT, **_DOCUMENTS_OPTIONS}
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": _FILE_SYSTEM},
    # collectstatic names each file after its content's hash and writes its gzip and brotli
    # variants; WhiteNoise serves the variant the browser accepts, cached for a year.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "documents": {"BACKEND": _DOCUMENTS_BACKEND, "OPTIONS": _DOCUMENTS_OPTIONS},
}

# -- Security (README: "Security and production settings") ---------------------------------
# Every value comes from the environment. HTTPS=1 (production, behind TLS) turns on the
# settings that need HTTPS: redirect from http, cookies sent over HTTPS only, HSTS. They
# stay off by default so that local runs, `dev.py start` and the test server use http.


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else int(value)


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


HTTPS = _env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Behind a proxy that terminates TLS: the header it sets, e.g. HTTP_X_FORWARDED_PROTO.
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER, "https") if _PROXY_SSL_HEADER else None
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
# A health probe may ask the server itself over http (it reveals nothing: see config.health).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The pages load nothing from elsewhere and run no script of their own (the admin's come
# from /static/). Style attributes are allowed for the budget bars' widths.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# A session lasts SESSION_COOKIE_AGE seconds from the login (8 hours: a working day),
# and ends when the browser closes.
SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Sessions live in the database, so every server process knows every login.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Login throttling (irls.login): after LOGIN_FAILURE_LIMIT failed logins of one username
# from one address, or LOGIN_ADDRESS_FAILURE_LIMIT from one address whatever the username,
# logins from there are refused for LOGIN_LOCKOUT_SECONDS. The counts live in the default
# cache (below). The address is REMOTE_ADDR, or behind a reverse proxy the header named by
# CLIENT_ADDRESS_HEADER (e.g. HTTP_X_REAL_IP), which the proxy must set itself.
LOGIN_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
LOGIN_LOCKOUT_SECONDS = _env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER", "").strip()

# The default cache holds the login throttle's counts, the pace of ledger verifications and
# the entries list's kept totals. CACHE_BACKEND=database (the default with DEBUG off) is
# Django's database cache, shared by every server process and machine (`createcachetable`
# makes its table; `dev.py serve` runs it); memory (the default with DEBUG on) keeps them
# in each process.
CACHE_BACKEND = os.environ.get("CACHE_BACKEND", "memory" if DEBUG else "database").strip()
_CACHE_BACKENDS: dict[str, dict[str, Any]] = {
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "irl_cache",
        # Expired rows are dropped when a write finds the table above this size.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    "memory": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "irl-ledger",
    },
}
if CACHE_BACKEND not in _CACHE_BACKENDS:
    raise ImproperlyConfigured(
        f"CACHE_BACKEND={CACHE_BACKEND!r}: write database or memory (see the README)"
    )
CACHES = {"default": _CACHE_BACKENDS[CACHE_BACKEND]}

# The auditor's ledger verification recomputes every hash chain: one run per user every
# AUDIT_VERIFY_INTERVAL seconds.
AUDIT_VERIFY_INTERVAL = _env_int("AUDIT_VERIFY_INTERVAL", 10)

# The REST API: requests a minute per personal token (0: no limit); api/security.py.
API_RATE_LIMIT = _env_int("API_RATE_LIMIT", 120)

# -- Background work (jobs/; README: "Background work") --------------------------------------
# Tasks go to the database (TASKS_BACKEND=database, the default): `manage.py jobs_worker`
# runs them, on as many machines as needed, all sharing the database. TASKS_BACKEND=immediate
# runs each task inside the request that asks for it (no worker; development only).
_TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip()
if TASKS_BACKEND not in _TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r}: write database or immediate (see the README)"
    )
TASKS = {"default": {"BACKEND": _TASKS_BACKENDS[TASKS_BACKEND]}}
# A statement whose period holds more posted lines than this is issued by a worker, with
# its progress on the job's page; at or below it, the request hands the file out at once.
# Accounts whose code starts with one of these prefixes are created needing a third party
# on each line (suppliers 40, customers and partners 41, staff 42, other debtors and
# creditors 46); the flag is then the account's own (`needs_third_party`).
LEDGER_THIRD_PARTY_CLASSES = tuple(
    os.environ.get("LEDGER_THIRD_PARTY_CLASSES", "40,41,42,46").replace(" ", "").split(",")
)

JOBS_STATEMENT_LINES = _env_int("JOBS_STATEMENT_LINES", 50_000)
# A spreadsheet of more rows than this, once its preview is confirmed, is imported by a
# worker (the preview itself is read in the request, as for any file).
JOBS_IMPORT_ROWS = _env_int("JOBS_IMPORT_ROWS", 5_000)
# A running job whose worker has not been heard of for this many seconds is taken as lost
# (the worker was killed, or its machine stopped): nothing it wrote is kept (each write is
# one transaction) and the job may be retried. /healthz reports a worker as seen when one
# was heard of within this time. Workers report every few seconds, but on SQLite not while
# a long import holds the write lock: keep it above the longest import's writing.
JOBS_WORKER_LOST_AFTER = _env_int("JOBS_WORKER_LOST_AFTER", 300)

# -- Operations (ops/; README: "Backups and restore", "Production") -------------------------
# `manage.py backup` writes its archives here unless --output names a file or folder.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))

# Every request gets an id (the proxy's X-Request-ID when well-formed, else a new one),
# returned in the response's X-Request-ID and written on every log line made while it
# runs; one line a request (ops.request: method, path, status, duration, user, lab,
# address). The middleware comes first, so that its duration covers every other one.
MIDDLEWARE = ["ops.middleware.RequestLogMiddleware", *MIDDLEWARE]

# Logs go to stdout (systemd's journal, a container's log): LOG_FORMAT=json, one JSON
# object a line (the default with DEBUG off: `dev.py serve`, production), or text (the
# default with DEBUG on); LOG_LEVEL is the least level written (INFO by default).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: write json or text (see the README)")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ops.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"()": "ops.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "ops.logs.StdoutHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
        # Errors of requests (500) e-mailed to ADMINS when DEBUG is off and ADMINS is set.
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own (a 500's traceback comes from django.request) through the same
        # handler, not a second one of Django's defaults.
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        # runserver's line a request repeats ops.request's: its warnings only.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
# ADMINS="Office IT <it@example.org>, Jane Doe <jane@example.org>": who receives the
# tracebacks of server errors by e-mail (through EMAIL_HOST); nobody by default.
ADMINS = [
    (name, address)
    for name, address in getaddresses([os.environ.get("ADMINS", "")])
    if "@" in address
]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Error reporting to Sentry (ops/error_reporting.py) is set by SENTRY_DSN,
# SENTRY_ENVIRONMENT, SENTRY_RELEASE and SENTRY_TRACES_SAMPLE_RATE, read when the apps load.
