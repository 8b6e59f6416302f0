"""WSGI entry point: what a production server (gunicorn through `dev.py serve`) loads.

With DEBUG off it refuses to start on the development secret key or a weak one (the rule
of `check --deploy`): sessions, CSRF tokens and password-reset links are signed with it.
"""

import os

from django.conf import settings
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

WEAK_KEY_REFUSED = (
    "SECRET_KEY is not set, or is the development key or a weak one: a production server "
    "(DEBUG=0) needs its own, at least {length} random characters. Make one with "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' (README: Production)."
)


def secret_key_is_weak(key: str) -> bool:
    """True for the development key and keys `check --deploy` calls weak (security.W009)."""
    return (
        key.startswith(SECRET_KEY_INSECURE_PREFIX)
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    )


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if not settings.DEBUG and secret_key_is_weak(settings.SECRET_KEY):
    raise ImproperlyConfigured(WEAK_KEY_REFUSED.format(length=SECRET_KEY_MIN_LENGTH))
