"""Structured logs (issue 13, item 6): one JSON line a request on stdout, with its id,
user, lab, status and duration; the request's id on every line made while it runs (the
traceback of a server error included); no secret of the address in the log."""

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext

from irls.models import Lab
from ops.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, StdoutHandler, TextFormatter

GENERATED = re.compile(r"[0-9a-f]{32}")
FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "path",
    "query",
    "status",
    "duration_ms",
    "user",
    "lab",
    "remote",
}


@pytest.fixture(autouse=True)
def json_lines() -> Iterator[None]:
    """The console handler writes JSON during the test, whatever LOG_FORMAT says."""
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h, StdoutHandler)]
    kept = handler.formatter
    handler.setFormatter(JsonFormatter())
    yield
    handler.setFormatter(kept)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def request_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [line for line in lines(capsys) if line["logger"] == "ops.request"]


def test_a_request_logs_one_json_line_with_who_where_and_how_long(
    client: Client, accountant: User, cintra: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    client.force_login(accountant)
    capsys.readouterr()

    response = client.get("/labs/CINTRA/entries/?page=1")

    assert response.status_code == 200
    (line,) = request_lines(capsys)
    assert set(line) == FIELDS
    assert GENERATED.fullmatch(line["request_id"])
    assert response["X-Request-ID"] == line["request_id"]
    assert line["time"].endswith("+00:00")
    assert (line["level"], line["method"], line["path"], line["query"], line["status"]) == (
        "INFO",
        "GET",
        "/labs/CINTRA/entries/",
        "page=1",
        200,
    )
    assert line["user"] == {"id": accountant.pk, "username": "accountant"}
    assert (line["lab"], line["remote"]) == ("CINTRA", "127.0.0.1")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0


def test_an_api_request_names_its_token_user_and_lab(
    cintra: Lab, accountant: User, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.services import token_create

    _token, secret = token_create(acting_user=accountant, name="logs", days=1)
    capsys.readouterr()
    Client().get("/api/v1/labs/CINTRA", HTTP_AUTHORIZATION=f"Bearer {secret}")
    Client().get("/api/v1/labs/CINTRA/entries?limit=5", HTTP_AUTHORIZATION=f"Bearer {secret}")
    first, second = request_lines(capsys)
    assert first["user"] == {"id": accountant.pk, "username": "accountant"}
    assert (first["lab"], second["lab"], second["query"]) == ("CINTRA", "CINTRA", "limit=5")
    # The token itself is never written to the log.
    assert secret not in json.dumps([first, second])


def test_the_proxy_request_id_is_kept_and_a_malformed_one_replaced(
    client: Client, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="7f3c2a9e-proxy-0001")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='bad id"\n{"level": "forged"}')
    fresh = client.get("/healthz")

    first, second, third = request_lines(capsys)
    assert kept["X-Request-ID"] == first["request_id"] == "7f3c2a9e-proxy-0001"
    assert GENERATED.fullmatch(replaced["X-Request-ID"])
    assert second["request_id"] == replaced["X-Request-ID"]
    assert GENERATED.fullmatch(third["request_id"]) and third["request_id"] != second["request_id"]
    assert fresh["X-Request-ID"] == third["request_id"]
    # No user was looked up: the anonymous line names none, and it cost no query.
    assert (first["user"], first["lab"]) == (None, None)


def test_the_log_costs_a_page_that_needs_no_user_no_query(client: Client, db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    touched = " ".join(query["sql"] for query in queries.captured_queries)
    assert "auth_user" not in touched and "django_session" not in touched


def test_a_server_error_logs_its_traceback_with_the_request_id(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def breaks(self: MigrationRecorder) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(MigrationRecorder, "applied_migrations", breaks)
    client = Client(raise_request_exception=False)

    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-500-traceback")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500-traceback"
    logged = lines(capsys)
    (error,) = [line for line in logged if line["logger"] == "django.request"]
    assert (error["level"], error["request_id"], error["status_code"]) == (
        "ERROR",
        "req-500-traceback",
        500,
    )
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert error["traceback"].endswith("RuntimeError: the disk is on fire")
    (request,) = [line for line in logged if line["logger"] == "ops.request"]
    assert (request["request_id"], request["status"], request["level"]) == (
        "req-500-traceback",
        500,
        "WARNING",
    )


def test_secrets_in_the_address_never_reach_the_log(
    client: Client, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    client.get("/reset/MQ/cn2x1f-0123456789abcdef0123456789abcdef/")
    client.get("/login/?next=/labs/IPAL/&password=hunter2&api_key=k-123&page=2")

    reset, login = request_lines(capsys)
    assert reset["path"] == "/reset/***/***/"
    assert login["query"] == "next=/labs/IPAL/&password=***&api_key=***&page=2"
    assert login["lab"] is None  # the lab of the address itself, not of its query
    written = json.dumps([reset, login])
    for secret in ("cn2x1f", "hunter2", "k-123"):
        assert secret not in written


def test_lines_outside_a_request_carry_no_id_and_text_lines_read_as_text() -> None:
    record = logging.makeLogRecord({"name": "jobs", "levelname": "INFO", "msg": "job %s done"})
    record.args = (42,)
    assert RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] is None
    assert TextFormatter().format(record).endswith(" INFO jobs [-] job 42 done")

    token = REQUEST_ID.set("abcdef0123456789")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    assert TextFormatter().format(record).endswith(" INFO jobs [abcdef0123456789] job 42 done")
