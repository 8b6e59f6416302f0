"""Settings of IRL Ledger, read from the environment (see the README's configuration section)."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
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
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "irls",
    "ledger",
    "reports",
    "djmoney",
    "import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
        db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Singapore"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Hand-written CSS of the web shell; nothing is fetched from the internet.
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "irls:home"
LOGOUT_REDIRECT_URL = "login"

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
