"""schemathesis against /api/v1/openapi.json, as an accountant and as a director: every
operation gets bounded examples generated from the schema (valid and invalid); no answer
is a 500, every answer conforms to the schema (status, content type, body), and no
write succeeds for a reader (the books are as they were)."""

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from schemathesis import checks as st_checks

from api.services import token_create
from irls.models import Lab
from reports.services import statement_issue
from tests.books import draft, posted
from tests.security.world import entries_state

pytestmark = pytest.mark.django_db

EXAMPLES = 12
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# What a reader may POST: a statement issued (archived, as on the statements page) and
# the verification of the chain (reads only).
READER_POSTS = {"/api/v1/labs/{code}/statements", "/api/v1/labs/{code}/verify"}
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]


@pytest.fixture
def api_schema(settings: Any, db: None) -> Iterator[Any]:
    """The schema, read from the app through WSGI; the requests keep the test's database
    connection open (as Django's test client does)."""
    settings.API_RATE_LIMIT = 0
    settings.AUDIT_VERIFY_INTERVAL = 0
    settings.ALLOWED_HOSTS = ["*"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _walk(schema: Any, user: User, lab: Lab, real: dict[str, int]) -> list[str]:
    """Every operation, EXAMPLES cases each, the lab's code in its path and, every other
    case, the id of a real object of the lab (`real`: entry_id, statement_id, year) so
    that real answers are checked against the schema too; the operations a reader wrote
    through."""
    _token, secret = token_create(acting_user=user, name="schemathesis", days=1)
    headers = {"Authorization": f"Bearer {secret}"}
    written: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy()

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            parameters = case.path_parameters or {}
            if "code" in parameters:
                parameters["code"] = lab.code
            for name, value in real.items():
                if name in parameters and hash(str(parameters[name])) % 2 == 0:
                    parameters[name] = value
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            if (
                case.method.upper() in WRITES
                and case.path not in READER_POSTS
                and response.status_code < 300
            ):
                written.append(f"{case.method} {case.formatted_path}")

        run()
    return written


def _books(lab: Lab, user: User) -> dict[str, int]:
    """A posted entry, a draft and an issued statement of `lab`: the real ids."""
    entry = posted(user, lab)
    draft(user, lab, [("6064", "5.00", "0"), ("401", "0", "5.00")])
    issued = statement_issue(acting_user=None, lab=lab, kind="trial-balance", year=2025)
    return {"entry_id": entry.pk, "statement_id": issued.pk, "year": 2025}


def test_as_an_accountant(api_schema: Any, cintra: Lab, accountant: User):
    _walk(api_schema, accountant, cintra, _books(cintra, accountant))


def test_as_a_director_nothing_is_written(
    api_schema: Any, cintra: Lab, director_cintra: User, accountant: User
):
    real = _books(cintra, accountant)
    before = entries_state()
    written = _walk(api_schema, director_cintra, cintra, real)
    assert not written
    assert entries_state() == before
