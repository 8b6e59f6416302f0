"""Who may call the API: a personal token (`Authorization: Bearer irl_...`) or the
browser's session (with Django's CSRF check on writes), then the same role grants as the
pages (irls/access.py), checked before the request's body is read:

- an address naming a lab (`/labs/{code}/...`) answers 404 to anyone who may not read
  that lab, whether it exists or not, and 403 to a reader of the lab when the operation
  writes (directors and auditors never write);
- every token has its own rate limit (API_RATE_LIMIT, per minute), answered 429 with
  Retry-After.

The lab found is kept on the request (`request.lab`) for the operation.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from api.errors import CSRF_FAILED, ApiError
from api.services import token_authenticate
from irls.access import READ_ROLES, WRITE_ROLES, has_role, lab_for_user_or_404
from irls.models import Lab

READ = "read"
WRITE = "write"


def _admit(request: HttpRequest, user: User, access: str) -> User:
    """`user` if the lab the address names (if any) is theirs to read, or to write when
    `access` is WRITE; Http404 or PermissionDenied otherwise."""
    request.user = user
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    code = kwargs.get("code")
    if code is not None:
        lab = lab_for_user_or_404(user, code)
        if access == WRITE and not has_role(user, lab, WRITE_ROLES):
            raise PermissionDenied
        request.lab = lab  # type: ignore[attr-defined]
    elif access == WRITE and not has_role_anywhere(user):
        raise PermissionDenied
    return user


def has_role_anywhere(user: User) -> bool:
    from irls.access import labs_for_user

    return labs_for_user(user, WRITE_ROLES).exists()


class TokenAuth(HttpBearer):
    """A personal API token, sent as `Authorization: Bearer irl_...`."""

    openapi_description = "A personal API token (the API tokens page), as `Bearer irl_...`."

    def __init__(self, access: str = READ) -> None:
        self.access = access
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_authenticate(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return _admit(request, found.user, self.access)


class SessionAuth(APIKeyCookie):
    """The browser's session (same-site calls: the documentation page, the app's own
    scripts); writes need the CSRF token (`X-CSRFToken` header)."""

    param_name: str = settings.SESSION_COOKIE_NAME
    openapi_description = "The session of a signed-in browser; writes send X-CSRFToken."

    def __init__(self, access: str = READ) -> None:
        self.access = access
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key and self.csrf and check_csrf(request):
            raise ApiError(403, "csrf_failed", CSRF_FAILED)
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not key:
            return None
        if not user.is_authenticated or not user.is_active:
            return None
        return _admit(request, user, self.access)


def auth(access: str = READ) -> list[Any]:
    """The authentications of an operation that reads (READ) or writes (WRITE)."""
    return [TokenAuth(access), SessionAuth(access)]


class TokenRateThrottle(BaseThrottle):
    """At most API_RATE_LIMIT requests a minute per token (a session is the person at
    their browser: not limited here). A fixed window of 60 seconds in Django's cache,
    shared by every server process."""

    window = 60

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "api_token", None)
        limit = int(getattr(settings, "API_RATE_LIMIT", 120))
        if token is None or limit <= 0:
            return True
        self.window_start = int(time.time()) // self.window * self.window
        key = f"irl-ledger:api-rate:{token.pk}:{self.window_start}"
        cache.add(key, 0, self.window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window + 5)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, self.window_start + self.window - time.time())


READ_ONLY_ROLES = READ_ROLES - WRITE_ROLES


def lab_of(request: HttpRequest) -> Lab:
    """The lab the address names, found by the authentication (`_admit`)."""
    return request.lab  # type: ignore[attr-defined]
