"""Logging in, throttled: repeated failures lock a username (and an address) out for a while.

Failures are counted in the default cache (the database cache in production, shared by
every server process), per username and client address (LOGIN_FAILURE_LIMIT) and per
address whatever the username (LOGIN_ADDRESS_FAILURE_LIMIT, against password spraying).
Reaching a limit locks logins out for LOGIN_LOCKOUT_SECONDS: during the lock-out even the
right password is refused, and no password is checked, so a locked-out attacker learns
nothing and costs no hashing. A successful login clears the
username's count (not the address's).
"""

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("irls.login")

LOCKED_OUT = _(
    "Too many failed logins: logging in is blocked for %(minutes)s minutes. "
    "If you forgot your password, ask the office accountant to reset it."
)
LOCKED_OUT_CODE = "locked_out"
TOO_MANY_REQUESTS = 429


def client_address(request: HttpRequest | None) -> str:
    """The address the request came from: REMOTE_ADDR, or behind a reverse proxy the header
    CLIENT_ADDRESS_HEADER names (its last address: the one the nearest proxy wrote), since
    REMOTE_ADDR is then the proxy's own, shared by every client."""
    if request is None:
        return ""
    header = settings.CLIENT_ADDRESS_HEADER
    forwarded = str(request.META.get(header, "")) if header else ""
    if forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()
    return f"login:{kind}:{digest}"


def _user_keys(username: str, address: str) -> tuple[str, str]:
    name = username.strip().casefold()
    return _key("failures", name, address), _key("locked", name, address)


def _address_keys(address: str) -> tuple[str, str]:
    return _key("address-failures", address), _key("address-locked", address)


def login_locked(username: str, address: str) -> bool:
    """True while logins of `username` from `address`, or any login from `address`, are
    locked out."""
    locks = [_user_keys(username, address)[1], _address_keys(address)[1]]
    return bool(cache.get_many(locks))


def _count(counter: str, lock: str, limit: int) -> bool:
    """Count one failure; lock out when `limit` is reached. True when it locked."""
    seconds = settings.LOGIN_LOCKOUT_SECONDS
    cache.add(counter, 0, timeout=seconds)
    try:
        failures = cache.incr(counter)
    except ValueError:  # the count expired in between: this failure starts a new one
        cache.set(counter, 1, timeout=seconds)
        failures = 1
    if failures < limit:
        return False
    cache.set(lock, True, timeout=seconds)
    cache.delete(counter)
    return True


def login_failed(username: str, address: str) -> None:
    """Record a failed login of `username` from `address`."""
    if _count(*_user_keys(username, address), settings.LOGIN_FAILURE_LIMIT):
        logger.warning("login locked out: username %r from %s", username[:150], address)
    if _count(*_address_keys(address), settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        logger.warning("login locked out: every username from %s", address)


def login_succeeded(username: str, address: str) -> None:
    """Forget the failures of `username` from `address`."""
    cache.delete(_user_keys(username, address)[0])


def locked_out_error() -> ValidationError:
    minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
    return ValidationError(LOCKED_OUT, code=LOCKED_OUT_CODE, params={"minutes": minutes})


class ThrottledLogin:
    """Checks the lock-out before the password, and counts failures (a form mixin)."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # type: ignore[misc]
        address = client_address(self.request)
        if login_locked(username, address):
            raise locked_out_error()
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError as error:
            if error.code == "invalid_login":
                login_failed(username, address)
            raise
        login_succeeded(username, address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLogin, AuthenticationForm):
    """The site's login form."""


class ThrottledAdminAuthenticationForm(ThrottledLogin, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled alike."""


class LoginView(auth_views.LoginView):
    """Django's login page with the throttled form; a locked-out attempt answers 429."""

    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        locked = form.has_error(NON_FIELD_ERRORS, LOCKED_OUT_CODE)
        response = self.render_to_response(self.get_context_data(form=form, locked_out=locked))
        if locked:
            response.status_code = TOO_MANY_REQUESTS
        return response
