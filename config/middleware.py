"""Security headers that Django's SecurityMiddleware does not set, and requests refused
before any view reads them."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and
    `Cache-Control: no-store` on every response that says nothing of caching: pages and
    files hold accounts, so no browser or proxy keeps a copy once the user leaves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        permissions = getattr(settings, "PERMISSIONS_POLICY", "")
        if permissions:
            response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", NO_STORE)
        return response


NUL = "\x00"
FORM_URLENCODED = "application/x-www-form-urlencoded"


class NullCharacterError(SuspiciousOperation):
    """A NUL character in the address, the query string or a form: no text of the books
    holds one, and PostgreSQL refuses it in any query (answered 400 Bad Request)."""


def _has_nul(items: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in items)


class NullCharacterMiddleware:
    """Refuse (400) a request with a NUL character in its path, its query string or its
    URL-encoded form, before a view hands it to the database. Multipart forms (uploads)
    are left to the forms, whose text fields refuse NUL characters themselves, so that
    an upload is never read here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or _has_nul(request.GET.lists()):
            raise NullCharacterError("NUL character in the address")
        form = request.method == "POST" and request.content_type == FORM_URLENCODED
        if form and _has_nul(request.POST.lists()):
            raise NullCharacterError("NUL character in the form")
        return self.get_response(request)
