"""One log line a request, and an id that follows the request through every log line."""

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from irls.login import client_address
from ops.logs import REQUEST_ID

logger = logging.getLogger("ops.request")

HEADER = "X-Request-ID"
# What a proxy sends (nginx's $request_id: 32 hex digits; a UUID): anything else, or
# nothing, and the request gets an id of its own (a client cannot write into the logs).
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")
# The lab an address names: a page's (/labs/CODE/...) or the API's (/api/v1/labs/CODE).
LAB = re.compile(r"(?:/api/v[0-9]{1,3})?/labs/(?P<code>[^/]{1,40})(?:/|$)")
# A password-reset link carries its token in the path: never written to a log.
RESET = re.compile(r"^/reset/[^/]+/[^/]+/")
HIDDEN = "***"
# Query parameters whose values are secrets (written as ***): tokens, passwords, keys.
SECRET_PARAMETER = re.compile(r"pass|secret|token|key|sig|auth|session|csrf", re.IGNORECASE)
MAX_PATH = 500


def _request_id(request: HttpRequest) -> str:
    offered = request.headers.get(HEADER, "").strip()
    return offered if WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex


def _path(request: HttpRequest) -> str:
    path = RESET.sub(f"/reset/{HIDDEN}/{HIDDEN}/", request.path)
    return path[:MAX_PATH]


def _query(request: HttpRequest) -> str:
    pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    shown = [(key, HIDDEN if SECRET_PARAMETER.search(key) else value) for key, value in pairs]
    return urlencode(shown, safe="*/:,")[:MAX_PATH]


def _user(request: HttpRequest) -> dict[str, Any] | None:
    """The user, when the request looked them up (a page behind the login); a request
    that needed no user (/healthz, static files) costs no query for the log."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    if not user.is_authenticated:
        return None
    return {"id": user.pk, "username": user.get_username()}


def _lab(request: HttpRequest) -> str | None:
    found = LAB.match(request.path)
    return found["code"] if found else None


class RequestLogMiddleware:
    """Give each request an id (the proxy's X-Request-ID when well-formed, else a new one),
    send it back in the response's X-Request-ID, put it on every log record made while
    the request runs, and log one line when it ends (ops.request: method, path, query
    with secret values hidden, status, duration_ms, user, lab, remote address)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            self._log(request, response, started)
            return response
        finally:
            REQUEST_ID.reset(token)

    def _log(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path, query = _path(request), _query(request)
        user, lab = _user(request), _lab(request)
        fields = {
            "method": request.method,
            "path": path,
            "query": query,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user": user,
            "lab": lab,
            "remote": client_address(request),
        }
        # Server errors as warnings: the error itself, with its traceback, is django.request's
        # (and error reporting's), not this line's.
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %sms user=%s lab=%s",
            request.method,
            path + (f"?{query}" if query else ""),
            response.status_code,
            duration_ms,
            user["username"] if user else "-",
            lab or "-",
            extra=fields,
        )
