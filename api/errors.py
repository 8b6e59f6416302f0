"""One shape for every error the API answers, in the request's language:

    {"code": "not_found", "message": "...", "field": null, "errors": []}

`code` is stable (scripts test it), `message` is the pages' own wording, `field` names
the field (or `lines.2.account`, a row of the request) at fault when there is one, and
`errors` lists every field at fault when several are. Bad input is a 4xx, never a 500.
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ledger.exceptions import (
    EntryFrozenError,
    LedgerError,
    NotPermittedError,
    ReversalError,
    YearStateError,
)

NOT_FOUND = _("Not found, or not yours to see.")
FORBIDDEN = _("Your roles do not allow this in this lab.")
UNAUTHENTICATED = _(
    "Sign in, or send a valid API token as 'Authorization: Bearer irl_...' (it may have "
    "expired or been revoked)."
)
CSRF_FAILED = _("The CSRF check failed: send the X-CSRFToken header with the session.")
THROTTLED = _("Too many requests with this token: wait {seconds} seconds.")
INVALID = _("The request is not valid: see the fields named.")
INVALID_JSON = _("The body is not valid JSON.")
# What a field is refused for, by the kind of fault pydantic names.
FIELD_MISSING = _("This field is required.")
FIELD_TYPE = _("Not a valid value for this field.")
FIELD_TOO_LONG = _("Too long for this field.")
FIELD_DATE = _("Not a valid date (YYYY-MM-DD).")
FIELD_NUMBER = _("Not a valid number.")
FIELD_CHOICE = _("Not one of the values this field takes.")
FIELD_EXTRA = _("This field is not known.")

_FIELD_MESSAGES: dict[str, Promise] = {
    "missing": FIELD_MISSING,
    "string_too_long": FIELD_TOO_LONG,
    "too_long": FIELD_TOO_LONG,
    "date_parsing": FIELD_DATE,
    "date_from_datetime_parsing": FIELD_DATE,
    "date_type": FIELD_DATE,
    "decimal_parsing": FIELD_NUMBER,
    "decimal_type": FIELD_NUMBER,
    "int_parsing": FIELD_NUMBER,
    "int_type": FIELD_NUMBER,
    "literal_error": FIELD_CHOICE,
    "enum": FIELD_CHOICE,
    "extra_forbidden": FIELD_EXTRA,
    "json_invalid": INVALID_JSON,
}


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer."""

    code: str
    message: str
    field: str | None = None
    errors: list[FieldError] = []


# The error answers every operation may give (documented in the schema).
READ_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**READ_ERRORS, 409: ErrorOut}


class ApiError(Exception):
    """An answer other than success, raised by an operation."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | Promise,
        field: str | None = None,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = str(message)
        self.field = field
        self.errors = errors or []


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str | Promise,
    field: str | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    body = {
        "code": code,
        "message": str(message),
        "field": field,
        "errors": [{"field": f, "message": str(m)} for f, m in errors or []],
    }
    return api.create_response(request, body, status=status)


def _error_code(exc: LedgerError) -> str:
    """UnbalancedEntryError -> "unbalanced_entry"."""
    name = type(exc).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _field_of(loc: list[Any]) -> str:
    """The field a pydantic location names, without where it came from: ["body",
    "entry", "lines", 2, "account"] -> "lines.2.account"; ["query", "date_from"] ->
    "date_from"."""
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts)


def _ledger_status(exc: LedgerError) -> int:
    if isinstance(exc, NotPermittedError):
        return 403
    if isinstance(exc, EntryFrozenError | ReversalError | YearStateError):
        return 409
    return 400


def install_handlers(api: NinjaAPI) -> None:
    """The API's exception handlers: every refusal in the one shape."""

    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(
            api, request, exc.status, exc.code, exc.message, exc.field, exc.errors
        )

    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        for error in exc.errors:
            message = _FIELD_MESSAGES.get(str(error.get("type", "")), FIELD_TYPE)
            errors.append((_field_of(list(error.get("loc", []))), gettext(str(message))))
        field = errors[0][0] if len(errors) == 1 else None
        return error_response(api, request, 422, "invalid", INVALID, field, errors)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 404, "not_found", NOT_FOUND)

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", FORBIDDEN)

    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = error_response(api, request, 401, "unauthenticated", UNAUTHENTICATED)
        response["WWW-Authenticate"] = 'Bearer realm="IRL Ledger"'
        return response

    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        seconds = int(exc.wait or 60)
        return error_response(api, request, 429, "throttled", THROTTLED.format(seconds=seconds))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja's own refusals (a body that is not JSON, a method not allowed).
        code = "invalid" if exc.status_code < 500 else "error"
        message = INVALID_JSON if exc.status_code == 400 else exc.message
        return error_response(api, request, exc.status_code, code, message)

    def ledger_error(request: HttpRequest, exc: LedgerError) -> HttpResponse:
        return error_response(api, request, _ledger_status(exc), _error_code(exc), str(exc))

    handlers: list[tuple[type[Exception], Any]] = [
        (ApiError, api_error),
        (ValidationError, validation),
        (Http404, not_found),
        (PermissionDenied, forbidden),
        (AuthenticationError, unauthenticated),
        (Throttled, throttled),
        (HttpError, http_error),
        (LedgerError, ledger_error),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)
